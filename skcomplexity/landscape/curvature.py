"""Per-object gradients, Hessian diagonal, Laplace covariance and the differentiable trace.

The rest of the curvature layer: :mod:`skcomplexity.landscape._operator` holds
the matrix-free operator, :mod:`skcomplexity.landscape.hessian` the eigenvalues
and traces, :mod:`skcomplexity.landscape._exact` the exact GGN rows, diagonals
and dense matrices that this module and ``hessian`` share. Every function takes
a model the way :class:`~skcomplexity.landscape.HessianOperator` does (an
estimator, a skorch net, or a ``torch.nn.Module`` with a per-object ``loss``)
and works on the flat parameter vector of
:class:`~skcomplexity.landscape.ParameterIndex` (``include_bias=False`` holds
the biases fixed).
"""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._exact import _chunk_size, _dense_full, _dense_ggn, _ggn_chunks, exact_diagonal
from ._model import as_functional
from ._operator import (
    KIND,
    POSITIVE_INT,
    RANDOM_STATE,
    HessianOperator,
    _check_int,
    draw_probes,
    probe_chunk,
    torch_generator,
)

__all__ = [
    "per_object_gradients",
    "gradient_covariance",
    "ggn_factor",
    "hessian_diagonal",
    "laplace_covariance",
    "hutchinson_trace",
]


def _functional(model, X, y, loss, dtype, include_bias):
    if isinstance(model, HessianOperator):
        return model.fm
    return as_functional(model, X, y, loss=loss, dtype=dtype, include_bias=include_bias)


def per_object_gradients(model, X=None, y=None, *, loss=None, dtype=None, include_bias=True,
                         chunk_size=None):
    """Gradients ``g_i = ∇_θ l_i`` of the per-object losses, batched with ``vmap(grad)``.

    Parameters
    ----------
    model : fitted torch model or HessianOperator
    X, y : array-like
    loss : callable, optional
        Per-object loss (``reduction='none'``); default the model's criterion.
    dtype : torch.dtype, optional
    include_bias : bool, default=True
    chunk_size : int, optional
        Objects per ``vmap`` call (default: what fits in 128 MiB).

    Returns
    -------
    torch.Tensor of shape (n_objects, n_params)

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.landscape import per_object_gradients
    >>> net = torch.nn.Linear(3, 2)
    >>> X, y = torch.randn(5, 3), torch.tensor([0, 1, 0, 1, 1])
    >>> per_object_gradients(net, X, y, loss=torch.nn.CrossEntropyLoss(reduction="none")).shape
    torch.Size([5, 8])
    """
    import torch
    from torch.func import grad, vmap

    fm = _functional(model, X, y, loss, dtype, include_bias)
    bs = chunk_size or _chunk_size(fm.n_params, fm.theta.element_size())

    def single(theta, x, t):
        return fm.losses(theta, x.unsqueeze(0), t.unsqueeze(0))[0]

    g = vmap(grad(single), in_dims=(None, 0, 0))
    out = [g(fm.theta, fm.X[s:s + bs], fm.y[s:s + bs]) for s in range(0, fm.n_objects, bs)]
    return torch.cat(out).detach()


def gradient_covariance(model, X=None, y=None, *, diagonal=False, **kwargs):
    """Covariance ``C = (1/n) Σ_i (g_i − ḡ)(g_i − ḡ)^T`` of the per-object gradients.

    Parameters
    ----------
    model, X, y, **kwargs
        As in :func:`per_object_gradients`.
    diagonal : bool, default=False
        Only the diagonal (the per-parameter gradient variance).

    Returns
    -------
    ndarray of shape (p, p), or (p,) when ``diagonal``
    """
    G = per_object_gradients(model, X, y, **kwargs).double()
    Gc = G - G.mean(dim=0, keepdim=True)
    if diagonal:
        return (Gc ** 2).mean(dim=0).cpu().numpy()
    return (Gc.T @ Gc / G.shape[0]).cpu().numpy()


