"""The gathered-rows logistic paths give the count-weighted fits of :mod:`skcomplexity.models.glm`."""

import warnings

import numpy as np
import pytest

from skcomplexity.models.glm import (
    add_intercept,
    check_fit,
    fit_glm,
    laplace_posterior,
    laplace_rows_path,
    logistic_rows_path,
    newton_logistic,
    sklearn_logistic_prefix_path,
    solve_spd,
)


@pytest.fixture
def nested():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = (X @ [1.0, -1.0, 0.5] + rng.logistic(size=120) > 0).astype(float)
    index = rng.integers(0, 120, size=(6, 100))  # with replacement: duplicates count twice
    return add_intercept(X), y, index, np.array([15, 40, 100])


def _counts(rows, m):
    return np.stack([np.bincount(r, minlength=m) for r in rows]).astype(float)


@pytest.mark.parametrize("outer", [True, False])
def test_prefix_fits_equal_count_weighted_fits(nested, outer, monkeypatch):
    Z, y, index, sizes = nested
    if not outer:  # the per-replicate Hessian used for large designs
        monkeypatch.setattr("skcomplexity.models._batched._OUTER_ELEMENTS", 0)
    pen = np.full(Z.shape[1], 0.1)
    path = logistic_rows_path(Z, y, index, [(0, k) for k in sizes], pen)
    for k, (coef, converged, rows) in zip(sizes, path, strict=True):
        ref = fit_glm(Z, y, "binomial", weights=_counts(index[:, :k], len(y)),
                      prior_precision=0.1)
        assert converged.all() and rows.shape == (6, k)
        np.testing.assert_allclose(coef, ref, rtol=1e-7, atol=1e-9)


