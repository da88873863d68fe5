"""When the data never reach the criterion, the front door says how much more would."""

import warnings

import numpy as np
import pytest

from skcomplexity._decision import extrapolate_size
from skcomplexity.datasets import make_linear_regression
from skcomplexity.sample_size import SufficientSampleSize
from skcomplexity.sample_size.posterior_proximity import PUBLISHED_PARAMS


def test_extrapolate_size_closed_form():
    sizes = np.arange(10, 210, 10)
    m, b = extrapolate_size(sizes, 3.0 / sizes ** 0.5, 0.03)
    assert b == pytest.approx(-0.5)
    assert m == pytest.approx(1e4)  # 3 / sqrt(m) = 0.03


def test_extrapolate_size_recovers_a_noisy_power_law():
    """Monte Carlo: c m^-1 with 10 % log-normal noise, the level 4x beyond the last size.
    Unbiased on the log scale; the spread is that of a 4x extrapolation from 10 points."""
    rng = np.random.default_rng(0)
    sizes = np.arange(20, 420, 20)
    errors = []
    for _ in range(200):
        crit = 5.0 / sizes * np.exp(rng.normal(0, 0.1, sizes.size))
        m, _ = extrapolate_size(sizes, crit, 5.0 / 1600)
        assert m is not None
        errors.append(np.log(m / 1600))
    assert abs(np.mean(errors)) < 0.1
    assert np.quantile(np.abs(errors), 0.9) < 0.6


def test_extrapolate_size_refuses_a_flat_or_rising_trend():
    rng = np.random.default_rng(1)
    sizes = np.arange(10, 210, 10)
    assert extrapolate_size(sizes, 0.05 + 0.01 * rng.normal(size=sizes.size) ** 2, 0.01)[0] \
        is None
    assert extrapolate_size(sizes, sizes / 100.0, 0.01)[0] is None
    assert extrapolate_size([10, 20], [0.1, 0.05], 0.01) == (None, None)
    with pytest.raises(ValueError, match="level"):
        extrapolate_size(sizes, 1.0 / sizes, 0.0)
    with pytest.raises(ValueError, match="same length"):
        extrapolate_size(sizes, [1.0], 0.1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_half_the_data_predicts_the_full_answer(seed):
    """Metamorphic: on half the rows that the default needs, the extrapolation lands near
    the m* that the full data give (within a factor 1.5)."""
    X, y = make_linear_regression(3000, 5, noise=1.0, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = SufficientSampleSize(random_state=0).fit(X, y).sample_size_
    assert m is not None and m < 3000
    half = m // 2
    with pytest.warns(UserWarning, match="more objects of the same kind"):
        est = SufficientSampleSize(random_state=0).fit(X[:half], y[:half])
    assert est.sample_size_ is None
    assert m / 1.5 < est.extrapolated_size_ < m * 1.5


def test_no_extrapolation_when_answered_or_relative():
    X, y = make_linear_regression(3000, 5, noise=1.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert SufficientSampleSize(random_state=0).fit(X, y).extrapolated_size_ is None
        rel = SufficientSampleSize("kl-sufficiency", random_state=0,
                                   params={**PUBLISHED_PARAMS, "n_repeats": 5}
                                   ).fit(X[:100], y[:100])
    assert rel.extrapolated_size_ is None  # relative threshold: no level to extrapolate to
