"""Units do not matter (issue 19, item 5) for the classical methods: the likelihood tests,
the logistic Z-test, cross-validation and the bootstrap.

Metamorphic tests: rescaling the columns of X (by one factor or by one per column, from
1e-12 to 1e12, and to 1e±300) gives the same ``sample_size_``; a forecast too large to be
an integer is None with a warning, not an overflow; the likelihood tests never answer
fewer rows than the model has parameters (+1) and say which question they answer. The
standardised shift is checked against statsmodels fits on hand-z-scored data.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from skcomplexity._validation import standardize_columns
from skcomplexity.datasets import make_linear_regression, make_logistic_regression
from skcomplexity.models._identifiability import IdentifiabilityWarning
from skcomplexity.sample_size.heuristic import BootstrapSampleSize, CrossValidationSampleSize
from skcomplexity.sample_size.statistical import (
    MAX_SAMPLE_SIZE,
    LagrangeMultiplierSampleSize,
    LikelihoodRatioSampleSize,
    LogisticZTestSampleSize,
    WaldSampleSize,
    required_noncentrality,
)

TESTS = (LagrangeMultiplierSampleSize, LikelihoodRatioSampleSize, WaldSampleSize)
SMALL = dict(sizes=6, n_repeats=10, random_state=0)

# (class, family, constructor keywords)
CASES = [(cls, fam, {}) for cls in TESTS for fam in ("gaussian", "binomial")] + [
    (LogisticZTestSampleSize, "binomial", {}),
    (CrossValidationSampleSize, "gaussian", SMALL),
    (CrossValidationSampleSize, "binomial", SMALL),
    (BootstrapSampleSize, "gaussian", SMALL),
    (BootstrapSampleSize, "binomial", SMALL),
]
IDS = [f"{c.__name__}-{f}" for c, f, _ in CASES]


def _data(family):
    if family == "gaussian":
        return make_linear_regression(240, 4, noise=1.0, random_state=0)
    return make_logistic_regression(300, 3, random_state=1)


def _fit(cls, kw, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # InsufficientDataWarning etc.: the same at any scale
        return cls(**kw).fit(X, y)


@pytest.fixture(scope="module")
def reference():
    cache = {}

    def get(cls, family, kw):
        key = (cls, family)
        if key not in cache:
            X, y = _data(family)
            cache[key] = _fit(cls, kw, X, y)
        return cache[key]

    return get


def _same(a, b):
    assert a.sample_size_ == b.sample_size_
    # the criterion moves only by rounding (the rescaled data are rounded once)
    np.testing.assert_allclose(a.criterion_, b.criterion_, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("cls, family, kw", CASES, ids=IDS)
@pytest.mark.parametrize("factor", [1e-12, 1e-3, 1e3, 1e12, "per-column"])
def test_rescaled_columns_give_the_same_answer(cls, family, kw, factor, reference):
    X, y = _data(family)
    if factor == "per-column":
        factor = 10.0 ** np.random.default_rng(3).uniform(-12, 12, X.shape[1])
    _same(_fit(cls, kw, X * factor, y), reference(cls, family, kw))


@pytest.mark.parametrize("cls, family, kw", CASES, ids=IDS)
@pytest.mark.parametrize("factor", [1e300, 1e-300])
def test_extreme_magnitudes_give_the_same_answer(cls, family, kw, factor, reference):
    # main gave the answer of an all-constant X here ("column 0 is all zeros")
    X, y = _data(family)
    with warnings.catch_warnings():
        warnings.simplefilter("error", IdentifiabilityWarning)
        _same(_fit(cls, kw, X * factor, y), reference(cls, family, kw))


@pytest.mark.parametrize("cls, kw", [(c, {}) for c in TESTS] + [
    (CrossValidationSampleSize, SMALL), (BootstrapSampleSize, SMALL)])
def test_rescaled_target_gives_the_same_answer(cls, kw, reference):
    # the Gaussian methods standardise y too (the CLI z-scored it, the API did not)
    X, y = _data("gaussian")
    _same(_fit(cls, kw, X, y * 1e6 + 3e7), reference(cls, "gaussian", kw))


@pytest.mark.parametrize("cls, kw", [(c, {}) for c in TESTS]
                         + [(LogisticZTestSampleSize, {}), (BootstrapSampleSize, SMALL)])
def test_subnormal_column_is_a_clear_error_naming_it(cls, kw):
    X, y = _data("binomial")
    X = X.copy()
    X[:, 1] *= 1e-310
    with pytest.raises(ValueError, match="column 1 of X has magnitude"):
        cls(**kw).fit(X, y)
    frame = pd.DataFrame(X, columns=["age", "income", "height"])
    with pytest.raises(ValueError, match="column 'income' of X"):
        cls(**kw).fit(frame, y)


@pytest.mark.parametrize("cls, kw", [(c, {}) for c in TESTS] + [(BootstrapSampleSize, SMALL)])
def test_constant_column_is_dropped_with_a_warning_naming_it(cls, kw):
    X, y = _data("gaussian")
    frame = pd.DataFrame(np.c_[X, np.full(len(y), 7e250)], columns=[*"abcd", "const"])
    with pytest.warns(IdentifiabilityWarning, match="'const' is constant"):
        cls(**kw).fit(frame, y)


# ------------------------------------------------------------------- overflow
@pytest.mark.parametrize("cls", TESTS)
def test_astronomical_forecast_is_none_with_a_warning_not_an_overflow(cls):
    # main: WaldSampleSize().fit(X * 1e-9, y) raised numpy's UFuncTypeError (m* > int64)
    X, y = _data("gaussian")
    with pytest.warns(RuntimeWarning, match="exceeds 1e\\+12"):
        est = cls(shift=1e-10).fit(X * 1e-9, y)
    assert est.sample_size_ is None
    assert MAX_SAMPLE_SIZE < est.power_sample_size_ < np.inf
    assert np.all(np.isfinite(est.criterion_)) and est.sizes_.max() <= 2 * X.shape[0]
    # the forecast itself scales as 1/shift²: the same data at shift 1e-3
    ref = cls(shift=1e-3).fit(X, y)
    assert est.power_sample_size_ == pytest.approx(ref.power_sample_size_ * 1e14, rel=1e-3)


# ---------------------------------------------- the question and the p + 1 rule
@pytest.mark.parametrize("cls", TESTS)
def test_answer_is_at_least_n_params_plus_one_and_says_why(cls):
    # 24 features and a shift of 3 standard deviations: the power alone needs ~3 rows
    X, y = make_linear_regression(400, 24, random_state=0)
    est = cls(shift=3.0).fit(X, y)
    assert est.power_sample_size_ < 25
    assert est.min_estimable_size_ == 26  # 24 coefficients + intercept, + 1
    assert est.sample_size_ == 26
    assert "raised to 26" in est.question_ and "25 parameters" in est.question_


@pytest.mark.parametrize("cls", TESTS)
def test_question_names_the_shift_units_columns_power_and_level(cls):
    X, y = _data("gaussian")
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    est = cls(shift=0.3, beta=0.1, alpha=0.01).fit(frame, y)
    q = est.question_
    for part in ("shift of 0.3", "standard deviations of y per standard deviation",
                 "column 'a', column 'b'", "power 0.9", "level 0.01"):
        assert part in q, (part, q)
    assert "raised" not in q
    Xb, yb = _data("binomial")
    assert "log-odds per standard deviation" in cls().fit(Xb, yb).question_
    assert "null value" in cls(null_value=0.0).fit(Xb, yb).question_


def test_z_test_states_its_question():
    X, y = _data("binomial")
    est = LogisticZTestSampleSize(feature_index=2).fit(X, y)
    assert "column 2" in est.question_ and "power 0.8" in est.question_
    assert est.sample_size_ >= est.min_estimable_size_ == 5


# ------------------------------------------- independent route: statsmodels
def test_standardised_shift_against_statsmodels_gaussian():
    # LR test, Gaussian: Δ* = mean((θ̂ - θ̂⁰)²)/σ̂² on z-scored X and y, fits by statsmodels OLS;
    # the estimator sees X in mixed units and y in other units
    sm = pytest.importorskip("statsmodels.api")
    X, y = _data("gaussian")
    Xz = (X - X.mean(0)) / X.std(0)
    yz = (y - y.mean()) / y.std()
    full = sm.OLS(yz, sm.add_constant(Xz)).fit()
    u, shift = [0, 1], 0.25
    w_u0 = full.params[[1, 2]] + shift
    rest = sm.OLS(yz - Xz[:, u] @ w_u0, sm.add_constant(Xz[:, 2:])).fit()
    theta, theta0 = full.fittedvalues, Xz[:, u] @ w_u0 + rest.fittedvalues
    delta = np.mean((theta - theta0) ** 2) / np.mean(full.resid**2)
    expected = int(np.ceil(required_noncentrality(2) / delta))

    factors = np.array([1e-6, 3e4, 1.0, 2e9])
    est = LikelihoodRatioSampleSize(shift=shift, test_index=u).fit(X * factors, 1e3 * y)
    assert est.noncentrality_per_object_ == pytest.approx(delta, rel=1e-9)
    assert est.sample_size_ == expected
    # coef_ and sigma2_ are in the units of the data: they predict statsmodels' fitted values
    # (OLS on the raw, badly scaled data is itself rank-deficient to statsmodels)
    fitted = 1e3 * (y.mean() + y.std() * full.fittedvalues)
    np.testing.assert_allclose(sm.add_constant(X * factors) @ est.coef_, fitted, rtol=1e-9)
    assert est.sigma2_ == pytest.approx(np.mean((1e3 * y - fitted) ** 2), rel=1e-9)
    # null_value is in the units of the data: the same null gives the same answer
    null = (full.params[[1, 2]] + shift) * 1e3 * y.std() / (X.std(0)[u] * factors[u])
    same = LikelihoodRatioSampleSize(null_value=null, test_index=u).fit(X * factors, 1e3 * y)
    assert same.sample_size_ == expected


def test_standardised_shift_against_statsmodels_binomial():
    # Wald test, binomial: δ = shift² / Var(ŵ_u) per object on z-scored X, statsmodels Logit
    sm = pytest.importorskip("statsmodels.api")
    X, y = _data("binomial")
    Xz = (X - X.mean(0)) / X.std(0)
    fit = sm.Logit(y, sm.add_constant(Xz)).fit(disp=0, tol=1e-12)
    var_u = fit.cov_params()[1, 1] * len(y)
    delta = 0.4**2 / var_u
    factors = np.array([1e8, 1e-8, 5.0])
    est = WaldSampleSize(shift=0.4, test_index=[0]).fit(X * factors, y)
    assert est.noncentrality_per_object_ == pytest.approx(delta, rel=1e-6)
    # coef_ is in the units of X: the same linear predictor as statsmodels' z-scored fit
    np.testing.assert_allclose(sm.add_constant(X * factors) @ est.coef_,
                               sm.add_constant(Xz) @ fit.params, rtol=1e-6, atol=1e-8)
    assert est.sample_size_ == max(int(np.ceil(est.gamma_star_ / delta - 1e-9)), 5)


# ------------------------------------------------------------ the helper
def test_standardize_columns_is_exact_where_it_can_be():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3)) * [1e300, 1e-300, 1.0] + [0, 0, 1e6]
    Xs, offset, scale = standardize_columns(X)
    # (the third column keeps 10 of its 16 digits next to its offset of 1e6)
    np.testing.assert_allclose(Xs.mean(0), 0, atol=1e-9)
    np.testing.assert_allclose(Xs.std(0), 1, rtol=1e-12)
    np.testing.assert_allclose(Xs * scale + offset, X, rtol=1e-12)
    # without centring: unit root mean square, no offset
    Xu, offset_u, _ = standardize_columns(X, center=False)
    np.testing.assert_allclose(np.sqrt(np.mean(Xu**2, 0)), 1, rtol=1e-12)
    assert np.all(offset_u == 0)
    # a constant column becomes ±1, an all-zero one stays zero
    C = np.c_[np.full(5, -3e-200), np.zeros(5), np.arange(5.0)]
    Cs = standardize_columns(C)[0]
    assert np.all(Cs[:, 0] == -1) and np.all(Cs[:, 1] == 0)
    assert stats.describe(Cs[:, 2]).variance > 0


@pytest.mark.parametrize("order", ["C", "F"])
def test_standardize_columns_into_a_design_shares_its_columns(order):
    # leading_ones: the same numbers, written into a design whose first column is ones, which
    # prepare_glm_data takes as the design (one copy of the features, not two)
    from skcomplexity.sample_size._common import prepare_glm_data

    rng = np.random.default_rng(1)
    X = np.asarray(rng.normal(size=(40, 4)) * [1e5, 1.0, 1e-4, 1.0], order=order)
    X[:, 3] = 2.5  # a constant column: ±1, not centred
    ref = standardize_columns(X)
    got = standardize_columns(X, leading_ones=True)
    for a, b in zip(got, ref, strict=True):
        if order == "C":  # the same operations on the same layout: bit for bit
            np.testing.assert_array_equal(a, b)
        else:  # the squared deviations row-major, not column-major: a sum in another order
            np.testing.assert_allclose(a, b, rtol=1e-14, atol=0)
    design = got[0].base
    assert design.shape == (40, 5) and np.all(design[:, 0] == 1.0)
    # without the constant column (aliased with the intercept, it would be dropped: a copy)
    Xs = standardize_columns(X[:, :3], leading_ones=True)[0]
    y = X[:, :3] @ [1.0, -1.0, 2.0] + rng.normal(size=40)
    shared = prepare_glm_data(Xs, y, "gaussian", True, design=Xs.base)
    fresh = prepare_glm_data(Xs, y, "gaussian", True)
    assert shared.X is Xs.base and not np.shares_memory(fresh.X, Xs)
    np.testing.assert_array_equal(shared.X, fresh.X)
    assert shared.sigma2 == fresh.sigma2


@pytest.mark.parametrize("p", [1, 2, 3, 30])
@pytest.mark.parametrize("layout", ["C", "F", "design"])
def test_blocked_mean_of_squares_is_numpys_bit_for_bit(monkeypatch, p, layout):
    # the spread is summed in blocks of rows (no temporary the size of the data): the same
    # additions in the same order as np.mean(np.square(X), axis=0) on every layout
    import skcomplexity._validation as validation

    monkeypatch.setattr(validation, "_SQUARES_BLOCK", 7)
    rng = np.random.default_rng(p)
    m = 1003
    X = rng.normal(size=(m, p)) * rng.lognormal(size=p) + rng.normal(size=p) * 10
    if layout == "F":
        X = np.asfortranarray(X)
    elif layout == "design":
        design = np.empty((m, p + 1))
        design[:, 0] = 1.0
        design[:, 1:] = X
        X = design[:, 1:]
    np.testing.assert_array_equal(validation._mean_of_squares(X),
                                  np.mean(np.square(X), axis=0))
    ref = _standardize_out_of_place(np.ascontiguousarray(X))
    for g, r in zip(standardize_columns(np.ascontiguousarray(X), leading_ones=True), ref,
                    strict=True):
        np.testing.assert_array_equal(g, r)


def _standardize_out_of_place(X, center=True):
    """The out-of-place standardisation the in-place one replaced (the reference)."""
    amax = np.max(np.abs(X), axis=0)
    a = np.where(amax > 0, amax, 1.0)
    Xd = X / a
    constant = np.ptp(Xd, axis=0) == 0
    offset = Xd.mean(axis=0) if center else np.zeros(X.shape[1])
    spread = np.sqrt(np.mean((Xd - offset) ** 2, axis=0))
    constant |= spread == 0
    offset = np.where(constant, 0.0, offset)
    spread = np.where(constant, np.abs(Xd[0]), spread)
    spread = np.where(spread > 0, spread, 1.0)
    return (Xd - offset) / spread, offset * a, spread * a


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("center", [True, False])
def test_in_place_standardisation_is_the_out_of_place_one(seed, center):
    # bit for bit, including nearly constant columns (1-ulp spreads, which the division by
    # the column's scale may collapse), constant, all-zero and huge/tiny columns
    rng = np.random.default_rng(seed)
    m = 60
    base = rng.normal(size=(m, 3)) * [1e300, 1e-300, 1.0]
    near = np.where(rng.integers(0, 2, size=(m, 1)) == 1, 7.3, np.nextafter(7.3, np.inf))
    huge_near = 3e300 * (1 + np.finfo(float).eps * rng.integers(0, 2, size=(m, 1)))
    X = np.c_[base, near, huge_near, np.full(m, -2.5), np.zeros(m)]
    got = standardize_columns(X, center=center)
    ref = _standardize_out_of_place(X, center=center)
    for g, r in zip(got, ref, strict=True):
        np.testing.assert_array_equal(g, r)
    for g, r in zip(standardize_columns(X, center=center, leading_ones=True), ref, strict=True):
        np.testing.assert_array_equal(g, r)
