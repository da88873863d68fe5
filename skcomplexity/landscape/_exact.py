"""Exact curvature of a :class:`~skcomplexity.landscape.FunctionalModel`: the GGN factor rows,
the exact Hessian/GGN diagonal and the dense Hessian/GGN of small models.

Exact Gauss-Newton quantities come from the factorisation
``GGN = (1/n) Σ_i J_i^T A_i J_i`` with ``A_i = U_i diag(λ_i) U_i^T`` the Hessian
of object ``i``'s loss in the outputs: the rows ``r_ik = J_i^T u_ik`` are
vector-Jacobian products batched over objects with ``vmap``. Shared by
:mod:`~skcomplexity.landscape.curvature` and :mod:`~skcomplexity.landscape.hessian`
(which therefore do not import each other).
"""

import numpy as np


def _chunk_size(per_object_floats, itemsize, budget=2 ** 27):
    return max(1, int(budget // max(1, per_object_floats * itemsize)))


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
