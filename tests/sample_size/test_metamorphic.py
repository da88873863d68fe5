"""Metamorphic laws of the front door's default (``method="auto"``).

Law (linear-Gaussian model, noise variance estimated from the data): the
KL divergence between neighbouring posteriors is about ``p / (2k)`` nats for
``p`` parameters, so

* m* does not decrease when the number of features ``d`` grows;
* m* is invariant to the noise level ``σ`` (the criterion is measured in units
  of the estimated noise, so scaling the noise does not move it);
* m* is set by the data, not by the grid: it is neither the grid's second point
  nor within a few rows of ``n``, and refining the grid moves it by no more than
  the Monte Carlo noise of the "for all k >= m*" rule (a finer grid has more chances
  to fail; 25% here with 20 orders).
"""

import numpy as np
import pytest

from skcomplexity import SufficientSampleSize


def _data(d, sigma, n=1500, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w = rng.normal(0.0, 0.5, d)
    return X, X @ w + sigma * rng.standard_normal(n)


def _m_star(X, y, sizes=150):
    return SufficientSampleSize(random_state=0,
                                params={"n_repeats": 20, "sizes": sizes}).fit(X, y)


@pytest.fixture(scope="module")
def by_setting():
    return {(d, s): _m_star(*_data(d, s)) for d, s in [(3, 0.5), (3, 1.0), (3, 2.0), (6, 1.0),
                                                        (12, 1.0)]}


def test_m_star_grows_with_dimension(by_setting):
    ms = [by_setting[(d, 1.0)].sample_size_ for d in (3, 6, 12)]
    assert all(m is not None for m in ms)
    assert ms[0] <= ms[1] <= ms[2] and ms[2] > ms[0]


def test_m_star_invariant_to_noise_level(by_setting):
    ests = [by_setting[(3, s)] for s in (0.5, 1.0, 2.0)]
    step = np.diff(ests[0].sizes_).max()
    ms = [e.sample_size_ for e in ests]
    assert max(ms) - min(ms) <= step, ms


def test_answer_not_set_by_the_grid(by_setting):
    for est in by_setting.values():
        m, sizes = est.sample_size_, est.sizes_
        assert m is not None and m > sizes[1] and m < 1500 - 50
    X, y = _data(6, 1.0)
    coarse, fine = by_setting[(6, 1.0)], _m_star(X, y, sizes=400)
    assert abs(coarse.sample_size_ - fine.sample_size_) <= 0.25 * coarse.sample_size_
