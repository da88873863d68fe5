"""Tests of the Bayesian sample-size estimators (APVC, ACC, ALC, utility, KL-neighbour)."""

import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.utils.estimator_checks import parametrize_with_checks

from skcomplexity.datasets import make_linear_regression, make_logistic_regression
from skcomplexity.models.glm import laplace_posterior
from skcomplexity.models.posterior import gaussian_kl, remove_observation
from skcomplexity.sample_size._base import Draws
from skcomplexity.sample_size._common import (
    gchisq_cdf,
    gchisq_quantile,
    posterior_batch,
    prepare_glm_data,
)
from skcomplexity.sample_size.bayesian import (
    ACCSampleSize,
    ALCSampleSize,
    APVCSampleSize,
    KLNeighbourSampleSize,
    UtilitySampleSize,
    _loo_terms,
    leave_one_out_kl,
    leave_one_out_posteriors,
)

FAST = dict(sizes=4, n_repeats=5, random_state=0)
CLASSES = [APVCSampleSize, ACCSampleSize, ALCSampleSize, UtilitySampleSize,
           KLNeighbourSampleSize]


def _fast(cls):
    if cls in (ACCSampleSize, ALCSampleSize):  # the exact generalised chi-square is tested below
        return cls(method="monte-carlo", n_draws=50, **FAST)
    return cls(**FAST)


@parametrize_with_checks([_fast(cls) for cls in CLASSES])
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        check(estimator)


@pytest.fixture(scope="module")
def reg_data():
    return make_linear_regression(300, 4, noise=1.0, random_state=0)


# ------------------------------------------------------------------ oracles
def test_kl_spec_value():
    kl = gaussian_kl(np.zeros(2), np.eye(2), np.array([0.1, 0.0]), 0.9 * np.eye(2))
    assert abs(kl - 0.0113062) < 5e-8


def test_kl_formula_vs_monte_carlo():
    rng = np.random.default_rng(0)
    m1, m2 = np.array([0.2, -0.1, 0.0]), np.array([0.0, 0.3, 0.1])
    A, B = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    S1, S2 = A @ A.T + np.eye(3), B @ B.T + np.eye(3)
    w = rng.multivariate_normal(m1, S1, size=400_000)
    mc = np.mean(stats.multivariate_normal(m1, S1).logpdf(w)
                 - stats.multivariate_normal(m2, S2).logpdf(w))
    assert abs(gaussian_kl(m1, S1, m2, S2) - mc) < 0.02


def test_rank_one_loo_equals_refits_gaussian(reg_data):
    X, y = reg_data
    data = prepare_glm_data(X[:40], y[:40], "gaussian", True)
    mean, cov = laplace_posterior(data.X, data.y, "gaussian", prior_precision=0.3,
                                  sigma2=data.sigma2)
    means, covs = leave_one_out_posteriors(data.X, data.y, mean, cov, "gaussian", data.sigma2)
    kl_closed = leave_one_out_kl(*(a[0] for a in _loo_terms(data.X, data.y, mean[None],
                                                             cov[None], "gaussian",
                                                             data.sigma2)))
    for i in range(40):
        keep = np.arange(40) != i
        m_i, S_i = laplace_posterior(data.X[keep], data.y[keep], "gaussian",
                                     prior_precision=0.3, sigma2=data.sigma2)
        np.testing.assert_allclose(means[i], m_i, rtol=0, atol=1e-10)
        np.testing.assert_allclose(covs[i], S_i, rtol=0, atol=1e-10)
        # independent route: the lead's Sherman–Morrison removal
        m_r, S_r = remove_observation(mean, cov, data.X[i], data.y[i], data.sigma2)
        np.testing.assert_allclose(m_r, m_i, atol=1e-10)
        # closed-form KL = generic Gaussian KL on the refit
        assert abs(kl_closed[i] - gaussian_kl(mean, cov, m_i, S_i)) < 1e-10


