"""Matrix-free curvature against the dense Hessian of torch.autograd.functional.hessian."""

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from torch import nn

from skcomplexity.landscape import (
    HessianOperator,
    dense_hessian,
    hessian_spread,
    hessian_trace,
    landscape_measure,
    top_eigenvalue,
)
from skcomplexity.neural import MLPClassifier, MLPModule

CE = nn.CrossEntropyLoss(reduction="none")


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = rng.integers(0, 3, size=30)
    net = MLPModule(3, 3, hidden_units=(4,), activation="tanh").double()
    return net, X, y


def _autograd_dense(net, X, y, per_object=False):
    """Reference: the dense Hessian of the mean (or one object's) CE loss."""
    params = [p.detach().clone() for p in net.parameters()]
    names = [n for n, _ in net.named_parameters()]
    shapes = [p.shape for p in params]
    flat = torch.cat([p.reshape(-1) for p in params])
    Xt = torch.as_tensor(X, dtype=torch.float64)
    yt = torch.as_tensor(y)

    def f(theta):
        d, i = {}, 0
        for n, s in zip(names, shapes, strict=True):
            d[n] = theta[i:i + s.numel()].reshape(s)
            i += s.numel()
        out = torch.func.functional_call(net, d, (Xt,))
        return nn.functional.cross_entropy(out, yt, reduction="none")

    if per_object:
        return [torch.autograd.functional.hessian(lambda t, i=i: f(t)[i], flat).numpy()
                for i in range(len(y))]
    return torch.autograd.functional.hessian(lambda t: f(t).mean(), flat).numpy()


def test_dense_matches_autograd(tiny):
    net, X, y = tiny
    ref = _autograd_dense(net, X, y)
    ours = dense_hessian(net, X, y, loss=CE, dtype=torch.float64)
    np.testing.assert_allclose(ours, ref, rtol=1e-8, atol=1e-10)


def test_top_eigenvalue_and_trace_match_dense(tiny):
    net, X, y = tiny
    ref = _autograd_dense(net, X, y)
    w = np.linalg.eigvalsh(ref)
    lam_ref = w[np.argmax(np.abs(w))]
    H = HessianOperator(net, X, y, loss=CE, dtype=torch.float64, batch_size=7)
    lam = top_eigenvalue(H, method="lanczos", tol=1e-10, random_state=0)
    np.testing.assert_allclose(lam, lam_ref, rtol=1e-4)
    lam_e = top_eigenvalue(H, method="eigsh", tol=1e-10, random_state=0)
    np.testing.assert_allclose(lam_e, lam_ref, rtol=1e-4)
    lam_p = top_eigenvalue(H, method="power", tol=1e-9, maxiter=2000, random_state=0)
    np.testing.assert_allclose(lam_p, lam_ref, rtol=1e-4)
    tr = hessian_trace(H, method="exact", n_probes=16)
    np.testing.assert_allclose(tr, np.trace(ref), rtol=1e-4)
    est, se = hessian_trace(H, n_probes=400, random_state=0, return_std=True)
    assert abs(est - np.trace(ref)) < 4 * se + 1e-12


def test_gauss_newton_matches_dense_jacobian(tiny):
    net, X, y = tiny
    G = dense_hessian(net, X, y, loss=CE, kind="gauss_newton", dtype=torch.float64)
    # reference: J^T A J averaged over objects, from autograd Jacobians
    fm = HessianOperator(net, X, y, loss=CE, dtype=torch.float64).fm
    J = torch.autograd.functional.jacobian(lambda t: fm.forward(t, fm.X), fm.theta)  # (n, K, P)
    p = torch.softmax(fm.forward(fm.theta, fm.X), dim=1)
    A = torch.diag_embed(p) - p.unsqueeze(2) * p.unsqueeze(1)
    ref = torch.einsum("nkp,nkl,nlq->pq", J, A, J).numpy() / len(y)
    np.testing.assert_allclose(G, ref, rtol=1e-8, atol=1e-12)
    assert np.linalg.eigvalsh(G).min() > -1e-10  # PSD


