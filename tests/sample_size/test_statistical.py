import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.utils.estimator_checks import parametrize_with_checks

from skcomplexity.datasets import load_dataset, make_linear_regression, make_logistic_regression
from skcomplexity.models.glm import add_intercept, fit_glm, fit_restricted, log_likelihood
from skcomplexity.sample_size.statistical import (
    LagrangeMultiplierSampleSize,
    LikelihoodRatioSampleSize,
    LogisticZTestSampleSize,
    WaldSampleSize,
    required_noncentrality,
    weighted_chi2_sf,
    z_test_sample_size,
)

TESTS = (LagrangeMultiplierSampleSize, LikelihoodRatioSampleSize, WaldSampleSize)


@parametrize_with_checks([cls() for cls in TESTS] + [LogisticZTestSampleSize()])
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        check(estimator)


@pytest.mark.parametrize(
    "k, alpha, beta, expected",
    [(1, 0.05, 0.2, 7.8489), (2, 0.05, 0.2, 9.635), (3, 0.05, 0.2, 10.903), (4, 0.05, 0.2, 11.935),
     (5, 0.05, 0.2, 12.828), (6, 0.05, 0.2, 13.624), (7, 0.05, 0.2, 14.351),
     (10, 0.05, 0.2, 16.241), (1, 0.05, 0.05, 12.995), (7, 0.05, 0.05, 21.838)],
)
def test_required_noncentrality_matches_spec(k, alpha, beta, expected):
    assert required_noncentrality(k, alpha, beta) == pytest.approx(expected, abs=6e-4)


def test_required_noncentrality_closed_forms():
    # k = 1: (z_{1-α/2} + z_{1-β})² up to the negligible lower tail
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    assert required_noncentrality(1) == pytest.approx(z**2, rel=1e-3)
    # shifted central chi-square: chi2_{k,1-α} - chi2_{k,β}
    assert required_noncentrality(1, noncentrality="shifted") == pytest.approx(3.777, abs=1e-3)
    assert required_noncentrality(7, noncentrality="shifted") == pytest.approx(10.245, abs=1e-3)


def test_weighted_chi2_sf_one_term_is_the_closed_form():
    # Imhof's integral gave 9.92e-4 here (7.5% off), which moved the binomial Wald m* by 1-5
    x = stats.chi2.ppf(0.95, 1)
    assert weighted_chi2_sf(x, [0.35]) == pytest.approx(stats.chi2.sf(x / 0.35, 1), rel=1e-12)
    assert weighted_chi2_sf(x, [0.35]) == pytest.approx(9.2320e-4, abs=1e-8)


def _two_term_sf(x, l1, l2):
    """P(l1 z1² + l2 z2² > x) by a 1-D integral over t = z1² (independent route)."""
    from scipy import integrate

    t_max = x / l1
    inner, _ = integrate.quad(
        lambda t: stats.chi2.pdf(t, 1) * stats.chi2.cdf((x - l1 * t) / l2, 1), 0, t_max,
        epsabs=1e-14, epsrel=1e-12, limit=500)
    return 1.0 - inner


@pytest.mark.parametrize("x, lam", [(3.84, (0.35, 1.0)), (5.99, (0.3, 0.3)), (5.99, (0.35, 0.4)),
                                    (1.0, (0.1, 0.2)), (6.0, (0.01, 1.0)), (30.0, (1.0, 2.0))])
def test_weighted_chi2_sf_two_terms_to_high_precision(x, lam):
    # Imhof's quad_vec was up to 5% off in relative terms here ((0.3, 0.3) at 5.99)
    ref = _two_term_sf(x, *lam)
    assert weighted_chi2_sf(x, lam) == pytest.approx(ref, rel=1e-8, abs=1e-13)


