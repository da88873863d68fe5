"""Nested replicates: each size's subsample is a prefix of one random sequence per replicate.

The marginal law of each size's subsample is that of an independent draw, so the
per-size means of a criterion must agree with the independent-draw path within
Monte Carlo error (the sizes of one replicate are correlated, the means are not biased).
"""

import numpy as np
import pytest

from skcomplexity.datasets import make_linear_regression
from skcomplexity.models.glm import fit_linear_prefix, log_likelihood, prefix_grams
from skcomplexity.models.posterior import prefix_neighbour_criteria
from skcomplexity.sample_size import DSufficiency, KLSufficiency
from skcomplexity.sample_size._common import prepare_glm_data


def _agree(a, b, n_sigma=4.0):
    """Per-size means of replicate arrays (J, B) agree within ``n_sigma`` standard errors."""
    se = np.sqrt(a.var(axis=1, ddof=1) / a.shape[1] + b.var(axis=1, ddof=1) / b.shape[1])
    z = np.abs(a.mean(axis=1) - b.mean(axis=1)) / se
    assert np.all(z < n_sigma), z
    return z


def test_prefix_grams_equal_direct_products():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(30, 4))
    index = rng.integers(0, 30, size=(3, 25))
    for sizes in (np.array([3, 10, 25]), np.arange(1, 26)):  # loop and cumulative-sum paths
        G = prefix_grams(A, index, sizes)
        for r in range(3):
            for j, k in enumerate(sizes):
                rows = A[index[r, :k]]
                np.testing.assert_allclose(G[r, j], rows.T @ rows, rtol=1e-12, atol=1e-12)


def test_d_loglik_from_sufficient_statistics_equals_direct():
    X, y = make_linear_regression(400, 6, random_state=1)
    est = DSufficiency(n_repeats=20, sizes=5, sigma2=None, random_state=0).fit(X, y)
    # rebuild replicate 0 and evaluate the full-data log-likelihood row by row
    seeds = np.random.SeedSequence(0).spawn(21)
    idx = np.random.default_rng(seeds[0]).integers(0, 400, est.sizes_[-1])
    coef, b0 = fit_linear_prefix(X, y, idx[None], est.sizes_)
    design = np.hstack([np.ones((400, 1)), X])
    full = np.hstack([b0[0][:, None], coef[0]])
    s2 = prepare_glm_data(X, y, "gaussian", True).sigma2
    direct = log_likelihood(design, y, full, "gaussian", sigma2=s2)
    np.testing.assert_allclose(est.loss_replicates_[:, 0], direct, rtol=1e-10)


def test_nested_d_means_agree_with_independent_draws():
    X, y = make_linear_regression(300, 5, random_state=2)
    sizes = np.array([12, 30, 80, 300])
    B = 400
    nested = DSufficiency(n_repeats=B, sizes=sizes, random_state=0).fit(X, y).loss_replicates_
    rng = np.random.default_rng(1)
    est = DSufficiency(n_repeats=B, sizes=sizes)
    state = est._prepare(X, y)
    indep = np.empty_like(nested)
    for j, k in enumerate(sizes):  # every size drawn on its own
        # on the standardised features the estimator fits (standardize=True)
        coef, b0 = fit_linear_prefix(state.X, y, rng.integers(0, 300, size=(B, k)),
                                     np.array([k]))
        indep[j] = est._gaussian_loglik(state, coef[:, 0], b0[:, 0])
    _agree(nested, indep)
    # the variance D(k) too: compare on the log scale within a generous chi-square band
    ratio = nested.var(axis=1, ddof=1) / indep.var(axis=1, ddof=1)
    assert np.all((ratio > 0.6) & (ratio < 1.7)), ratio