def ggn_factor(model, X=None, y=None, *, loss=None, dtype=None, include_bias=True):
    """A factor ``B`` with ``B^T B = Σ_i J_i^T A_i J_i`` (the summed GGN, PSD part).

    Returns
    -------
    torch.Tensor of shape (n_objects * n_outputs, n_params)
    """
    import torch

    fm = _functional(model, X, y, loss, dtype, include_bias)
    rows = []
    for R, lam in _ggn_chunks(fm):
        rows.append((R * lam.clamp_min(0).sqrt().unsqueeze(2)).reshape(-1, fm.n_params))
    return torch.cat(rows)


#: the model, its data, the loss and the dtype are checked where they are read
#: (as_functional, HessianOperator)
_MODEL_AND_DATA = {name: "no_validation" for name in ("model", "X", "y", "loss", "dtype")}


@validate_params(
    {
        **_MODEL_AND_DATA,
        "method": [StrOptions({"exact", "hutchinson"})],
        "kind": KIND,
        "n_probes": POSITIVE_INT,
        "include_bias": ["boolean"],
        "max_params": POSITIVE_INT,
        "random_state": RANDOM_STATE,
    },
    prefer_skip_nested_validation=True,
)
def hessian_diagonal(model, X=None, y=None, *, method="exact", kind="full", n_probes=64,
                     loss=None, dtype=None, include_bias=True, max_params=5000,
                     random_state=None):
    """Diagonal of the Hessian (or Gauss-Newton matrix) of the mean loss.

    Parameters
    ----------
    model : fitted torch model or HessianOperator
    X, y : array-like
    method : {"exact", "hutchinson"}, default="exact"
        ``"exact"``: the GGN diagonal ``(1/n) Σ_ik λ_ik (J_i^T u_ik)_j^2``
        (per-object vector-Jacobian products, no ``p x p`` matrix), which *is*
        the Hessian diagonal when every output is piecewise linear in each
        single parameter (``nn.Sequential``/``MLPModule`` of linear or
        convolution layers with ReLU-type activations); for other networks
        with ``kind="full"`` the diagonal of the dense Hessian
        (``p <= max_params``). ``"hutchinson"``: ``E[v ⊙ Hv]`` over
        ``n_probes`` Rademacher vectors.
    kind : {"full", "gauss_newton"}, default="full"
    n_probes : int, default=64
    loss, dtype, include_bias
        As in :class:`HessianOperator`.
    max_params : int, default=5000
        Largest ``p`` for the dense fallback.
    random_state : int or None
        Seeds the probes (drawn on the CPU, :func:`torch_generator`).

    Returns
    -------
    ndarray of shape (p,)

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.landscape import hessian_diagonal
    >>> net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    >>> X, y = torch.randn(20, 3), torch.randint(0, 2, (20,))
    >>> hessian_diagonal(net, X, y, loss=torch.nn.CrossEntropyLoss(reduction="none")).shape
    (26,)
    """
    import torch

    if method == "hutchinson":
        H = model if isinstance(model, HessianOperator) else HessianOperator(
            model, X, y, loss=loss, kind=kind, dtype=dtype, include_bias=include_bias)
        gen = torch_generator(random_state)
        acc = torch.zeros(H.n_params, dtype=torch.float64, device=H.device)
        chunk = probe_chunk(H.n_params, H.theta.element_size())
        for s in range(0, n_probes, chunk):
            V = draw_probes(gen, min(chunk, n_probes - s), H.n_params, dtype=H.dtype,
                            device=H.device)
            acc += (V * H.matmat(V)).sum(dim=0).double()
        return (acc / n_probes).cpu().numpy()
    fm = _functional(model, X, y, loss, dtype, include_bias)
    return exact_diagonal(fm, kind, max_params)


