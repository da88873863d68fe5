"""Architecture bounds on the per-object Hessian and the one-object loss change (Ch. 3).

Pure functions of floats (numpy broadcasting works); no torch is needed,
except in the helpers that read norms off a fitted model (``*_norms``).
This module holds the fully connected bounds and the model helpers; the
convolutional (Theorems 12-17) and transformer (Theorems 8, 18, 27) bounds are
written in ``_conv_bounds`` and ``_transformer_bounds`` and re-exported here,
so every bound is importable from :mod:`skcomplexity.landscape.bounds`.

All Hessian bounds are bounds on the **Gauss-Newton (G-) term** of the
per-object Hessian, as in the text (Section 3.1: the H-term is neglected).

Fully connected networks: the printed Theorem 9 over-counts one weight norm
per layer; the resulting formula (``variant="text"``) is *not* an upper bound
when the weights have spectral norm below 1 (e.g. a single linear layer with
``M_W = 0.1``), and it assumes ReLU layers *without biases*.
``variant="corrected"`` is the bound that follows from the same proof without
the extra factor, with the biases carried through the forward pass (see
:func:`fc_hessian_bound` for the derivation); with no biases it is
``√2 (L M_x² M_W^{2(L-1)} + Σ_{j=0}^{L-1} M_W^{2j})``. It holds for all weight
scales and bias sizes and is the default of the functions that read norms from
a model.
"""

import warnings

import numpy as np
from sklearn.utils._param_validation import StrOptions, validate_params

from ._bound_common import (
    _SQRT2,
    _out,
    loss_difference_bound,
    sufficient_sample_size_from_bound,
)
from ._conv_bounds import *  # noqa: F401,F403
from ._conv_bounds import __all__ as _conv_all
from ._transformer_bounds import *  # noqa: F401,F403
from ._transformer_bounds import __all__ as _transformer_all

__all__ = [
    "fc_hessian_bound",
    "fc_hessian_bound_elementwise",
    "fc_loss_difference_bound",
    "fc_landscape_asymptotic",
    *_conv_all,
    *_transformer_all,
    "loss_difference_bound",
    "sufficient_sample_size_from_bound",
    "mlp_norms",
    "fc_hessian_bound_from_model",
]


