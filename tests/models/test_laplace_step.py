"""The one-direction Laplace path against per-size fits by independent routes."""

import numpy as np
import pytest
from scipy.special import expit

from skcomplexity.models.glm import add_intercept, laplace_one_step_path, laplace_posterior


@pytest.fixture
def orders():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(400, 6))
    y = (X @ rng.normal(size=6) + rng.logistic(size=400) > 0).astype(float)
    index = np.stack([rng.permutation(400) for _ in range(4)])
    return add_intercept(X), y, index, np.array([9, 12, 20, 45, 46, 120, 300, 399])


def test_against_sklearn_fits_per_size(orders):
    # scikit-learn's L2 LogisticRegression (C = 1/α, every coefficient penalised: the
    # intercept is the column of ones) on each prefix, and the posterior variance of the
    # next row from the Hessian formed directly at that fit
    from sklearn.linear_model import LogisticRegression

    Z, y, index, sizes = orders
    alpha = 0.7
    path = laplace_one_step_path(Z, y, index, sizes, alpha)
    for k, (mean, v, converged) in zip(sizes, path, strict=True):
        assert converged.all()
        for r in range(len(index)):
            rows = index[r, :k]
            ref = LogisticRegression(C=1 / alpha, fit_intercept=False, solver="newton-cholesky",
                                     tol=1e-14, max_iter=1000).fit(Z[rows], y[rows]).coef_[0]
            mu = expit(Z[rows] @ ref)
            H = (Z[rows].T * (mu * (1 - mu))) @ Z[rows] + alpha * np.eye(Z.shape[1])
            x = Z[index[r, k]]
            np.testing.assert_allclose(mean[r], ref, rtol=1e-5, atol=1e-6)
            # the default rebuild rule leaves about refresh^1.5 = 1e-6 of v
            assert v[r] == pytest.approx(x @ np.linalg.solve(H, x), rel=1e-5)


def test_against_laplace_posterior_with_duplicates(orders):
    # sequences drawn with replacement: a row twice counts twice, as the count weights of
    # laplace_posterior; a tiny prior and few rows (a large first Newton step, backtracking);
    # a tighter decrement and rebuild rule: the same numbers to 1e-7 (v of a 9-row prefix
    # under a tiny prior is ill-conditioned)
    Z, y, _, sizes = orders
    rng = np.random.default_rng(12)
    index = rng.integers(0, len(y), size=(3, 400))
    path = laplace_one_step_path(Z, y, index, sizes, 1e-2, tol=1e-16, refresh=1e-8)
    for k, (mean, v, _) in zip(sizes, path, strict=True):
        for r in range(3):
            counts = np.bincount(index[r, :k], minlength=len(y)).astype(float)
            m_ref, c_ref = laplace_posterior(Z, y, "binomial", prior_precision=1e-2,
                                             weights=counts, tol=1e-16)
            x = Z[index[r, k]]
            np.testing.assert_allclose(mean[r], m_ref, rtol=1e-8, atol=1e-10)
            assert v[r] == pytest.approx(x @ c_ref @ x, rel=1e-7)


def test_bfgs_update_in_place_matches_batched(monkeypatch):
    # wide designs update the metric in place per replicate (BLAS GER); narrow ones by one
    # batched rank-2 product: the same matrices, for every replicate or a subset
    from skcomplexity.models import _laplace_step

    rng = np.random.default_rng(3)
    R, p = 4, 70
    A = rng.normal(size=(R, p, p))
    M = A @ A.swapaxes(1, 2) + np.eye(p)
    s = rng.normal(size=(R, p))
    yv = s + 0.1 * rng.normal(size=(R, p))
    for idx in (np.arange(R), np.array([1, 3])):
        out = {}
        for name, features in (("ger", 1), ("batched", 10**9)):
            monkeypatch.setattr(_laplace_step, "_GER_FEATURES", features)
            out[name] = M.copy()
            _laplace_step._bfgs(out[name], idx, s[idx], yv[idx])
        np.testing.assert_allclose(out["ger"], out["batched"], rtol=1e-12, atol=1e-12)
        assert not np.allclose(out["ger"][idx], M[idx])
        if len(idx) == 2:  # the other replicates untouched
            np.testing.assert_array_equal(out["ger"][[0, 2]], M[[0, 2]])


@pytest.mark.parametrize("held", [0, 30, 150])
def test_rows_past_held_gathered_again_give_the_same_path(orders, held, monkeypatch):
    # a sequence longer than the memory holds keeps its first `held` rows gathered and
    # gathers the rest from X at every product (blocks of 16 rows here: several per
    # product, one straddling `held`); the same estimates to rounding, on a well-posed
    # path and on one with duplicates, a tiny prior, backtracking and rebuilt metrics
    from skcomplexity.models import _laplace_step

    Z, y, index, sizes = orders
    rng = np.random.default_rng(12)
    dup = rng.integers(0, len(y), size=(3, 400))
    monkeypatch.setattr(_laplace_step, "_GATHER_BLOCK", 16)
    for idx, alpha, kw in ((index, 0.7, {}), (dup, 1e-2, {"tol": 1e-16, "refresh": 1e-8})):
        full = list(laplace_one_step_path(Z, y, idx, sizes, alpha, **kw))
        part = list(laplace_one_step_path(Z, y, idx, sizes, alpha, held=held, **kw))
        for (m1, v1, c1), (m2, v2, c2) in zip(full, part, strict=True):
            np.testing.assert_allclose(m2, m1, rtol=1e-9, atol=1e-11)
            np.testing.assert_allclose(v2, v1, rtol=1e-9)
            np.testing.assert_array_equal(c2, c1)


@pytest.mark.parametrize("p", [4, 70])
def test_rows_past_held_products(monkeypatch, p):
    # the products of the gathered rows against those of rows gathered again (all, some
    # replicates; ranges below, across and past `held`; the Gram blocks by gemm and, from
    # 64 columns, by syrk's upper triangle)
    from skcomplexity.models import _laplace_step

    monkeypatch.setattr(_laplace_step, "_GATHER_BLOCK", 7)
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(60, p)), rng.integers(0, 2, size=60).astype(float)
    index = np.stack([rng.permutation(60) for _ in range(3)])
    full, part = _laplace_step._Rows(X, y, index, 50), _laplace_step._Rows(X, y, index, 50, 20)
    assert part.XT.shape == (3, p, 20)
    for a, b in ((0, 15), (5, 35), (20, 50), (30, 50)):
        for sel in (np.arange(3), np.array([2, 0])):
            V, U = rng.normal(size=(len(sel), 2, p)), rng.normal(size=(len(sel), 2, b - a))
            w = rng.uniform(0.1, 1.0, size=(len(sel), b - a))
            np.testing.assert_allclose(part.mat(V, a, b, sel), full.mat(V, a, b, sel), rtol=1e-12)
            np.testing.assert_allclose(part.tmat(U, a, b, sel), full.tmat(U, a, b, sel),
                                       rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(part.gram(w, a, b, sel), full.gram(w, a, b, sel),
                                       rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(part.rows(a, b), full.rows(a, b))
    np.testing.assert_array_equal(part.y, full.y)