def test_rank_one_loo_approximates_refits_binomial():
    X, y = make_logistic_regression(300, 3, random_state=2)
    data = prepare_glm_data(X, y, "binomial", True)
    mean, cov = laplace_posterior(data.X, data.y, "binomial", prior_precision=1.0)
    s, h, g = (a[0] for a in _loo_terms(data.X, data.y, mean[None], cov[None], "binomial", 1))
    kl = leave_one_out_kl(s, h, g)
    for i in range(0, 300, 50):
        keep = np.arange(300) != i
        m_i, S_i = laplace_posterior(data.X[keep], data.y[keep], "binomial",
                                     prior_precision=1.0)
        ref = gaussian_kl(mean, cov, m_i, S_i)
        assert abs(kl[i] - ref) <= 0.05 * ref + 1e-6


def test_exact_coverage_vs_monte_carlo():
    rng = np.random.default_rng(1)
    lam = rng.exponential(size=(5, 4)) * np.array([1.0, 0.3, 0.1, 0.05])
    x = np.full(5, 0.8)
    exact = gchisq_cdf(x, lam)
    mc = np.array([np.mean((rng.standard_normal((200_000, 4)) ** 2 * lam_r).sum(1) <= 0.8)
                   for lam_r in lam])
    np.testing.assert_allclose(exact, mc, atol=6e-3)  # 6 MC standard errors
    # equal weights: chi-square
    np.testing.assert_allclose(gchisq_cdf(np.array([2.0, 5.0]), np.full((2, 3), 0.5)),
                               stats.chi2.cdf([4.0, 10.0], 3), atol=1e-7)
    q = gchisq_quantile(0.95, lam)
    np.testing.assert_allclose(gchisq_cdf(q, lam), 0.95, atol=1e-6)


def test_acc_alc_exact_vs_monte_carlo(reg_data):
    X, y = reg_data
    kw = dict(sizes=[40, 300], n_repeats=4, random_state=3)
    a = ACCSampleSize(method="exact", **kw).fit(X, y)
    b = ACCSampleSize(method="monte-carlo", n_draws=20000, **kw).fit(X, y)
    np.testing.assert_allclose(a.criterion_, b.criterion_, atol=0.01)
    c = ALCSampleSize(method="exact", **kw).fit(X, y)
    d = ALCSampleSize(method="monte-carlo", n_draws=20000, **kw).fit(X, y)
    np.testing.assert_allclose(c.criterion_, d.criterion_, rtol=0.02)
    # radius_scale: ALC divides the radius, ACC multiplies it
    e = ALCSampleSize(method="monte-carlo", n_draws=20000, radius_scale=3, **kw).fit(X, y)
    np.testing.assert_allclose(e.criterion_, d.criterion_ / 3)
    f = ACCSampleSize(radius_scale=3, **kw).fit(X, y)
    assert np.all(f.criterion_ >= a.criterion_) and f.radius_ == pytest.approx(0.3)
    g = ACCSampleSize(radius_scale=3, threshold=0.25, **kw).fit(X, y)  # Table 4.3's l
    assert g.radius_ == 0.75


def test_apvc_summaries_and_posterior(reg_data):
    X, y = reg_data
    est = APVCSampleSize(summary="trace", sizes=[20, 300], n_repeats=4, random_state=0)
    est.fit(X, y)
    # conjugate posterior by hand on features and target standardised by scikit-learn's
    # StandardScaler (an independent route to the estimator's standardisation):
    # Σ = (αI + XᵀCX/σ²)⁻¹, on each replicate's first 20 draws
    from sklearn.preprocessing import scale

    data = prepare_glm_data(scale(X), scale(y), "gaussian", True)
    seeds = np.random.SeedSequence(0).spawn(4)
    counts = [np.bincount(np.random.default_rng(s).integers(0, len(y), 300)[:20],
                          minlength=len(y)) for s in seeds]
    covs = [np.linalg.inv(0.01 * np.eye(5) + (data.X.T * c) @ data.X / data.sigma2)
            for c in counts]
    np.testing.assert_allclose(est.criterion_replicates_[0], [np.trace(S) for S in covs])
    fro = APVCSampleSize(sizes=[20, 300], n_repeats=4, random_state=0).fit(X, y)
    np.testing.assert_allclose(fro.criterion_replicates_[0],
                               [0.5 * np.linalg.norm(S, "fro") for S in covs])
    # residual variance of noise=1 data, in units of Var(y)
    assert abs(est.sigma2_ * np.var(y) - 1.0) < 0.25
    assert abs(est.sigma2_ - data.sigma2) < 1e-12