def test_nested_kl_means_agree_with_independent_orders():
    X, y = make_linear_regression(200, 4, random_state=3)
    sizes = np.array([8, 20, 60, 150])
    B = 300
    est = KLSufficiency(n_repeats=B, sizes=sizes, threshold_mode="absolute", random_state=0)
    nested = est.fit(X, y).criterion_replicates_
    state = est._prepare(X, y)
    rng = np.random.default_rng(5)
    indep = np.empty_like(nested)
    for j, k in enumerate(sizes):
        orders = np.array([rng.permutation(200)[:k + 1] for _ in range(B)])
        kl, _, _ = prefix_neighbour_criteria(state.data.X, state.data.y, orders, np.array([k]),
                                             prior_precision=1.0, sigma2=state.data.sigma2)
        indep[j] = kl[0]
    _agree(nested, indep)


def test_results_do_not_depend_on_n_jobs_or_chunking():
    X, y = make_linear_regression(500, 3, random_state=0)
    a = DSufficiency(n_repeats=30, sizes=6, random_state=0, n_jobs=1).fit(X, y)
    b = DSufficiency(n_repeats=30, sizes=6, random_state=0, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(a.loss_replicates_, b.loss_replicates_)


@pytest.mark.parametrize("expected", [True, False])
@pytest.mark.parametrize("p", [5, 30])
def test_the_three_routes_give_the_closed_form(expected, p, monkeypatch):
    # the conjugate criteria at every grid size by the sequential, solve and table routes,
    # against the one-object KL and s-score computed from the dense posterior of each prefix
    from skcomplexity.models import posterior
    from skcomplexity.models.posterior import conjugate_posterior, gaussian_kl, gaussian_s_score

    rng = np.random.default_rng(p)
    m, sigma2, alpha = 400, 1.7, 0.3
    X = rng.standard_normal((m, p))
    y = X @ rng.standard_normal(p) + rng.standard_normal(m)
    index = np.stack([rng.permutation(m) for _ in range(3)])
    sizes = np.array([p + 2, 2 * p, 150, 399])
    ref_kl, ref_s = np.empty((4, 3)), np.empty((4, 3))
    for r in range(3):
        for j, k in enumerate(sizes):
            rows = index[r, :k + 1]
            m1, c1 = conjugate_posterior(X[rows[:-1]], y[rows[:-1]], prior_precision=alpha,
                                         sigma2=sigma2)
            x = X[rows[-1]]
            if expected:  # closed form in t = xᵀΣx / σ²
                t = x @ c1 @ x / sigma2
                ref_kl[j, r], ref_s[j, r] = (0.5 * (2 * t - np.log1p(t)),
                                             np.sqrt((2 + t) / (2 + 2 * t)))
            else:
                m2, c2 = conjugate_posterior(X[rows], y[rows], prior_precision=alpha,
                                             sigma2=sigma2)
                ref_kl[j, r] = gaussian_kl(m1, c1, m2, c2)
                ref_s[j, r] = gaussian_s_score(m1, c1, m2, c2)
    routes = {"sequential": False, "solve": False, "prefix": True}  # route: lambda_min
    for route, lambda_min in routes.items():
        monkeypatch.setattr(posterior, "neighbour_route", lambda *a, route=route, **k: route)
        kl, s, lam = posterior.prefix_neighbour_criteria(
            X, y, index, sizes, prior_precision=alpha, sigma2=sigma2, lambda_min=lambda_min,
            expected=expected)
        np.testing.assert_allclose(kl, ref_kl, rtol=1e-9, err_msg=route)
        np.testing.assert_allclose(s, ref_s, rtol=1e-9, err_msg=route)
        assert (lam is not None) == lambda_min


def test_the_route_model_picks_the_cheaper_route():
    from skcomplexity.models.posterior import neighbour_route

    # measured (one thread, R = 100): every size of 1,000-2,000 rows is sequential; a
    # geometric grid of 100 sizes on 10,000 rows is solved per size
    assert neighbour_route(898, 1000, 101) == "sequential"
    assert neighbour_route(1898, 2000, 101) == "sequential"
    assert neighbour_route(100, 10_000, 101) == "solve"
    assert neighbour_route(100, 10_000, 301) == "solve"
    assert neighbour_route(100, 100_000, 21) == "solve"
    assert neighbour_route(100, 100_000, 21, lambda_min=True) == "prefix"
    assert neighbour_route(100, 10_000, 101, device=True) == "sequential"  # the device's model
