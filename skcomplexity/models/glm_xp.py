"""Full-data GLM fits on any array API namespace (torch, CUDA): the asymptotic tests' work.

The counterparts, for a design that lives on a device (scikit-learn's array API
convention, :mod:`skcomplexity._array_api`), of what the asymptotic tests of
:mod:`skcomplexity.sample_size.statistical` ask of :mod:`skcomplexity.models.glm`
on all ``m`` rows at once (no replicates):

* :func:`fit_glm_xp` — the (ridge) least-squares fit by the normal equations and a
  Cholesky solve, or the penalised logistic fit by Newton's method, with
  :func:`~skcomplexity.models.glm.fit_glm`'s stopping rule, Armijo step-halving and
  warnings (:func:`newton_logistic_xp`);
* :func:`fit_restricted_xp` — :func:`~skcomplexity.models.glm.fit_restricted`: the
  nuisance coefficients with the tested ones held fixed (an offset);
* :func:`fisher_information_xp`, :func:`residual_variance_xp` — the information
  ``Xᵀ V X / a(φ)`` and the variance of the residuals;
* :func:`mean_xp`, :func:`variance_xp` — ``b'(θ)`` and ``b''(θ)`` of the two families;
  :func:`linear_predictor_xp`, :func:`columns_xp` — ``X w`` for host coefficients, and
  some columns of ``X``, on its device.

The O(m·p²) passes (Gram matrices, products with the design) run on the design's
device in its dtype (float64); what comes back to the host is small: coefficients
(p,), information matrices (p, p) and the scalars Newton's method branches on (its
decrement, the line search's objective values). A system that is not positive
definite (or nearly singular) is solved on the host by
:func:`~skcomplexity.models.glm.solve_spd`, with its minimum-norm fallback and
warning (:func:`~skcomplexity.models.batched_xp.solve_spd_xp`, the device's SPD
solve). The NumPy routines stay as they are; these give their numbers to rounding.
"""

import numpy as np

from .._array_api import namespace_of, to_numpy
from ._batched import _PROB_EPS, SINGULAR, _warn_logistic_fit
from .batched_xp import _device, solve_spd_xp

__all__ = ["columns_xp", "fisher_information_xp", "fit_glm_xp", "fit_restricted_xp",
           "linear_predictor_xp", "mean_xp", "newton_logistic_xp", "residual_variance_xp",
           "variance_xp"]


def _on_device_of(X, a):
    """The (small) NumPy array ``a`` as a float64 array on the device of ``X``."""
    xp = namespace_of(X)
    # a copy: torch warns about read-only NumPy arrays (a broadcast view, a slice of one)
    return xp.asarray(np.array(a, dtype=np.float64, order="C"), dtype=X.dtype,
                      device=_device(X))


def _family_name(family):
    return getattr(family, "name", family)


def _expit(xp, theta):
    return 1.0 / (1.0 + xp.exp(-theta))


def mean_xp(theta, family):
    """``b'(θ)``: ``θ`` for the Gaussian family, ``expit(θ)`` for the binomial one."""
    return theta if _family_name(family) == "gaussian" else _expit(namespace_of(theta), theta)


def variance_xp(theta, family):
    """``b''(θ)``: ones for the Gaussian family, ``μ(1 - μ)`` for the binomial one."""
    xp = namespace_of(theta)
    if _family_name(family) == "gaussian":
        return xp.ones_like(theta)
    mu = _expit(xp, theta)
    return mu * (1.0 - mu)


def linear_predictor_xp(X, coef):
    """``X coef`` on ``X``'s device, for host coefficients ``coef`` (p,) or (p, k).

    Returns an array of shape (m,) or (m, k) of ``X``'s namespace.
    """
    coef = np.asarray(coef, dtype=float)
    out = namespace_of(X).matmul(X, _on_device_of(X, coef.reshape(coef.shape[0], -1)))
    return out[:, 0] if coef.ndim == 1 else out


def columns_xp(X, index):
    """The columns ``index`` (host integers) of ``X`` (m, p), on its device: (m, len(index))."""
    xp = namespace_of(X)
    return xp.take(X, xp.asarray(np.asarray(index, dtype=np.int64), device=_device(X)), axis=1)


def _matvec(X, w):
    """``X w`` for a design ``X`` (m, p) and a vector ``w`` (p,) of its namespace."""
    xp = namespace_of(X)
    return xp.matmul(X, w[:, None])[:, 0]


def _rmatvec(X, r):
    """``Xᵀ r`` for a design ``X`` (m, p) and a per-row vector ``r`` (m,)."""
    xp = namespace_of(X)
    return xp.matmul(r[None, :], X)[0, :]


def _gram(X, v=None):
    """``Xᵀ diag(v) X`` (``XᵀX`` when ``v`` is None), on ``X``'s device."""
    xp = namespace_of(X)
    return xp.matmul(xp.matrix_transpose(X), X if v is None else X * v[:, None])