def test_utility_gaussian_exact_vs_monte_carlo(reg_data):
    X, y = reg_data
    est = UtilitySampleSize(sizes=[30, 300], n_repeats=3, random_state=0)
    data = est._prepare(X, y)
    index = np.random.default_rng(0).integers(0, len(y), size=(3, 30))
    val = est._criterion(data, Draws(index, np.array([30]), [None] * 3, len(y), True)).values[0]
    counts = np.array([np.bincount(r, minlength=len(y)) for r in index]).astype(float)
    mean, cov = posterior_batch(data, counts, 0.01)
    rng = np.random.default_rng(9)
    for r in range(3):
        w = rng.multivariate_normal(mean[r], cov[r], size=20_000)
        ll = stats.norm(w @ data.X.T, np.sqrt(data.sigma2)).logpdf(data.y) @ counts[r]
        lp = stats.multivariate_normal(np.zeros(5), np.eye(5) / 0.01).logpdf(w)
        mc = np.mean(ll + lp) / 30 - 0.005 * 30
        assert abs(val[r] - mc) < 0.03


def test_utility_argmax_rule(reg_data):
    X, y = reg_data
    est = UtilitySampleSize(sizes=6, n_repeats=10, random_state=0).fit(X, y)
    assert est.sample_size_ == est.sizes_[np.argmax(est.criterion_)]
    cheap = UtilitySampleSize(sizes=6, n_repeats=10, random_state=0, threshold=1e-4).fit(X, y)
    assert cheap.sample_size_ >= est.sample_size_


# ---------------------------------------------------------------- behaviour
@pytest.mark.parametrize("cls", [APVCSampleSize, ALCSampleSize, KLNeighbourSampleSize])
def test_curves_decrease_and_threshold_monotone(cls, reg_data):
    X, y = reg_data
    est = cls(sizes=6, n_repeats=20, random_state=0).fit(X, y)
    assert np.sum(np.diff(est.criterion_) > 0) <= 1
    previous = np.inf
    for thr in np.geomspace(1e-3, 10, 12):
        est.set_params(threshold=float(thr))._decide()
        m = np.inf if est.sample_size_ is None else est.sample_size_
        assert m <= previous
        previous = m


def test_acc_increases_with_size_and_radius(reg_data):
    X, y = reg_data
    est = ACCSampleSize(sizes=5, n_repeats=10, method="monte-carlo", random_state=0).fit(X, y)
    assert np.sum(np.diff(est.criterion_) < 0) <= 1
    previous = np.inf
    for radius in (0.05, 0.1, 0.25, 0.5, 1.0):
        est.set_params(threshold=radius).fit(X, y)
        m = np.inf if est.sample_size_ is None else est.sample_size_
        assert m <= previous
        previous = m


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("mode", ["absolute", "relative"])
def test_acc_sample_size_for_reads_alpha_not_the_radius(reg_data, mode):
    # ACC's threshold is the ball radius, which the fitted coverage curve depends on; its
    # level is 1 - alpha, so sample_size_for takes alpha: the m* of a refit with that alpha
    X, y = reg_data
    params = dict(sizes=[8, 12, 20, 35, 60, 100], n_repeats=10, method="monte-carlo",
                  n_draws=200, threshold=0.5, threshold_mode=mode, random_state=0)
    est = ACCSampleSize(alpha=0.05, **params).fit(X, y)
    assert est.sample_size_for(0.05) == est.sample_size_
    answers = set()
    for alpha in (0.01, 0.1, 0.2, 0.4):
        refit = ACCSampleSize(alpha=alpha, **params).fit(X, y)
        np.testing.assert_array_equal(refit.criterion_, est.criterion_)
        assert est.sample_size_for(alpha) == refit.sample_size_
        answers.add(refit.sample_size_)
    assert len(answers) > 1  # the alphas give different answers: the test can tell them apart
    if mode == "absolute":
        with pytest.raises(ValueError, match="alpha must be < 1"):
            est.sample_size_for(1.5)
    with pytest.raises(ValueError, match="alpha must be a finite number > 0"):
        est.sample_size_for(0.0)


