"""Penalised logistic regression along the nested subsample paths of replicates.

The sample-size methods fit one logistic model per replicate and grid size on
that replicate's subsample, the rows ``index[r, a:b]`` of its index sequence
(a prefix; for cross-validation the training segment), which is the
count-weighted fit over all ``m`` rows that
:func:`skcomplexity.models.glm.fit_glm` computes with ``weights=counts`` (a
row drawn twice counts twice).

Every fit is THE Newton method of :mod:`skcomplexity.models._batched`
(:func:`~skcomplexity.models._batched.newton_logistic`) on the gathered rows:
per-row quantities on each replicate's ``k`` rows only, products with the
design as GEMMs against the shared ``m``-row design; this module only walks the
segments (warm starts) and adds the Laplace covariance and scikit-learn's
convention.
"""

import numpy as np
from scipy.special import expit

from ._batched import (
    SINGULAR,
    _Design,
    check_fit,
    newton_logistic,
    solve_spd,
    standardize_columns,
)

__all__ = [
    "laplace_rows_path",
    "logistic_rows_path",
    "sklearn_logistic_prefix_path",
]


def _fisher(design, coef, rows):
    """Unpenalised Fisher information ``Σ_{i ∈ rows} μ_i(1-μ_i) x_i x_iᵀ`` per replicate."""
    mu = expit(design.theta(coef, rows))
    return design.gram(design.scatter(mu * (1.0 - mu), design.flat(rows)))


def logistic_rows_path(X, y, index, segments, pen, *, tol=1e-10, cap=1e6, max_iter=100,
                       warm_start=True, init_bound=None, fisher=False, warn_singular=True):
    """Fit every replicate on each of a sequence of segments of its index sequence.

    Parameters
    ----------
    X : ndarray of shape (m, p)
        Design (the columns the model uses, intercept included).
    y : ndarray of shape (m,)
        {0, 1} target.
    index : ndarray of int, shape (R, length)
        Each replicate's index sequence.
    segments : sequence of (int, int)
        ``(a, b)``: the subsample is ``index[r, a:b]`` (a prefix when ``a = 0``).
    pen : ndarray of shape (p,)
        Diagonal of the L2 penalty, see :func:`~skcomplexity.models.glm.newton_logistic`.
    tol, cap, max_iter, warn_singular
        See :func:`~skcomplexity.models.glm.newton_logistic`.
    warm_start : bool, default=True
        Start Newton from the previous segment's estimate (nested prefixes); else from 0.
    init_bound : float or None, default=None
        Warm-start only replicates whose previous estimate is finite and below this
        bound in absolute value (the others start from 0).
    fisher : bool, default=False
        Also return ``Σ_i μ_i(1-μ_i) x_i x_iᵀ`` over the subsample at the estimate
        (its unpenalised Fisher information).

    Yields
    ------
    coef : ndarray of shape (R, p)
    converged : ndarray of bool, shape (R,)
    rows : ndarray of int, shape (R, b - a)
        The segment's rows.
    info : ndarray of shape (R, p, p), only with ``fisher=True``
    """
    design = _Design(X)
    R = index.shape[0]
    prev = np.zeros((R, design.p))
    for a, b in segments:
        rows = index[:, a:b]
        coef = np.zeros((R, design.p))
        if warm_start:
            good = np.ones(R, dtype=bool) if init_bound is None else (
                np.all(np.isfinite(prev), axis=1) & (np.abs(prev).max(axis=1) < init_bound))
            coef[good] = prev[good]
        coef, converged = newton_logistic(design, y, coef, rows=rows, pen=pen, tol=tol, cap=cap,
                                          max_iter=max_iter, warn_singular=warn_singular)
        prev = coef
        out = (coef, converged, rows)
        yield out + (_fisher(design, coef, rows),) if fisher else out


def laplace_rows_path(X, y, index, segments, prior_precision):
    """Laplace posteriors of the binomial GLM on segments of every replicate's sequence.

    Prior ``N(0, α⁻¹ I)`` on every coefficient (``α = prior_precision > 0``): the
    mean is the MAP and the covariance the inverse Hessian of the negative
    log-posterior there, as :func:`skcomplexity.models.glm.laplace_posterior` with
    ``weights=counts`` gives; Newton is warm-started from the previous segment.
    Warns as :func:`~skcomplexity.models.glm.fit_glm` about unreliable fits.

    Yields
    ------
    mean : ndarray of shape (R, p)
    cov : ndarray of shape (R, p, p)
    """
    p = X.shape[1]
    pen = np.full(p, float(prior_precision))
    for mean, converged, rows, info in logistic_rows_path(X, y, index, segments, pen,
                                                          fisher=True):
        check_fit(X, mean, converged, rows, prior_precision, stacklevel=4)
        precision = info + np.diag(pen)
        yield mean, solve_spd(precision, np.broadcast_to(np.eye(p), precision.shape),
                              warn=SINGULAR.format("the posterior precision"))


def sklearn_logistic_prefix_path(X, y01, index, sizes, *, inv_c=0.0, fit_intercept=True):
    """scikit-learn's L2 ``LogisticRegression(C=1/inv_c)`` on every prefix of every replicate.

    scikit-learn's conventions: unpenalised intercept, Newton in coordinates
    standardised on all the data (:func:`_logistic_design`),
    warm-started from the previous size where that estimate is moderate
    (``|w| < 30``), a singular Newton system solved silently by its minimum-norm
    step, the warnings of :func:`~skcomplexity.models.glm.check_fit`.

    Yields
    ------
    coef : ndarray of shape (R, n)
    intercept : ndarray of shape (R,)
    """
    Z, mu, sd, pen = _logistic_design(np.asarray(X, dtype=float), inv_c, fit_intercept)
    path = logistic_rows_path(Z, y01, index, [(0, int(k)) for k in sizes], pen,
                              init_bound=30.0, warn_singular=False)
    for coef, converged, rows in path:
        check_fit(Z, coef, converged, rows, inv_c, penalty="prior_precision > 0 or a finite C",
                  stacklevel=4)
        yield _logistic_original_scale(coef, mu, sd, fit_intercept)


def _logistic_design(X, inv_c, fit_intercept):
    """scikit-learn's convention on a standardised design: ``(Z, mu, sd, pen)``.

    Unpenalised intercept (a column of ones first), penalty ``inv_c`` (``1/C``) on
    the original scale, i.e. ``inv_c / sd²`` on the standardised columns.
    """
    Z, mu, sd = standardize_columns(X, center=True)
    if fit_intercept:
        Z = np.hstack([np.ones((X.shape[0], 1)), Z])
        pen = np.concatenate([[0.0], inv_c / sd**2])
    else:
        Z = X / sd
        pen = inv_c / sd**2
    return Z, mu, sd, pen


def _logistic_original_scale(coef, mu, sd, fit_intercept):
    """Coefficients on :func:`_logistic_design`'s scale back to ``(w, b0)`` on X's."""
    if fit_intercept:
        w = coef[:, 1:] / sd
        return w, coef[:, 0] - w @ mu
    return coef / sd, np.zeros(coef.shape[0])
