"""Architecture bounds on the per-object Hessian and the one-object loss change (Ch. 3).

Pure functions of floats (numpy broadcasting works); no torch is needed,
except in the helpers that read norms off a fitted model (``*_norms``).

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

import math
import warnings

import numpy as np

__all__ = [
    "fc_hessian_bound",
    "fc_hessian_bound_elementwise",
    "fc_loss_difference_bound",
    "fc_landscape_asymptotic",
    "matrix_net_hessian_bound",
    "conv1d_hessian_bound",
    "conv1d_loss_difference_bound",
    "conv1d_landscape_asymptotic",
    "conv2d_hessian_bound",
    "conv2d_loss_difference_bound",
    "conv2d_landscape_asymptotic",
    "conv2d_pool_hessian_bound",
    "conv2d_fc_head_hessian_bound",
    "self_attention_hessian_bound",
    "layernorm_jacobian_bound",
    "layernorm_hessian_bound",
    "transformer_block_hessian_bound",
    "transformer_loss_difference_bound",
    "loss_difference_bound",
    "sufficient_sample_size_from_bound",
    "mlp_norms",
    "fc_hessian_bound_from_model",
]

_SQRT2 = math.sqrt(2.0)


def _geom(q, n, start):
    """``Σ_{j=start}^{start+n-1} q^j`` with the q = 1 limit."""
    q = np.asarray(q, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        closed = q ** start * (q ** n - 1.0) / (q - 1.0)
    return np.where(np.isclose(q, 1.0), float(n), closed)


def _out(x):
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


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
    if variant == "corrected":
        for name, value in (("M_x", M_x), ("M_W", M_W), ("M_b", M_b), ("lipschitz", lipschitz)):
            v = np.asarray(value, float)
            if np.any(~np.isfinite(v)) or np.any(v < 0):
                raise ValueError(f"{name} must be finite and >= 0, got {value!r}.")
        return _out(np.vectorize(_corrected_fc, otypes=[float])(
            L, M_x, M_W, M_b, lipschitz, bool(bias)))
    raise ValueError(f"variant must be 'text' or 'corrected', got {variant!r}.")


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


def loss_difference_bound(k, loss_term, hessian_bound, radius2, *, halve=False):
    """Generic one-object bound (2.6)/(2.9): ``(loss_term + c H R²) / (k + 1)``.

    ``c = 1`` as printed in Chapter 2, ``c = 1/2`` with ``halve=True`` (the
    exact Taylor coefficient).

    Examples
    --------
    >>> from skcomplexity.landscape import loss_difference_bound
    >>> loss_difference_bound(9, 1.0, 2.0, 0.5)
    0.2
    """
    c = 0.5 if halve else 1.0
    k = np.asarray(k, dtype=float)
    return _out((np.asarray(loss_term, float) + c * np.asarray(hessian_bound, float)
                 * np.asarray(radius2, float)) / (k + 1.0))


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


def matrix_net_hessian_bound(q, x_norm, L, w_T):
    """Theorem 12: ``√2 q² ‖x‖² (L+1) w_T^{2L}`` for ``L+1`` linear operators.

    Examples
    --------
    >>> from skcomplexity.landscape import matrix_net_hessian_bound
    >>> round(matrix_net_hessian_bound(2, 1.0, 2, 3.0), 4)  # 972 sqrt(2)
    1374.6156
    """
    L = np.asarray(L, float)
    return _out(_SQRT2 * np.asarray(q, float) ** 2 * np.asarray(x_norm, float) ** 2 * (L + 1)
                * np.asarray(w_T, float) ** (2 * L))


def conv1d_hessian_bound(x_norm, d, L, C, w, k):
    """Theorem 13: ``√2 ‖x‖² d² (L+1) (C² w² k d)^L`` (``L+1`` 1-D convolutions).

    ``d`` is the input length, ``C`` the max channels, ``w`` the max
    ``|weight|`` and ``k`` the kernel size.

    Examples
    --------
    >>> from skcomplexity.landscape import conv1d_hessian_bound
    >>> round(conv1d_hessian_bound(1.0, 10, 2, 2, 0.1, 3), 4)  # 432 sqrt(2)
    610.9403
    """
    L = np.asarray(L, float)
    d = np.asarray(d, float)
    base = np.asarray(C, float) ** 2 * np.asarray(w, float) ** 2 * np.asarray(k, float) * d
    return _out(_SQRT2 * np.asarray(x_norm, float) ** 2 * d ** 2 * (L + 1) * base ** L)


def conv1d_loss_difference_bound(n_samples, x_norm, d, L, C, w, k, M_ell, R):
    """Theorem 6: ``2 M_ℓ/(n+1) + 2 R² (Theorem 13 bound)/(n+1)``; ``n`` = sample size.

    Examples
    --------
    >>> from skcomplexity.landscape import conv1d_loss_difference_bound
    >>> conv1d_loss_difference_bound(99, 1.0, 10, 2, 2, 0.1, 3, 1.0, 0.0)
    0.02
    """
    H = conv1d_hessian_bound(x_norm, d, L, C, w, k)
    return loss_difference_bound(n_samples, 2.0 * np.asarray(M_ell, float), 2.0 * H,
                                 np.asarray(R, float) ** 2)


def conv1d_landscape_asymptotic(L, C, M, k, d):
    """Corollary 2's proxy ``L (C² M² k d)^L`` (not a bound).

    Examples
    --------
    >>> from skcomplexity.landscape import conv1d_landscape_asymptotic
    >>> round(conv1d_landscape_asymptotic(2, 2, 0.1, 3, 10), 6)
    2.88
    """
    L = np.asarray(L, float)
    return _out(L * (np.asarray(C, float) ** 2 * np.asarray(M, float) ** 2 * np.asarray(k, float)
                     * np.asarray(d, float)) ** L)


def _q2(C, k, m, n):
    return np.asarray(C, float) ** 2 * np.asarray(k, float) ** 2 * np.asarray(m, float) \
        * np.asarray(n, float)


def conv2d_hessian_bound(x_norm, L, C, k, w, m, n):
    """Theorem 14: ``√2 ‖x‖² q² (L+1) (C² k² w² m n)^L`` with ``q² = C² k² m n``.

    Examples
    --------
    >>> from skcomplexity.landscape import conv2d_hessian_bound
    >>> round(conv2d_hessian_bound(1.0, 1, 2, 3, 0.1, 5, 5), 4)  # 16200 sqrt(2)
    22910.2597
    """
    L = np.asarray(L, float)
    q2 = _q2(C, k, m, n)
    base = q2 * np.asarray(w, float) ** 2
    return _out(_SQRT2 * np.asarray(x_norm, float) ** 2 * q2 * (L + 1) * base ** L)


def conv2d_loss_difference_bound(n_samples, x_norm, L, C, k, w, m, n, M_ell, R):
    """Theorem 7: ``2 M_ℓ/(N+1) + 2 R² (Theorem 14 bound)/(N+1)``; ``N`` = sample size.

    Examples
    --------
    >>> from skcomplexity.landscape import conv2d_loss_difference_bound
    >>> conv2d_loss_difference_bound(99, 1.0, 1, 2, 3, 0.1, 5, 5, 1.0, 0.0)
    0.02
    """
    H = conv2d_hessian_bound(x_norm, L, C, k, w, m, n)
    return loss_difference_bound(n_samples, 2.0 * np.asarray(M_ell, float), 2.0 * H,
                                 np.asarray(R, float) ** 2)


def conv2d_landscape_asymptotic(L, C, k, M, m, n):
    """Corollary 3's proxy ``C² k² L (C² k² M² m n)^L`` (not a bound).

    Examples
    --------
    >>> from skcomplexity.landscape import conv2d_landscape_asymptotic
    >>> round(conv2d_landscape_asymptotic(1, 2, 3, 0.1, 5, 5), 6)
    324.0
    """
    L = np.asarray(L, float)
    q2 = _q2(C, k, m, n)
    return _out(np.asarray(C, float) ** 2 * np.asarray(k, float) ** 2 * L
                * (q2 * np.asarray(M, float) ** 2) ** L)


def conv2d_pool_hessian_bound(x_norm, L, C, k, w, m, n, k_pool, pool_position, kind="max"):
    """Theorems 15 (max) / 16 (avg): Theorem 14 times ``(1/k_pool²)^{L−l+2}``.

    ``pool_position`` (the text's ``l``, 1..L) is the position of the
    activation the pooling replaces; both kinds give the same (printed)
    formula.

    Examples
    --------
    >>> from skcomplexity.landscape import conv2d_pool_hessian_bound
    >>> round(conv2d_pool_hessian_bound(1.0, 2, 2, 3, 0.1, 8, 8, 2, 1), 4)
    81078.1261
    """
    if kind not in ("max", "avg"):
        raise ValueError(f"kind must be 'max' or 'avg', got {kind!r}.")
    factor = (1.0 / np.asarray(k_pool, float) ** 2) ** (np.asarray(L, float)
                                                        - np.asarray(pool_position, float) + 2)
    return _out(conv2d_hessian_bound(x_norm, L, C, k, w, m, n) * factor)


def conv2d_fc_head_hessian_bound(x_norm, L, C, k, w, m, n, P, h, w_tilde, *, ratio="text"):
    """Theorem 17: ``L+1`` 2-D convolutions followed by ``P`` linear layers.

    ``√2 ‖x‖² q² (h² w̃²)^P (k² C² w² m n)^L (L + 1 + P ρ)`` with
    ``ρ = h² w̃² / (k² C² w² m n)`` as printed (``ratio="text"``) or its
    inverse, which is what the proof sums to (``ratio="rederived"``).

    Examples
    --------
    >>> from skcomplexity.landscape import conv2d_fc_head_hessian_bound
    >>> round(conv2d_fc_head_hessian_bound(1.0, 1, 2, 3, 0.1, 5, 5, 1, 4, 0.5), 4)
    112005.7141
    """
    L = np.asarray(L, float)
    P = np.asarray(P, float)
    q2 = _q2(C, k, m, n)
    conv = q2 * np.asarray(w, float) ** 2
    head = np.asarray(h, float) ** 2 * np.asarray(w_tilde, float) ** 2
    if ratio == "text":
        rho = head / conv
    elif ratio == "rederived":
        rho = conv / head
    else:
        raise ValueError(f"ratio must be 'text' or 'rederived', got {ratio!r}.")
    return _out(_SQRT2 * np.asarray(x_norm, float) ** 2 * q2 * head ** P * conv ** L
                * (L + 1 + P * rho))


def self_attention_hessian_bound(L, d_V, d_K, X_norm, WQ_norm, WK_norm, WV_norm, target_norm,
                                 *, variant="statement"):
    """Theorem 18: bound ``M`` on ``‖H_i‖₂`` of one single-head self-attention layer (MSE).

    ``L`` is the number of tokens. ``variant="statement"`` uses the constants
    of the theorem's statement; ``"proof"`` those of the proof's final
    expression (smaller constants, ``√(d_V d_K)``).

    Examples
    --------
    >>> from skcomplexity.landscape import self_attention_hessian_bound
    >>> M = self_attention_hessian_bound(4, 8, 8, 1.0, 1.0, 1.0, 1.0, 1.0)
    >>> M > 0
    True
    """
    L, dV, dK = float(L), float(d_V), float(d_K)
    X, Q, K, V, T = (float(v) for v in (X_norm, WQ_norm, WK_norm, WV_norm, target_norm))
    r = math.sqrt(min(L, dV))
    res = L * X * V + T
    if variant == "statement":
        c1, c2, c3 = 8.0, 4.0, 4.0
        vq2 = c3 * r / (L ** 2 * math.sqrt(dK))
        qk2 = 4.0 * r * res / (L * dV * math.sqrt(dK))
    elif variant == "proof":
        c1, c2 = 2.0, 2.0
        vq2 = 2.0 * r / (L ** 2 * math.sqrt(dV * dK))
        qk2 = 2.0 * r * res / (L * dV * math.sqrt(dV * dK))
    else:
        raise ValueError(f"variant must be 'statement' or 'proof', got {variant!r}.")
    vv = 2.0 * L / dV * X ** 2
    qq = c1 / (L ** 3 * dV * dK) * K ** 2 * V ** 2 * X ** 6 \
        + 12.0 / (dV * dK) * r * res * V * K ** 2 * X ** 5
    vq = c2 / (L * dV * math.sqrt(dK)) * V * K * X ** 4 + vq2 * res * K * X ** 3
    qk = c1 / (L ** 3 * dV * dK) * K * Q * V ** 2 * X ** 6 \
        + qk2 * V * (3.0 * L * K * Q * X ** 5 + dV / L * X ** 3)
    return 3.0 * max(vv, qq, vq, qk)


def layernorm_jacobian_bound(X_norm, n, sigma_min):
    """Lemma 24 (3.15): ``1/σ_min + ‖X‖²/(√n σ_min³)`` (``σ_min``: min row std).

    Examples
    --------
    >>> from skcomplexity.landscape import layernorm_jacobian_bound
    >>> layernorm_jacobian_bound(2.0, 4, 1.0)
    3.0
    """
    _positive(sigma_min, "sigma_min")
    return _out(1.0 / np.asarray(sigma_min, float) + np.asarray(X_norm, float) ** 2
                / (math.sqrt(n) * np.asarray(sigma_min, float) ** 3))


def layernorm_hessian_bound(X_norm, m, n, sigma_min):
    """Lemma 24 (3.16) for ``X`` of shape ``m × n`` (tokens × features).

    Examples
    --------
    >>> from skcomplexity.landscape import layernorm_hessian_bound
    >>> layernorm_hessian_bound(1.0, 4, 4, 1.0)
    3.25
    """
    _positive(sigma_min, "sigma_min")
    X = np.asarray(X_norm, float)
    s = np.asarray(sigma_min, float)
    return _out(X / s ** 3 * (1 + math.sqrt(m / n)) + X ** 2 / (math.sqrt(n) * s ** 3)
                + 3 * X ** 3 / (n * s ** 5))


def _positive(value, name):
    if np.any(~np.isfinite(np.asarray(value, float))) or np.any(np.asarray(value, float) <= 0):
        raise ValueError(f"{name} must be finite and > 0, got {value!r}.")


def transformer_block_hessian_bound(L, d_V, d_K, d_ff, X_norm, WQ_norm, WK_norm, WV_norm,
                                    W1_norm, W2_norm, sigma_min_attn, sigma_min_ffn,
                                    residual_norm, relu_out_norm=None):
    """Theorem 27: Hessian bound of one post-norm transformer block (MSE loss).

    Parameters
    ----------
    L, d_V, d_K, d_ff : int
        Tokens, model width, key width, FFN width.
    X_norm, WQ_norm, WK_norm, WV_norm, W1_norm, W2_norm : float
        Spectral norms of the input and of the weights.
    sigma_min_attn, sigma_min_ffn : float
        Min row std of the two LayerNorm inputs ``X + F(X)`` and ``Y + FFN(Y)``.
    residual_norm : float
        ``‖Z − Target‖_F`` (the undefined ``R^tr_m`` of the text, interpreted
        as in Lemma 22).
    relu_out_norm : float or None
        ``‖σ(Y W_1)‖₂``; default: Lemma 23's bound.

    Returns
    -------
    dict
        ``"bound"``: the full bound; ``"blocks"``: 5×5 array of
        ``‖H_tr^{(i,j)}‖`` bounds (order 1, 2, K, Q, V); ``"terms"``: 5×5
        array of the per-block terms whose max enters the bound.

    Examples
    --------
    >>> from skcomplexity.landscape import transformer_block_hessian_bound
    >>> out = transformer_block_hessian_bound(4, 8, 8, 16, 2.0, 1, 1, 1, 1, 1, 0.5, 0.5, 1.0)
    >>> out["blocks"].shape
    (5, 5)
    """
    L, dV, dK, dff = float(L), float(d_V), float(d_K), float(d_ff)
    X, Q, K, V, W1, W2 = (float(v) for v in (X_norm, WQ_norm, WK_norm, WV_norm, W1_norm, W2_norm))
    Y = math.sqrt(L * dV)
    rmin = math.sqrt(min(L, dff))
    S = Y * (1 + rmin * W1 * W2)
    sYW1 = rmin * Y * W1 if relu_out_norm is None else float(relu_out_norm)
    XF = X * (1 + L * V)
    JY = layernorm_jacobian_bound(XF, dV, sigma_min_attn)
    HY = layernorm_hessian_bound(XF, L, dV, sigma_min_attn)
    JZ = layernorm_jacobian_bound(S, dV, sigma_min_ffn)
    HZ = layernorm_hessian_bound(S, L, dV, sigma_min_ffn)
    JSY = W2 * W1 + 1
    G = {"V": L * X, "Q": V * K * X ** 3 / (L * math.sqrt(dK)),
         "K": V * Q * X ** 3 / (L * math.sqrt(dK))}
    a = 12.0 / (L * dV * dK)
    b = 2.0 / (L ** 2 * math.sqrt(dV * dK))
    Phi = {("V", "V"): 0.0, ("Q", "Q"): a * V * K ** 2 * X ** 5,
           ("K", "K"): a * V * Q ** 2 * X ** 5, ("V", "Q"): b * K * X ** 3,
           ("V", "K"): b * Q * X ** 3, ("Q", "K"): a * V * K * Q * X ** 5 + b * V * X ** 3}
    B = {"1": W2 * Y, "2": sYW1}
    for key in "KQV":
        B[key] = JSY * JY * G[key]
    order = ["1", "2", "K", "Q", "V"]
    blocks = np.zeros((5, 5))
    for i, bi in enumerate(order):
        for j, bj in enumerate(order):
            if bi in "12" and bj in "12":
                if bi == bj:
                    val = HZ * B[bi] ** 2
                elif bi == "1":
                    val = JZ * math.sqrt(dV) * Y + HZ * B["1"] * B["2"]
                else:
                    val = JZ * math.sqrt(dff) * W2 + HZ * B["2"] * B["1"]
            elif bi in "12" or bj in "12":
                f, kk = (bi, bj) if bi in "12" else (bj, bi)
                xi = (math.sqrt(dff) * W2 if f == "1" else math.sqrt(dV) * W1) * JY * G[kk]
                val = JZ * xi + HZ * B[f] * B[kk]
            else:
                phi = Phi.get((bi, bj), Phi.get((bj, bi)))
                val = JZ * JSY * (G[bi] * HY * G[bj] + JY * phi) \
                    + HZ * JSY ** 2 * JY ** 2 * G[bi] * G[bj]
            blocks[i, j] = val
    dZ = np.array([JZ * B[key] for key in order])
    terms = 2.0 / (L * dV) * np.outer(dZ, dZ) + float(residual_norm) * blocks
    return {"bound": float(5.0 * terms.max()), "blocks": blocks, "terms": terms}


def transformer_loss_difference_bound(k, loss_bound, hessian_bound, radius2):
    """Theorem 8: ``2 L_loss/(k+1) + M ‖w − w*‖²/(k+1)``.

    Examples
    --------
    >>> from skcomplexity.landscape import transformer_loss_difference_bound
    >>> transformer_loss_difference_bound(9, 1.0, 2.0, 0.5)
    0.3
    """
    return loss_difference_bound(k, 2.0 * np.asarray(loss_bound, float), hessian_bound, radius2)


def sufficient_sample_size_from_bound(B, eps):
    """Rule A: smallest ``m*`` with ``B/(k+1) <= eps`` for all ``k >= m*``.

    ``m* = max(1, ceil(B/eps) − 1)``, where ``B`` is the numerator of a
    ``B/(k+1)`` bound (e.g. ``M_ℓ + μ R²`` from (2.9), ``2(M_ℓ + M_H R²)``
    from Theorem 5).

    Examples
    --------
    >>> from skcomplexity.landscape import sufficient_sample_size_from_bound
    >>> sufficient_sample_size_from_bound(149.0782104868, 0.01)
    14907
    """
    _positive(eps, "eps")
    if not np.isfinite(B) or B < 0:
        raise ValueError(f"B must be finite and >= 0, got {B!r}.")
    return max(1, int(math.ceil(B / eps)) - 1)


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
