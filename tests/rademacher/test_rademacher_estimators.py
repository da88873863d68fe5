"""R1-R3: exact vs Monte Carlo, closed form vs a finite net, analytic bounds, errors."""

import itertools
import math

import numpy as np
import pytest

from skcomplexity.metrics import rademacher_scorer
from skcomplexity.rademacher import (
    RandomLabelRademacher,
    extract_features,
    finite_class_rademacher,
    linear_head_rademacher,
    linear_rademacher,
)


def test_r1_exact_known_values():
    P = np.array(list(itertools.product([-1, 1], repeat=3)), dtype=float)
    res = finite_class_rademacher(P, exact=True)
    assert res.exact and res.n_draws == 8 and res.std_error == 0
    assert res.complexity == 1.0
    assert finite_class_rademacher(P[:1]).complexity == 0.0
    # two hypotheses f and -f on one point: E max(s x, -s x) = |x|
    assert finite_class_rademacher([[2.5], [-2.5]]).complexity == 2.5


@pytest.mark.parametrize("seed", [0, 1])
def test_r1_exact_equals_monte_carlo_within_3_se(seed):
    rng = np.random.default_rng(seed)
    P = rng.normal(size=(25, 12))
    exact = finite_class_rademacher(P, exact=True)
    mc = finite_class_rademacher(P, exact=False, n_draws=4000, random_state=seed)
    assert not mc.exact and mc.std_error > 0
    assert abs(exact.complexity - mc.complexity) < 3 * mc.std_error
    assert exact.complexity <= exact.bounds["massart"]


def test_r1_below_massart_for_sign_rows():
    rng = np.random.default_rng(3)
    P = rng.choice([-1.0, 1.0], size=(40, 30))
    res = finite_class_rademacher(P, n_draws=2000, random_state=0)
    assert res.bounds["massart"] == pytest.approx(math.sqrt(2 * math.log(40) / 30))
    assert res.complexity < res.bounds["massart"]


def test_draws_do_not_depend_on_chunk_size():
    X = np.random.default_rng(0).normal(size=(37, 4))
    a = linear_rademacher(X, n_draws=301, chunk_size=7, random_state=5, return_values=True)
    b = linear_rademacher(X, n_draws=301, chunk_size=1000, random_state=5, return_values=True)
    np.testing.assert_allclose(a.values, b.values)
    c = linear_rademacher(X, n_draws=301, random_state=6)
    assert c.complexity != a.complexity


def test_r2_single_point_is_exact():
    x = np.array([[1.0, 2.0, 2.0]])
    assert linear_rademacher(x, radius=2.0, n_draws=10, random_state=0).complexity == 6.0


def test_r2_closed_form_equals_r1_on_a_fine_net_of_the_ball():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 2))
    B = 1.5
    theta = np.linspace(0, 2 * np.pi, 4000, endpoint=False)
    W = B * np.column_stack([np.cos(theta), np.sin(theta)])  # net of the sphere
    r1 = finite_class_rademacher(W @ X.T, exact=True).complexity
    r2 = linear_rademacher(X, radius=B, exact=True).complexity
    assert r1 <= r2 + 1e-12
    # the net's angular gap pi/4000 costs at most a factor cos(pi/4000)
    assert r1 >= r2 * math.cos(math.pi / 4000) - 1e-12
    # and with the same sign draws, MC agrees draw by draw
    S = np.random.default_rng(1).choice([-1, 1], size=(500, 8))
    v1 = finite_class_rademacher(W @ X.T, signs=S, return_values=True).values
    v2 = linear_rademacher(X, radius=B, signs=S, return_values=True).values
    np.testing.assert_allclose(v1, v2, rtol=1e-6)


def test_r2_below_its_bounds():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 7)) * rng.uniform(0.2, 3, size=(300, 1))
    res = linear_rademacher(X, radius=0.7, n_draws=2000, random_state=0)
    kh, br = res.bounds["khintchine"], res.bounds["BR/sqrt(m)"]
    assert kh == pytest.approx(0.7 / 300 * np.linalg.norm(X))
    assert br == pytest.approx(0.7 * np.linalg.norm(X, axis=1).max() / math.sqrt(300))
    assert res.complexity <= kh + 3 * res.std_error
    assert kh <= br
    # the Khintchine bound is tight to within sqrt(2) (Khintchine-Kahane); here within 5%
    assert res.complexity > 0.95 * kh