def test_batched_imhof_cdf_has_the_accuracy_its_docstring_states():
    from skcomplexity.sample_size._common import _imhof, gchisq_cdf

    cases = [(3.84, (0.35, 1.0)), (5.99, (0.3, 0.3)), (1.0, (0.1, 0.2)), (6.0, (0.01, 1.0))]
    x = np.array([c[0] for c in cases])
    lam = np.array([c[1] for c in cases])
    ref = np.array([_two_term_sf(xi, *li) for xi, li in cases])
    # Imhof's integral (gchisq_cdf's route for very spread weights), the batch at once
    np.testing.assert_allclose(1.0 - _imhof(x, lam), ref, rtol=0, atol=5e-6)
    # gchisq_cdf takes Ruben's exact series for these weights, and Imhof's integral for
    # weights too spread for the series (min/max = 1e-3)
    sf = 1.0 - gchisq_cdf(np.append(x, 6.0), np.vstack([lam, [1e-3, 1.0]]))
    np.testing.assert_allclose(sf[:-1], ref, rtol=0, atol=1e-12)
    assert sf[-1] == pytest.approx(_two_term_sf(6.0, 1e-3, 1.0), abs=5e-6)
    # one weight: the closed form
    one = 1.0 - gchisq_cdf(x, lam[:, :1])
    np.testing.assert_allclose(one, stats.chi2.sf(x / lam[:, 0], 1), rtol=0, atol=1e-15)


def test_weighted_chi2_sf_equal_weights_closed_form():
    for p in (2, 3, 7):
        assert weighted_chi2_sf(9.0, [0.8] * p) == pytest.approx(stats.chi2.sf(9.0 / 0.8, p),
                                                                rel=1e-10)


def test_weighted_chi2_sf_rejects_bad_weights():
    for bad in ([], [0.0, 1.0], [np.nan], [[1.0]]):
        with pytest.raises(ValueError, match="weights"):
            weighted_chi2_sf(1.0, bad)


def test_weighted_chi2_sf_against_monte_carlo():
    lam = np.array([0.5, 1.0, 2.5])
    rng = np.random.default_rng(0)
    draws = (rng.chisquare(1, size=(400_000, 3)) * lam).sum(1)
    for x in (1.0, 4.0, 9.0):
        mc = np.mean(draws > x)
        assert weighted_chi2_sf(x, lam) == pytest.approx(mc, abs=4 * np.sqrt(mc * (1 - mc) / 4e5))


@pytest.mark.parametrize("cls", TESTS)
def test_gaussian_tests_agree_under_the_text(cls):
    # For the Gaussian linear model with known noise the three tests share one
    # noncentrality: Δ* = mean((θ - θ*)²)/σ² (the closed form of spec §4.2).
    X, y = make_linear_regression(300, 6, random_state=1)
    est = cls().fit(X, y)
    Z = add_intercept(X)
    theta, theta0 = Z @ est.coef_, Z @ est.null_coef_
    delta = np.mean((theta - theta0) ** 2) / est.sigma2_
    assert est.noncentrality_per_object_ == pytest.approx(delta, rel=1e-8)
    assert est.sample_size_ == int(np.ceil(required_noncentrality(3) / delta))


def _lr_power_gaussian(est, X, n, reps, rng):
    """Monte Carlo power of the exact LR test (known σ²) at sample size n."""
    Z = add_intercept(X)
    u = est.test_index_ + 1
    k = u.size
    crit = stats.chi2.ppf(1 - est.alpha, k)
    w_u0 = est.null_coef_[u]
    sd = np.sqrt(est.sigma2_)
    rejected = 0
    for _ in range(reps):
        rows = rng.integers(0, X.shape[0], n)
        Zr = Z[rows]
        yr = Zr @ est.coef_ + sd * rng.standard_normal(n)
        w1 = fit_glm(Zr, yr, "gaussian")
        w0 = fit_restricted(Zr, yr, "gaussian", u, w_u0)
        lr = (np.sum((yr - Zr @ w0) ** 2) - np.sum((yr - Zr @ w1) ** 2)) / est.sigma2_
        rejected += lr > crit
    return rejected / reps


