"""Parameter orderings of a fitted torch network (§5.1, slides S-L323–333).

Every ordering returns ``order``: indices into the flat vector of the ordered
parameters, **first = removed first** (least relevant). The flat vector is
the concatenation of ``module.named_parameters()`` that require a gradient
(biases included unless ``include_bias=False``), see :class:`ParameterIndex`.

Curvature and per-object gradients go through :mod:`torch.func`
(``functional_call`` + ``vmap(grad)`` / ``hessian``), never a Python loop
over objects.
"""

from numbers import Integral, Real

import numpy as np
import torch
from torch.func import functional_call, grad, hessian, vmap

from .belsley import belsley_order

__all__ = [
    "ORDERINGS",
    "ParameterIndex",
    "per_sample_gradients",
    "gradient_covariance",
    "laplace_covariance",
    "hessian_diagonal",
    "parameter_ordering",
]

ORDERINGS = ("belsley", "gradient_covariance", "obd", "posterior_ratio", "magnitude", "random")


class ParameterIndex:
    """Flat view of the prunable parameters of a module.

    Parameters
    ----------
    module : torch.nn.Module
    include_bias : bool, default=True
        Whether 1-D parameters whose name ends in ``"bias"`` are prunable.

    Attributes
    ----------
    names, shapes : list
        Prunable parameter names and shapes, in ``named_parameters`` order.
    offsets : ndarray of int
        Start of each parameter in the flat vector.
    n_params : int
        Length of the flat vector, ``p``.

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.pruning._orderings import ParameterIndex
    >>> idx = ParameterIndex(torch.nn.Linear(3, 2))
    >>> idx.names, idx.n_params
    (['weight', 'bias'], 8)
    """

    def __init__(self, module, include_bias=True):
        self.names, self.shapes, self.fixed = [], [], {}
        for name, p in module.named_parameters():
            if not p.requires_grad:
                continue
            if not include_bias and name.endswith("bias"):
                self.fixed[name] = p.detach()
                continue
            self.names.append(name)
            self.shapes.append(tuple(p.shape))
        if not self.names:
            raise ValueError("The module has no prunable parameters (requires_grad=True).")
        sizes = [int(np.prod(s)) for s in self.shapes]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)
        self.sizes = sizes
        self.n_params = int(sum(sizes))

    def flat(self, module):
        """The current prunable parameters as one detached 1-D tensor."""
        params = dict(module.named_parameters())
        return torch.cat([params[n].detach().reshape(-1) for n in self.names])

    def unflatten(self, theta):
        """Dict ``name -> tensor`` from a flat vector (differentiable)."""
        out = {}
        for name, shape, off, size in zip(self.names, self.shapes, self.offsets, self.sizes,
                                          strict=True):
            out[name] = theta[off:off + size].reshape(shape)
        return out

    def masks(self, removed):
        """Boolean keep-masks ``name -> tensor`` with ``removed`` flat indices set to False."""
        keep = np.ones(self.n_params, dtype=bool)
        keep[np.asarray(removed, dtype=int)] = False
        return {name: torch.as_tensor(keep[off:off + size].reshape(shape))
                for name, shape, off, size in zip(self.names, self.shapes, self.offsets,
                                                  self.sizes, strict=True)}

    def labels(self):
        """Human-readable label of every flat entry, e.g. ``"layers.0.weight[3, 1]"``."""
        out = []
        for name, shape in zip(self.names, self.shapes, strict=True):
            for ix in np.ndindex(*shape):
                out.append(f"{name}[{', '.join(map(str, ix))}]")
        return out


def _functional_loss(module, loss_fn, index):
    """``f(theta, X, y)``: mean loss of ``module`` with prunable params ``theta``."""
    buffers = dict(module.named_buffers())

    def f(theta, X, y):
        params = {**index.fixed, **index.unflatten(theta)}
        out = functional_call(module, (params, buffers), (X,))
        return loss_fn(out, y)

    return f


def _as_tensors(module, X, y):
    try:
        ref = next(module.parameters())
        dtype, device = ref.dtype, ref.device
    except StopIteration:  # pragma: no cover
        dtype, device = torch.float32, torch.device("cpu")
    X = torch.as_tensor(np.asarray(X) if not torch.is_tensor(X) else X, device=device)
    if X.is_floating_point():
        X = X.to(dtype)
    y = torch.as_tensor(np.asarray(y) if not torch.is_tensor(y) else y, device=device)
    if y.is_floating_point():
        y = y.to(dtype)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y have different numbers of samples: {X.shape[0]} != {y.shape[0]}.")
    return X, y