@validate_params(
    {
        **_MODEL_AND_DATA,
        "kind": KIND,
        "prior_precision": [Interval(Real, 0, None, closed="neither")],
        "include_bias": ["boolean"],
        "max_params": POSITIVE_INT,
        "return_precision": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def laplace_covariance(model, X=None, y=None, *, kind="full", prior_precision=1.0, loss=None,
                       dtype=None, include_bias=True, max_params=5000, return_precision=False):
    """Laplace-approximation posterior covariance ``Σ = (n H_+ + τ I)^{-1}``.

    ``H`` is the Hessian (``kind="full"``) or Gauss-Newton matrix
    (``"gauss_newton"``) of the *mean* loss at the fitted parameters, so
    ``n H`` is the curvature of the negative log-likelihood; ``H_+`` is its
    positive part (negative eigenvalues, which appear away from an exact
    minimum, set to zero) and ``τ`` the precision of an isotropic Gaussian prior.

    Parameters
    ----------
    model : fitted torch model or HessianOperator
    X, y : array-like
    kind : {"full", "gauss_newton"}, default="full"
    prior_precision : float > 0, default=1.0
    loss, dtype, include_bias
        As in :class:`HessianOperator`; the loss is the per-object negative
        log-likelihood (e.g. cross-entropy).
    max_params : int, default=5000
        Refuse larger models (the matrix is ``p x p``).
    return_precision : bool, default=False
        Also return ``n H_+ + τ I``.

    Returns
    -------
    ndarray of shape (p, p), or (cov, precision)

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.landscape import laplace_covariance
    >>> net = torch.nn.Linear(3, 2)
    >>> X, y = torch.randn(20, 3), torch.randint(0, 2, (20,))
    >>> laplace_covariance(net, X, y, loss=torch.nn.CrossEntropyLoss(reduction="none")).shape
    (8, 8)
    """
    tau = prior_precision
    fm = _functional(model, X, y, loss, dtype, include_bias)
    if fm.n_params > max_params:
        raise ValueError(
            f"The model has {fm.n_params} parameters, more than max_params={max_params} for a "
            "dense Laplace covariance (p x p); raise max_params or use a matrix-free method."
        )
    M = _dense_full(fm) if kind == "full" else _dense_ggn(fm)
    lam, U = np.linalg.eigh(M)
    lam = np.maximum(lam, 0.0) * fm.n_objects + float(tau)
    cov = (U / lam) @ U.T
    cov = (cov + cov.T) / 2
    if return_precision:
        prec = (U * lam) @ U.T
        return cov, (prec + prec.T) / 2
    return cov


def hutchinson_trace(loss, params, *, n_probes=1, create_graph=True, generator=None):
    """Hutchinson estimate of ``tr(∂²loss/∂params²)`` from an autograd graph (differentiable).

    The training-time form of :func:`~skcomplexity.landscape.hessian_trace`: it
    takes a scalar ``loss`` built with a graph through ``params`` and, with
    ``create_graph=True``, returns an estimate that can itself be
    differentiated (third-order terms), as a trace regulariser needs.

    Parameters
    ----------
    loss : torch.Tensor
        Scalar with a graph through ``params``.
    params : list of torch.Tensor
    n_probes : int, default=1
        Rademacher probes ``z``; the estimate is the mean of ``z^T H z``.
    create_graph : bool, default=True
        Keep the graph of the estimate (for backpropagating through it).
    generator : torch.Generator, optional
        A CPU generator (:func:`torch_generator`); probes are drawn on the CPU
        and moved to each parameter's device, so CPU and GPU runs agree.

    Returns
    -------
    torch.Tensor
        Scalar estimate.

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.landscape import hutchinson_trace
    >>> w = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> float(hutchinson_trace((3 * w**2).sum(), [w], create_graph=False))  # diagonal Hessian
    12.0
    """
    import torch

    _check_int(n_probes, "n_probes")
    params = list(params)
    grads = torch.autograd.grad(loss, params, create_graph=True)
    total = 0.0
    for _ in range(int(n_probes)):
        zs = [(torch.randint(0, 2, p.shape, generator=generator, dtype=torch.int8)
               .to(device=p.device, dtype=p.dtype) * 2 - 1) for p in params]
        gz = sum((g * z).sum() for g, z in zip(grads, zs, strict=True))
        hz = torch.autograd.grad(gz, params, create_graph=create_graph, retain_graph=True)
        total = total + sum((h * z).sum() for h, z in zip(hz, zs, strict=True))
    return total / int(n_probes)