@pytest.mark.parametrize("kind", ["full", "gauss_newton"])
def test_hessian_spread_matches_dense_definition(tiny, kind):
    net, X, y = tiny
    X, y = X[:12], y[:12]
    mu, norms, idx = hessian_spread(net, X, y, loss=CE, dtype=torch.float64, kind=kind,
                                    n_objects=None, tol=1e-10, maxiter=500, return_all=True)
    if kind == "full":
        Hs = _autograd_dense(net, X, y, per_object=True)
    else:
        Hs = []
        for i in range(len(y)):
            Hs.append(dense_hessian(net, X[i:i + 1], y[i:i + 1], loss=CE, kind=kind,
                                    dtype=torch.float64))
    Hbar = np.mean(Hs, axis=0)
    ref = np.array([np.linalg.norm(Hi - Hbar, 2) for Hi in Hs])
    np.testing.assert_allclose(norms, ref[idx], rtol=1e-4)
    np.testing.assert_allclose(mu, ref.mean(), rtol=1e-4)


def test_measure_on_estimator_and_bad_input():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    y = np.where(X[:, 0] > 0, "yes", "no")
    clf = MLPClassifier(hidden_units=(4,), max_epochs=2, random_state=0)
    with pytest.raises(NotFittedError):
        landscape_measure(clf, X, y)
    clf.fit(X, y)
    val = landscape_measure(clf, X, y, n_objects=8)
    assert val > 0 and np.isfinite(val)
    assert landscape_measure(clf, X, y, measure="top_eigenvalue") > 0
    with pytest.raises(ValueError, match="reduction='none'"):
        hessian_spread(clf, X, y, loss=nn.CrossEntropyLoss())
    with pytest.raises(ValueError, match="per-object"):
        hessian_spread(clf, X, y, loss=lambda out, t: nn.functional.cross_entropy(out, t))
    with pytest.raises(ValueError, match="tol"):
        top_eigenvalue(clf, X, y, tol=0.0)
    with pytest.raises(ValueError, match="tol"):
        hessian_spread(clf, X, y, tol=-1e-3)
    with pytest.raises(ValueError, match="loss is required"):
        top_eigenvalue(MLPModule(3, 2), X, y)
    with pytest.raises(ValueError, match="max_params"):
        dense_hessian(clf, X, y, max_params=10)
    with pytest.raises(ValueError, match="kind"):
        HessianOperator(clf, X, y, kind="fisher")


def test_landscape_scorer_in_cross_validate():
    from sklearn.datasets import load_iris
    from sklearn.model_selection import cross_validate

    from skcomplexity.metrics import landscape_scorer

    X, y = load_iris(return_X_y=True)
    res = cross_validate(MLPClassifier(hidden_units=(8,), lr=1e-2, max_epochs=5, random_state=0),
                         X, y, cv=2, scoring={"acc": "accuracy", "landscape": landscape_scorer})
    assert np.all(res["test_landscape"] < 0)
    direct = landscape_measure(
        MLPClassifier(hidden_units=(8,), lr=1e-2, max_epochs=5, random_state=0).fit(X, y), X, y)
    assert direct > 0


def test_plain_skorch_net():
    from skorch import NeuralNetClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    net = NeuralNetClassifier(MLPModule, module__n_features=3, module__n_outputs=2,
                              module__hidden_units=(4,), criterion=nn.CrossEntropyLoss,
                              max_epochs=2, train_split=None, verbose=0)
    with pytest.raises(NotFittedError):
        hessian_spread(net, X, y)
    net.fit(X, y)
    H = dense_hessian(net, X, y, dtype=torch.float64)
    lam = top_eigenvalue(net, X, y, dtype=torch.float64, tol=1e-10)
    w = np.linalg.eigvalsh(H)
    np.testing.assert_allclose(lam, w[np.argmax(np.abs(w))], rtol=1e-4)
    assert landscape_measure(net, X, y, n_objects=5) > 0
