"""Parameter orderings of a fitted torch network (§5.1, slides S-L323–333).

Every ordering returns ``order``: indices into the flat vector of the ordered
parameters, **first = removed first** (least relevant). The flat vector is
:class:`~skcomplexity.landscape.ParameterIndex` (biases included unless
``include_bias=False``).

All curvature (per-object gradients, Hessian diagonal, Laplace covariance)
comes from :mod:`skcomplexity.landscape`; this module only turns it into
orderings.
"""

import numpy as np
import torch

from ..landscape import (
    ParameterIndex,
    gradient_covariance,
    hessian_diagonal,
    laplace_covariance,
    model_tensors,
    per_object_gradients,
    per_object_loss,
)
from .belsley import belsley_order, belsley_order_gradients

__all__ = [
    "ORDERINGS",
    "ParameterIndex",
    "parameter_ordering",
    "auto_batch_size_remove",
]

ORDERINGS = ("belsley", "gradient_covariance", "obd", "posterior_ratio", "magnitude", "random")


class PerObjectLoss:
    """Marks a loss callable as per-object (``(outputs, targets) -> (n,)``)."""

    def __init__(self, loss):
        self.loss = loss

    def __call__(self, out, target):
        return self.loss(out, target)


def _per_object(loss_fn):
    return loss_fn.loss if isinstance(loss_fn, PerObjectLoss) else per_object_loss(loss_fn)


def _tensors(module, X, y):
    return model_tensors(X, y, next(module.parameters()))


