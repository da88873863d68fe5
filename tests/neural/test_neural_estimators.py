"""Neural estimators: scikit-learn contract, pickling, Pipeline + GridSearchCV on the CPU."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_regression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skcomplexity.neural import (
    CNNClassifier,
    CNNModule,
    MLPClassifier,
    MLPModule,
    MLPRegressor,
    TransformerClassifier,
    resolve_device,
)

# Checks skipped for every skorch-backed estimator, with the reason.
# - check_methods_subset_invariance: the network runs in float32 and a batched
#   matmul over a subset may differ from the full batch in the last float32 ulp
#   (~1e-7 relative), above the check's 1e-7 tolerance.
SKIPPED_CHECKS = {
    "check_methods_subset_invariance": "float32 batched matmul differs in the last ulp by batch",
}


def _fast(cls, **kw):
    return cls(lr=2e-2, max_epochs=8, batch_size=32, random_state=0, **kw)


FAST_ESTIMATORS = [
    _fast(MLPClassifier, hidden_units=(16,)),
    _fast(MLPRegressor, hidden_units=(16,)),
    _fast(CNNClassifier, channels=(4,), padding="same"),
]



pytestmark = pytest.mark.usefixtures("one_torch_thread")


@parametrize_with_checks(FAST_ESTIMATORS, expected_failed_checks=lambda est: SKIPPED_CHECKS)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.slow
@parametrize_with_checks(
    [_fast(TransformerClassifier, d_model=8, d_ff=16)],
    expected_failed_checks=lambda est: SKIPPED_CHECKS,
)
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X, np.array(["setosa", "versicolor", "virginica"])[y]


def test_mlp_classifier_fit_predict_pickle_clone(iris):
    X, y = iris
    clf = MLPClassifier(hidden_units=(16,), lr=1e-2, max_epochs=30, random_state=0).fit(X, y)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    assert clf.score(X, y) > 0.9
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert isinstance(clf.module_, MLPModule)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(X), proba)
    twin = clone(clf).fit(X, y)  # same seed -> same net
    np.testing.assert_allclose(twin.predict_proba(X), proba, rtol=1e-5, atol=1e-6)
    assert clone(clf).get_params()["hidden_units"] == (16,)
    assert clf.device_ == resolve_device("auto")


def test_regressor_early_stopping_multioutput():
    X, y = make_regression(200, 5, n_targets=2, noise=0.1, random_state=0)
    y = y / y.std(axis=0)
    reg = MLPRegressor(hidden_units=(32,), lr=1e-2, max_epochs=200, early_stopping=True,
                       n_iter_no_change=3, random_state=0).fit(X, y)
    assert reg.predict(X).shape == (200, 2)
    assert reg.n_iter_ < 200  # stopped early
    assert reg.score(X, y) > 0.8


def test_pipeline_gridsearch(iris):
    X, y = iris
    pipe = make_pipeline(StandardScaler(), MLPClassifier(lr=1e-2, max_epochs=10, random_state=0))
    grid = GridSearchCV(pipe, {"mlpclassifier__hidden_units": [(4,), (16, 16)],
                               "mlpclassifier__dropout": [0.0, 0.1]}, cv=2, n_jobs=1)
    grid.fit(X, y)
    assert grid.best_estimator_[-1].n_features_in_ == 4
    # every candidate's score, recomputed by hand: the same two stratified folds, a fresh
    # clone fitted on one, the accuracy on the other (the net is seeded, so refits agree)
    folds = list(StratifiedKFold(2).split(X, y))
    for params, score in zip(grid.cv_results_["params"], grid.cv_results_["mean_test_score"],
                             strict=True):
        accs = [np.mean(clone(pipe).set_params(**params).fit(X[tr], y[tr]).predict(X[te])
                        == y[te]) for tr, te in folds]
        assert score == pytest.approx(np.mean(accs), abs=1e-12)
    assert grid.best_score_ == max(grid.cv_results_["mean_test_score"])
    # the refitted best pipeline is the best candidate fitted on all the rows
    refit = clone(pipe).set_params(**grid.best_params_).fit(X, y)
    np.testing.assert_array_equal(grid.predict(X), refit.predict(X))
    assert np.mean(grid.predict(X) == y) == pytest.approx(grid.score(X, y), abs=1e-12)


def _params(module):
    return {k: v.detach().double().numpy() for k, v in module.state_dict().items()}


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _layer_norm(z, gamma, beta, eps=1e-5):
    mu = z.mean(axis=-1, keepdims=True)
    return (z - mu) / np.sqrt(z.var(axis=-1, keepdims=True) + eps) * gamma + beta


def _cnn_forward(p, X):
    """Conv2d (cross-correlation, stride 1, no padding) -> 2x2 average pool -> linear, in numpy."""
    x = X.reshape(-1, 1, 4, 4)
    patches = np.lib.stride_tricks.sliding_window_view(x, (3, 3), axis=(2, 3))  # n,1,2,2,3,3
    conv = np.einsum("nkijuv,ckuv->ncij", patches, p["features.0.weight"])
    conv += p["features.0.bias"][None, :, None, None]
    pooled = conv.mean(axis=(2, 3))  # the 2x2 map averaged: one value per channel
    return pooled @ p["head.1.weight"].T + p["head.1.bias"]


def _transformer_forward(p, X, n_heads):
    """Embedding + position, the post-norm block (3.10) with n_heads heads, mean pool, head."""
    Z = X.reshape(len(X), 8, 2) @ p["embed.weight"].T + p["embed.bias"] + p["pos"]
    n, L, d = Z.shape
    dh = d // n_heads

    def heads(W):
        return (Z @ W.T).reshape(n, L, n_heads, dh).transpose(0, 2, 1, 3)

    Q, K, V = heads(p["blocks.0.W_Q.weight"]), heads(p["blocks.0.W_K.weight"]), heads(
        p["blocks.0.W_V.weight"])
    A = _softmax(Q @ K.transpose(0, 1, 3, 2) / np.sqrt(dh))
    F = (A @ V).transpose(0, 2, 1, 3).reshape(n, L, d)
    Y = _layer_norm(Z + F @ p["blocks.0.W_O.weight"].T, p["blocks.0.norm1.weight"],
                    p["blocks.0.norm1.bias"])
    H = np.maximum(Y @ p["blocks.0.ffn.0.weight"].T + p["blocks.0.ffn.0.bias"], 0)
    Y = _layer_norm(Y + H @ p["blocks.0.ffn.2.weight"].T + p["blocks.0.ffn.2.bias"],
                    p["blocks.0.norm2.weight"], p["blocks.0.norm2.bias"])
    return Y.mean(axis=1) @ p["head.weight"].T + p["head.bias"]


def test_cnn_and_transformer_match_a_numpy_forward_pass():
    # independent route: the trained weights pushed through the layers written out in numpy
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 16))
    y = (X[:, :8].sum(axis=1) > 0).astype(int)
    cnn = CNNClassifier(input_shape=(1, 4, 4), channels=(3,), pooling="avg", max_epochs=3,
                        random_state=0).fit(X, y)
    assert isinstance(cnn.module_, CNNModule)
    X32 = X.astype(np.float32).astype(np.float64)
    proba = _softmax(_cnn_forward(_params(cnn.module_), X32))
    np.testing.assert_allclose(cnn.predict_proba(X), proba, atol=1e-6)
    np.testing.assert_array_equal(cnn.predict(X), proba.argmax(axis=1))
    tr = TransformerClassifier(input_shape=(8, 2), d_model=8, n_heads=2, d_ff=16, max_epochs=3,
                               random_state=0).fit(X, y)
    proba = _softmax(_transformer_forward(_params(tr.module_), X32, n_heads=2))
    np.testing.assert_allclose(tr.predict_proba(X), proba, atol=1e-6)
    # and both trained: three epochs lowered the training loss
    for est in (cnn, tr):
        losses = est.history_[:, "train_loss"]
        assert losses[-1] < losses[0]


@pytest.mark.parametrize(
    "params, match",
    [
        ({"lr": 0.0}, "lr"),
        ({"dropout": 1.0}, "dropout"),
        ({"activation": "swish"}, "activation"),
        ({"hidden_units": (0,)}, "hidden_units"),
        ({"device": "nonsense"}, "device"),
        ({"optimizer": "lbfgs"}, "optimizer"),
    ],
)
def test_bad_params(iris, params, match):
    X, y = iris
    with pytest.raises(ValueError, match=match):
        MLPClassifier(max_epochs=1, **params).fit(X, y)


def test_cnn_bad_shape(iris):
    X, y = iris
    with pytest.raises(ValueError, match="input_shape"):
        CNNClassifier(input_shape=(1, 3, 3), max_epochs=1).fit(X, y)
