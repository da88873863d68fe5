"""The curvature layer against independent routes: dense Hessians, explicit loops, dense Belsley."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from skcomplexity.landscape import (  # noqa: E402
    HessianOperator,
    dense_hessian,
    hessian_diagonal,
    hessian_trace,
    laplace_covariance,
    per_object_gradients,
    unwrap,
)
from skcomplexity.neural import MLPClassifier, MLPModule  # noqa: E402

CE = nn.CrossEntropyLoss(reduction="none")


@pytest.fixture(scope="module")
def relu_net():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    y = rng.integers(0, 3, size=40)
    return MLPModule(4, 3, hidden_units=(5, 4)).double(), X, y


@pytest.mark.parametrize("batch_size", [None, 7])
@pytest.mark.parametrize("kind", ["full", "gauss_newton"])
def test_cached_graph_products_equal_functional_products(relu_net, kind, batch_size):
    net, X, y = relu_net
    H = HessianOperator(net, X, y, loss=CE, kind=kind, batch_size=batch_size)
    H0 = HessianOperator(net, X, y, loss=CE, kind=kind, cache_graph=False)
    v = torch.randn(H.n_params, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    ref = H._hvp_chunk(v, H.fm.X, H.fm.y, 1.0 / H.n_objects)  # torch.func jvp(grad) route
    np.testing.assert_allclose(H.matvec(v).numpy(), ref.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(H.matvec(2 * v).numpy(), 2 * ref.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(H0.matvec(v).numpy(), ref.numpy(), rtol=1e-10, atol=1e-13)


def test_exact_diagonal_of_relu_net_is_dense_diagonal(relu_net):
    net, X, y = relu_net
    dense = dense_hessian(net, X, y, loss=CE)
    np.testing.assert_allclose(hessian_diagonal(net, X, y, loss=CE), np.diag(dense),
                               rtol=1e-9, atol=1e-13)
    ggn = dense_hessian(net, X, y, loss=CE, kind="gauss_newton")
    np.testing.assert_allclose(hessian_diagonal(net, X, y, loss=CE, kind="gauss_newton"),
                               np.diag(ggn), rtol=1e-9, atol=1e-13)
    # a tanh net is not piecewise linear: the GGN diagonal differs, the exact route does not
    tanh = MLPModule(4, 3, hidden_units=(5,), activation="tanh").double()
    full = dense_hessian(tanh, X, y, loss=CE)
    np.testing.assert_allclose(hessian_diagonal(tanh, X, y, loss=CE), np.diag(full), rtol=1e-9,
                               atol=1e-13)
    with pytest.raises(ValueError, match="max_params"):
        hessian_diagonal(tanh, X, y, loss=CE, max_params=10)
    ggn = dense_hessian(tanh, X, y, loss=CE, kind="gauss_newton")
    np.testing.assert_allclose(hessian_diagonal(tanh, X, y, loss=CE, kind="gauss_newton"),
                               np.diag(ggn), rtol=1e-9, atol=1e-13)
    # the exact trace of a piecewise-linear net is the sum of its exact diagonal
    np.testing.assert_allclose(hessian_trace(net, X, y, loss=CE, method="exact"),
                               np.trace(dense), rtol=1e-9)


def test_laplace_covariance_both_kinds(relu_net):
    net, X, y = relu_net
    n, tau = len(y), 0.7
    for kind in ("full", "gauss_newton"):
        M = dense_hessian(net, X, y, loss=CE, kind=kind)
        lam, U = np.linalg.eigh(M)
        ref = (U / (np.maximum(lam, 0) * n + tau)) @ U.T
        cov, prec = laplace_covariance(net, X, y, loss=CE, kind=kind, prior_precision=tau,
                                       return_precision=True)
        np.testing.assert_allclose(cov, ref, rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(cov @ prec, np.eye(len(cov)), atol=1e-8)
    with pytest.raises(ValueError, match="prior_precision"):
        laplace_covariance(net, X, y, loss=CE, prior_precision=0.0)


def test_per_object_gradients_and_include_bias(relu_net):
    net, X, y = relu_net
    G = per_object_gradients(net, X, y, loss=CE, chunk_size=6).numpy()
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    for i in (0, 17, 39):  # explicit backward passes
        net.zero_grad()
        CE(net(Xt[i:i + 1]), yt[i:i + 1]).sum().backward()
        g = torch.cat([p.grad.reshape(-1) for p in net.parameters()]).numpy()
        np.testing.assert_allclose(G[i], g, rtol=1e-10, atol=1e-14)
    Gw = per_object_gradients(net, X, y, loss=CE, include_bias=False).numpy()
    weights = np.concatenate([np.full(p.numel(), not n.endswith("bias"))
                              for n, p in net.named_parameters()])
    np.testing.assert_allclose(Gw, G[:, weights], rtol=1e-12)


def test_trace_probes_in_chunks_and_seeding(relu_net):
    net, X, y = relu_net
    H = HessianOperator(net, X, y, loss=CE)
    a = hessian_trace(H, n_probes=30, random_state=3)
    b = hessian_trace(H, n_probes=30, random_state=3, probe_chunk_bytes=H.n_params * 8 * 7)
    np.testing.assert_allclose(a, b, rtol=1e-12)
    with pytest.raises(TypeError, match="n_samples"):
        hessian_trace(H, n_samples=5)


def test_unwrap_is_the_one_adapter():
    from sklearn.exceptions import NotFittedError

    X = np.random.default_rng(0).normal(size=(30, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = MLPClassifier(hidden_units=(4,), max_epochs=1, random_state=0)
    with pytest.raises(NotFittedError):
        unwrap(clf)
    clf.fit(X, y)
    parts = unwrap(clf)
    assert parts.net is clf.net_ and parts.module is clf.net_.module_
    assert unwrap(clf.net_).module is clf.net_.module_
    with pytest.raises(TypeError, match="not a torch model"):
        unwrap("model")


def test_scorers_use_scoring_defaults_unless_told():
    from skcomplexity.landscape import landscape_measure
    from skcomplexity.metrics import SCORING_DEFAULTS, landscape_scorer, make_landscape_scorer
    from skcomplexity.rademacher import rademacher_complexity

    X = np.random.default_rng(0).normal(size=(80, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = MLPClassifier(hidden_units=(6,), max_epochs=3, random_state=0).fit(X, y)
    cheap = SCORING_DEFAULTS["hessian_spread"]
    assert landscape_scorer(clf, X, y) == -landscape_measure(clf, X, y, **cheap)
    full = make_landscape_scorer(n_objects=32, reference_size=None, tol=1e-4, maxiter=200)
    assert full(clf, X, y) == -landscape_measure(clf, X, y)  # explicit settings win
    from sklearn.linear_model import LogisticRegression

    from skcomplexity.metrics import rademacher_scorer

    lr = LogisticRegression()
    assert rademacher_scorer(lr, X, y) == -rademacher_complexity(
        lr, X, **SCORING_DEFAULTS["random-label"])