def test_r3_on_linear_model_equals_r2_with_coef_norm():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = (X[:, 0] + 0.3 * rng.normal(size=80) > 0).astype(int)
    lr = LogisticRegression(C=0.5).fit(X, y)
    r3 = linear_head_rademacher(lr, X, random_state=0)
    r2 = linear_rademacher(X, radius=float(np.linalg.norm(lr.coef_)), random_state=0)
    assert r3.complexity == pytest.approx(r2.complexity)


def test_r3_features_of_sklearn_mlp_and_pipeline():
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    pipe = make_pipeline(
        StandardScaler(), MLPClassifier((5,), solver="lbfgs", max_iter=300, random_state=0)
    ).fit(X, y)
    feats, head = extract_features(pipe, X)
    assert feats.shape == (60, 5) and head.shape == (1, 5)
    mlp = pipe[-1]
    from scipy.special import expit

    logit = feats @ mlp.coefs_[-1][:, 0] + mlp.intercepts_[-1][0]
    np.testing.assert_allclose(expit(logit), mlp.predict_proba(pipe[0].transform(X))[:, 1])
    res = linear_head_rademacher(pipe, X, radius=1.0, random_state=0)
    ref = linear_rademacher(feats, radius=1.0, random_state=0)
    assert res.complexity == pytest.approx(ref.complexity, rel=1e-12)