def test_forecast_reaches_power_monte_carlo_gaussian():
    X, y = make_linear_regression(400, 4, noise=2.0, random_state=3)
    # shift in standardised units (sd(y) per sd(x)): 0.1 here is about the 0.3 of y's units
    # this test used before the data were standardised inside (sd(y) = 2.6)
    est = LikelihoodRatioSampleSize(shift=0.1).fit(X, y)
    n = est.sample_size_
    assert 20 < n < 2000
    reps = 3000
    power = _lr_power_gaussian(est, X, n, reps, np.random.default_rng(0))
    se = np.sqrt(0.8 * 0.2 / reps)
    assert power == pytest.approx(0.8, abs=4 * se + 0.01)
    # and clearly below at half the size
    assert _lr_power_gaussian(est, X, n // 2, 1000, np.random.default_rng(1)) < 0.7


def test_forecast_reaches_power_monte_carlo_binomial():
    X, y = make_logistic_regression(600, 2, random_state=4)
    est = LikelihoodRatioSampleSize(shift=0.5, test_index=[0]).fit(X, y)
    n = est.sample_size_
    Z = add_intercept(X)
    crit = stats.chi2.ppf(0.95, 1)
    rng = np.random.default_rng(5)
    reps, hits = 600, 0
    for _ in range(reps):
        Zr = Z[rng.integers(0, X.shape[0], n)]
        yr = (rng.uniform(size=n) < 1 / (1 + np.exp(-Zr @ est.coef_))).astype(float)
        w1 = fit_glm(Zr, yr, "binomial")
        w0 = fit_restricted(Zr, yr, "binomial", [1], est.null_coef_[[1]])
        lr = 2 * (log_likelihood(Zr, yr, w1, "binomial") - log_likelihood(Zr, yr, w0, "binomial"))
        hits += lr > crit
    power = hits / reps
    assert power == pytest.approx(0.8, abs=4 * np.sqrt(0.16 / reps) + 0.02)


def _table_data(name):
    X, y = load_dataset(name)
    X = (X - X.mean(0)) / X.std(0)
    y = (y - y.mean()) / y.std()
    return X, y


@pytest.mark.parametrize(
    "name, expected",
    [("diabetes", (25, 25, 51)), ("forest_fires", (44, 43, 46)), ("servo", (38, 18, 76))],
)
def test_table_4_2_published(name, expected):
    X, y = _table_data(name)
    got = tuple(
        cls(noncentrality="shifted", shift=0.2, alpha=0.05, beta=0.2, fit_intercept=False,
            published_fit=True).fit(X, y).sample_size_
        for cls in TESTS
    )
    assert got == expected


def test_published_fit_binomial_matches_the_reference_on_the_bundled_nba():
    # the reference's logistic pilot fit: scikit-learn's L-BFGS with an unpenalised intercept
    # that is discarded; run on the bundled file the reference gives 197 / 120 / 169
    X, y = load_dataset("nba")
    X = (X - X.mean(0)) / X.std(0)
    got = tuple(
        cls(noncentrality="shifted", fit_intercept=False, published_fit=True).fit(X, y)
        .sample_size_ for cls in TESTS
    )
    assert got == (197, 120, 169)


def test_power_in_shifted_mode_is_the_true_power_monte_carlo():
    # power() used to return the shifted-chi2 proxy (0.82 at m*) where the test has ~0.55
    X, y = make_linear_regression(400, 2, noise=2.0, random_state=3)
    est = LikelihoodRatioSampleSize(shift=0.3, test_index=[0], noncentrality="shifted").fit(X, y)
    n = est.sample_size_
    assert est.criterion_[np.searchsorted(est.sizes_, n)] >= 0.8  # the proxy m* is read from
    reps = 2000
    mc = _lr_power_gaussian(est, X, n, reps, np.random.default_rng(0))
    assert est.power(n) == pytest.approx(mc, abs=4 * np.sqrt(0.25 / reps) + 0.01)
    assert est.power(n) < 0.65
    # the same quantity as the text's forecast curve
    text = LikelihoodRatioSampleSize(shift=0.3, test_index=[0]).fit(X, y)
    assert est.power(n) == pytest.approx(text.power(n), rel=1e-12)


@pytest.mark.parametrize("cls", TESTS)
@pytest.mark.parametrize("shift, message", [(0.0, "shift=0 puts the null"),
                                            (np.nan, "'shift' parameter"),
                                            (1e9, "'shift' parameter"),
                                            (np.inf, "'shift' parameter")])
def test_bad_shift_is_a_clear_error(cls, shift, message):
    X, y = make_linear_regression(60, 2, random_state=0)
    with pytest.raises(ValueError, match=message):
        cls(shift=shift).fit(X, y)


def test_z_test_rejects_negative_prior_precision():
    X, y = make_logistic_regression(100, 2, random_state=0)
    with pytest.raises(ValueError, match="'prior_precision' parameter"):
        LogisticZTestSampleSize(prior_precision=-1.0).fit(X, y)


@pytest.mark.parametrize("cls", TESTS + (LogisticZTestSampleSize,))
@pytest.mark.parametrize("labels", [np.array([0, 1, 2]), np.array(["aa", "bb", "cc"])])
def test_three_class_target_is_a_clear_error(cls, labels):
    # 0/1/2 was silently a regression target; string labels crashed in numpy
    X, _ = make_linear_regression(60, 2, random_state=0)
    y = labels[np.arange(60) % 3]
    with pytest.raises(ValueError, match="3 classes"):
        cls().fit(X, y)


@pytest.mark.parametrize("cls", TESTS)
def test_string_binary_target_gives_the_same_forecast_as_0_1(cls):
    X, y = make_logistic_regression(200, 2, random_state=0)
    labels = np.where(y == 1, "yes", "no").astype(object)
    assert cls().fit(X, labels).sample_size_ == cls().fit(X, y).sample_size_


@pytest.mark.parametrize("cls", TESTS)
def test_constant_target_is_not_told_about_the_binomial_family(cls):
    X, _ = make_linear_regression(60, 2, random_state=0)
    with pytest.raises(ValueError, match="y is constant") as info:
        cls().fit(X, np.full(60, 2.5))
    assert "binomial" not in str(info.value)


def test_shifted_reading_forecasts_less_than_ncx2():
    X, y = _table_data("servo")
    a = LagrangeMultiplierSampleSize(noncentrality="ncx2").fit(X, y).sample_size_
    b = LagrangeMultiplierSampleSize(noncentrality="shifted").fit(X, y).sample_size_
    assert b < a


def test_power_curve_crosses_threshold_at_forecast():
    X, y = make_linear_regression(200, 4, random_state=0)
    est = WaldSampleSize(sizes=np.arange(1, 400)).fit(X, y)
    assert est.power(est.sample_size_) >= 0.8 > est.power(est.sample_size_ - 1)
    assert np.all(np.diff(est.criterion_) >= 0)


def test_wald_alpha_correction_binomial_only():
    X, y = make_logistic_regression(500, 4, random_state=2)
    est = WaldSampleSize(shift=1.0).fit(X, y)
    assert est.alpha_effective_ != 0.05 and 0 < est.alpha_effective_ < 1
    Xg, yg = make_linear_regression(200, 4, random_state=2)
    assert WaldSampleSize().fit(Xg, yg).alpha_effective_ == 0.05


def test_wald_alpha_star_monte_carlo():
    X, y = make_logistic_regression(500, 3, random_state=7)
    est = WaldSampleSize(shift=1.5, test_index=[0, 1]).fit(X, y)
    # α* = P(ξᵀ Σ*⁻¹ ξ > c), ξ ~ N(0, Σ_u): check by simulation
    from skcomplexity.models.glm import fisher_information

    Z = add_intercept(X)
    u = est.test_index_ + 1
    m = X.shape[0]
    S = m * np.linalg.inv(fisher_information(Z, est.coef_, "binomial"))[np.ix_(u, u)]
    S0 = m * np.linalg.inv(fisher_information(Z, est.null_coef_, "binomial"))[np.ix_(u, u)]
    xi = np.random.default_rng(0).multivariate_normal(np.zeros(2), S, size=200_000)
    stat = np.einsum("ij,ij->i", xi, np.linalg.solve(S0, xi.T).T)
    mc = np.mean(stat > stats.chi2.ppf(0.95, 2))
    assert est.alpha_effective_ == pytest.approx(mc, abs=4 * np.sqrt(mc * (1 - mc) / 2e5))


@pytest.mark.parametrize("p0, p1, expected", [(0.5, 0.6, 193.85), (0.3, 0.4, 171.73),
                                              (0.5, 0.7, 46.63)])
def test_z_test_values(p0, p1, expected):
    assert z_test_sample_size(p0, p1) == pytest.approx(expected, abs=0.01)


def test_z_test_estimator_against_an_independent_fit():
    # p0, p1 from ridge-0.01 logistic fits done by scipy's BFGS instead of our Newton, the margin
    # from scikit-learn's ROC curve, and the closed form (spec §5.1)
    from scipy import optimize
    from scipy.special import log_expit
    from sklearn.metrics import roc_curve

    X, y = make_logistic_regression(400, 3, random_state=0)
    est = LogisticZTestSampleSize(feature_index=0).fit(X, y)
    Z = np.c_[np.ones(400), (X - X.mean(0)) / X.std(0)]  # the estimator z-scores X inside

    def fit(D):
        def nll(w):
            t = D @ w
            return -np.sum(y * log_expit(t) + (1 - y) * log_expit(-t)) + 0.005 * w @ w
        return optimize.minimize(nll, np.zeros(D.shape[1]), method="BFGS", tol=1e-10).x

    s0 = Z[:, [0, 2, 3]] @ fit(Z[:, [0, 2, 3]])
    s1 = Z @ fit(Z)
    fpr, tpr, thr = roc_curve(y, s0)
    c0 = thr[np.argmax(tpr - fpr)]
    p0, p1 = np.mean(s0 >= c0), np.mean(s1 >= c0)
    assert (est.p0_, est.p1_) == pytest.approx((p0, p1), abs=1 / 400 + 1e-12)
    assert est.sample_size_ == pytest.approx(z_test_sample_size(p0, p1), rel=0.05)


@pytest.mark.parametrize("cls", TESTS)
def test_bad_input(cls):
    X, y = make_linear_regression(50, 4, random_state=0)
    with pytest.raises(ValueError, match="alpha"):
        cls(alpha=1.5).fit(X, y)
    with pytest.raises(ValueError, match="noncentrality"):
        cls(noncentrality="chi2").fit(X, y)
    with pytest.raises(ValueError, match="test_index"):
        cls(test_index=[7]).fit(X, y)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        cls().fit(Xn, y)
    with pytest.raises(ValueError, match="n_features \\+ 2"):
        cls().fit(X[:5], y[:5])
    with pytest.raises(ValueError, match="single class"):
        cls(family="binomial").fit(X, np.ones(50))


def test_every_coefficient_tested_without_intercept():
    # no nuisance parameter: the restricted fit is the null itself, and for the Gaussian family
    # the three tests' noncentrality is d^T (Z^T Z / m) d / sigma2 with d the shift
    X, y = make_linear_regression(200, 3, random_state=0)
    gammas = []
    for cls in TESTS:
        est = cls(fit_intercept=False, test_index=[0, 1, 2]).fit(X, y)
        Z = X / np.sqrt(np.mean(X**2, axis=0))  # standardised without centring
        ys = y / np.sqrt(np.mean(y**2))
        w = np.linalg.solve(Z.T @ Z, Z.T @ ys)
        sigma2 = np.var(ys - Z @ w)
        d = np.full(3, 0.2)
        assert est.noncentrality_per_object_ == pytest.approx(d @ (Z.T @ Z / 200) @ d / sigma2,
                                                              rel=1e-10)
        gammas.append(est.noncentrality_per_object_)
    assert gammas == pytest.approx([gammas[0]] * 3, rel=1e-12)
    X, y = make_logistic_regression(200, 3, random_state=0)
    est = WaldSampleSize(fit_intercept=False, test_index=[2, 0, 1]).fit(X, y)
    np.testing.assert_allclose(est.null_coef_ * np.sqrt(np.mean(X**2, axis=0)),
                               est.coef_ * np.sqrt(np.mean(X**2, axis=0)) + 0.2, rtol=1e-12)