def _solve(A, b, warn):
    """``A⁻¹ b`` for one positive-definite ``A`` (q, q), ``b`` (q,), on their device
    (:func:`~skcomplexity.models.batched_xp.solve_spd_xp`)."""
    return solve_spd_xp(A, b[:, None], warn=warn)[:, 0]


def _penalised_nll(xp, theta, y, coef, pen):
    """``Σ_i [log(1 + e^θ_i) - y_i θ_i] + ½ Σ_j pen_j w_j²``, as a Python float."""
    softplus = xp.maximum(theta, xp.zeros_like(theta)) + xp.log1p(xp.exp(-xp.abs(theta)))
    return float(xp.sum(softplus - y * theta) + 0.5 * xp.sum(coef * coef * pen))


def newton_logistic_xp(X, y, coef, *, offset=None, pen=None, tol=1e-10, cap=1e6, max_iter=100,
                       warn_singular=True):
    """Newton's method of L2-penalised logistic regression on all rows, on ``X``'s device.

    :func:`~skcomplexity.models._batched.newton_logistic` for one fit (no
    replicates, unit weights): minimises
    ``Σ_i [log(1 + e^θ_i) - y_i θ_i] + ½ Σ_j pen_j w_j²``, ``θ = X w + offset``, by
    Newton steps (the gradient and the Hessian ``Xᵀ diag(μ(1-μ)) X + diag(pen)``
    formed on the device, the step by a Cholesky solve there), Armijo backtracking
    on the penalised objective (the full step when it decreases the objective by at
    least ``1e-4 t dec``, else halved, up to 30 times; the objective at the accepted
    point is reused by the next line search), a last step with decrement at most
    ``tol`` taken whole; the same stopping rule (decrement at most ``tol``, or a
    coefficient reaching ``cap``, or ``max_iter`` steps).

    Parameters
    ----------
    X : array of shape (m, p), of a namespace other than NumPy
    y : array of shape (m,), same namespace and device
        {0, 1} target.
    coef : ndarray of shape (p,)
        Starting point (host).
    offset : array of shape (m,) or None, same namespace and device
    pen : ndarray of shape (p,) or None
        Diagonal of the L2 penalty (host).
    tol, cap, max_iter : as :func:`~skcomplexity.models._batched.newton_logistic`
    warn_singular : bool, default=True
        Warn when a Newton system is singular (the host's minimum-norm step is taken).

    Returns
    -------
    coef : array of shape (p,), on ``X``'s device
    converged : bool
        Whether the last Newton decrement was at most ``tol``.
    """
    xp = namespace_of(X)
    p = X.shape[1]
    pen_h = np.zeros(p) if pen is None else np.asarray(pen, dtype=float)
    pen = _on_device_of(X, pen_h)
    P = _on_device_of(X, np.diag(pen_h))
    coef = _on_device_of(X, coef)
    warn = SINGULAR.format("the Newton step of logistic regression") if warn_singular else None
    converged = False
    fval = None  # penalised objective at coef, where a line search computed it
    for _ in range(max_iter):
        theta = _matvec(X, coef)
        if offset is not None:
            theta = theta + offset
        mu = _expit(xp, theta)
        grad = _rmatvec(X, y - mu) - pen * coef
        H = _gram(X, mu * (1.0 - mu)) + P
        step = _solve(H, grad, warn)
        dec = float(xp.sum(grad * step))  # Newton decrement (scale free)
        t, fval = _armijo_xp(xp, X, theta, coef, step, dec, fval, pen, tol, y)
        coef = coef + t * step
        converged = dec <= tol
        if not (dec > tol and float(xp.max(xp.abs(coef))) < cap):
            break
    return coef, converged


def _armijo_xp(xp, X, theta, c, step, dec, fval, pen, tol, y):
    """Step length of one Newton step by Armijo backtracking, and the objective there.

    :func:`~skcomplexity.models._batched._armijo` for one fit: ``t = 1`` when the
    full step decreases the penalised objective by at least ``1e-4 t dec``, else
    halved, up to 30 times, along ``Δθ = X step``. ``fval`` is the objective at
    ``c`` when known (None otherwise); returns ``(t, f)``, ``f`` the objective at
    the accepted point (None after 30 halvings: the last one was not evaluated, or
    when the decrement is at most ``tol`` and no search ran).
    """
    if not dec > tol:
        return 1.0, fval
    dtheta = _matvec(X, step)
    f0 = _penalised_nll(xp, theta, y, c, pen) if fval is None else fval
    t = 1.0
    for _ in range(30):
        f = _penalised_nll(xp, theta + t * dtheta, y, c + t * step, pen)
        if not f > f0 - 1e-4 * t * dec:
            return t, f
        t *= 0.5
    return t, None


