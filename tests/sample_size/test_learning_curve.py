"""LearningCurveSampleSize: rows an estimator needs for a target score.

Numbers are checked against independent routes: the closed-form learning curve of
least squares with a Gaussian design (expected test MSE = σ²(1 + p / (n - p - 1)) for
p features without an intercept), and scikit-learn's ``learning_curve`` at the same sizes.
"""

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import get_scorer
from sklearn.model_selection import ShuffleSplit, learning_curve
from sklearn.utils.estimator_checks import parametrize_with_checks

from skcomplexity.sample_size import (
    IllBehavedCurveWarning,
    InsufficientDataWarning,
    LearningCurveSampleSize,
    SufficientSampleSize,
)

P = 20


def ols_data(m, seed, p=P):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, p))
    return X, X @ rng.normal(size=p) + rng.normal(size=m)


def ols_mse(n, p=P):
    """Expected test MSE of least squares (no intercept) on n rows, σ² = 1."""
    return 1.0 + p / (n - p - 1.0)


def ols_size(mse, p=P):
    return p + 1.0 + p / (mse - 1.0)


def fit_ols(X, y, seed=0, **kw):
    params = dict(scoring="neg_mean_squared_error", test_size=200, n_repeats=20,
                  random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        return LearningCurveSampleSize(LinearRegression(fit_intercept=False),
                                       **{**params, **kw}).fit(X, y)


@pytest.fixture(scope="module")
def ols_fit():
    X, y = ols_data(700, 0)
    return X, y, fit_ols(X, y, target_score=-ols_mse(60))


def test_closed_form_size_within_interval(ols_fit):
    _, _, est = ols_fit
    lo, hi = est.sample_size_interval_
    assert est.status_ == "enough"
    assert lo <= 60 <= hi, (est.sample_size_, est.sample_size_interval_)
    assert abs(est.sample_size_ - 60) <= 0.25 * 60
    # the fitted curve at the closed form's sizes, inside the data, with its interval
    n = np.array([60, 125, 250])
    score, lo, hi = est.predict_score(n, return_interval=True)
    np.testing.assert_allclose(score, -ols_mse(n), rtol=0.06)
    assert np.all(lo <= score) and np.all(score <= hi)
    assert lo[0] <= -ols_mse(60) <= hi[0]
    assert est.threshold_ == -ols_mse(60) and est.criterion_replicates_.shape == (10, 20)


def test_same_curve_as_sklearn_learning_curve(ols_fit):
    X, y, est = ols_fit
    sizes, _, test = learning_curve(
        LinearRegression(fit_intercept=False), X, y, train_sizes=est.sizes_,
        cv=ShuffleSplit(n_splits=20, test_size=200, random_state=0),
        scoring="neg_mean_squared_error")
    ours = est.criterion_replicates_
    keep = sizes >= 2 * P  # past the heavy-tailed interpolation regime (n ~ p)
    se = np.sqrt(ours.var(axis=1, ddof=1) / 20 + test.var(axis=1, ddof=1) / 20)[keep]
    z = (ours.mean(axis=1)[keep] - test.mean(axis=1)[keep]) / se
    assert np.all(np.abs(z) < 4), z
    # and both follow the closed form at the larger sizes
    np.testing.assert_allclose(test.mean(axis=1)[keep], -ols_mse(sizes[keep]), rtol=0.1)


def test_interval_covers_the_known_law_across_data_sets():
    # coverage of the 95 % interval of m* for a target of the closed form (n* = 50)
    covered, n_sets = 0, 6
    for seed in range(n_sets):
        X, y = ols_data(600, 100 + seed)
        est = fit_ols(X, y, seed=seed, n_repeats=12, target_score=-ols_mse(50))
        lo, hi = est.sample_size_interval_
        covered += lo <= 50 <= hi
    assert covered >= n_sets - 1


def test_confidence_sets_every_interval(ols_fit):
    # the same fit (same point answer, same curve); narrower confidence, nested intervals
    X, y, est = ols_fit
    n = np.array([30, 60, 250])
    prev = (est.sample_size_interval_, est.predict_score(n, return_interval=True))
    assert est.confidence_ == 0.95
    for confidence in (0.9, 0.5):
        other = fit_ols(X, y, target_score=-ols_mse(60), confidence=confidence)
        assert other.confidence_ == confidence and other.sample_size_ == est.sample_size_
        np.testing.assert_array_equal(other.criterion_replicates_, est.criterion_replicates_)
        (lo, hi), (score, s_lo, s_hi) = (other.sample_size_interval_,
                                         other.predict_score(n, return_interval=True))
        (wide_lo, wide_hi), (_, wide_s_lo, wide_s_hi) = prev
        assert wide_lo <= lo <= other.sample_size_ <= hi <= wide_hi
        assert np.all(wide_s_lo <= s_lo) and np.all(s_hi <= wide_s_hi)
        assert np.all(s_lo <= score) and np.all(score <= s_hi)
        prev = (other.sample_size_interval_, (score, s_lo, s_hi))
    # the 90 % interval covers the closed form's size on most data sets
    covered = sum(
        lo <= 50 <= hi for lo, hi in (
            fit_ols(*ols_data(600, 200 + seed), seed=seed, n_repeats=12, confidence=0.9,
                    target_score=-ols_mse(50)).sample_size_interval_ for seed in range(6)))
    assert covered >= 4


def test_harder_target_needs_more_rows(ols_fit):
    X, y, est = ols_fit
    targets = -ols_mse(np.array([40, 60, 120, 240]))
    sizes = [est.sample_size_for(t) for t in targets]
    assert np.all(np.diff(sizes) > 0), sizes
    np.testing.assert_allclose(sizes, [40, 60, 120, 240], rtol=0.35)
    harder = fit_ols(X, y, target_score=-ols_mse(120))
    assert harder.sample_size_ > est.sample_size_
    # the assurance rises with n, and the level is reached with high assurance well past m*
    a = est.assurance([30, 60, 200])
    assert a[0] <= a[1] <= a[2] and a[2] >= 0.9


@pytest.mark.parametrize("seed", range(4))
def test_delta_mode_and_forecast_past_the_data(seed):
    # within delta of the asymptote: σ² p / (n - p - 1) <= delta, n = 521 past the 400
    # training rows. A test part of 300 of 700 rows measures the MSE to about 0.08 and
    # the data hold two such parts, so the asymptote is known to about ±0.1 and the
    # answer may not be settled within the data ("edge") or be a forecast ("more data"),
    # but never a confident "enough", and its interval holds the closed form
    X, y = ols_data(700, 0)
    with pytest.warns(InsufficientDataWarning):
        est = LearningCurveSampleSize(LinearRegression(fit_intercept=False),
                                      scoring="neg_mean_squared_error", delta=0.04,
                                      test_size=300, n_repeats=20, random_state=seed).fit(X, y)
    assert est.status_ in ("edge", "more data"), est.status_
    lo, hi = est.sample_size_interval_ or est.extrapolated_interval_
    assert est.sizes_[0] <= lo <= ols_size(1.04) <= hi
    if est.status_ == "more data":
        assert est.sizes_[-1] < est.extrapolated_size_ < hi
    assert abs(est.asymptote_ + 1) < 0.1
    assert est.threshold_ == pytest.approx(est.asymptote_ - 0.04)


def test_target_near_the_asymptote_is_an_open_interval():
    # the closed form reaches the target at 1,500 rows, 0.01 above the score at the
    # largest training size (1,000) and within the asymptote's uncertainty (about 0.04):
    # the answer is "more rows, from lo to beyond the cap", not a confident number
    X, y = ols_data(1200, 0)
    est = fit_ols(X, y, test_size=200, target_score=-ols_mse(1500))
    assert est.sample_size_ is None and est.status_ in ("more data", "beyond cap")
    lo, hi = est.extrapolated_interval_
    assert est.sizes_[0] <= lo <= 1500 and hi == np.inf


def test_same_seed_same_answer_any_n_jobs():
    X, y = ols_data(300, 1)
    a = fit_ols(X, y, n_repeats=4, test_size=100, target_score=-1.6, n_jobs=1)
    b = fit_ols(X, y, n_repeats=4, test_size=100, target_score=-1.6, n_jobs=2)
    np.testing.assert_array_equal(a.criterion_replicates_, b.criterion_replicates_)
    assert a.sample_size_ == b.sample_size_
    assert a.sample_size_interval_ == b.sample_size_interval_
    c = fit_ols(X, y, seed=5, n_repeats=4, test_size=100, target_score=-1.6)
    assert not np.array_equal(a.criterion_replicates_, c.criterion_replicates_)


class _GroupRecorder(BaseEstimator, RegressorMixin):
    """Predicts the mean; remembers the groups (column 0) it was trained on."""

    def fit(self, X, y, sample_weight=None):
        self.groups_ = set(np.asarray(X)[:, 0].tolist())
        self.weights_ = None if sample_weight is None else np.asarray(sample_weight)
        self.mean_ = float(np.average(y, weights=sample_weight))
        self.n_ = len(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)


def test_groups_are_never_split():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(40), rng.integers(2, 9, 40))
    X = np.column_stack([groups, rng.normal(size=groups.size)])
    y = X[:, 1] + rng.normal(size=groups.size)

    def scorer(est, X, y):
        test_groups = set(np.asarray(X)[:, 0].tolist())
        assert not test_groups & est.groups_, "a group is in the training and the test part"
        return -np.mean((y - est.predict(X)) ** 2) - 1.0 / est.n_

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        est = LearningCurveSampleSize(_GroupRecorder(), scoring=scorer, n_repeats=5,
                                      random_state=0).fit(X, y, groups=groups)
    assert est.sizes_[-1] <= groups.size - est.n_test_


