"""Unit-free features and targets for the posterior and likelihood-bootstrap methods.

The Bayesian criteria (posterior variance, ball radius, coverage, utility) and
the fits the D/M bootstrap repeats are not invariant to the units of the
columns of ``X``: a prior ``N(0, α⁻¹ I)``, a ridge penalty or a radius in the
units of the coefficients all change meaning when a column is measured in
millimetres instead of kilometres. These helpers put every column on one
scale first, so that ``m*`` is the same whatever the units.

Each column is divided by its largest absolute value *before* anything is
squared (so ``X * 1e300`` does not overflow and ``X * 1e-300`` does not
underflow), then centred (when the model has an intercept, which absorbs the
shift) and divided by its standard deviation (by its root mean square without
an intercept, which keeps the model the same). A constant column carries no
information next to an intercept: it is dropped with a warning naming it.

Kept in its own module (not in ``bayesian.py``) because
:mod:`~skcomplexity.sample_size.likelihood_bootstrap` uses it too.
"""

import warnings

import numpy as np

from .._validation import column_name, standardize_columns
from ..models import IdentifiabilityWarning

__all__ = ["standardise_features", "standardise_target"]

#: A standardised column whose spread is below this (relative to its largest absolute
#: value, i.e. the rounding noise of its mean) is constant.
_CONSTANT_TOL = 8 * np.finfo(float).eps


def standardise_features(X, *, center=True, feature_names=None, owner="The estimator"):
    """Standardise the columns of ``X`` robustly; drop constant ones with a warning.

    Parameters
    ----------
    X : ndarray of shape (m, n)
        Finite features.
    center : bool, default=True
        Centre the columns (a model with an intercept). False divides each
        column by its root mean square only, so a model without an intercept
        is the same model in the new units; then only an all-zero column is
        dropped.
    feature_names : sequence of str or None
        Names for the messages (``feature_names_in_`` of a DataFrame).
    owner : str
        Who is asking, for the messages.

    Returns
    -------
    Z : ndarray of shape (m, n_kept)
        ``(X / max|X| - mean) / sd`` column-wise.
    kept : ndarray of int
        Indices of the columns of ``X`` that ``Z`` keeps.

    Raises
    ------
    ValueError
        When every column is constant, or a column's largest absolute value
        is below the smallest normal float (its digits are already lost).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.c_[np.arange(4.0) * 1e300, np.arange(4.0) * 1e-300]
    >>> Z, kept = standardise_features(X)
    >>> bool(np.allclose(Z[:, 0], Z[:, 1])), kept.tolist()
    (True, [0, 1])
    """
    X = np.asarray(X, dtype=float)
    # the one overflow-safe standardisation of the package (errors name the column)
    Xs, _, _ = standardize_columns(X, center=center, feature_names=feature_names)
    scale = np.max(np.abs(X), axis=0) if X.shape[0] else np.zeros(X.shape[1])
    if center:  # constant: no spread above the rounding noise of its mean
        spread = np.ptp(X / np.where(scale > 0, scale, 1.0), axis=0) if X.shape[0] else scale
        constant = spread <= _CONSTANT_TOL
    else:
        constant = scale == 0
    kept = np.flatnonzero(~constant)
    if kept.size == 0:
        raise ValueError(
            f"{owner}: every column of X is constant (or all zeros); there is nothing to "
            "learn a sample size for."
        )
    if np.any(constant):
        parts = [f"{column_name(int(j), feature_names)} "
                 + ("is all zeros" if scale[j] == 0 else "is constant (aliased with the intercept)")
                 for j in np.flatnonzero(constant)]
        warnings.warn(
            f"{owner}: " + "; ".join(parts) + ". Such a column carries no information (next to "
            "the intercept) and is left out.", IdentifiabilityWarning, stacklevel=3,
        )
    return Xs[:, kept], kept


def standardise_target(y):
    """``(y / max|y| - mean) / sd``; a constant target is returned centred, unscaled.

    Examples
    --------
    >>> import numpy as np
    >>> z = standardise_target(np.array([1.0, 2.0, 3.0]) * 1e300)
    >>> bool(np.allclose(z, [-1.2247449, 0.0, 1.2247449]))
    True
    """
    y = np.asarray(y, dtype=float)
    if y.size == 0 or np.ptp(y) == 0:
        return y - y  # a constant target: centred (zeros), nothing to scale
    return standardize_columns(y[:, None], name="y")[0][:, 0]
