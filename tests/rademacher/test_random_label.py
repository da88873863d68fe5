"""R4 (random-label refitting), the scorer, and the estimator contract."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from skcomplexity.metrics import make_rademacher_scorer, rademacher_scorer
from skcomplexity.rademacher import (
    RandomLabelRademacher,
    linear_rademacher,
    rademacher_complexity,
)


@parametrize_with_checks([RandomLabelRademacher(n_repeats=2)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.fixture
def X():
    return np.random.default_rng(0).normal(size=(60, 3))


def test_same_answer_for_any_n_jobs(X):
    est = RandomLabelRademacher(LogisticRegression(C=0.3), n_repeats=4, random_state=7)
    a = est.fit(X).correlations_.copy()
    b = est.set_params(n_jobs=2).fit(X).correlations_
    np.testing.assert_array_equal(a, b)
    assert est.signs_.shape == (4, 60) and set(np.unique(est.signs_)) == {-1, 1}


def test_attributes_and_definition(X):
    est = RandomLabelRademacher(Ridge(alpha=10.0), n_repeats=3, random_state=0).fit(X)
    assert est.response_method_ == "predict"
    # recompute each replicate's correlation from its signs
    for k in range(3):
        s = est.signs_[k].astype(float)
        pred = Ridge(alpha=10.0).fit(X, s).predict(X)
        assert est.correlations_[k] == pytest.approx(np.mean(s * pred))
    assert est.complexity_ == pytest.approx(est.correlations_.mean())
    assert est.complexity_std_ == pytest.approx(est.correlations_.std(ddof=1))
    assert float(est) == est.complexity_


def test_capacity_orders_models(X):
    weak = RandomLabelRademacher(LogisticRegression(C=1e-3), random_state=0).fit(X)
    strong = RandomLabelRademacher(LogisticRegression(C=1e3), random_state=0).fit(X)
    assert 0 < weak.complexity_ < strong.complexity_
    shallow = RandomLabelRademacher(DecisionTreeClassifier(max_depth=1), random_state=0).fit(X)
    deep = RandomLabelRademacher(DecisionTreeClassifier(), random_state=0).fit(X)
    assert deep.response_method_ == "predict_proba"
    assert deep.complexity_ == pytest.approx(1.0)  # a full tree interpolates any labels
    assert shallow.complexity_ < deep.complexity_


class _PredictOnly(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


class _NoKind(BaseEstimator):
    def fit(self, X, y):
        return self


def test_estimator_without_scores_is_a_clear_error(X):
    # a classifier with predict only is read through its +-1 labels
    only = RandomLabelRademacher(_PredictOnly(), n_repeats=2, random_state=0).fit(X)
    assert only.response_method_ == "predict"
    np.testing.assert_allclose(only.correlations_, only.signs_.mean(axis=1) * -1)
    with pytest.raises(ValueError, match="neither a regressor nor a classifier"):
        RandomLabelRademacher(_NoKind()).fit(X)
    from sklearn.svm import SVC

    with pytest.raises(ValueError, match="predict_proba"):
        RandomLabelRademacher(SVC(), response_method="predict_proba").fit(X)
    with pytest.raises(ValueError, match="response_method"):
        RandomLabelRademacher(response_method="bogus").fit(X)
    with pytest.raises(TypeError, match="estimator"):
        RandomLabelRademacher("not an estimator").fit(X)
    with pytest.raises(ValueError, match="n_repeats"):
        RandomLabelRademacher(n_repeats=0).fit(X)


def _constrained_linear_net(n_features, epochs, radius):
    torch = pytest.importorskip("torch")
    from skorch import NeuralNetRegressor

    from skcomplexity.neural.callbacks import NormBallProjection
    from skcomplexity.neural.multitask import CorrelationLoss

    return NeuralNetRegressor(
        torch.nn.Linear,
        module__in_features=n_features,
        module__out_features=1,
        module__bias=False,
        criterion=CorrelationLoss,
        optimizer=torch.optim.SGD,
        lr=0.1,
        batch_size=-1,
        max_epochs=epochs,
        train_split=None,
        callbacks=[NormBallProjection(radius)],
        verbose=0,
    )


def test_r4_approaches_r2_from_below_as_budget_grows():
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        _check_r4_approaches_r2()
    finally:
        torch.set_num_threads(threads)


def _check_r4_approaches_r2():
    X = np.random.default_rng(1).normal(size=(40, 3))
    B = 0.8
    estimates = []
    for epochs in (1, 4, 15, 80):
        rl = RandomLabelRademacher(
            _constrained_linear_net(3, epochs, B), n_repeats=6, random_state=3
        ).fit(X)
        r2_same_signs = linear_rademacher(X, radius=B, signs=rl.signs_, return_values=True)
        # per draw, the constrained fit can never beat the supremum
        assert np.all(rl.correlations_ <= r2_same_signs.values + 1e-5)
        estimates.append(rl.complexity_)
    assert np.all(np.diff(estimates) > 0)
    assert estimates[-1] == pytest.approx(r2_same_signs.complexity, rel=0.02)
    # and the common estimate is close to R2's own Monte Carlo value
    r2 = linear_rademacher(X, radius=B, n_draws=4000, random_state=0)
    assert estimates[-1] < r2.bounds["khintchine"] * 1.2


def test_rademacher_complexity_methods(X):
    lr = LogisticRegression(C=0.5).fit(X, (X[:, 0] > 0).astype(int))
    rl = rademacher_complexity(lr, X, n_repeats=3)
    assert rl == RandomLabelRademacher(lr, n_repeats=3, random_state=0).fit(X).complexity_
    head = rademacher_complexity(lr, X, method="linear-head")
    ref = linear_rademacher(X, radius=float(np.linalg.norm(lr.coef_)), random_state=0)
    assert head == pytest.approx(ref.complexity)
    with pytest.raises(ValueError, match="method"):
        rademacher_complexity(lr, X, method="other")


def test_scorer_in_cross_validate_and_grid_search(X):
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    cv = cross_validate(
        DecisionTreeClassifier(max_depth=2, random_state=0), X, y, cv=3,
        scoring={"acc": "accuracy", "rademacher": rademacher_scorer},
    )
    assert np.all(cv["test_rademacher"] < 0)
    gs = GridSearchCV(
        DecisionTreeClassifier(random_state=0), {"max_depth": [1, 3, None]}, cv=3,
        scoring=make_rademacher_scorer(n_repeats=3),
    ).fit(X, y)
    scores = gs.cv_results_["mean_test_score"]
    assert scores[0] > scores[1] > scores[2]  # less capacity scores higher
    assert gs.best_params_ == {"max_depth": 1}
    pos = make_rademacher_scorer(greater_is_better=True, n_repeats=3)
    est = DecisionTreeClassifier(max_depth=1).fit(X, y)
    assert pos(est, X, y) == pytest.approx(-make_rademacher_scorer(n_repeats=3)(est, X, y))
