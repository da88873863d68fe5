"""The neural suite on CUDA: the same numbers as on the CPU (skipped without a CUDA device)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device"),
]

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from torch import nn  # noqa: E402

from skcomplexity.landscape import (  # noqa: E402
    HessianOperator,
    hessian_diagonal,
    hessian_trace,
    hutchinson_trace,
    top_eigenvalue,
    torch_generator,
)
from skcomplexity.neural import MLPClassifier, MLPModule  # noqa: E402

CE = nn.CrossEntropyLoss(reduction="none")


@pytest.fixture(scope="module")
def data():
    X, y = load_digits(return_X_y=True)
    return (X[:300] / 16).astype(np.float64), y[:300]


def _module(device):
    torch.manual_seed(0)
    return MLPModule(64, 10, hidden_units=(16,)).double().to(device)


def test_curvature_cpu_equals_cuda(data):
    X, y = data
    cpu, gpu = _module("cpu"), _module("cuda")
    for kind in ("full", "gauss_newton"):
        Hc = HessianOperator(cpu, X, y, loss=CE, kind=kind)
        Hg = HessianOperator(gpu, X, y, loss=CE, kind=kind)
        v = torch.randn(Hc.n_params, dtype=torch.float64)
        np.testing.assert_allclose(Hg.matvec(v.cuda()).cpu().numpy(), Hc.matvec(v).numpy(),
                                   rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(hessian_trace(Hg, n_probes=8, random_state=0),
                                   hessian_trace(Hc, n_probes=8, random_state=0), rtol=1e-8)
        np.testing.assert_allclose(top_eigenvalue(Hg, random_state=0),
                                   top_eigenvalue(Hc, random_state=0), rtol=1e-6)
    np.testing.assert_allclose(hessian_diagonal(gpu, X, y, loss=CE),
                               hessian_diagonal(cpu, X, y, loss=CE), rtol=1e-8, atol=1e-14)


def test_warm_started_eigenvalue_cpu_equals_cuda():
    """The subsample warm start (1,024+ objects) draws its objects on the CPU: same answer."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1200, 64))
    y = rng.integers(0, 10, 1200)
    cpu, gpu = _module("cpu"), _module("cuda")
    Hc = HessianOperator(cpu, X, y, loss=CE)
    Hg = HessianOperator(gpu, X, y, loss=CE)
    lam_c, vec_c = top_eigenvalue(Hc, tol=1e-8, random_state=0, return_vector=True)
    lam_g, vec_g = top_eigenvalue(Hg, tol=1e-8, random_state=0, return_vector=True)
    assert Hc.n_products == Hg.n_products
    np.testing.assert_allclose(lam_g, lam_c, rtol=1e-8)
    assert abs(float(vec_c @ vec_g)) == pytest.approx(1.0, abs=1e-6)


def test_differentiable_trace_on_cuda():
    w = torch.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    est = hutchinson_trace((3 * w**2).sum(), [w], generator=torch_generator(0))
    assert est.device.type == "cuda" and float(est) == 12.0


def test_estimators_and_pruning_on_cuda(data):
    from skcomplexity.distillation import AntiDistillationClassifier
    from skcomplexity.pruning import OBDPruner

    X, y = data
    clf = MLPClassifier(hidden_units=(16,), max_epochs=3, device="cuda", random_state=0).fit(X, y)
    assert next(clf.module_.parameters()).device.type == "cuda"
    pruner = OBDPruner(FrozenEstimator(clf), fraction=0.5, fine_tune_epochs=1, random_state=0).fit(X, y)
    flat = torch.cat([p.detach().reshape(-1) for p in pruner.estimator_.module_.parameters()])
    assert flat.device.type == "cuda"
    assert int((flat == 0).sum()) >= pruner.n_removed_
    simple = y < 5
    teacher = MLPClassifier(hidden_units=(8,), max_epochs=2, device="cuda",
                            random_state=0).fit(X[simple], y[simple])
    student = AntiDistillationClassifier(teacher, hidden_units=(16,), max_epochs=1,
                                         expand_epochs=1, device="cuda", random_state=0)
    assert student.fit(X, y).score(X, y) > 0.1
