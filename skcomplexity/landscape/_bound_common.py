"""What every bound of :mod:`skcomplexity.landscape.bounds` shares: the generic one-object
loss-change bound, Rule A, and the numeric helpers (scalar or broadcast output, checks).

The bounds broadcast over array arguments, which scikit-learn's parameter constraints
cannot check elementwise: their options (``variant``, ``kind``, ``ratio``) and scalar
arguments are declared with :func:`~sklearn.utils._param_validation.validate_params`,
and only the elementwise checks of array arguments are written here (``_positive``).
"""

import math
from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

_SQRT2 = math.sqrt(2.0)


def _out(x):
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def _positive(value, name):
    if np.any(~np.isfinite(np.asarray(value, float))) or np.any(np.asarray(value, float) <= 0):
        raise ValueError(f"{name} must be finite and > 0, got {value!r}.")


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


@validate_params(
    {
        "B": [Interval(Real, 0, np.inf, closed="left")],
        "eps": [Interval(Real, 0, np.inf, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
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
    return max(1, int(math.ceil(B / eps)) - 1)
