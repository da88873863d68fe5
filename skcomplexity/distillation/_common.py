"""numpy-only helpers shared by the distillation estimators (no torch here).

* the declarative constraints of the teacher parameters the distillation estimators share;
* the *privileged-features* split of ``X`` (Vapnik's learning using
  privileged information): columns the teacher sees during ``fit`` and the
  student never reads;
* reading a teacher's outputs (probabilities, logits or predictions) with
  clear errors for an unfitted teacher or mismatched classes.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

__all__ = [
    "TEACHER_CONSTRAINTS",
    "resolve_privileged",
    "teacher_log_proba",
    "teacher_predictions",
]


#: declarative constraints (scikit-learn's ``_parameter_constraints``) of the teacher
#: parameters the distillation estimators share (the student's come from
#: ``skcomplexity.neural.MLPClassifier._parameter_constraints``)
TEACHER_CONSTRAINTS = {
    "teacher": [HasMethods(["fit"]), None],
    "alpha": [Interval(Real, 0, 1, closed="both")],
    "privileged_features": ["array-like", None],
    "teacher_features": [StrOptions({"privileged", "all"})],
    "refit_teacher": ["boolean"],
}

_FROZEN_HINT = (
    "Inside GridSearchCV, cross_validate or any other clone(), a fitted teacher is cloned "
    "into an unfitted one: wrap it as sklearn.frozen.FrozenEstimator(teacher) "
    "(scikit-learn >= 1.6) so that clone keeps it fitted, or pass refit_teacher=True to fit "
    "a clone on each training fold."
)


def check_nonnegative(value, name):
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite real number >= 0, got {value!r}.")
    return float(value)


def resolve_privileged(privileged_features, n_features):
    """Indices of the student's and of the privileged columns.

    Parameters
    ----------
    privileged_features : None, array-like of int or array-like of bool
        Columns of ``X`` that only the teacher may use.
    n_features : int
        Width of the full ``X`` seen by ``fit``.

    Returns
    -------
    student_idx, privileged_idx : ndarray of int
    """
    all_idx = np.arange(n_features)
    if privileged_features is None:
        return all_idx, np.array([], dtype=int)
    priv = np.asarray(privileged_features)
    if priv.dtype == bool:
        if priv.shape != (n_features,):
            raise ValueError(
                f"privileged_features as a boolean mask must have length n_features={n_features}, "
                f"got shape {priv.shape}."
            )
        priv = np.flatnonzero(priv)
    else:
        if priv.ndim != 1 or not all(isinstance(i, Integral) for i in priv.tolist()):
            raise ValueError(
                "privileged_features must be None, a list of column indices or a boolean mask, "
                f"got {privileged_features!r}."
            )
        priv = priv.astype(int)
        if priv.size and (priv.min() < -n_features or priv.max() >= n_features):
            raise ValueError(
                f"privileged_features has an index out of range for X with {n_features} columns: "
                f"{privileged_features!r}."
            )
        priv = np.unique(np.where(priv < 0, priv + n_features, priv))
    student = np.setdiff1d(all_idx, priv)
    if student.size == 0:
        raise ValueError(
            "privileged_features selects every column of X; the student needs at least one "
            "column it can see at prediction time."
        )
    return student, priv


def _is_fitted(estimator):
    try:
        check_is_fitted(estimator)
        return True
    except NotFittedError:
        return False
    except TypeError:  # not an estimator at all
        return False


def get_teacher(teacher, X_teacher, y, refit_teacher, *, kind):
    """The teacher to use: a clone fitted on ``(X_teacher, y)`` or the given fitted one."""
    if teacher is None:
        raise ValueError(
            f"teacher must be a fitted scikit-learn or skorch {kind} (or an unfitted one together "
            "with refit_teacher=True), got None."
        )
    method = "predict_proba" if kind == "classifier" else "predict"
    if not (hasattr(teacher, method) or (kind == "classifier" and hasattr(teacher, "decision_function"))):
        raise ValueError(
            f"teacher must be a {kind} with a {method} method, got {type(teacher).__name__}."
        )
    if refit_teacher:
        fitted = clone(teacher)
        fitted.fit(X_teacher, y)
        return fitted
    if not _is_fitted(teacher):
        raise NotFittedError(
            f"teacher {type(teacher).__name__} is not fitted. Fit it first (on the columns it "
            f"will see) or pass refit_teacher=True to fit a clone inside fit. {_FROZEN_HINT}"
        )
    return teacher


def teacher_log_proba(teacher, X_teacher, classes):
    """Log-probabilities (or logits) of a fitted classifier teacher, columns in ``classes`` order.

    ``predict_proba`` is used when available (its log is a valid logit vector:
    ``softmax(log p / T)`` is the tempered teacher distribution); otherwise
    ``decision_function`` is taken as logits.
    """
    t_classes = getattr(teacher, "classes_", None)
    if t_classes is not None:
        t_classes = np.asarray(t_classes)
        if t_classes.shape != classes.shape or not np.all(t_classes == classes):
            raise ValueError(
                f"The teacher's classes_ {t_classes.tolist()} differ from the classes found in y "
                f"{classes.tolist()}; teacher and student must share the same labels."
            )
    if hasattr(teacher, "predict_proba"):
        proba = np.asarray(teacher.predict_proba(X_teacher), dtype=np.float64)
        out = np.log(np.clip(proba, 1e-12, None))
    else:
        out = np.asarray(teacher.decision_function(X_teacher), dtype=np.float64)
        if out.ndim == 1:
            out = np.column_stack([np.zeros_like(out), out])
    if out.ndim != 2 or out.shape[1] != classes.size:
        raise ValueError(
            f"The teacher returns {out.shape[-1] if out.ndim == 2 else 1} class scores but y has "
            f"{classes.size} classes; teacher and student must share the same labels."
        )
    if not np.all(np.isfinite(out)):
        raise ValueError("The teacher returned non-finite scores.")
    return out


def teacher_predictions(teacher, X_teacher):
    """Predictions of a fitted regressor teacher as a float64 array."""
    out = np.asarray(teacher.predict(X_teacher), dtype=np.float64)
    if not np.all(np.isfinite(out)):
        raise ValueError("The teacher returned non-finite predictions.")
    return out


def split_for_teacher(X, student_idx, privileged_idx, teacher_features):
    """Student view of ``X``, the teacher's view, and the mask of rows where the teacher is usable.

    A row belongs to the index set I of the text (privileged information
    known) when all of its privileged values are finite; the student's
    columns must be finite everywhere.
    """
    X_student = X[:, student_idx]
    if not np.all(np.isfinite(X_student)):
        raise ValueError(
            "X contains NaN or infinity outside the privileged columns; only privileged_features "
            "may be missing (NaN) for the objects without privileged information."
        )
    if privileged_idx.size == 0:
        return X_student, X, np.ones(X.shape[0], dtype=bool)
    X_priv = X[:, privileged_idx]
    mask = np.all(np.isfinite(X_priv), axis=1)
    X_teacher = X_priv if teacher_features == "privileged" else X
    return X_student, X_teacher, mask