def test_sample_size_for_checks_a_complement_level_like_fit():
    # the s-score's level is 1 - threshold: fit refuses threshold >= 1, so does sample_size_for
    from skcomplexity.sample_size import SSufficiency

    X, y = make_linear_regression(120, 3, random_state=0)
    est = SSufficiency(threshold_mode="absolute", threshold=0.5, sizes=4, n_repeats=5,
                       random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="threshold must be < 1"):
        est.sample_size_for(1.5)
    with pytest.raises(ValueError, match="threshold must be < 1"):
        SSufficiency(threshold_mode="absolute", threshold=1.5).fit(X, y)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("cls", CLASSES)
def test_binomial(cls):
    X, y = make_logistic_regression(300, 3, random_state=0)
    est = cls(sizes=[20, 100, 300], n_repeats=5, random_state=0).fit(X, y)
    assert est.family_ == "binomial" and est.sigma2_ == 1.0
    assert np.all(np.isfinite(est.criterion_))


@pytest.mark.parametrize("cls", CLASSES)
def test_n_jobs_invariance(cls, reg_data):
    X, y = reg_data
    a = cls(sizes=3, n_repeats=6, random_state=7, n_jobs=1).fit(X, y)
    b = cls(sizes=3, n_repeats=6, random_state=7, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(a.criterion_replicates_, b.criterion_replicates_)
    assert a.sample_size_ == b.sample_size_


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("cls", CLASSES)
def test_bad_input(cls, reg_data):
    X, y = reg_data
    Xn = X.copy()
    Xn[3, 1] = np.inf
    with pytest.raises(ValueError, match="infinity|NaN"):
        _fast(cls).fit(Xn, y)
    with pytest.raises(ValueError, match="single class"):
        _fast(cls).set_params(family="binomial").fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="n_features \\+ 2"):
        cls(**FAST).fit(X[:5], y[:5])
    with pytest.raises(ValueError, match="threshold"):
        cls(threshold=0.0, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="prior_precision"):
        cls(prior_precision=0.0, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="sigma2"):
        cls(sigma2=-1.0, **FAST).fit(X, y)


def test_bad_specific_params(reg_data):
    X, y = reg_data
    with pytest.raises(ValueError, match="summary"):
        APVCSampleSize(summary="det", **FAST).fit(X, y)
    with pytest.raises(ValueError, match="method"):
        ACCSampleSize(method="quad", **FAST).fit(X, y)
    with pytest.raises(ValueError, match="radius_scale"):
        ALCSampleSize(radius_scale=-3, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="alpha"):
        ALCSampleSize(alpha=1.0, **FAST).fit(X, y)
    with pytest.raises(TypeError, match="per_object"):
        UtilitySampleSize(per_object="yes", **FAST).fit(X, y)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_table_4_2_servo_reference_settings():
    """Servo, reference settings (σ²=1, z-scored X and y): within a factor 2 of Table 4.2."""
    from sklearn.preprocessing import scale

    from skcomplexity.datasets import load_servo

    X, y = load_servo(return_X_y=True)
    X, y = scale(X), scale(np.asarray(y, dtype=float))
    # Table 4.3's thresholds, passed explicitly (the defaults are smaller: on standardised
    # data these are met at the smallest grid sizes)
    published = {APVCSampleSize: (20, {"threshold": 0.5}),
                 ALCSampleSize: (25, {"radius_scale": 3.0, "threshold": 0.5}),
                 UtilitySampleSize: (105, {})}
    for cls, (value, extra) in published.items():
        found = [cls(sigma2=1.0, random_state=s, **extra).fit(X, y).sample_size_
                 for s in range(3)]
        assert all(v is not None and value / 2 <= v <= 2 * value for v in found), (cls, found)