def auto_n_objects(n, p):
    """Objects whose gradients the gradient-covariance Belsley ordering uses by default.

    A decomposition costs ``O(n_objects² p)``: at most 512 objects, fewer when
    ``n_objects² p`` would pass ``2**30`` (about a second per decomposition on
    one core) but not below 64, and at most 2 GiB of float64 gradients.
    """
    p = max(p, 1)
    budget = max(64, int(np.sqrt(2**30 / p)))
    return int(max(2, min(n, 512, budget, 2**31 // (16 * p))))


def _subsample(X, y, n_objects, p, random_state):
    n = X.shape[0]
    if n_objects is None:
        return X, y
    if n_objects == "auto":
        n_objects = auto_n_objects(n, p)
    if isinstance(n_objects, bool) or not isinstance(n_objects, (int, np.integer)) \
            or n_objects < 2:
        raise ValueError(f"n_objects must be an integer >= 2, 'auto' or None, got {n_objects!r}.")
    if n_objects >= n:
        return X, y
    idx = np.sort(np.random.default_rng(random_state).choice(n, int(n_objects), replace=False))
    idx = torch.as_tensor(idx, device=X.device)
    return X[idx], y[idx]


def auto_batch_size_remove(n_remove, n_steps=25):
    """Parameters removed per decomposition by default: about ``n_steps`` decompositions."""
    return max(1, int(np.ceil(n_remove / n_steps)))


def parameter_ordering(module, loss_fn, X, y, method="belsley", *, include_bias=True,
                       covariance="auto", prior_precision=1.0, standardize=True,
                       update="submatrix", batch_size_remove=1, n_remove=None, n_objects=None,
                       hessian="exact", n_probes=64, max_params=3000, random_state=None,
                       selection="dependence", condition_threshold=30.0,
                       proportion_threshold=0.5, return_scores=False):
    """Removal order of the parameters of a fitted network.

    Parameters
    ----------
    module : torch.nn.Module
        Fitted network (raw outputs as ``loss_fn`` expects).
    loss_fn : callable
        ``loss_fn(output, target) -> scalar`` mean loss of a batch (applied to
        one object at a time for per-object curvature).
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
    covariance : {"auto", "laplace", "gradient"} or ndarray, default="auto"
        Parameter covariance for ``"belsley"``: the Laplace approximation
        (:func:`~skcomplexity.landscape.laplace_covariance`, dense, ``p <=
        max_params``), the per-object gradient covariance (the text's
        :math:`C_{t_0}`, handled through a thin SVD of the ``n x p`` gradient
        matrix, never a ``p x p`` matrix), or a given ``(p, p)`` matrix.
        ``"auto"``: Laplace up to ``max_params`` parameters, gradient above.
    prior_precision : float, default=1.0
        For the Laplace approximation.
    standardize, update, batch_size_remove
        Passed to :func:`~skcomplexity.pruning.belsley_order`. The Belsley
        decompositions and downdates run in torch (float64) on the module's
        device, with the numpy path's order.
    selection : {"dependence", "proportion"}, default="dependence"
        Belsley only. ``"proportion"``: the text's rule, the largest variance
        proportion on the largest condition index, near-dependence or not.
        ``"dependence"``: Belsley–Kuh–Welsch's reading -- only components
        with a classical condition index above ``condition_threshold`` are
        near-dependences; their involved parameters (pooled proportion above
        ``proportion_threshold``) are removed cheapest first, and the
        parameters that are not collinear follow by ascending squared
        posterior z-score :math:`w_i^2/\\Sigma_{ii}` (Laplace or given
        covariance) or :math:`w_i^2\\,\\overline{g_i^2}` (gradient
        covariance: the empirical-Fisher precision).
    condition_threshold, proportion_threshold : float, default=30, 0.5
        Belsley only, ``selection="dependence"``.
    n_remove : int, optional
        Belsley only: order only the first ``n_remove`` parameters precisely;
        the rest follow in ascending magnitude (default all).
    n_objects : int, "auto" or None, default=None
        Belsley on the gradient covariance only: the per-object gradients of
        a seeded random subset of this many objects (None: all). A
        decomposition costs ``O(n_objects^2 p)`` when ``p > n_objects``;
        ``"auto"`` takes ``min(n, 512, max(64, sqrt(2**30 / p)), 2**31 / (16 p))``
        objects (a decomposition then costs at most about ``2**30`` flops; at most
        2 GiB of gradients).
    hessian : {"exact", "hutchinson"}, default="exact"
        Hessian diagonal for ``"obd"``
        (:func:`~skcomplexity.landscape.hessian_diagonal`).
    n_probes : int, default=64
        Probes of the Hutchinson diagonal.
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
    if method in ("random", "magnitude"):
        curv = {}
    else:
        Xt, yt = _tensors(module, X, y)
        curv = dict(loss=_per_object(loss_fn), include_bias=include_bias)
    if method == "random":
        order = np.random.default_rng(random_state).permutation(p)
    elif method == "magnitude":
        scores = np.abs(w)
    elif method == "obd":
        h = hessian_diagonal(module, Xt, yt, method=hessian, n_probes=n_probes,
                             max_params=max_params, random_state=random_state, **curv)
        scores = 0.5 * h * w**2
    elif method == "gradient_covariance":
        scores = gradient_covariance(module, Xt, yt, diagonal=True, **curv)
    elif method == "posterior_ratio":
        S = laplace_covariance(module, Xt, yt, prior_precision=prior_precision,
                               max_params=max_params, **curv)
        scores = np.abs(w) / np.sqrt(np.diag(S))
    else:  # belsley
        if selection not in ("dependence", "proportion"):
            raise ValueError(f"selection must be 'dependence' or 'proportion', got {selection!r}.")
        k = p if n_remove is None else int(n_remove)
        rule = dict(condition_threshold=condition_threshold,
                    proportion_threshold=proportion_threshold)

        def z2(C):  # squared posterior z-scores from a covariance's diagonal
            if selection == "proportion":
                return None
            d = np.diag(C)
            with np.errstate(divide="ignore"):  # a zero variance: removed first anyway
                return np.where(d > 0, w**2 / np.where(d > 0, d, 1.0), np.inf)

        dev = next(module.parameters()).device

        def on_device(C):  # the Belsley decompositions run in torch on the model's device
            return torch.as_tensor(C, dtype=torch.float64, device=dev)

        if isinstance(covariance, str):
            if covariance not in ("auto", "laplace", "gradient"):
                raise ValueError(f"covariance must be 'auto', 'laplace', 'gradient' or a (p, p) "
                                 f"array, got {covariance!r}.")
            if covariance == "auto":
                covariance = "laplace" if p <= max_params else "gradient"
            if covariance == "laplace":
                C = laplace_covariance(module, Xt, yt, prior_precision=prior_precision,
                                       max_params=max_params, **curv)
                order = belsley_order(on_device(C), k, standardize=standardize, update=update,
                                      batch_size_remove=batch_size_remove, saliency=z2(C), **rule)
            else:
                Xs, ys = _subsample(Xt, yt, n_objects, p, random_state)
                G = per_object_gradients(module, Xs, ys, **curv)
                fisher = None if selection == "proportion" else \
                    w**2 * (torch.linalg.vector_norm(G, dim=0).double().cpu().numpy() ** 2
                            / G.shape[0])
                order = belsley_order_gradients(G, k, standardize=standardize, update=update,
                                                batch_size_remove=batch_size_remove,
                                                saliency=fisher, **rule)
        else:
            C = np.asarray(covariance, dtype=np.float64)
            if C.shape != (p, p):
                raise ValueError(f"covariance must have shape ({p}, {p}), got {C.shape}.")
            order = belsley_order(on_device(C), k, standardize=standardize, update=update,
                                  batch_size_remove=batch_size_remove, saliency=z2(C), **rule)
        if len(order) < p:  # the parameters kept: by magnitude after the ordered ones
            rest = np.setdiff1d(np.arange(p), order)
            order = np.concatenate([order, rest[np.argsort(np.abs(w[rest]), kind="stable")]])
    if scores is not None:
        order = np.argsort(scores, kind="stable")
    order = np.asarray(order, dtype=np.intp)
    return (order, scores) if return_scores else order
