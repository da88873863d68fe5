"""Input and parameter checks shared by every estimator.

Every check raises a ``ValueError`` (or ``TypeError``) whose message names the
offending parameter or data problem and says what would be accepted.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_X_y, validate_data

__all__ = [
    "check_family",
    "check_probability",
    "check_positive",
    "check_regression_data",
    "validate_xy",
    "resolve_family",
]

FAMILIES = ("gaussian", "binomial")


def check_positive(value, name, *, strict=True, integer=False, allow_none=False):
    """Return ``value`` if it is a (strictly) positive number, else raise a clear error."""
    if value is None and allow_none:
        return value
    kind = Integral if integer else Real
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "an integer" if integer else "a real number"
        raise TypeError(f"{name} must be {what}, got {value!r} of type {type(value).__name__}.")
    if not np.isfinite(value) or (value <= 0 if strict else value < 0):
        bound = "> 0" if strict else ">= 0"
        raise ValueError(f"{name} must be finite and {bound}, got {value!r}.")
    return value


def check_probability(value, name, *, open_interval=True):
    """Return ``value`` if it lies in (0, 1) (or [0, 1]), else raise a clear error."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number in (0, 1), got {value!r}.")
    ok = 0 < value < 1 if open_interval else 0 <= value <= 1
    if not ok:
        interval = "(0, 1)" if open_interval else "[0, 1]"
        raise ValueError(f"{name} must lie in {interval}, got {value!r}.")
    return float(value)


def check_family(family):
    """Validate a GLM family name ("gaussian" or "binomial"; "auto" is resolved elsewhere)."""
    if family not in (*FAMILIES, "auto"):
        raise ValueError(f"family must be one of {FAMILIES + ('auto',)}, got {family!r}.")
    return family


def resolve_family(family, y):
    """Resolve ``family="auto"`` from the target: binary targets give "binomial"."""
    check_family(family)
    if family != "auto":
        return family
    kind = type_of_target(y)
    return "binomial" if kind == "binary" else "gaussian"


def validate_xy(estimator, X, y, *, min_samples=None, reset=True, y_numeric=False):
    """Validate ``X, y`` for a sample-size estimator.

    Rejects NaN/inf, mismatched lengths and complex data (through scikit-learn's
    ``validate_data``), and data with fewer than ``min_samples`` rows, which by
    default is ``n_features + 2`` (the least that leaves a residual degree of
    freedom for a model with an intercept).
    """
    X, y = validate_data(estimator, X, y, reset=reset, y_numeric=y_numeric, dtype=np.float64)
    n_samples, n_features = X.shape
    need = n_features + 2 if min_samples is None else min_samples
    if n_samples < need:
        raise ValueError(
            f"{type(estimator).__name__} needs at least {need} samples for {n_features} "
            f"features (n_features + 2), got n_samples={n_samples}."
        )
    return X, y


def check_binary_target(y, name="y"):
    """Map a binary target to {0, 1}; raise if it has one class or more than two."""
    classes, y01 = np.unique(y, return_inverse=True)
    if classes.size < 2:
        raise ValueError(
            f"{name} has a single class ({classes[0]!r}); the binomial family needs two classes."
        )
    if classes.size > 2:
        raise ValueError(
            f"{name} has {classes.size} classes; the binomial family needs exactly two. "
            "Use family='gaussian' for a continuous target."
        )
    return classes, y01.astype(np.float64)


def check_regression_data(X, y):
    """Plain array validation (no estimator): finite 2-D X and matching 1-D y."""
    return check_X_y(X, y, dtype=np.float64, y_numeric=True)
