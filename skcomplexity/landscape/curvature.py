"""Per-object gradients, Hessian diagonal, Laplace covariance and the differentiable trace.

The rest of the curvature layer (:mod:`skcomplexity.landscape.hessian` holds
the matrix-free operator, eigenvalues, traces). Every function takes a model
the way :func:`~skcomplexity.landscape.hessian.HessianOperator` does (an
estimator, a skorch net, or a ``torch.nn.Module`` with a per-object ``loss``)
and works on the flat parameter vector of
:class:`~skcomplexity.landscape.ParameterIndex` (``include_bias=False`` holds
the biases fixed).

Exact Gauss-Newton quantities come from the factorisation
``GGN = (1/n) Σ_i J_i^T A_i J_i`` with ``A_i = U_i diag(λ_i) U_i^T`` the Hessian
of object ``i``'s loss in the outputs: the rows ``r_ik = J_i^T u_ik`` are
vector-Jacobian products batched over objects with ``vmap``.
"""

import numpy as np

from ._model import as_functional
from .hessian import (
    HessianOperator,
    _check_int,
    _check_kind,
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


def _chunk_size(per_object_floats, itemsize, budget=2 ** 27):
    return max(1, int(budget // max(1, per_object_floats * itemsize)))


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


def _output_curvature_rows(fm, X, y):
    """For a chunk: rows ``J_i^T u_ik`` (b, K, P) and weights ``λ_ik`` (b, K)."""
    import torch
    from torch.func import jacrev, vmap

    def out_single(theta, x):
        return fm.forward(theta, x.unsqueeze(0))[0].reshape(-1)

    J = vmap(jacrev(out_single), in_dims=(None, 0))(fm.theta, X)  # (b, K, P)
    with torch.no_grad():
        Z = fm.forward(fm.theta, X)
    lam, U = _output_hessian_factor(fm, Z, y)
    R = torch.einsum("bkp,bkj->bjp", J, U)
    return R.detach(), lam.detach()


def _ggn_chunks(fm):
    K = int(np.prod(fm.forward(fm.theta, fm.X[:1]).shape[1:]))
    bs = _chunk_size(K * fm.n_params, fm.theta.element_size())
    for s in range(0, fm.n_objects, bs):
        yield _output_curvature_rows(fm, fm.X[s:s + bs], fm.y[s:s + bs])


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


_PIECEWISE_LINEAR = ("Linear", "Conv1d", "Conv2d", "Conv3d", "ReLU", "LeakyReLU", "Identity",
                     "Flatten", "Dropout", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d",
                     "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "BatchNorm1d", "BatchNorm2d")


def _is_piecewise_linear(module):
    """Outputs piecewise linear in every single parameter (so ``∂²z/∂θ_j² = 0`` a.e.).

    Only trusted for structures whose forward we know: ``nn.Sequential`` of
    whitelisted layers (linear/convolution, ReLU-type activations, pooling,
    eval-mode normalisation) and :class:`skcomplexity.neural.MLPModule`.
    """
    from torch import nn

    from ..neural import MLPModule

    if type(module) is MLPModule:
        return _is_piecewise_linear(module.layers)
    if type(module) is nn.Sequential:
        return all(_is_piecewise_linear(m) for m in module)
    return type(module).__name__ in _PIECEWISE_LINEAR and type(module).__module__.startswith(
        "torch.nn")


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

    _check_kind(kind)
    if method not in ("exact", "hutchinson"):
        raise ValueError(f"method must be 'exact' or 'hutchinson', got {method!r}.")
    if method == "hutchinson":
        _check_int(n_probes, "n_probes")
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


def exact_diagonal(fm, kind="full", max_params=5000):
    """The exact diagonal for a :class:`FunctionalModel` (see :func:`hessian_diagonal`)."""
    import torch

    if kind == "full" and not _is_piecewise_linear(fm.module):
        if fm.n_params > max_params:
            raise ValueError(
                f"The exact Hessian diagonal of this network (not piecewise linear in its "
                f"parameters) needs a dense Hessian, but it has {fm.n_params} parameters > "
                f"max_params={max_params}; use method='hutchinson' or kind='gauss_newton'."
            )
        return np.diag(_dense_full(fm))
    fast = _linear_layer_diagonal(fm)
    if fast is not None:
        return fast
    diag = torch.zeros(fm.n_params, dtype=torch.float64, device=fm.device)
    for R, lam in _ggn_chunks(fm):
        diag += torch.einsum("bk,bkp->p", lam.double(), R.double() ** 2)
    return (diag / fm.n_objects).cpu().numpy()


def _output_hessian_factor(fm, Z, y):
    """``λ_ik, U_i`` of the per-object loss Hessians in the outputs ``Z`` (b, K)."""
    import torch
    from torch.func import hessian, vmap

    from ._model import _fast_cross_entropy

    if fm.loss is _fast_cross_entropy and Z.ndim == 2:
        # softmax cross-entropy: A = diag(p) - p p^T = S S^T, S = diag(√p) - p √p^T
        p = torch.softmax(Z.detach(), dim=1)
        r = p.sqrt()
        S = torch.diag_embed(r) - p.unsqueeze(2) * r.unsqueeze(1)
        return torch.ones_like(p), S
    shape = Z.shape[1:]

    def loss_single(z, t):
        return fm.loss(z.reshape(1, *shape), t.unsqueeze(0))[0]

    A = vmap(hessian(loss_single))(Z.detach().reshape(len(Z), -1), y)
    A = (A + A.transpose(1, 2)) / 2
    return torch.linalg.eigh(A)


def _linear_layer_diagonal(fm):
    """GGN diagonal layer by layer, for networks whose parameters all sit in ``nn.Linear``.

    A linear layer's per-object gradient for the output cotangent ``J_i^T u_ik``
    is the outer product ``δ_ik a_i^T`` of its back-propagated signal and its
    input, so ``Σ_ik λ_ik (J_i^T u_ik)_j^2 = Σ_ik λ_ik δ_ik,o^2 a_i,c^2``: one
    forward and ``K`` backward passes per chunk of objects, no per-object
    gradients. Returns None when the structure does not allow it (another
    parameterised layer, a layer used twice, inputs with extra dimensions).
    """
    import torch
    from torch import nn

    module = fm.module
    linears = [m for m in module.modules() if isinstance(m, nn.Linear)]
    owned = {id(p) for lin in linears for p in lin.parameters()}
    if not linears or any(id(p) not in owned for p in module.parameters()):
        return None
    store = {}

    def hook(lin, args, out):
        if id(lin) in store or args[0].ndim != 2:
            store[id(lin)] = None  # used twice, or extra dimensions: not this route
            return
        store[id(lin)] = (args[0].detach(), out)

    handles = [lin.register_forward_hook(hook) for lin in linears]
    flags = [p.requires_grad for p in module.parameters()]
    diag = {}
    try:
        for p in module.parameters():
            p.requires_grad_(True)
        n = fm.n_objects
        bs = _chunk_size(4 * max(lin.out_features + lin.in_features for lin in linears),
                         fm.theta.element_size(), 2 ** 26)
        for s in range(0, n, bs):
            store.clear()
            with torch.enable_grad():
                Z = module(fm.X[s:s + bs])
            if any(store.get(id(lin)) is None for lin in linears):
                return None
            lam, U = _output_hessian_factor(fm, Z, fm.y[s:s + bs])
            outs = [store[id(lin)][1] for lin in linears]
            Zf = Z.reshape(len(Z), -1)
            K = U.shape[2]
            lam = lam.to(Zf.dtype)
            D = [0.0] * len(linears)
            for k in range(K):  # Σ_k λ_ik δ_ik,o^2 first: the inputs do not depend on k
                deltas = torch.autograd.grad(Zf, outs, grad_outputs=U[:, :, k].to(Zf.dtype),
                                             retain_graph=k < K - 1)
                for j, d in enumerate(deltas):
                    D[j] = D[j] + lam[:, k:k + 1] * d**2
            for lin, Dj in zip(linears, D, strict=True):
                a = store[id(lin)][0]
                diag[id(lin.weight)] = diag.get(id(lin.weight), 0) + (Dj.T @ a**2).double()
                if lin.bias is not None:
                    diag[id(lin.bias)] = diag.get(id(lin.bias), 0) + Dj.sum(dim=0).double()
    finally:
        for h in handles:
            h.remove()
        for p, f in zip(module.parameters(), flags, strict=True):
            p.requires_grad_(f)
    params = dict(module.named_parameters())
    flat = torch.cat([diag[id(params[name])].reshape(-1) for name in fm.index.names])
    return (flat / fm.n_objects).cpu().numpy()


def _dense_full(fm):
    from torch.func import hessian

    def mean_loss(theta):
        return fm.losses(theta, fm.X, fm.y).mean()

    M = hessian(mean_loss)(fm.theta).detach().double().cpu().numpy()
    return (M + M.T) / 2


def _dense_ggn(fm):
    import torch

    G = torch.zeros(fm.n_params, fm.n_params, dtype=torch.float64, device=fm.device)
    for R, lam in _ggn_chunks(fm):
        Rd = R.double().reshape(-1, fm.n_params)
        G += Rd.T @ (lam.double().reshape(-1, 1) * Rd)
    G = (G / fm.n_objects).cpu().numpy()
    return (G + G.T) / 2


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
    _check_kind(kind)
    tau = prior_precision
    if isinstance(tau, bool) or not isinstance(tau, (int, float, np.floating)) or not tau > 0:
        raise ValueError(f"prior_precision must be a real number > 0, got {tau!r}.")
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
