"""Transformer bounds (Theorems 8, 18, 27 and Lemma 24), re-exported by
:mod:`skcomplexity.landscape.bounds`: self-attention, LayerNorm, a post-norm block."""

import math

import numpy as np
from sklearn.utils._param_validation import StrOptions, validate_params

from ._bound_common import _out, _positive, loss_difference_bound

__all__ = [
    "self_attention_hessian_bound",
    "layernorm_jacobian_bound",
    "layernorm_hessian_bound",
    "transformer_block_hessian_bound",
    "transformer_loss_difference_bound",
]


@validate_params({"variant": [StrOptions({"statement", "proof"})]},
                 prefer_skip_nested_validation=True)
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
    else:  # "proof"
        c1, c2 = 2.0, 2.0
        vq2 = 2.0 * r / (L ** 2 * math.sqrt(dV * dK))
        qk2 = 2.0 * r * res / (L * dV * math.sqrt(dV * dK))
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
