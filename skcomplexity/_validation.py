"""Input and parameter checks shared by every estimator.

Every check raises a ``ValueError`` (or ``TypeError``) whose message names the
offending parameter or data problem and says what would be accepted.
"""

import os
import sys
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_X_y, validate_data

__all__ = [
    "check_family",
    "check_probability",
    "check_positive",
    "check_regression_data",
    "column_name",
    "standardize_columns",
    "validate_xy",
    "resolve_family",
    "warn_at_caller",
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


def check_numeric_columns(X, name="X"):
    """A clear error, naming the columns, for a DataFrame with text or categorical columns."""
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None or not hasattr(dtypes, "items"):
        return
    import pandas as pd

    text = [str(c) for c, d in dtypes.items()
            if not (pd.api.types.is_numeric_dtype(d) or pd.api.types.is_bool_dtype(d))]
    if text:
        shown = ", ".join(repr(c) for c in text[:5]) + (", ..." if len(text) > 5 else "")
        raise ValueError(
            f"{name} has {len(text)} non-numeric column(s) ({shown}); encode them first, e.g. "
            "X = skcomplexity.preprocessing.TableEncoder().fit_transform(X) (one-hot encoding, "
            "missing-value placeholders, identifier columns: what the command line does), then "
            "drop or impute the rows with missing values.")


def validate_xy(estimator, X, y, *, min_samples=None, reset=True, y_numeric=False):
    """Validate ``X, y`` for a sample-size estimator.

    Rejects NaN/inf, mismatched lengths and complex data (through scikit-learn's
    ``validate_data``), and data with fewer than ``min_samples`` rows, which by
    default is ``n_features + 2`` (the least that leaves a residual degree of
    freedom for a model with an intercept).
    """
    check_numeric_columns(X)
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


def column_name(j, feature_names=None):
    """``feature_names[j]`` quoted when the data came with names, else ``"column j"``."""
    if feature_names is not None:
        return f"column {str(feature_names[j])!r}"
    return f"column {j}"


def standardize_columns(X, *, center=True, feature_names=None, name="X", leading_ones=False):
    """Z-score the columns of ``X`` without overflow or underflow, whatever their units.

    Each column is first divided by its largest absolute value (so that
    ``1e300`` is never squared), then centred (when ``center``) and divided by
    its standard deviation; without centring it is divided by its root mean
    square instead, so that a model without an intercept keeps its meaning.
    ``Xs = (X - offset) / scale``, so a coefficient ``b`` of a column of ``Xs``
    is ``b / scale`` in the units of ``X``.

    A constant non-zero column becomes a column of ``±1`` (aliased with an
    intercept, which the identifiability check then reports by name); an
    all-zero column stays zero.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Finite features.
    center : bool, default=True
        Subtract the column means (right when the model has an intercept,
        which absorbs them).
    feature_names : sequence of str or None
        Column names for the error messages (``feature_names_in_``).
    name : str, default="X"
        What the messages call the array: ``"column j of X"`` for ``"X"``,
        the name itself otherwise (e.g. ``"y"`` for a one-column target).
    leading_ones : bool, default=False
        Write ``Xs`` into the last columns of a C-contiguous
        ``(n_samples, n_features + 1)`` array whose first column is ones (a design
        with its intercept, ``Xs.base``), and return ``Xs`` as that view.

    The values are computed in place in the array returned: one copy of ``X``
    (the squared deviations are summed in blocks of rows, not held whole).

    Returns
    -------
    Xs : ndarray of shape (n_samples, n_features)
    offset, scale : ndarray of shape (n_features,)
        ``scale > 0``; ``offset`` is 0 for uncentred and constant columns.

    Raises
    ------
    ValueError
        A column whose largest absolute value is below the smallest normal
        double (about 2.2e-308): its values have lost their precision, so no
        answer read from it could be trusted.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 3e300], [2.0, 1e300], [3.0, 2e300]])
    >>> Xs, offset, scale = standardize_columns(X)
    >>> np.round(Xs, 6).tolist()
    [[-1.224745, 1.224745], [0.0, -1.224745], [1.224745, 0.0]]
    """
    X = np.asarray(X, dtype=np.float64)
    n_features = X.shape[1]
    # max |x| per column without an |X| temporary (the same values: negation is exact)
    hi, lo = (X.max(axis=0), X.min(axis=0)) if X.shape[0] else (None, None)
    amax = np.maximum(hi, -lo) if X.shape[0] else np.zeros(n_features)
    tiny = np.finfo(np.float64).tiny
    bad = np.flatnonzero((amax > 0) & (amax < tiny))
    if bad.size:
        j = int(bad[0])
        where = f"{column_name(j, feature_names)} of X" if name == "X" else name
        raise ValueError(
            f"{where} has magnitude {amax[j]:.3g}, below the "
            f"smallest normal double ({tiny:.3g}): its values have lost their precision. "
            "Rescale it (e.g. express it in other units) before fitting."
        )
    a = np.where(amax > 0, amax, 1.0)
    if leading_ones:
        design = np.empty((X.shape[0], n_features + 1))
        design[:, 0] = 1.0
        Xd = np.divide(X, a, out=design[:, 1:])
    else:
        Xd = X / a
    # Xd becomes Xs in place: Xd - offset, then / spread (the same values as out of place)
    # ptp(Xd) == 0, from X's extremes: rounding x / a is monotone in x, so the largest and
    # smallest of Xd are those of X divided by a
    constant = hi / a == lo / a if X.shape[0] else np.ones(n_features, dtype=bool)
    first = Xd[0].copy() if X.shape[0] else np.ones(n_features)
    if center:
        offset = Xd.mean(axis=0)
        Xd -= offset
    else:
        offset = np.zeros(n_features)
    spread = np.sqrt(_mean_of_squares(Xd))
    constant |= spread == 0
    # a constant column: divided by |its value| (a column of ±1), never centred
    if center and np.any(constant):
        Xd[:, constant] = X[:, constant] / a[constant]  # as divided, before the centring
    offset = np.where(constant, 0.0, offset)
    spread = np.where(constant, np.abs(first), spread)
    spread = np.where(spread > 0, spread, 1.0)  # an all-zero column stays zero
    Xd /= spread
    return Xd, offset * a, spread * a


#: Rows per block of :func:`_mean_of_squares`.
_SQUARES_BLOCK = 4096


def _mean_of_squares(Xd):
    """``np.mean(np.square(Xd), axis=0)`` bit for bit, without an ``Xd``-sized temporary.

    Rows of several contiguous columns (a row-major array, or the columns of a design
    after its intercept) are reduced one row after another, so the blocks' squares are
    summed behind the running sum (the first row of each block's buffer): the same
    additions in the same order. Other layouts (and one column, which numpy sums
    pairwise) take the one-temporary route.
    """
    m, p = Xd.shape
    rows = p > 1 and Xd.strides[1] == Xd.itemsize and Xd.strides[0] >= p * Xd.itemsize
    if m <= _SQUARES_BLOCK or not rows:
        return np.mean(np.square(Xd), axis=0)
    buf = np.empty((_SQUARES_BLOCK + 1, p))
    total = np.square(Xd[:_SQUARES_BLOCK], out=buf[:_SQUARES_BLOCK]).sum(axis=0)
    for a in range(_SQUARES_BLOCK, m, _SQUARES_BLOCK):
        b = min(a + _SQUARES_BLOCK, m)
        buf[0] = total
        np.square(Xd[a:b], out=buf[1:b - a + 1])
        total = buf[:b - a + 1].sum(axis=0)
    return total / m


def warn_at_caller(message, category):
    """Warn with the user's line: the first caller outside this package and scikit-learn.

    A fixed ``stacklevel`` points wherever the call chain happens to end
    (``sklearn/base.py`` under ``_fit_context``, the front door's ``fit`` for a
    wrapped method); this walks up the stack past every frame of ``skcomplexity``
    and ``sklearn`` instead, so the warning names the line that called the API.
    """
    import sklearn

    skip = (os.path.dirname(os.path.abspath(__file__)) + os.sep,
            os.path.dirname(os.path.abspath(sklearn.__file__)) + os.sep)
    frame, level = sys._getframe(1), 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(skip):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
