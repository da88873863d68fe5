"""Nested replicates: each size's subsample is a prefix of one random sequence per replicate.

The marginal law of each size's subsample is that of an independent draw, so the
per-size means of a criterion must agree with the independent-draw path within
Monte Carlo error (the sizes of one replicate are correlated, the means are not biased).
"""

import numpy as np

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