def _geom(q, n, start):
    """``Σ_{j=start}^{start+n-1} q^j`` with the q = 1 limit."""
    q = np.asarray(q, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        closed = q ** start * (q ** n - 1.0) / (q - 1.0)
    return np.where(np.isclose(q, 1.0), float(n), closed)


def _corrected_fc(L, mx, mw, mb, c, bias):
    """``√2 Σ_p (a_p² + β) (c M_W)^{2(L−p)}`` with ``a_1 = M_x``, ``a_{p+1} = c (M_W a_p + M_b)``."""
    if float(L) != round(float(L)) or L < 1:
        raise ValueError(f"L must be an integer >= 1, got {L!r}.")
    L = int(L)
    a, total = mx, 0.0
    for p in range(1, L + 1):
        total += (a * a + (1.0 if bias else 0.0)) * (c * mw) ** (2 * (L - p))
        a = c * (mw * a + mb)
    return _SQRT2 * total


@validate_params(
    {"variant": [StrOptions({"text", "corrected"})], "bias": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def fc_hessian_bound(L, M_x, M_W, *, variant="text", bias=True, M_b=0.0, lipschitz=1.0):
    """Theorem 9: bound on ``‖H_i‖₂`` (G-term, cross-entropy) of an ``L``-layer network.

    Parameters
    ----------
    L : int
        Number of weight matrices (linear layers).
    M_x : float
        Bound on ``‖x_i‖₂``.
    M_W : float
        Bound on every ``‖W^{(p)}‖₂``.
    variant : {"text", "corrected"}, default="text"
        ``"text"``: the printed formula
        ``L√2 M_x² M_W^{2L} + √2 M_W²(M_W^{2L} − 1)/(M_W² − 1)``, valid only
        for ReLU networks without biases and ``M_W >= 1``. ``"corrected"``:
        the derivation below, valid for all ``M_W``, with biases and with any
        activation ``σ`` such that ``|σ(t)| <= c|t|`` and ``|σ'(t)| <= c``.
    bias : bool, default=True
        The layers have trainable biases: keep the bias-row terms of the
        Jacobian (the ``β = 1`` below). ``bias=False`` drops them
        (corrected only).
    M_b : float, default=0.0
        Bound on every ``‖b^{(p)}‖₂`` (corrected only; the printed theorem
        assumes ``M_b = 0``).
    lipschitz : float, default=1.0
        The activation constant ``c`` (1 for ReLU, leaky ReLU, tanh, ELU,
        the identity; corrected only).

    Returns
    -------
    float or ndarray

    Notes
    -----
    Derivation of ``variant="corrected"``. With ``z^{(p)} = W^{(p)} x^{(p)} +
    b^{(p)}``, ``x^{(p+1)} = σ(z^{(p)})`` and ``z = z^{(L)}``, the G-term is
    ``Fᵀ A F`` with ``A = diag(p) − ppᵀ`` (``‖A‖₂ <= √2`` as in the text; the
    true maximum is 1/2) and ``F = ∂z/∂θ``. The block of ``F`` for
    ``W^{(p)}`` is ``G^{(p)} ⊗ x^{(p)ᵀ}`` and the one for ``b^{(p)}`` is
    ``G^{(p)} = W^{(L)} D^{(L−1)} ⋯ W^{(p+1)} D^{(p)}`` with
    ``D = diag(σ'(z))``, so

    ``‖Fᵀ A F‖ <= ‖A‖ ‖F Fᵀ‖ <= √2 Σ_p (‖x^{(p)}‖² + β) ‖G^{(p)}‖²``,
    ``‖G^{(p)}‖ <= (c M_W)^{L−p}``.

    The printed proof bounds ``‖x^{(p)}‖ <= M_x M_W^{p−1}``, which needs
    ``b = 0``: each layer adds up to ``‖b^{(p)}‖`` to the activations. Since
    ``|σ(t)| <= c|t|`` elementwise, ``‖x^{(p+1)}‖ <= c (M_W ‖x^{(p)}‖ + M_b)``;
    with ``a_1 = M_x`` and ``a_{p+1} = c (M_W a_p + M_b)``,

    ``‖H_i‖₂ <= √2 Σ_{p=1}^{L} (a_p² + β) (c M_W)^{2(L−p)}``,

    which for ``M_b = 0``, ``c = 1`` is
    ``√2 (L M_x² M_W^{2(L−1)} + β Σ_{j<L} M_W^{2j})``.

    Examples
    --------
    >>> from skcomplexity.landscape import fc_hessian_bound
    >>> round(fc_hessian_bound(2, 1.0, 2.0), 6)  # 52 * sqrt(2)
    73.539105
    >>> round(fc_hessian_bound(1, 1.0, 2.0, variant="corrected"), 6)  # 2 * sqrt(2)
    2.828427
    >>> round(fc_hessian_bound(2, 1.0, 1.0, variant="corrected", M_b=1.0), 6)  # (1+1+4+1) sqrt(2)
    9.899495
    """
    if variant == "text":
        if np.any(np.asarray(M_b, float) != 0) or np.any(np.asarray(lipschitz, float) != 1):
            raise ValueError(
                "variant='text' is the printed Theorem 9 for ReLU networks without biases; "
                "use variant='corrected' with M_b > 0 or lipschitz != 1.")
        L = np.asarray(L, dtype=float)
        q = np.asarray(M_W, dtype=float) ** 2
        mx2 = np.asarray(M_x, dtype=float) ** 2
        return _out(L * _SQRT2 * mx2 * q ** L + _SQRT2 * _geom(q, L, 1))
    # "corrected"; the arguments broadcast, so they are checked elementwise here
    for name, value in (("M_x", M_x), ("M_W", M_W), ("M_b", M_b), ("lipschitz", lipschitz)):
        v = np.asarray(value, float)
        if np.any(~np.isfinite(v)) or np.any(v < 0):
            raise ValueError(f"{name} must be finite and >= 0, got {value!r}.")
    return _out(np.vectorize(_corrected_fc, otypes=[float])(
        L, M_x, M_W, M_b, lipschitz, bool(bias)))


def fc_hessian_bound_elementwise(L, M_x, h, M, *, variant="text", bias=True):
    """Theorem 10: Theorem 9 with ``M_W = h M`` (``|w_ij| <= M``, ``h × h`` weights).

    Examples
    --------
    >>> from skcomplexity.landscape import fc_hessian_bound_elementwise
    >>> round(fc_hessian_bound_elementwise(2, 1.0, 4, 0.5), 6)
    73.539105
    """
    return fc_hessian_bound(L, M_x, np.asarray(h, float) * np.asarray(M, float),
                            variant=variant, bias=bias)


def fc_loss_difference_bound(k, L, M_x, M_W, M_ell, R, *, variant="text", M_b=0.0,
                             lipschitz=1.0):
    """Theorem 5: ``|L_{k+1} − L_k| <= 2/(k+1) (M_ℓ + M_H R²)``, ``M_H`` from Theorem 9.

    ``variant``, ``M_b`` and ``lipschitz`` are passed to :func:`fc_hessian_bound`
    (use ``variant="corrected"`` with ``M_b`` for a network with biases).

    Examples
    --------
    >>> from skcomplexity.landscape import fc_loss_difference_bound
    >>> round(fc_loss_difference_bound(99, 2, 1.0, 2.0, 1.0, 1.0), 6)
    1.490782
    """
    MH = fc_hessian_bound(L, M_x, M_W, variant=variant, M_b=M_b, lipschitz=lipschitz)
    return loss_difference_bound(k, 2.0 * np.asarray(M_ell, float), 2.0 * MH,
                                 np.asarray(R, float) ** 2)


def fc_landscape_asymptotic(L, h, M):
    """Corollary 1's proxy ``L (h M)^{2L}`` (not a bound).

    Examples
    --------
    >>> from skcomplexity.landscape import fc_landscape_asymptotic
    >>> fc_landscape_asymptotic(2, 4, 0.5)
    32.0
    """
    return _out(np.asarray(L, float) * (np.asarray(h, float) * np.asarray(M, float))
                ** (2 * np.asarray(L, float)))


def mlp_norms(model, X):
    """Norms of a fitted fully connected model that the FC bounds need.

    Parameters
    ----------
    model : skcomplexity.neural estimator, skorch net or torch.nn.Module
        Its ``nn.Linear`` layers, in order, are the weight matrices.
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    dict
        ``L`` (number of linear layers), ``M_x`` (max ``‖x_i‖₂``), ``M_W``
        (max spectral norm), ``M`` (max ``|w_ij|``), ``h`` (max width),
        ``spectral_norms`` (per layer), ``has_bias``, ``bias_norms`` (per
        layer ``‖b^{(p)}‖₂``, 0 without a bias) and ``M_b`` (their max).

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.neural import MLPModule
    >>> from skcomplexity.landscape import mlp_norms
    >>> mlp_norms(MLPModule(3, 2, (4,)), np.ones((2, 3)))["L"]
    2
    """
    import torch

    module = _module_of(model)
    layers = [m for m in module.modules() if isinstance(m, torch.nn.Linear)]
    if not layers:
        raise ValueError("The model has no nn.Linear layers.")
    with torch.no_grad():
        spec = [float(torch.linalg.matrix_norm(m.weight.double(), ord=2)) for m in layers]
        mx = [float(m.weight.abs().max()) for m in layers]
        bn = [0.0 if m.bias is None else float(torch.linalg.vector_norm(m.bias.double()))
              for m in layers]
    Xa = np.asarray(X, dtype=float).reshape(len(X), -1)
    return {
        "L": len(layers),
        "M_x": float(np.linalg.norm(Xa, axis=1).max()),
        "M_W": max(spec),
        "M": max(mx),
        "h": max(max(m.weight.shape) for m in layers),
        "spectral_norms": spec,
        "has_bias": any(m.bias is not None for m in layers),
        "bias_norms": bn,
        "M_b": max(bn),
    }


def _activation_constant(module):
    """``c`` with ``|σ(t)| <= c|t|`` and ``|σ'| <= c`` for every activation of an FC module."""
    from torch import nn

    c = 1.0
    for m in module.modules():
        if list(m.children()) or isinstance(m, (nn.Linear, nn.Identity, nn.Dropout, nn.Flatten,
                                                nn.ReLU, nn.Tanh)):
            continue
        if isinstance(m, nn.LeakyReLU):
            c = max(c, abs(float(m.negative_slope)))
        elif isinstance(m, nn.ELU):
            c = max(c, float(m.alpha))
        elif isinstance(m, nn.GELU):
            c = max(c, 1.12900)  # max GELU'(t) = 1.128904 (exact), 1.128993 (tanh form)
        else:
            kind = ("it does not map 0 to 0" if isinstance(m, (nn.Sigmoid, nn.Softplus))
                    else "only Linear layers and ReLU/LeakyReLU/Tanh/ELU/GELU/Identity/Dropout "
                    "are covered")
            raise ValueError(
                f"fc_hessian_bound_from_model cannot bound a network with {type(m).__name__}: "
                f"{kind}. Use fc_hessian_bound with your own constants, or a dense/Lanczos "
                "top eigenvalue (skcomplexity.landscape.top_eigenvalue).")
    return c


def fc_hessian_bound_from_model(model, X, *, variant="corrected"):
    """Theorem 9 (``variant``) evaluated at the norms of a fitted FC model on ``X``.

    ``variant="corrected"`` (default) is an upper bound on the G-term of the
    cross-entropy per-object Hessian for networks with or without biases and
    with ReLU, leaky ReLU, tanh, ELU or GELU activations (``c`` of
    :func:`fc_hessian_bound` read from the modules; other activations are
    refused). ``variant="text"`` reproduces the printed theorem, which
    assumes no biases: it warns when the network has some.

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.neural import MLPModule
    >>> from skcomplexity.landscape import fc_hessian_bound_from_model
    >>> b = fc_hessian_bound_from_model(MLPModule(3, 2, (4,)), np.ones((2, 3)))
    >>> b > 0
    True
    """
    n = mlp_norms(model, X)
    c = _activation_constant(_module_of(model))
    if variant == "text":
        if n["has_bias"]:
            warnings.warn(
                "variant='text' is the printed Theorem 9, which assumes a network without "
                "biases; it is not an upper bound for this biased network. Use "
                "variant='corrected'.", UserWarning, stacklevel=2)
        return fc_hessian_bound(n["L"], n["M_x"], n["M_W"], variant="text")
    return fc_hessian_bound(n["L"], n["M_x"], n["M_W"], variant=variant, bias=n["has_bias"],
                            M_b=n["M_b"], lipschitz=c)


def _module_of(model):
    import torch
    from sklearn.utils.validation import check_is_fitted

    if isinstance(model, torch.nn.Module):
        return model
    if hasattr(model, "net_"):
        check_is_fitted(model, "net_")
        return model.net_.module_
    if hasattr(model, "module_"):
        return model.module_
    raise TypeError(f"Cannot find a torch module in {type(model).__name__}.")
