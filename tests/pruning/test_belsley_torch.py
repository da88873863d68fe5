"""The Belsley decompositions and removal orders on torch tensors (issue 22, item 3).

The algorithm is written once against the array API: a tensor is diagnosed and
ordered in torch on its device. On the CPU, in float64, every number and every
order must equal the numpy path's.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from skcomplexity.pruning import (  # noqa: E402
    belsley_diagnostics,
    belsley_order,
    belsley_order_gradients,
)


def _collinear(seed, n, p):
    rng = np.random.default_rng(seed)
    G = rng.normal(size=(n, p)) * rng.lognormal(0, 0.5, size=p)
    G[:, 3] = G[:, 0] + 0.01 * rng.normal(size=n)
    G[:, 5] = G[:, 1] - G[:, 2] + 0.05 * rng.normal(size=n)
    return G


@pytest.mark.parametrize("kind", ["covariance", "design"])
def test_diagnostics_same_numbers(kind):
    G = _collinear(0, 120, 12)
    A = np.cov(G.T) if kind == "covariance" else G
    ref = belsley_diagnostics(A, kind=kind)
    got = belsley_diagnostics(torch.as_tensor(A), kind=kind)
    assert isinstance(got.condition_indices, torch.Tensor)
    for name in ("condition_indices", "variance_proportions", "eigenvalues"):
        np.testing.assert_allclose(getattr(got, name).numpy(), getattr(ref, name),
                                   rtol=1e-8, atol=1e-10)
    assert (got.worst_component, got.least_relevant) == (ref.worst_component, ref.least_relevant)
    assert got.summary().as_text() == ref.summary().as_text()


@pytest.mark.parametrize("update", ["submatrix", "conditional"])
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("rule", [False, True])
def test_covariance_order_same_as_numpy(update, batch, rule):
    """The last two parameters are left out: their 2 x 2 correlation matrix splits the
    proportions exactly in half, a tie that the eigensolver's last bits break."""
    G = _collinear(1, 200, 20)
    C = np.cov(G.T)
    kw = dict(update=update, batch_size_remove=batch)
    if rule:
        kw.update(saliency=np.random.default_rng(2).random(20), condition_threshold=10)
    ref = belsley_order(C, 18, **kw)
    got = belsley_order(torch.as_tensor(C), 18, **kw)
    np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("update", ["submatrix", "conditional"])
@pytest.mark.parametrize("shape", [(200, 30), (25, 90)])
@pytest.mark.parametrize("rule", [False, True])
def test_gradient_order_same_as_numpy(update, shape, rule):
    """Both regimes: more objects than parameters (p x p eigenproblem) and fewer (the
    n x n Gram matrix kept by downdates, a singular covariance with its null component).

    With fewer objects than parameters, the conditional update projects the gradients off
    the removed columns; once about n of them are removed the residuals are rounding
    noise (proportions agree to 1e-6 only, no two eigensolvers rank them alike), so that
    case is compared on the well-determined first 16 removals.
    """
    n, p = shape
    n_remove = 16 if (update == "conditional" and p > n) else p - 2
    G = _collinear(3, n, p)
    G[:, 7] = 0.0  # a dead parameter
    kw = dict(update=update, batch_size_remove=4)
    if rule:
        kw.update(saliency=np.random.default_rng(4).random(p), condition_threshold=10)
    ref = belsley_order_gradients(G, n_remove, **kw)
    got = belsley_order_gradients(torch.as_tensor(G), n_remove, **kw)
    np.testing.assert_array_equal(got, ref)


def test_float32_tensor_is_ordered_in_float64():
    G = _collinear(5, 60, 10)
    ref = belsley_order_gradients(G.astype(np.float32).astype(np.float64), 10)
    got = belsley_order_gradients(torch.as_tensor(G, dtype=torch.float32), 10)
    np.testing.assert_array_equal(got, ref)


def test_tensor_input_errors():
    with pytest.raises(ValueError, match="NaN"):
        belsley_order(torch.tensor([[1.0, float("nan")], [float("nan"), 1.0]]))
    with pytest.raises(ValueError, match="square"):
        belsley_order(torch.ones(2, 3))
    with pytest.raises(ValueError, match="symmetric"):
        belsley_diagnostics(torch.tensor([[1.0, 0.5], [0.0, 1.0]]))


@pytest.mark.parametrize("covariance", ["laplace", "gradient"])
def test_network_ordering_runs_in_torch_with_the_numpy_order(covariance, monkeypatch):
    """parameter_ordering hands the Belsley part torch tensors on the module's device, and
    the order is the one the numpy route gives on the same covariance or gradients."""
    from torch import nn

    import skcomplexity.pruning._orderings as orderings
    from skcomplexity.landscape import laplace_covariance, per_object_gradients, per_object_loss
    from skcomplexity.pruning import parameter_ordering

    g = torch.Generator().manual_seed(0)
    module = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    # a regression net: a softmax's outputs are redundant (its gradients come in exactly
    # collinear pairs, exact ties that the last bits break either way)
    X, y = torch.randn(40, 3, generator=g), torch.randn(40, 2, generator=g)
    mean_loss = nn.functional.mse_loss
    loss = per_object_loss(mean_loss)
    seen = []

    def spy(fn):
        def wrapped(A, *args, **kwargs):
            seen.append((type(A), getattr(A, "device", None)))
            return fn(A, *args, **kwargs)
        return wrapped

    monkeypatch.setattr(orderings, "belsley_order", spy(belsley_order))
    monkeypatch.setattr(orderings, "belsley_order_gradients", spy(belsley_order_gradients))
    p = sum(t.numel() for t in module.parameters())
    order = parameter_ordering(module, mean_loss, X, y, "belsley", covariance=covariance,
                               selection="proportion", n_remove=p - 2, batch_size_remove=2)
    assert seen == [(torch.Tensor, next(module.parameters()).device)]
    if covariance == "laplace":
        C = laplace_covariance(module, X, y, loss=loss, max_params=3000)
        ref = belsley_order(C, p - 2, batch_size_remove=2)
    else:
        G = per_object_gradients(module, X, y, loss=loss)
        ref = belsley_order_gradients(G.detach().double().numpy(), p - 2, batch_size_remove=2)
    np.testing.assert_array_equal(order[: p - 2], ref)
