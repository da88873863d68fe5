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


#: A numeric target with integral values and at most this many distinct values (and at most
#: half as many as objects) is read as class labels under ``family="auto"``.
MAX_LABEL_LEVELS = 10


def _describe_labels(classes, limit=5):
    shown = ", ".join(repr(c.item() if hasattr(c, "item") else c) for c in classes[:limit])
    return shown + (", ..." if len(classes) > limit else "")


def looks_like_labels(y):
    """Whether ``y`` is a class-label vector rather than a numeric regression target.

    Non-numeric targets (strings, booleans, categories) are labels; a numeric
    target is read as labels when its values are integers with at most
    ``MAX_LABEL_LEVELS`` distinct values and at most half as many distinct
    values as objects (``0/1/2`` codes), and as a regression target otherwise
    (counts, ratings over many levels, continuous values).
    """
    y = np.asarray(y)
    if y.dtype.kind not in "iuf":
        return True
    values = np.unique(y[np.isfinite(y)]) if y.dtype.kind == "f" else np.unique(y)
    if values.size <= 2:
        return True
    integral = y.dtype.kind in "iu" or bool(np.all(np.mod(values, 1) == 0))
    return integral and values.size <= min(MAX_LABEL_LEVELS, y.size // 2)


def resolve_family(family, y):
    """Resolve ``family="auto"`` from the target, with a clear error where no family fits.

    A binary target gives "binomial", a numeric regression target "gaussian".
    ``"auto"`` refuses a constant target (nothing to learn, whatever the family)
    and a target of three or more class labels (string labels, or integer
    codes such as 0/1/2; see :func:`looks_like_labels`): the sample-size methods
    model binary classification or regression only. Pass
    ``family="gaussian"`` to treat integer codes as a numeric target.
    """
    check_family(family)
    y = np.asarray(y)
    if family == "gaussian" and y.dtype.kind not in "iufb":
        raise ValueError(
            f"family='gaussian' needs a numeric target, got labels of dtype {y.dtype} "
            f"({_describe_labels(np.unique(y))})."
        )
    if family != "auto":
        return family
    classes = np.unique(y)
    if classes.size < 2:
        value = _describe_labels(classes) if classes.size else "no values"
        raise ValueError(
            f"y is constant ({value}): there is nothing to learn, neither a regression target "
            "nor two classes."
        )
    if classes.size == 2:
        return "binomial"
    if looks_like_labels(y):
        raise ValueError(
            f"y has {classes.size} classes ({_describe_labels(classes)}); the sample-size "
            "methods model binary classification (two classes) or regression only. Merge the "
            "classes into two, or pass family='gaussian' if y is a numeric regression target."
        )
    if type_of_target(y) not in ("continuous", "multiclass"):
        raise ValueError(f"y must be a binary or a numeric regression target, got "
                         f"{type_of_target(y)!r} values.")
    return "gaussian"


def _as_target(y):
    """A numeric target as float64; labels (strings, objects) kept as an array of labels."""
    y = np.asarray(y)
    if y.dtype.kind in "iufb":
        return y
    try:
        return y.astype(np.float64)
    except (TypeError, ValueError):
        pass
    try:
        classes = np.unique(y)
    except TypeError as exc:
        raise ValueError(f"y mixes values of different types that cannot be compared: {exc}") \
            from None
    if classes.size > 2:
        raise ValueError(
            f"y has {classes.size} classes ({_describe_labels(classes)}); the sample-size "
            "methods model binary classification (two classes) or regression only."
        )
    return y


def validate_xy(estimator, X, y, *, min_samples=None, reset=True, y_numeric=False):
    """Validate ``X, y`` for a sample-size estimator.

    Rejects NaN/inf, mismatched lengths and complex data (through scikit-learn's
    ``validate_data``), and data with fewer than ``min_samples`` rows, which by
    default is ``n_features + 2`` (the least that leaves a residual degree of
    freedom for a model with an intercept).
    """
    X, y = validate_data(estimator, X, y, reset=reset, y_numeric=False, dtype=np.float64)
    y = _as_target(y) if y_numeric else y
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
            f"{name} has {classes.size} classes ({_describe_labels(classes)}); the binomial "
            "family needs exactly two. Use family='gaussian' for a continuous target."
        )
    return classes, y01.astype(np.float64)


def check_regression_data(X, y):
    """Plain array validation (no estimator): finite 2-D X and matching 1-D y."""
    return check_X_y(X, y, dtype=np.float64, y_numeric=True)