def per_sample_gradients(module, loss_fn, X, y, *, include_bias=True, chunk_size=None):
    """Gradients of the per-object losses, batched with ``vmap(grad)``.

    Parameters
    ----------
    module : torch.nn.Module
        The fitted network (left unchanged).
    loss_fn : callable
        ``loss_fn(output, target) -> scalar`` for a batch; it is called on
        batches of one object.
    X, y : array-like or tensor
        Objects and targets (targets already in the form ``loss_fn`` expects).
    include_bias : bool, default=True
    chunk_size : int, optional
        Passed to :func:`torch.func.vmap` to bound memory.

    Returns
    -------
    torch.Tensor of shape (n_samples, p)

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.pruning import per_sample_gradients
    >>> net = torch.nn.Linear(3, 1)
    >>> X, y = torch.randn(5, 3), torch.randn(5, 1)
    >>> per_sample_gradients(net, torch.nn.functional.mse_loss, X, y).shape
    torch.Size([5, 4])
    """
    index = ParameterIndex(module, include_bias)
    X, y = _as_tensors(module, X, y)
    f = _functional_loss(module, loss_fn, index)
    theta = index.flat(module)

    def single(theta, x, t):
        return f(theta, x.unsqueeze(0), t.unsqueeze(0))

    return vmap(grad(single), in_dims=(None, 0, 0), chunk_size=chunk_size)(theta, X, y).detach()


def gradient_covariance(module, loss_fn, X, y, *, include_bias=True, diagonal=False,
                        chunk_size=None):
    """Covariance of the per-object loss gradients at the fitted parameters.

    The text's running estimate (§5.1, from preconditioned SGLD)
    :math:`C_t = (1-1/t) C_{t-1} + (1/t) d_t d_t^\\top`,
    :math:`d_t = g_{1,t} - g_{S,t}`, averages the outer products of a single
    object's gradient minus the mini-batch mean. At a fixed (trained) point
    its expectation is proportional to the covariance of the per-object
    gradients, which is computed here exactly over ``X``:
    :math:`C = \\frac1m\\sum_i (g_i-\\bar g)(g_i-\\bar g)^\\top`.

    Parameters
    ----------
    module, loss_fn, X, y, include_bias, chunk_size
        As in :func:`per_sample_gradients`.
    diagonal : bool, default=False
        Return only the diagonal (the per-parameter gradient variance).

    Returns
    -------
    ndarray of shape (p, p), or (p,) when ``diagonal``

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.pruning import gradient_covariance
    >>> net = torch.nn.Linear(3, 1)
    >>> X, y = torch.randn(20, 3), torch.randn(20, 1)
    >>> gradient_covariance(net, torch.nn.functional.mse_loss, X, y).shape
    (4, 4)
    """
    G = per_sample_gradients(module, loss_fn, X, y, include_bias=include_bias,
                             chunk_size=chunk_size).double()
    Gc = G - G.mean(dim=0, keepdim=True)
    if diagonal:
        return (Gc**2).mean(dim=0).cpu().numpy()
    return (Gc.T @ Gc / G.shape[0]).cpu().numpy()


def _mean_loss_hessian(module, loss_fn, X, y, index, max_params):
    if index.n_params > max_params:
        raise ValueError(
            f"The network has {index.n_params} prunable parameters, more than max_params="
            f"{max_params} for a dense Hessian; raise max_params or use a Hutchinson estimate "
            "(hessian='hutchinson' where available)."
        )
    X, y = _as_tensors(module, X, y)
    f = _functional_loss(module, loss_fn, index)
    theta = index.flat(module)
    H = hessian(f)(theta, X, y).detach().double()
    return (H + H.T) / 2


