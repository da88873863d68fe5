import warnings

import numpy as np
import pytest
import statsmodels.api as sm

from skcomplexity.datasets import make_linear_regression, make_logistic_regression
from skcomplexity.models.glm import (
    add_intercept,
    fisher_information,
    fit_glm,
    fit_restricted,
    laplace_posterior,
    log_likelihood,
    score,
    sklearn_logistic_prefix_path,
)


@pytest.fixture
def binomial_data():
    X, y = make_logistic_regression(300, 4, random_state=0)
    return add_intercept(X), y.astype(float)


@pytest.fixture
def gaussian_data():
    X, y = make_linear_regression(300, 4, noise=0.7, random_state=0)
    return add_intercept(X), y


def test_binomial_matches_statsmodels(binomial_data):
    X, y = binomial_data
    res = sm.GLM(y, X, family=sm.families.Binomial()).fit()
    coef = fit_glm(X, y, "binomial")
    np.testing.assert_allclose(coef, res.params, atol=1e-8)
    assert log_likelihood(X, y, coef, "binomial") == pytest.approx(res.llf, abs=1e-8)
    np.testing.assert_allclose(np.linalg.inv(fisher_information(X, coef, "binomial")),
                               res.cov_params(), rtol=1e-6)
    np.testing.assert_allclose(score(X, y, coef, "binomial"), 0, atol=1e-7)


def test_gaussian_matches_statsmodels(gaussian_data):
    X, y = gaussian_data
    res = sm.GLM(y, X, family=sm.families.Gaussian()).fit()
    coef = fit_glm(X, y, "gaussian")
    np.testing.assert_allclose(coef, res.params, atol=1e-10)
    sigma2 = np.mean((y - X @ coef) ** 2)  # MLE of the scale, as statsmodels' llf uses
    assert log_likelihood(X, y, coef, "gaussian", sigma2=sigma2) == pytest.approx(res.llf, rel=1e-10)
    # score at a non-optimal point against finite differences
    w = coef + 0.1
    eps = 1e-6
    fd = [(log_likelihood(X, y, w + eps * e, "gaussian", sigma2=0.5)
           - log_likelihood(X, y, w - eps * e, "gaussian", sigma2=0.5)) / (2 * eps)
          for e in np.eye(X.shape[1])]
    np.testing.assert_allclose(score(X, y, w, "gaussian", sigma2=0.5), fd, rtol=1e-6)


@pytest.mark.parametrize("family", ["gaussian", "binomial"])
def test_batched_weighted_fits_equal_individual_statsmodels_fits(family, binomial_data,
                                                                 gaussian_data):
    X, y = binomial_data if family == "binomial" else gaussian_data
    rng = np.random.default_rng(1)
    W = rng.multinomial(X.shape[0], np.full(X.shape[0], 1 / X.shape[0]), size=6).astype(float)
    coefs = fit_glm(X, y, family, weights=W)
    fam = sm.families.Binomial() if family == "binomial" else sm.families.Gaussian()
    for b in range(W.shape[0]):
        ref = sm.GLM(y, X, family=fam, freq_weights=W[b]).fit().params
        np.testing.assert_allclose(coefs[b], ref, atol=1e-8)


def test_restricted_fit_is_fit_with_offset(binomial_data):
    X, y = binomial_data
    w = fit_restricted(X, y, "binomial", [1, 3], [0.5, -0.2])
    offset = X[:, [1, 3]] @ np.array([0.5, -0.2])
    ref = sm.GLM(y, X[:, [0, 2, 4]], family=sm.families.Binomial(), offset=offset).fit().params
    np.testing.assert_allclose(w[[0, 2, 4]], ref, atol=1e-8)
    np.testing.assert_allclose(w[[1, 3]], [0.5, -0.2])


def test_conjugate_posterior_closed_form(gaussian_data):
    X, y = gaussian_data
    alpha, sigma2 = 2.0, 0.5
    mean, cov = laplace_posterior(X, y, "gaussian", prior_precision=alpha, sigma2=sigma2)
    S = np.linalg.inv(alpha * np.eye(X.shape[1]) + X.T @ X / sigma2)
    np.testing.assert_allclose(cov, S, rtol=1e-10)
    np.testing.assert_allclose(mean, S @ X.T @ y / sigma2, rtol=1e-10)