def test_r3_skorch_penultimate_layer():
    torch = pytest.importorskip("torch")
    from skorch import NeuralNetClassifier

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = torch.nn.Sequential(torch.nn.Linear(3, 6), torch.nn.ReLU())
            self.out = torch.nn.Linear(6, 2)

        def forward(self, x):
            return torch.softmax(self.out(self.body(x)), dim=-1)

    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    torch.manual_seed(0)
    net = NeuralNetClassifier(Net, max_epochs=2, train_split=None, verbose=0).fit(X, y)
    feats, head = extract_features(net, X)
    with torch.no_grad():
        expected = net.module_.body(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(feats, expected, rtol=1e-5)
    assert head.shape == (2, 6)
    res = linear_head_rademacher(net, X, random_state=0)  # radius = ||w1 - w0||
    ref = linear_rademacher(feats, radius=float(np.linalg.norm(head[1] - head[0])), random_state=0)
    assert res.complexity == pytest.approx(ref.complexity)


def test_r3_neural_estimator_and_plain_module_through_the_landscape_adapter():
    # extract_features finds the torch model with skcomplexity.landscape.unwrap, so the
    # package's own estimators and bare modules work too, not only raw skorch nets
    pytest.importorskip("torch")
    from sklearn.exceptions import NotFittedError

    from skcomplexity.neural import MLPClassifier

    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))  # float64: the estimator's own input checks cast it
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    clf = MLPClassifier(hidden_units=(5,), max_epochs=3, lr=1e-2, device="cpu",
                        random_state=0).fit(X, y)
    feats, head = extract_features(clf, X)
    first, last = clf.module_.linear_layers
    W, b = (t.detach().double().numpy() for t in (first.weight, first.bias))
    expected = np.maximum(X @ W.T + b, 0.0)  # ReLU of the hidden layer, by hand
    np.testing.assert_allclose(feats, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(head, last.weight.detach().double().numpy())
    feats_m, head_m = extract_features(clf.module_, X)  # the bare nn.Module
    np.testing.assert_allclose(feats_m, feats, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(head_m, head)
    res = linear_head_rademacher(clf, X, random_state=0)
    ref = linear_rademacher(expected, radius=float(np.linalg.norm(head[1] - head[0])),
                            random_state=0)
    assert res.complexity == pytest.approx(ref.complexity, rel=1e-5)
    with pytest.raises(NotFittedError, match="unfitted"):
        extract_features(MLPClassifier(), X)


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: finite_class_rademacher(np.ones((3, 4)), signs=[[1, 0, -1, 1]]), ValueError,
         "only -1 and \\+1"),
        (lambda: finite_class_rademacher(np.ones((3, 4)), signs=[[1, 2, -1, 1]]), ValueError,
         "only -1 and \\+1"),
        (lambda: linear_rademacher(np.ones((3, 2)), signs=[[1, -1]]), ValueError, "shape"),
        (lambda: finite_class_rademacher(np.empty((0, 4))), ValueError, "at least one hypothesis"),
        (lambda: finite_class_rademacher(np.empty((3, 0))), ValueError, "at least one hypothesis"),
        (lambda: linear_rademacher(np.ones((3, 2)), radius=-1.0), ValueError, "radius"),
        (lambda: linear_rademacher(np.ones((3, 2)), n_draws=0), ValueError, "n_draws"),
        (lambda: linear_rademacher([[np.nan, 1.0]]), ValueError, "NaN"),
        (lambda: finite_class_rademacher(np.ones((2, 30)), exact=True), ValueError, "2\\*\\*m"),
        (lambda: finite_class_rademacher(np.ones((2, 3)), exact="yes"), ValueError, "exact"),
        (lambda: linear_head_rademacher(object(), np.ones((3, 2))), TypeError, "linear head"),
        (lambda: linear_head_rademacher(object(), np.ones((3, 2)), radius="x"), TypeError,
         "linear head"),
    ],
)
def test_bad_input_clear_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --------------------------------------------------------------------------- R4 scale
def test_r4_classifier_correlation_cannot_exceed_one():
    """Outputs of a classifier are read in [-1, 1]: margins of boosting/SVC gave 1.1-1.5 before."""
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.svm import SVC

    X = np.random.default_rng(0).normal(size=(80, 5))
    for clf in (SVC(C=100.0), GradientBoostingClassifier(n_estimators=30, random_state=0)):
        value = -rademacher_scorer(clf, X)
        assert 0.3 < value <= 1.0
    # a classifier that shatters the points reaches the closed form of the class of all
    # labellings, E_sigma max_h (1/m) sum sigma_i h(x_i) = 1 (R1, enumerated exactly)
    all_labellings = np.array(list(itertools.product([-1, 1], repeat=10)), dtype=float)
    closed = finite_class_rademacher(all_labellings, exact=True).complexity
    memoriser = RandomLabelRademacher(SVC(C=1e4, gamma=100.0), n_repeats=4, random_state=0)
    assert memoriser.fit(X[:10]).complexity_ == closed == 1.0
    assert memoriser.response_method_ == "predict"


def test_r4_label_predictions_give_one_minus_twice_the_error():
    from sklearn.svm import SVC

    X = np.random.default_rng(1).normal(size=(60, 2))
    est = RandomLabelRademacher(SVC(C=0.5), n_repeats=3, random_state=0).fit(X)
    for k in range(3):
        s = est.signs_[k]
        err = np.mean(SVC(C=0.5).fit(X, s).predict(X) != s)
        assert est.correlations_[k] == pytest.approx(1 - 2 * err, abs=1e-12)
    # margins are still available on request, and exceed 1 for an unconstrained class
    big = RandomLabelRademacher(SVC(C=1e3), response_method="decision_function",
                                random_state=0).fit(X)
    assert big.complexity_ > 1.0


@pytest.mark.parametrize("kwargs, name", [
    (dict(method="rademacher"), "method"), (dict(n_repeats=0), "n_repeats"),
    (dict(method="linear-head", radius=-1.0), "radius"), (dict(response_method="proba"),
                                                          "response_method")])
def test_scorer_function_validates_its_settings(kwargs, name):
    from sklearn.tree import DecisionTreeClassifier

    from skcomplexity.rademacher import rademacher_complexity

    X = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match=f"'{name}' parameter of rademacher_complexity"):
        rademacher_complexity(DecisionTreeClassifier(), X, **kwargs)
