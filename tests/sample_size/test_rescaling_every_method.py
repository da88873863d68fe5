"""Metamorphic: every sample-size method answers the same whatever the units of the columns.

One law for all of them, through the front door: multiplying the columns of X by any
factors in 1e-12 ... 1e12 (one factor, or one per column), by 1e300 or 1e-300, and the
target by a factor with a shift changes neither m*, nor the forecast, nor the status (same
random_state). The
per-family tests (test_units_classical.py, test_units_bayesian.py,
test_robust_default.py) check the formulas; this one checks that no registered method
was left out.
"""

import warnings

import numpy as np
import pytest

from skcomplexity.sample_size import METHODS, SufficientSampleSize

#: the neural method trains a network: its units law is the network's, not tested here
NUMERIC = sorted(set(METHODS) - {"landscape", "learning-curve"})
SMALL = {"n_repeats": 8, "sizes": 6}


def _data(binary, n=240, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    eta = X @ np.array([0.8, -0.5, 0.3])[:d]
    if binary:
        return X, (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    return X, eta + rng.standard_normal(n)


def _answer(name, X, y):
    est = SufficientSampleSize(name, random_state=0)
    params = {k: v for k, v in SMALL.items() if k in est._build().get_params()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = SufficientSampleSize(name, random_state=0, params=params or None).fit(X, y)
    return fitted.sample_size_, fitted.extrapolated_size_, fitted.status_


@pytest.mark.parametrize("binary", [False, True], ids=["regression", "binary"])
@pytest.mark.parametrize("name", NUMERIC)
def test_units_do_not_matter(name, binary):
    X, y = _data(binary)
    base = _answer(name, X, y)
    factors = 10.0 ** np.random.default_rng(1).uniform(-12, 12, X.shape[1])
    cases = [X * 1e-12, X * 1e12, X * factors, X * 1e300, X * 1e-300]
    for Xs in cases:
        got = _answer(name, Xs, y)
        assert got[0] == base[0] and got[2] == base[2], (name, got, base)
        if base[1] is not None:
            assert got[1] == pytest.approx(base[1], rel=1e-6)
    if not binary:
        got = _answer(name, X, y * 1e6 + 3e7)
        assert got[0] == base[0] and got[2] == base[2], (name, "target", got, base)
