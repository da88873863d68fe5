"""Closed-form probabilistic distillation for a linear student (numpy only).

The slides' regression theorem (S-L151-155): with a linear student
``g(x) = w^T x`` the problem::

    min_w  sum_{i not in I} sigma^2 (y_i - g(x_i))^2
         + (1 - lambda) sum_{i in I} sigma^2 (y_i - g(x_i))^2
         + lambda sum_{i in I} sigma_s^2 (s_i - g(x_i))^2

is the linear regression ``y'' = X w + eps``, ``eps ~ N(0, Sigma)`` with
``Sigma^{-1} = diag(sigma')``::

    sigma'_i = sigma^2                                      (i not in I)
             = (1 - lambda) sigma^2 + lambda sigma_s^2      (i in I)
    y'_i     = sigma^2 y_i                                  (i not in I)
             = (1 - lambda) sigma^2 y_i + lambda sigma_s^2 s_i   (i in I)
    y''      = Sigma y'

so ``w = (X^T diag(sigma') X)^{-1} X^T y'``: weighted least squares.
"""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ._common import (
    TEACHER_CONSTRAINTS,
    get_teacher,
    resolve_privileged,
    split_for_teacher,
)
from ._common import (
    teacher_predictions as _teacher_predictions,
)

__all__ = ["DistilledLinearRegression", "distilled_wls_weights"]


def distilled_wls_weights(y, s, mask, *, alpha, sigma=1.0, sigma_s=1.0):
    """Weights ``sigma'`` and targets ``y''`` of the regression theorem.

    Parameters
    ----------
    y : ndarray of shape (n,) or (n, k)
    s : ndarray like ``y``
        Teacher predictions (ignored where ``mask`` is False).
    mask : ndarray of bool, shape (n,)
        The set I (teacher answer known).
    alpha : float in [0, 1]
        The slides' lambda.
    sigma, sigma_s : float

    Returns
    -------
    weights : ndarray of shape (n,)
        ``sigma'_i``.
    target : ndarray like ``y``
        ``y''_i = y'_i / sigma'_i``.

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.distillation.linear import distilled_wls_weights
    >>> w, t = distilled_wls_weights(np.array([0.0, 0.0]), np.array([2.0, 2.0]),
    ...                              np.array([True, False]), alpha=0.5)
    >>> w.tolist(), t.tolist()
    ([1.0, 1.0], [1.0, 0.0])
    """
    y = np.asarray(y, dtype=np.float64)
    s = np.where(np.reshape(mask, (-1,) + (1,) * (y.ndim - 1)), s, 0.0)
    m = np.asarray(mask, dtype=np.float64)
    a, b = sigma**2, sigma_s**2
    weights = (1 - alpha * m) * a + alpha * m * b
    mm = m.reshape((-1,) + (1,) * (y.ndim - 1))
    w_ = weights.reshape(mm.shape)
    y_prime = (1 - alpha * mm) * a * y + alpha * mm * b * s
    return weights, y_prime / w_


