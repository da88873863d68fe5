"""Convolutional-network bounds (Theorems 12-17, Corollaries 2-3), re-exported by
:mod:`skcomplexity.landscape.bounds`: products of linear operators, 1-D and 2-D
convolutions, pooling, a fully connected head."""

import numpy as np
from sklearn.utils._param_validation import StrOptions, validate_params

from ._bound_common import _SQRT2, _out, loss_difference_bound

__all__ = [
    "matrix_net_hessian_bound",
    "conv1d_hessian_bound",
    "conv1d_loss_difference_bound",
    "conv1d_landscape_asymptotic",
    "conv2d_hessian_bound",
    "conv2d_loss_difference_bound",
    "conv2d_landscape_asymptotic",
    "conv2d_pool_hessian_bound",
    "conv2d_fc_head_hessian_bound",
]


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


@validate_params({"kind": [StrOptions({"max", "avg"})]}, prefer_skip_nested_validation=True)
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
    factor = (1.0 / np.asarray(k_pool, float) ** 2) ** (np.asarray(L, float)
                                                        - np.asarray(pool_position, float) + 2)
    return _out(conv2d_hessian_bound(x_norm, L, C, k, w, m, n) * factor)


@validate_params({"ratio": [StrOptions({"text", "rederived"})]},
                 prefer_skip_nested_validation=True)
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
    rho = head / conv if ratio == "text" else conv / head
    return _out(_SQRT2 * np.asarray(x_norm, float) ** 2 * q2 * head ** P * conv ** L
                * (L + 1 + P * rho))