def test_laplace_and_segments(nested):
    Z, y, index, sizes = nested
    segments = [(5, 40), (0, 100)]
    for (a, b), (mean, cov) in zip(segments, laplace_rows_path(Z, y, index, segments, 0.5),
                                   strict=True):
        m_ref, c_ref = laplace_posterior(Z, y, "binomial", prior_precision=0.5,
                                         weights=_counts(index[:, a:b], len(y)))
        np.testing.assert_allclose(mean, m_ref, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(cov, c_ref, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_sklearn_convention_path_equals_sklearn(nested, fit_intercept):
    # the independent route: scikit-learn's LogisticRegression(C=1/inv_c) with the prefix
    # counts as sample weights
    from sklearn.linear_model import LogisticRegression

    Z, y, index, sizes = nested
    X = Z[:, 1:]
    path = sklearn_logistic_prefix_path(X, y, index, sizes, inv_c=0.2,
                                        fit_intercept=fit_intercept)
    for k, (coef, b0) in zip(sizes, path, strict=True):
        counts = _counts(index[:, :k], len(y))
        for r in range(len(counts)):
            ref = LogisticRegression(C=1 / 0.2, fit_intercept=fit_intercept,
                                     solver="newton-cholesky", tol=1e-12, max_iter=1000)
            ref.fit(X, y, sample_weight=counts[r])
            np.testing.assert_allclose(coef[r], ref.coef_[0], rtol=1e-6, atol=1e-8)
            assert b0[r] == pytest.approx(ref.intercept_[0] if fit_intercept else 0.0,
                                          rel=1e-6, abs=1e-8)


def test_warnings_match_glm():
    rng = np.random.default_rng(1)
    X = add_intercept(rng.normal(size=(40, 2)))
    y = (X[:, 1] > 0).astype(float)  # separated
    rows = np.tile(np.arange(40), (2, 1))
    # unpenalised and separated: R's "fitted probabilities numerically 0 or 1", as fit_glm
    (coef, converged, seg), = logistic_rows_path(X, y, rows, [(0, 40)], np.zeros(3))
    with pytest.warns(RuntimeWarning, match="numerically 0 or 1 occurred on 2 of 2"):
        check_fit(X, coef, converged, seg, 0.0)
    with pytest.warns(RuntimeWarning, match="numerically 0 or 1 occurred on 2 of 2"):
        list(sklearn_logistic_prefix_path(X[:, 1:], y, rows, [40], inv_c=0.0))
    # penalised and converged: no warning however large the linear predictor
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        list(laplace_rows_path(X, y, rows, [(0, 40)], 1e-3))
    (coef, converged, seg), = logistic_rows_path(X, y, rows, [(0, 40)], np.full(3, 1e-3),
                                                 max_iter=1)
    with pytest.warns(RuntimeWarning, match="did not converge on 2 of 2 replicates"):
        check_fit(X, coef, converged, seg, 1e-3, max_iter=1)


def test_newton_drops_converged_replicates_and_keeps_their_estimate(nested):
    Z, y, index, _ = nested
    pen = np.full(Z.shape[1], 0.1)
    both, conv = newton_logistic(Z, y, np.zeros((2, 4)), rows=index[:2, :50], pen=pen)
    one, _ = newton_logistic(Z, y, np.zeros((1, 4)), rows=index[1:2, :50], pen=pen)
    assert conv.all()
    np.testing.assert_allclose(both[1], one[0], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("q", [4, 20])  # numpy's batched routines; LAPACK per system
def test_cholesky_fallback_only_for_failing_systems(q):
    rng = np.random.default_rng(2)
    A = rng.normal(size=(300, q + 2, q))
    G = np.swapaxes(A, 1, 2) @ A
    v = np.zeros(q)
    v[:2] = 1.0, 2.0
    G[[7, 250]] = np.outer(v, v)  # singular: not positive definite
    b = rng.normal(size=(300, q))
    with pytest.warns(RuntimeWarning, match="singular here"):
        x, ok = solve_spd(G, b, return_ok=True, warn="singular here")
    assert not ok[7] and not ok[250] and ok.sum() == 298
    good = np.flatnonzero(ok)
    np.testing.assert_allclose(x[good], np.linalg.solve(G[good], b[good][..., None])[..., 0],
                               rtol=1e-10)
    # the failing systems get the minimum-norm solution
    np.testing.assert_allclose(x[[7, 250]], (np.linalg.pinv(G[7]) @ b[[7, 250]].T).T,
                               rtol=1e-10)
    # matrix right-hand sides, no batch
    B = rng.normal(size=(q, 3))
    np.testing.assert_allclose(solve_spd(G[0], B), np.linalg.solve(G[0], B), rtol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        solve_spd(G[:7], b[:7], warn="never")


def test_coarse_prefix_route_against_converged_route():
    # the KL one-step route (decrement 1e-6, no refinement past it) against Newton to
    # 1e-10 on the same nested prefixes: the same posteriors to well within their spread
    rng = np.random.default_rng(3)
    X = rng.normal(size=(3000, 8))
    y = (X @ rng.normal(size=8) + rng.logistic(size=3000) > 0).astype(float)
    Z = add_intercept(X)
    index = np.stack([rng.permutation(3000) for _ in range(5)])
    segments = [(0, int(k)) for k in np.geomspace(12, 2999, 25).astype(int)]
    exact = laplace_rows_path(Z, y, index, segments, 1.0)
    coarse = laplace_rows_path(Z, y, index, segments, 1.0, tol=1e-6, coarse=True)
    for (m1, c1), (m2, c2) in zip(exact, coarse, strict=True):
        sd = np.sqrt(np.diagonal(c1, axis1=1, axis2=2))
        assert np.abs((m2 - m1) / sd).max() < 1e-2
        np.testing.assert_allclose(np.diagonal(c2, axis1=1, axis2=2),
                                   np.diagonal(c1, axis1=1, axis2=2), rtol=1e-3)


def test_gathered_prefix_route_equals_all_rows_route():
    # nested warm-started prefixes, fresh fits and sliding windows (cross-validation's
    # training parts) all run on the gathered rows; newton_logistic on the shared design
    # (products with all m rows) gives the same fits and Fisher information
    from skcomplexity.models._batched import _Design

    rng = np.random.default_rng(4)
    X = add_intercept(rng.normal(size=(200, 3)))
    y = (X[:, 1] + rng.logistic(size=200) > 0).astype(float)
    index = rng.integers(0, 200, size=(4, 150))
    pen = np.full(4, 0.3)
    design = _Design(X)
    for segments, kwargs in [([(0, 30), (0, 90), (0, 150)], {}),
                             ([(0, 30), (0, 90), (0, 150)], {"warm_start": False}),
                             ([(6, 30), (18, 90), (30, 150)], {}),
                             ([(6, 30), (18, 90), (30, 150)], {"init_bound": 30.0})]:
        path = logistic_rows_path(X, y, index, segments, pen, fisher=True, **kwargs)
        for (a, b), (c1, ok1, r1, f1) in zip(segments, path, strict=True):
            rows = index[:, a:b]
            c2, ok2 = newton_logistic(X, y, np.zeros((4, 4)), rows=rows, pen=pen)
            mu = 1 / (1 + np.exp(-design.theta(c2, rows)))
            f2 = design.gram(design.scatter(mu * (1 - mu), design.flat(rows)))
            assert ok1.all() and ok2.all() and np.array_equal(r1, rows)
            np.testing.assert_allclose(c1, c2, rtol=1e-8, atol=1e-10)
            np.testing.assert_allclose(f1, f2, rtol=1e-8, atol=1e-10)


def test_inv_spd_against_solve_spd():
    # the Cholesky inverse against solve_spd with the identity (the route it replaces),
    # including a singular matrix (the minimum-norm fallback and its warning)
    from skcomplexity.models._batched import inv_spd

    rng = np.random.default_rng(5)
    G = rng.normal(size=(4, 30, 6))
    A = G.swapaxes(1, 2) @ G
    A[2] = np.outer(np.ones(6), np.ones(6))
    eye = np.broadcast_to(np.eye(6), A.shape)
    with pytest.warns(RuntimeWarning, match="pseudo"):
        ref = solve_spd(A, eye, warn="pseudo-inverse")
    with pytest.warns(RuntimeWarning, match="pseudo"):
        got = inv_spd(A, warn="pseudo-inverse")
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)


def test_armijo_halving_the_one_backtracking():
    # THE host backtracking: a good full step keeps t = 1 and reports its objective; a step
    # that never decreases the objective is halved 30 times and reports NaN (its last
    # halving is not evaluated); replicates outside `todo` keep t = 1 without evaluation;
    # a shared (k,) target row serves every replicate
    from skcomplexity.models._batched import _penalised_nll, armijo_halving

    rng = np.random.default_rng(0)
    k, p = 40, 3
    X = rng.normal(size=(k, p))
    y = (X[:, 0] > 0).astype(float)
    coef = np.zeros((3, p))
    theta = coef @ X.T
    pen = np.full(p, 0.5)
    grad = (y - 0.5) @ X
    H = 0.25 * X.T @ X + np.diag(pen)
    good = np.linalg.solve(H, grad)
    step = np.stack([good, -50 * good, good])  # the second climbs: never accepted
    dtheta = step @ X.T
    dec = np.full(3, good @ grad)
    f = np.full(3, np.nan)
    t, f_new = armijo_halving(theta, y, coef, dtheta, step, dec, np.array([0, 1]), f, pen)
    assert t[0] == 1.0 and t[1] == 0.5**30 and t[2] == 1.0
    assert f_new[0] == pytest.approx(_penalised_nll(dtheta[0], y, step[0], pen))
    assert np.isnan(f_new[1]) and np.isnan(f_new[2])
    assert f[0] == pytest.approx(k * np.log(2.0)) and np.isnan(f[2])  # filled for todo only