def test_laplace_posterior_binomial_is_map_and_hessian(binomial_data):
    X, y = binomial_data
    mean, cov = laplace_posterior(X, y, "binomial", prior_precision=1.0)
    np.testing.assert_allclose(score(X, y, mean, "binomial") - mean, 0, atol=1e-8)
    p = 1 / (1 + np.exp(-X @ mean))
    H = (X * (p * (1 - p))[:, None]).T @ X + np.eye(X.shape[1])
    np.testing.assert_allclose(np.linalg.inv(cov), H, rtol=1e-8)


def test_separable_data_warn(binomial_data):
    # unpenalised and separated: Newton's decrement does vanish (the likelihood flattens
    # out), but the MLE does not exist -- R's glm's "fitted probabilities numerically 0 or 1"
    X, _ = binomial_data
    y = (X[:, 1] > 0).astype(float)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        coef = fit_glm(X, y, "binomial")
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(messages) == 1 and "numerically 0 or 1" in messages[0]
    assert "separated" in messages[0] and "did not converge" not in messages[0]
    assert np.abs(X @ coef).max() > 100  # the estimate runs off towards infinity
    # batched replicates, weighted or gathered (the likelihood bootstrap's), say the same
    with pytest.warns(RuntimeWarning, match="numerically 0 or 1 occurred on 3 of 3 replicates"):
        fit_glm(X, y, "binomial", weights=np.ones((3, len(y))))
    rows = np.tile(np.arange(len(y)), (3, 1))
    with pytest.warns(RuntimeWarning, match="numerically 0 or 1 occurred on 3 of 3 replicates"):
        list(sklearn_logistic_prefix_path(X[:, 1:], y, rows, [len(y)], inv_c=0.0))


def _separable(seed=0, m=60):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 2))
    return X, (X[:, 0] + 0.5 * X[:, 1] > 0).astype(float)


def test_converged_ridge_fit_on_separable_data_does_not_warn():
    # a ridge fit has a unique optimum however large its linear predictor; it used to get
    # "did not converge (perfect separation ...)" whenever |x'w| > 30
    from sklearn.linear_model import LogisticRegression

    X, y = _separable()
    Z = add_intercept(X)
    lam = 1e-3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        coef = fit_glm(Z, y, "binomial", prior_precision=lam)
    assert np.abs(Z @ coef).max() > 30  # the old false-alarm regime
    # the optimum, by an independent route: scikit-learn's penalty (1/2C)||w||^2 on every
    # coefficient (the intercept is a column here) is prior_precision = 1/C
    ref = LogisticRegression(C=1 / lam, fit_intercept=False, solver="newton-cholesky",
                             tol=1e-12, max_iter=1000).fit(Z, y)
    np.testing.assert_allclose(coef, ref.coef_[0], rtol=1e-6)
    np.testing.assert_allclose(score(Z, y, coef, "binomial") - lam * coef, 0, atol=1e-8)

    # the likelihood bootstrap's path: unpenalised intercept, like LogisticRegression(C) with
    # an intercept, on resampled rows (a row drawn twice counts twice)
    rng = np.random.default_rng(1)
    rows = rng.integers(0, len(y), size=(4, len(y)))
    W = np.stack([np.bincount(r, minlength=len(y)) for r in rows]).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (w, b0), = sklearn_logistic_prefix_path(X, y, rows, [len(y)], inv_c=lam)
    assert np.abs(X @ w.T + b0).max() > 30
    for r in range(W.shape[0]):
        ref = LogisticRegression(C=1 / lam, solver="newton-cholesky", tol=1e-12,
                                 max_iter=1000).fit(X, y, sample_weight=W[r])
        np.testing.assert_allclose(w[r], ref.coef_[0], rtol=1e-5)
        assert b0[r] == pytest.approx(ref.intercept_[0], rel=1e-5, abs=1e-8)


def test_non_convergence_still_warns_penalised_or_not():
    X, y = _separable()
    Z = add_intercept(X)
    with pytest.warns(RuntimeWarning, match="did not converge: Newton's method stopped after "
                                            "max_iter=2 steps.*larger max_iter\\.$"):
        fit_glm(Z, y, "binomial", prior_precision=1e-3, max_iter=2)
    with pytest.warns(RuntimeWarning, match="did not converge on 2 of 2 replicates"):
        fit_glm(Z, y, "binomial", weights=np.ones((2, len(y))), prior_precision=1e-3,
                max_iter=1)


def test_unknown_family():
    with pytest.raises(ValueError, match="family"):
        fit_glm(np.ones((3, 1)), np.ones(3), "poisson")