class DistilledLinearRegression(RegressorMixin, BaseEstimator):
    """Linear student of probabilistic distillation, solved in closed form.

    Weighted least squares of the slides' regression theorem (see the module
    docstring): objects with a teacher answer get the weight
    ``(1 - alpha) sigma^2 + alpha sigma_s^2`` and the target
    ``((1 - alpha) sigma^2 y + alpha sigma_s^2 s) / weight``; the others
    keep ``sigma^2`` and ``y``. Without any teacher answer this is ordinary
    least squares (the maximum-likelihood solution, hypothesis 4 of the
    slides).

    Parameters
    ----------
    teacher : fitted regressor, unfitted with ``refit_teacher=True``, or None, default=None
        Source of ``s``; ignored when ``fit`` receives
        ``teacher_predictions``. None and no predictions give OLS.
    alpha : float in [0, 1], default=0.5
        The slides' lambda (teacher weight).
    sigma, sigma_s : float > 0, default=1.0
        As written on the slide, the two squared errors are weighted by
        ``sigma**2`` and ``sigma_s**2`` (they act as precisions).
    fit_intercept : bool, default=True
        Add an unpenalised intercept (the theorem has none; with
        ``fit_intercept=False`` the estimator is exactly the theorem).
    privileged_features : None, list of int or boolean mask, default=None
        Columns seen only by the teacher (NaN = no privileged information for
        that object); ``predict`` ignores them.
    teacher_features : {"privileged", "all"}, default="privileged"
    refit_teacher : bool, default=False
        Fit a clone of ``teacher`` in ``fit``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_student_features,) or (n_targets, n_student_features)
    intercept_ : float or ndarray
    sample_weight_ : ndarray of shape (n_samples,)
        The theorem's ``sigma'``.
    teacher_ : estimator or None
    teacher_mask_ : ndarray of bool
    student_features_, privileged_features_ : ndarray of int
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.distillation import DistilledLinearRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(50, 2)); y = X @ [1.0, 2.0] + rng.normal(size=50)
    >>> s = X @ [1.0, 2.0]                     # a perfect teacher's answers
    >>> reg = DistilledLinearRegression(alpha=0.9).fit(X, y, teacher_predictions=s)
    >>> np.round(reg.coef_, 1).tolist()
    [1.0, 2.0]
    """

    _parameter_constraints = {
        **TEACHER_CONSTRAINTS,
        "sigma": [Interval(Real, 0, None, closed="neither")],
        "sigma_s": [Interval(Real, 0, None, closed="neither")],
        "fit_intercept": ["boolean"],
    }

    def __init__(self, teacher=None, *, alpha=0.5, sigma=1.0, sigma_s=1.0, fit_intercept=True,
                 privileged_features=None, teacher_features="privileged", refit_teacher=False):
        self.teacher = teacher
        self.alpha = alpha
        self.sigma = sigma
        self.sigma_s = sigma_s
        self.fit_intercept = fit_intercept
        self.privileged_features = privileged_features
        self.teacher_features = teacher_features
        self.refit_teacher = refit_teacher

    @_fit_context(prefer_skip_nested_validation=False)  # a teacher clone may be fitted
    def fit(self, X, y, teacher_predictions=None):
        """Solve the weighted least squares.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        teacher_predictions : array-like like ``y``, optional
            ``s``; NaN entries mark objects outside I. Overrides ``teacher``.

        Returns
        -------
        self : object
        """
        alpha, sigma, sigma_s = float(self.alpha), float(self.sigma), float(self.sigma_s)
        allow_nan = self.privileged_features is not None
        X, y = validate_data(
            self, X, y, dtype=np.float64, y_numeric=True, multi_output=True,
            ensure_all_finite="allow-nan" if allow_nan else True,
        )
        self.student_features_, self.privileged_features_ = resolve_privileged(
            self.privileged_features, X.shape[1]
        )
        X_student, X_teacher, mask = split_for_teacher(
            X, self.student_features_, self.privileged_features_, self.teacher_features
        )
        y = np.asarray(y, dtype=np.float64)
        self.teacher_ = None
        if teacher_predictions is not None:
            s = np.asarray(teacher_predictions, dtype=np.float64)
            if s.shape != y.shape:
                raise ValueError(
                    f"teacher_predictions must have the shape of y {y.shape}, got {s.shape}."
                )
            row_ok = np.isfinite(s) if s.ndim == 1 else np.all(np.isfinite(s), axis=1)
            mask = mask & row_ok
        elif self.teacher is not None and mask.any():
            self.teacher_ = get_teacher(
                self.teacher, X_teacher[mask], y[mask], self.refit_teacher, kind="regressor"
            )
            s = np.zeros_like(y)
            s[mask] = _teacher_predictions(self.teacher_, X_teacher[mask]).reshape(
                (-1,) + y.shape[1:]
            )
        else:
            s = np.zeros_like(y)
            mask = np.zeros(X.shape[0], dtype=bool)
        weights, target = distilled_wls_weights(
            y, np.nan_to_num(s), mask, alpha=alpha, sigma=sigma, sigma_s=sigma_s
        )
        design = X_student
        if self.fit_intercept:
            design = np.column_stack([X_student, np.ones(X.shape[0])])
        root = np.sqrt(weights)
        rhs = target * (root if target.ndim == 1 else root[:, None])
        coef, *_ = np.linalg.lstsq(design * root[:, None], rhs, rcond=None)
        if self.fit_intercept:
            intercept, coef = coef[-1], coef[:-1]
        else:
            intercept = 0.0 if y.ndim == 1 else np.zeros(y.shape[1])
        self.coef_ = coef.T
        self.intercept_ = intercept
        self.sample_weight_ = weights
        self.teacher_mask_ = mask
        return self

    def predict(self, X):
        """Predict with the student's columns only.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_student_features)
            Full-width ``X`` (privileged columns ignored) or the student's columns.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        check_is_fitted(self)
        if self.privileged_features_.size == 0:
            X = validate_data(self, X, reset=False, dtype=np.float64)
        else:
            from sklearn.utils.validation import check_array

            X = check_array(X, dtype=np.float64, ensure_all_finite="allow-nan")
            if X.shape[1] == self.n_features_in_:
                X = X[:, self.student_features_]
            elif X.shape[1] != self.student_features_.size:
                raise ValueError(
                    f"X has {X.shape[1]} features, but DistilledLinearRegression expects "
                    f"{self.n_features_in_} or {self.student_features_.size} (student columns)."
                )
            if not np.all(np.isfinite(X)):
                raise ValueError("X contains NaN or infinity in the student's columns.")
        return X @ self.coef_.T + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self.privileged_features is not None
        tags.target_tags.multi_output = True
        return tags