def laplace_covariance(module, loss_fn, X, y, *, prior_precision=1.0, include_bias=True,
                       max_params=3000):
    """Laplace-approximation posterior covariance of the parameters.

    :math:`\\Sigma = (m\\,H_+ + \\tau I)^{-1}`, where :math:`H` is the Hessian of the
    mean loss at the fitted parameters (so :math:`mH` is the Hessian of the
    negative log-likelihood), :math:`H_+` its positive part (negative
    eigenvalues, which appear away from an exact minimum, are set to zero)
    and :math:`\\tau` the precision of an isotropic Gaussian prior.

    Parameters
    ----------
    module, loss_fn, X, y, include_bias
        As in :func:`per_sample_gradients`.
    prior_precision : float, default=1.0
        :math:`\\tau > 0`.
    max_params : int, default=3000
        Refuse dense Hessians larger than this.

    Returns
    -------
    ndarray of shape (p, p)

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.pruning import laplace_covariance
    >>> net = torch.nn.Linear(3, 1)
    >>> X, y = torch.randn(20, 3), torch.randn(20, 1)
    >>> laplace_covariance(net, torch.nn.functional.mse_loss, X, y).shape
    (4, 4)
    """
    if isinstance(prior_precision, bool) or not isinstance(prior_precision, Real) \
            or not prior_precision > 0:
        raise ValueError(f"prior_precision must be a real number > 0, got {prior_precision!r}.")
    index = ParameterIndex(module, include_bias)
    H = _mean_loss_hessian(module, loss_fn, X, y, index, max_params).cpu().numpy()
    m = len(X)
    lam, U = np.linalg.eigh(H)
    lam = np.maximum(lam, 0.0) * m + prior_precision
    return (U / lam) @ U.T


def hessian_diagonal(module, loss_fn, X, y, *, method="exact", n_samples=64, include_bias=True,
                     max_params=3000, random_state=None):
    """Diagonal of the Hessian of the mean loss (for optimal brain damage).

    Parameters
    ----------
    module, loss_fn, X, y, include_bias
        As in :func:`per_sample_gradients`.
    method : {"exact", "hutchinson"}, default="exact"
        ``"exact"``: the dense Hessian through :func:`torch.func.hessian`
        (``p <= max_params``). ``"hutchinson"``: :math:`E[v \\odot Hv]` over
        ``n_samples`` Rademacher vectors, with batched Hessian-vector products.
    n_samples : int, default=64
    max_params : int, default=3000
    random_state : int or None
        Seeds the Rademacher vectors.

    Returns
    -------
    ndarray of shape (p,)

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.pruning import hessian_diagonal
    >>> net = torch.nn.Linear(3, 1)
    >>> X, y = torch.randn(20, 3), torch.randn(20, 1)
    >>> hessian_diagonal(net, torch.nn.functional.mse_loss, X, y).shape
    (4,)
    """
    index = ParameterIndex(module, include_bias)
    if method == "exact":
        return np.diag(_mean_loss_hessian(module, loss_fn, X, y, index, max_params).cpu().numpy())
    if method != "hutchinson":
        raise ValueError(f"method must be 'exact' or 'hutchinson', got {method!r}.")
    if isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
    Xt, yt = _as_tensors(module, X, y)
    f = _functional_loss(module, loss_fn, index)
    theta = index.flat(module)
    gen = np.random.default_rng(random_state)
    V = torch.as_tensor(gen.choice([-1.0, 1.0], size=(n_samples, index.n_params)),
                        dtype=theta.dtype, device=theta.device)

    def hvp(v):
        return torch.func.jvp(lambda t: grad(f)(t, Xt, yt), (theta,), (v,))[1]

    HV = vmap(hvp)(V)
    return (V * HV).mean(dim=0).detach().double().cpu().numpy()