def test_sample_weight_legacy_and_routed():
    X, y = ols_data(200, 2, p=3)
    w = np.random.default_rng(0).uniform(0.5, 2, 200)
    kw = dict(scoring="neg_mean_squared_error", n_repeats=3, random_state=0, target_score=-2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        plain = LearningCurveSampleSize(LinearRegression(), **kw).fit(X, y)
        ones = LearningCurveSampleSize(LinearRegression(), **kw).fit(X, y,
                                                                   sample_weight=np.ones(200))
        weighted = LearningCurveSampleSize(LinearRegression(), **kw).fit(X, y, sample_weight=w)
        np.testing.assert_allclose(plain.criterion_, ones.criterion_)
        assert not np.allclose(plain.criterion_, weighted.criterion_)
        with sklearn.config_context(enable_metadata_routing=True):
            # the scorer says whether it takes the weights (here not: as the legacy path)
            scorer = get_scorer("neg_mean_squared_error").set_score_request(sample_weight=False)
            routed = LearningCurveSampleSize(
                LinearRegression().set_fit_request(sample_weight=True),
                **{**kw, "scoring": scorer}).fit(X, y, sample_weight=w)
            np.testing.assert_allclose(routed.criterion_, weighted.criterion_)
            with pytest.raises(ValueError, match="sample_weight"):
                LearningCurveSampleSize(LinearRegression(), **kw).fit(X, y, sample_weight=w)
    with pytest.raises(ValueError, match="sample_weight has 5 entries for 200 rows"):
        LearningCurveSampleSize(LinearRegression(), **kw).fit(X, y, sample_weight=w[:5])


class _CountingLogistic(LogisticRegression):
    """Records, per instance, how many times it was fitted and its solver's iterations."""

    def fit(self, X, y, sample_weight=None):
        self.n_fits_ = getattr(self, "n_fits_", 0) + 1
        return super().fit(X, y, sample_weight=sample_weight)


def test_warm_start_auto_only_for_convex_losses():
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skcomplexity.sample_size.learning_curve import _warm_start_params

    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    assert _warm_start_params(pipe, "auto") == ["logisticregression__warm_start"]
    assert _warm_start_params(pipe, False) == []
    hgb = HistGradientBoostingClassifier()
    assert _warm_start_params(hgb, "auto") == []  # boosting would continue the old model
    assert _warm_start_params(hgb, True) == ["warm_start"]


def test_warm_start_refits_one_model_to_the_same_optimum():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 8))
    y = (X @ rng.normal(size=8) + rng.logistic(size=600) > 0).astype(int)
    kw = dict(scoring="neg_log_loss", n_repeats=3, sizes=6, target_score=-0.45,
              random_state=0)
    fitted = []

    def scorer(est, X, y):  # the model scored at each size, and its loss
        fitted.append(est)
        return get_scorer("neg_log_loss")(est, X, y)

    base = _CountingLogistic(tol=1e-10, max_iter=5000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        warm = LearningCurveSampleSize(base, **{**kw, "scoring": scorer}).fit(X, y)
        n_warm = len({id(e) for e in fitted})
        iters_warm = sum(int(e.n_iter_[0]) for e in fitted)
        fitted.clear()
        cold = LearningCurveSampleSize(base, **{**kw, "scoring": scorer},
                                       warm_start=False).fit(X, y)
        iters_cold = sum(int(e.n_iter_[0]) for e in fitted)
    # one model per replicate, refitted at each of its 6 sizes; a fresh one per size cold
    assert n_warm == 3 and max(e.n_fits_ for e in fitted) == 1
    assert iters_warm < iters_cold
    # a convex loss: the same optimum from either start (to the solver's tolerance)
    np.testing.assert_allclose(warm.criterion_replicates_, cold.criterion_replicates_,
                               atol=1e-7)
    assert warm.sample_size_ == cold.sample_size_


class _WorseWithData(_GroupRecorder):
    pass


def test_ill_behaved_curve_warns():
    X, y = ols_data(300, 3, p=2)

    def falling(est, X, y):  # the score falls with the training size
        return -est.n_ / 100.0 + 0.05 * float(np.mean(y))

    with pytest.warns(IllBehavedCurveWarning, match="non-monotone"):
        est = LearningCurveSampleSize(_WorseWithData(), scoring=falling, n_repeats=6,
                                      target_score=0.0, random_state=0).fit(X, y)
    assert est.curve_flags_["non_monotone"]


def test_front_door_and_default_estimator():
    X, y = ols_data(300, 4, p=3)
    sss = SufficientSampleSize("learning-curve", random_state=0, params={
        "estimator": LinearRegression(), "n_repeats": 3, "target_score": 0.5}).fit(X, y)
    assert sss.estimator_.estimator_kind_ == "LinearRegression"
    assert sss.sample_size_ is not None and sss.sample_size_ <= sss.sizes_[-1]
    yc = (y > np.median(y)).astype(int)
    clf = LearningCurveSampleSize(n_repeats=3, target_score=0.7, random_state=0).fit(X, yc)
    assert clf.estimator_kind_ == "LogisticRegression"
    assert np.all((clf.criterion_ >= 0) & (clf.criterion_ <= 1))  # accuracy


@pytest.mark.parametrize("kw, match", [
    ({"target_score": 0.5, "delta": 0.1}, "not both"),
    ({"families": ("pow3", "spline")}, "families must be"),
    ({"test_size": 97}, "leaves 3 of 100 rows"),
    ({"sizes": [5, 6, 7]}, "at least 4 training sizes"),
    ({"confidence": 1.0}, "confidence"),
])
def test_clear_errors(kw, match):
    X, y = ols_data(100, 0, p=2)
    with pytest.raises(ValueError, match=match):
        LearningCurveSampleSize(**kw).fit(X, y)


def test_classifier_prefixes_hold_every_class():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = np.where(rng.random(200) < 0.1, "rare", "common")
    est = LearningCurveSampleSize(LogisticRegression(), n_repeats=3, sizes=[4, 10, 40, 100, 160],
                                  random_state=0, target_score=0.85)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        est.fit(X, y)  # LogisticRegression refuses one class: every prefix holds both
    assert np.isfinite(est.criterion_).all()


@parametrize_with_checks([LearningCurveSampleSize(LinearRegression(), n_repeats=2, sizes=4,
                                                  random_state=0)])
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", InsufficientDataWarning)
        check(estimator)


# ---------------------------------------------------------------- planning (Riley et al.)
def test_riley_binary_reproduces_pmsampsize():
    from skcomplexity.sample_size import riley_sample_size_binary

    # the pmsampsize documentation's example (Riley et al. 2020, BMJ): 623 / 662 / 221
    res = riley_sample_size_binary(24, prevalence=0.174, r2_cs=0.288)
    assert res.criteria == {"shrinkage": 623, "optimism": 662, "risk": 221}
    assert res.sample_size == 662 and res.max_r2_cs == pytest.approx(0.6032, abs=1e-4)
    with pytest.raises(ValueError, match="exactly one"):
        riley_sample_size_binary(24, prevalence=0.174)


def test_riley_linear_reproduces_pmsampsize():
    from skcomplexity.sample_size import riley_sample_size_linear

    # pmsampsize(type="c", rsquared=0.2, parameters=25, intercept=1.9, sd=0.6): 918
    res = riley_sample_size_linear(25, r2=0.2, intercept=1.9, sd=0.6)
    assert res.criteria == {"shrinkage": 918, "optimism": 401, "residual_sd": 259,
                            "intercept": 918}
    assert res.sample_size == 918 and res.shrinkage >= 0.9


def test_c_statistic_conversion_matches_a_large_logistic_fit():
    from scipy.stats import norm

    from skcomplexity.sample_size import cox_snell_r2_from_c_statistic

    rng = np.random.default_rng(0)
    n, phi, c = 200_000, 0.2, 0.8
    y = (rng.random(n) < phi).astype(float)
    lp = rng.normal(size=n) + np.sqrt(2) * norm.ppf(c) * y
    p = LogisticRegression(C=np.inf).fit(lp[:, None], y).predict_proba(lp[:, None])[:, 1]
    ll = np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))
    ll0 = n * (y.mean() * np.log(y.mean()) + (1 - y.mean()) * np.log(1 - y.mean()))
    assert cox_snell_r2_from_c_statistic(c, phi) == pytest.approx(1 - np.exp(-2 * (ll - ll0) / n),
                                                                  abs=0.005)
