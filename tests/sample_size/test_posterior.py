"""Gaussian posterior math: closed forms against the spec's numbers, Monte Carlo
integration, and the rank-one deletion path against refitting from scratch."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from skcomplexity.models.posterior import (
    add_observation,
    conjugate_posterior,
    deletion_path,
    gaussian_kl,
    gaussian_s_score,
    neighbour_kl_s,
    remove_observation,
)

M1, S1 = np.zeros(2), np.eye(2)
M2, S2 = np.array([0.1, 0.0]), 0.9 * np.eye(2)


def test_spec_oracle_values():
    # spec §14, item 5
    assert gaussian_kl(M1, S1, M2, S2) == pytest.approx(0.0113062, abs=5e-8)
    assert gaussian_s_score(M1, S1, M2, S2) == pytest.approx(0.9973719, abs=5e-8)


def _random_spd(rng, p, scale=1.0):
    A = rng.standard_normal((p, p))
    return scale * (A @ A.T / p + 0.5 * np.eye(p))


def test_kl_against_monte_carlo():
    rng = np.random.default_rng(0)
    p = 3
    m1, m2 = rng.standard_normal(p), rng.standard_normal(p)
    c1, c2 = _random_spd(rng, p), _random_spd(rng, p)
    w = rng.multivariate_normal(m1, c1, size=400_000)
    log_ratio = multivariate_normal(m1, c1).logpdf(w) - multivariate_normal(m2, c2).logpdf(w)
    mc, se = log_ratio.mean(), log_ratio.std() / np.sqrt(w.shape[0])
    assert abs(gaussian_kl(m1, c1, m2, c2) - mc) < 5 * se


def test_s_score_against_numerical_integration():
    # s-score(g1, g2) = ∫ g1 g2 / max_b ∫ g1(w - b) g2(w) dw, by quadrature on a grid
    rng = np.random.default_rng(1)
    m1, m2 = np.array([0.3, -0.2]), np.array([-0.4, 0.5])
    c1, c2 = _random_spd(rng, 2, 0.5), _random_spd(rng, 2, 0.3)
    g = np.linspace(-6, 6, 601)
    W = np.stack(np.meshgrid(g, g, indexing="ij"), axis=-1)
    p2 = multivariate_normal(m2, c2).pdf(W)

    def overlap(shift):
        return np.sum(multivariate_normal(m1 + shift, c1).pdf(W) * p2)

    num = overlap(np.zeros(2))
    # the overlap of two Gaussians is maximal when the means coincide; check that too
    shifts = [m2 - m1 + d for d in (np.zeros(2), [0.05, 0], [0, -0.05])]
    best = max(overlap(b) for b in shifts)
    assert best == pytest.approx(overlap(m2 - m1))
    assert gaussian_s_score(m1, c1, m2, c2) == pytest.approx(num / best, rel=1e-6)


def test_batched_and_identities():
    rng = np.random.default_rng(2)
    means = rng.standard_normal((5, 3))
    covs = np.stack([_random_spd(rng, 3) for _ in range(5)])
    kl = gaussian_kl(means, covs, means[::-1], covs[::-1])
    assert kl.shape == (5,)
    for b in range(5):
        assert kl[b] == pytest.approx(gaussian_kl(means[b], covs[b], means[4 - b], covs[4 - b]))
    assert np.allclose(gaussian_kl(means, covs, means, covs), 0.0, atol=1e-12)
    assert np.all(kl >= 0)
    # s-score is 1 for equal means whatever the covariances
    assert np.allclose(gaussian_s_score(means, covs, means, covs[::-1]), 1.0)


def test_bad_covariance_raises():
    with pytest.raises(ValueError, match="positive definite"):
        gaussian_kl(M1, -np.eye(2), M2, S2)
    with pytest.raises(ValueError, match="shape"):
        gaussian_kl(M1, np.eye(3), M2, S2)
    with pytest.raises(ValueError, match="prior_precision"):
        conjugate_posterior(np.eye(2), np.ones(2), prior_precision=0.0)


def test_one_object_closed_forms_match_generic_formulas():
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((30, 4)), rng.standard_normal(30)
    sigma2 = 0.7
    mk, Sk = conjugate_posterior(X[:-1], y[:-1], prior_precision=2.0, sigma2=sigma2)
    mk1, Sk1 = conjugate_posterior(X, y, prior_precision=2.0, sigma2=sigma2)
    kl, s = neighbour_kl_s(mk, Sk, X[-1], y[-1], sigma2)
    assert kl == pytest.approx(gaussian_kl(mk, Sk, mk1, Sk1), rel=1e-10)
    assert s == pytest.approx(gaussian_s_score(mk, Sk, mk1, Sk1), rel=1e-12)
    # Sherman–Morrison add/remove against refits
    ma, Sa = add_observation(mk, Sk, X[-1], y[-1], sigma2)
    np.testing.assert_allclose(ma, mk1, atol=1e-12)
    np.testing.assert_allclose(Sa, Sk1, atol=1e-12)
    mr, Sr = remove_observation(mk1, Sk1, X[-1], y[-1], sigma2)
    np.testing.assert_allclose(mr, mk, atol=1e-12)
    np.testing.assert_allclose(Sr, Sk, atol=1e-12)


def test_weighted_conjugate_posterior_is_subsample_posterior():
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((20, 3)), rng.standard_normal(20)
    masks = (rng.uniform(size=(3, 20)) < 0.6).astype(float)
    means, covs = conjugate_posterior(X, y, weights=masks)
    for b in range(3):
        sel = masks[b] > 0
        m, S = conjugate_posterior(X[sel], y[sel])
        np.testing.assert_allclose(means[b], m, atol=1e-12)
        np.testing.assert_allclose(covs[b], S, atol=1e-12)


def test_rank_one_path_matches_refitting():
    rng = np.random.default_rng(5)
    m, p = 120, 5
    X, y = rng.standard_normal((m, p)), 3.0 + rng.standard_normal(m)
    orders = np.array([rng.permutation(m) for _ in range(3)])
    sizes, kl, s, lam = deletion_path(X, y, orders, prior_precision=0.5, sigma2=1.3, min_size=p)
    assert sizes[0] == p and sizes[-1] == m - 1
    for b in range(3):
        for j, k in enumerate(sizes):
            mk, Sk = conjugate_posterior(X[orders[b, :k]], y[orders[b, :k]],
                                         prior_precision=0.5, sigma2=1.3)
            mk1, Sk1 = conjugate_posterior(X[orders[b, :k + 1]], y[orders[b, :k + 1]],
                                           prior_precision=0.5, sigma2=1.3)
            assert abs(kl[b, j] - gaussian_kl(mk, Sk, mk1, Sk1)) < 1e-10
            assert abs(s[b, j] - gaussian_s_score(mk, Sk, mk1, Sk1)) < 1e-10
            Xk = X[orders[b, :k]]
            assert abs(lam[b, j] - np.linalg.eigvalsh(Xk.T @ Xk)[0]) < 1e-8


def test_deletion_path_validates():
    X, y = np.ones((5, 2)), np.ones(5)
    with pytest.raises(ValueError, match="orders"):
        deletion_path(X, y, np.zeros((2, 4), dtype=int))
    with pytest.raises(ValueError, match="min_size"):
        deletion_path(X, y, np.tile(np.arange(5), (2, 1)), min_size=5)