def _check_logistic_fit_xp(X, coef, converged, prior_precision, offset, max_iter,
                           stacklevel=3):
    """:func:`~skcomplexity.models._batched.check_fit` for one fit on the device: the
    same two warnings (not converged or not finite; an unpenalised fit with a fitted
    probability numerically 0 or 1)."""
    xp = namespace_of(X)
    finite = bool(xp.all(xp.isfinite(coef)))
    separated = False
    if prior_precision == 0 and finite:
        theta = _matvec(X, coef)
        if offset is not None:
            theta = theta + offset
        mu = _expit(xp, theta)
        separated = bool(xp.any((mu < _PROB_EPS) | (mu > 1.0 - _PROB_EPS)))
    _warn_logistic_fit(np.array([not (converged and finite)]), np.array([separated]), max_iter,
                       "prior_precision > 0", prior_precision > 0, stacklevel=stacklevel)


def fit_glm_xp(X, y, family, *, prior_precision=0.0, offset=None, max_iter=100, tol=1e-10,
               coef_init=None):
    """:func:`~skcomplexity.models.glm.fit_glm` on all rows, computed on ``X``'s device.

    Gaussian family: ridge least squares ``(XᵀX + prior_precision I)⁻¹ Xᵀ(y - offset)``
    by a Cholesky solve on the device (a system that is not positive definite: the
    host's minimum-norm solution, with :func:`~skcomplexity.models.glm.fit_glm`'s
    warning). Binomial family: :func:`newton_logistic_xp` from ``coef_init`` (zeros
    by default) with the penalty ``prior_precision`` on every coefficient, then
    :func:`~skcomplexity.models.glm.fit_glm`'s warnings (not converged; fitted
    probabilities numerically 0 or 1 without a penalty).

    Parameters
    ----------
    X : array of shape (m, p), of a namespace other than NumPy
    y : array of shape (m,), same namespace and device
    family : {"gaussian", "binomial"} or Family
    prior_precision : float, default=0
    offset : array of shape (m,) or None, same namespace and device
    max_iter, tol : Newton's stopping rule (binomial).
    coef_init : ndarray of shape (p,) or None
        Newton's starting point (host).

    Returns
    -------
    coef : ndarray of shape (p,)
        On the host.
    """
    p = X.shape[1]
    if _family_name(family) == "gaussian":
        z = y if offset is None else y - offset
        A = _gram(X) + _on_device_of(X, prior_precision * np.eye(p))
        coef = _solve(A, _rmatvec(X, z), SINGULAR.format("the least-squares normal equations"))
        return to_numpy(coef)
    start = np.zeros(p) if coef_init is None else np.broadcast_to(
        np.asarray(coef_init, dtype=float), (p,))
    coef, converged = newton_logistic_xp(X, y, start, offset=offset,
                                         pen=np.full(p, float(prior_precision)), tol=tol,
                                         max_iter=max_iter)
    _check_logistic_fit_xp(X, coef, converged, prior_precision, offset, max_iter)
    return to_numpy(coef)


def fit_restricted_xp(X, y, family, fixed_index, fixed_values, **kwargs):
    """:func:`~skcomplexity.models.glm.fit_restricted` on all rows, computed on ``X``'s device.

    The nuisance columns are fitted (:func:`fit_glm_xp`) with the offset
    ``X_u w_u0`` of the fixed ones (``u = fixed_index``, ``w_u0 = fixed_values``, one
    vector).

    Returns
    -------
    coef : ndarray of shape (p,)
        ``[w_u0, ŵ_v0]`` in the original column order, on the host.
    """
    p = X.shape[1]
    fixed_index = np.asarray(fixed_index, dtype=int)
    free = np.setdiff1d(np.arange(p), fixed_index)
    fixed_values = np.asarray(fixed_values, dtype=float)
    coef = np.empty(p)
    coef[fixed_index] = fixed_values
    if free.size:  # else every coefficient is held fixed: nothing to fit
        offset = linear_predictor_xp(columns_xp(X, fixed_index), fixed_values)
        coef[free] = fit_glm_xp(columns_xp(X, free), y, family, offset=offset, **kwargs)
    return coef


def fisher_information_xp(X, coef, family, *, sigma2=1.0):
    """:func:`~skcomplexity.models.glm.fisher_information` ``Xᵀ V X / a(φ)`` at ``coef``.

    Computed on ``X``'s device; ``coef`` (p,) and the result (p, p) are on the host.
    """
    v = None
    if _family_name(family) != "gaussian":
        v = variance_xp(linear_predictor_xp(X, coef), family)
    dispersion = float(sigma2) if _family_name(family) == "gaussian" else 1.0
    return to_numpy(_gram(X, v)) / dispersion


def residual_variance_xp(X, y, coef):
    """``var(y - X coef)`` (divisor ``m``, as :func:`numpy.var`), computed on ``X``'s device."""
    xp = namespace_of(X)
    resid = y - linear_predictor_xp(X, coef)
    centred = resid - xp.mean(resid)
    return float(xp.mean(centred * centred))
