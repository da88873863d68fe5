"""Tests of the heuristic sample-size estimators (cross-validation, bootstrap)."""

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils.estimator_checks import parametrize_with_checks

from skcomplexity.datasets import make_linear_regression, make_logistic_regression
from skcomplexity.models.glm import add_intercept, per_object_log_likelihood
from skcomplexity.sample_size._base import Draws
from skcomplexity.sample_size._common import (
    draw_subsample_counts,
    prepare_glm_data,
)
from skcomplexity.sample_size.heuristic import BootstrapSampleSize, CrossValidationSampleSize

FAST = dict(sizes=4, n_repeats=5, random_state=0)


def _checks_instances():
    return [CrossValidationSampleSize(**FAST), BootstrapSampleSize(**FAST)]


@parametrize_with_checks(_checks_instances())
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        check(estimator)


@pytest.fixture(scope="module")
def reg_data():
    return make_linear_regression(300, 4, noise=1.0, random_state=0)


@pytest.fixture(scope="module")
def clf_data():
    return make_logistic_regression(400, 3, random_state=1)


# ---------------------------------------------------------------- oracles
def test_bootstrap_batched_fits_match_sklearn(reg_data):
    """The batched ridge fits of the bootstrap equal per-replicate sklearn Ridge fits."""
    X, y = reg_data
    est = BootstrapSampleSize(prior_precision=0.5)
    data = est._prepare(X, y)
    rngs = [np.random.default_rng(i) for i in range(6)]
    counts = draw_subsample_counts(rngs, len(y), 40, replace=True)
    from skcomplexity.models.glm import fit_glm

    coef = fit_glm(data.X, data.y, "gaussian", weights=counts, prior_precision=0.5)
    for r in range(6):
        ref = Ridge(alpha=0.5, fit_intercept=False).fit(data.X, data.y, sample_weight=counts[r])
        np.testing.assert_allclose(coef[r], ref.coef_, rtol=1e-7, atol=1e-9)


def test_bootstrap_width_is_percentile_width_of_refits(clf_data):
    """Width at one size = max percentile-interval width of sklearn logistic refits."""
    X, y = clf_data
    est = BootstrapSampleSize(prior_precision=1.0, n_repeats=30)
    data = est._prepare(X, y)
    index = np.random.default_rng(3).integers(0, len(y), size=(30, 120))
    draws = Draws(index, np.array([60, 120]), [None] * 30, len(y), True)
    width = est._widths(est._criterion(data, draws).values[1])
    coefs = []
    for rows in index:
        c = np.bincount(rows, minlength=len(y))
        lr = LogisticRegression(C=1.0, fit_intercept=False, tol=1e-12, max_iter=10000)
        coefs.append(lr.fit(data.X, data.y, sample_weight=c).coef_[0])
    lo, hi = np.percentile(coefs, [2.5, 97.5], axis=0)
    np.testing.assert_allclose(width, np.max(hi - lo), rtol=1e-5)


def test_cv_criterion_matches_manual_split(reg_data):
    """RS at one size equals a manual split, fit (sklearn) and per-object log-likelihood."""
    X, y = reg_data
    est = CrossValidationSampleSize(prior_precision=0.0, test_size=0.25)
    data = est._prepare(X, y)
    idx = np.random.default_rng(5).permutation(len(y))[:80]
    draws = Draws(idx[None], np.array([40, 80]), [None], len(y), False)
    rs = est._criterion(data, draws).values[1, 0]
    test, train = idx[:20], idx[20:]
    from sklearn.linear_model import LinearRegression

    lr = LinearRegression().fit(X[train], y[train])
    coef = np.r_[lr.intercept_, lr.coef_]
    sigma2 = np.mean((y[train] - lr.predict(X[train])) ** 2)
    Xd = add_intercept(X)
    ll = per_object_log_likelihood(Xd, y, coef, "gaussian", sigma2=sigma2)
    np.testing.assert_allclose(rs, ll[train].mean() - ll[test].mean(), rtol=1e-8)


# ---------------------------------------------------------- behaviour
def test_curves_decrease_and_threshold_monotone(reg_data):
    X, y = reg_data
    for cls in (CrossValidationSampleSize, BootstrapSampleSize):
        est = cls(sizes=8, n_repeats=40, random_state=0).fit(X, y)
        assert est.criterion_[0] > est.criterion_[-1]
        assert np.sum(np.diff(est.criterion_) > 0) <= 2  # monotone-ish
        previous = np.inf
        for thr in (0.02, 0.05, 0.1, 0.3, 1.0, 3.0):
            m = est.set_params(threshold=thr)._decide() or est.sample_size_
            m = np.inf if m is None else m
            assert m <= previous
            previous = m


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_binomial_family_auto(clf_data):
    X, y = clf_data
    est = CrossValidationSampleSize(sizes=4, n_repeats=10, random_state=0).fit(X, 2 * y + 3)
    assert est.family_ == "binomial"
    assert np.all(np.isfinite(est.criterion_))


@pytest.mark.parametrize("cls", [CrossValidationSampleSize, BootstrapSampleSize])
def test_n_jobs_invariance(cls, reg_data):
    X, y = reg_data
    a = cls(sizes=4, n_repeats=10, random_state=42, n_jobs=1).fit(X, y)
    b = cls(sizes=4, n_repeats=10, random_state=42, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(a.criterion_replicates_, b.criterion_replicates_)
    assert a.sample_size_ == b.sample_size_


# ---------------------------------------------------------- bad input
@pytest.mark.parametrize("cls", [CrossValidationSampleSize, BootstrapSampleSize])
def test_bad_input(cls, reg_data):
    X, y = reg_data
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        cls(**FAST).fit(Xn, y)
    with pytest.raises(ValueError, match="single class"):
        cls(family="binomial", **FAST).fit(X, np.ones(len(y)))
    with pytest.raises(ValueError, match="exactly two"):
        cls(family="binomial", **FAST).fit(X, np.arange(len(y)) % 3)
    with pytest.raises(ValueError, match="n_features \\+ 2"):
        cls(**FAST).fit(X[:5], y[:5])
    with pytest.raises(ValueError, match="threshold"):
        cls(threshold=-1.0, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="family"):
        cls(family="poisson", **FAST).fit(X, y)
    with pytest.raises(ValueError, match="prior_precision"):
        cls(prior_precision=-1.0, **FAST).fit(X, y)


def test_bad_specific_params(reg_data):
    X, y = reg_data
    with pytest.raises(ValueError, match="test_size"):
        CrossValidationSampleSize(test_size=1.5, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="alpha"):
        BootstrapSampleSize(alpha=0.0, **FAST).fit(X, y)


def test_prepare_glm_data_maps_labels():
    X = np.random.default_rng(0).normal(size=(10, 2))
    data = prepare_glm_data(X, np.array(["a", "b"] * 5, dtype=object), "binomial", True)
    assert data.X.shape == (10, 3) and set(data.y) == {0.0, 1.0}
    assert list(data.classes) == ["a", "b"]