def parameter_ordering(module, loss_fn, X, y, method="belsley", *, include_bias=True,
                       covariance="laplace", prior_precision=1.0, standardize=True,
                       update="submatrix", batch_size_remove=1, hessian="exact",
                       max_params=3000, random_state=None, return_scores=False):
    """Removal order of the parameters of a fitted network.

    Parameters
    ----------
    module : torch.nn.Module
        Fitted network (raw outputs as ``loss_fn`` expects).
    loss_fn : callable
        ``loss_fn(output, target) -> scalar`` mean loss of a batch.
    X, y : array-like or tensor
        Data the ordering is computed on (usually the training data).
    method : {"belsley", "gradient_covariance", "obd", "posterior_ratio", \
"magnitude", "random"}, default="belsley"
        * ``"belsley"``: modified Belsley method on the parameter covariance
          ``covariance`` (:func:`~skcomplexity.pruning.belsley_order`);
        * ``"gradient_covariance"``: ascending diagonal of the per-object
          gradient covariance (the ζ lowest-variance parameters are removed;
          the text's worked example ranks ascending, spec §2.2);
        * ``"obd"``: optimal brain damage, ascending
          :math:`\\tfrac12 h_{jj} w_j^2`;
        * ``"posterior_ratio"``: descending
          :math:`p(0\\mid D)/p(w_j\\mid D)` under the Laplace marginal
          :math:`N(w_j, \\sigma_j^2)`, i.e. ascending :math:`|w_j|/\\sigma_j`;
        * ``"magnitude"``: ascending :math:`|w_j|` (an extra baseline, not in
          the text);
        * ``"random"``: a seeded permutation.
    include_bias : bool, default=True
    covariance : {"laplace", "gradient"} or ndarray, default="laplace"
        Parameter covariance for ``"belsley"``: the Laplace approximation
        (:func:`laplace_covariance`), the gradient covariance
        (:func:`gradient_covariance`, the text's :math:`C_{t_0}`), or a given
        ``(p, p)`` matrix.
    prior_precision : float, default=1.0
        For the Laplace approximation.
    standardize, update, batch_size_remove
        Passed to :func:`~skcomplexity.pruning.belsley_order`.
    hessian : {"exact", "hutchinson"}, default="exact"
        Hessian diagonal for ``"obd"``.
    max_params : int, default=3000
        Largest ``p`` for dense curvature matrices.
    random_state : int or None
        Seeds ``"random"`` and the Hutchinson estimate.
    return_scores : bool, default=False
        Also return the per-parameter score (None for ``"belsley"`` and
        ``"random"``, which give no score).

    Returns
    -------
    order : ndarray of int of shape (p,)
        First = removed first.
    scores : ndarray or None
        Only with ``return_scores``.

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.pruning import parameter_ordering
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> net = torch.nn.Linear(3, 1)
    >>> X, y = torch.randn(30, 3), torch.randn(30, 1)
    >>> order = parameter_ordering(net, torch.nn.functional.mse_loss, X, y, "obd")
    >>> sorted(order.tolist())
    [0, 1, 2, 3]
    """
    if method not in ORDERINGS:
        raise ValueError(f"method must be one of {ORDERINGS}, got {method!r}.")
    index = ParameterIndex(module, include_bias)
    w = index.flat(module).double().cpu().numpy()
    p = index.n_params
    scores = None
    if method == "random":
        order = np.random.default_rng(random_state).permutation(p)
    elif method == "magnitude":
        scores = np.abs(w)
    elif method == "obd":
        h = hessian_diagonal(module, loss_fn, X, y, method=hessian, include_bias=include_bias,
                             max_params=max_params, random_state=random_state)
        scores = 0.5 * h * w**2
    elif method == "gradient_covariance":
        scores = gradient_covariance(module, loss_fn, X, y, include_bias=include_bias,
                                     diagonal=True)
    elif method == "posterior_ratio":
        S = laplace_covariance(module, loss_fn, X, y, prior_precision=prior_precision,
                               include_bias=include_bias, max_params=max_params)
        scores = np.abs(w) / np.sqrt(np.diag(S))
    else:  # belsley
        if isinstance(covariance, str):
            if covariance == "laplace":
                C = laplace_covariance(module, loss_fn, X, y, prior_precision=prior_precision,
                                       include_bias=include_bias, max_params=max_params)
            elif covariance == "gradient":
                if p > max_params:
                    raise ValueError(f"p={p} exceeds max_params={max_params} for a dense "
                                     "gradient covariance.")
                C = gradient_covariance(module, loss_fn, X, y, include_bias=include_bias)
            else:
                raise ValueError(f"covariance must be 'laplace', 'gradient' or a (p, p) array, "
                                 f"got {covariance!r}.")
        else:
            C = np.asarray(covariance, dtype=np.float64)
            if C.shape != (p, p):
                raise ValueError(f"covariance must have shape ({p}, {p}), got {C.shape}.")
        order = belsley_order(C, standardize=standardize, update=update,
                              batch_size_remove=batch_size_remove)
    if scores is not None:
        order = np.argsort(scores, kind="stable")
    order = np.asarray(order, dtype=np.intp)
    return (order, scores) if return_scores else order
