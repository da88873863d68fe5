"""Penalised logistic regression on the rows of nested replicates.

The sample-size methods fit one logistic model per replicate and grid size on
that replicate's subsample, the rows ``index[r, a:b]`` of its index sequence
(a prefix; for cross-validation the training segment), which is the
count-weighted fit over all ``m`` rows that
:func:`skcomplexity.models.glm.fit_glm` computes with ``weights=counts`` (a
row drawn twice counts twice).

Here every per-row (elementwise) quantity -- linear predictor, probabilities,
log-loss -- is evaluated on the ``k`` gathered rows of each replicate only, and
every product with the design is one GEMM against the shared ``m``-row design:
``Θ = W Xᵀ``, the gradient ``Xᵀ r`` and the Hessian ``Xᵀ diag(v) X`` (one
``(R, m) @ (m, p(p+1)/2)`` product with the rows' outer products, the symmetric
half only), the per-row factors scattered onto the rows with
:func:`numpy.bincount`. No ``(R, k, p)`` array is formed.

Newton's method is the one of :mod:`skcomplexity.models.glm` (batched
Cholesky steps, Armijo backtracking, converged replicates leave the batch).
The backtracking re-evaluates only the replicates whose step is still too long
and moves along the precomputed ``Δθ = X step``, so a trial costs ``O(k)`` per
replicate; a replicate's last step (decrement already below ``tol``) is taken
whole, since the decrease it promises is below the objective's rounding error.
"""

import warnings

import numpy as np
from scipy.special import expit

from ._batched import (
    _logistic_design,
    _logistic_original_scale,
    _numerically_0_or_1,
    _warn_logistic_fit,
)

__all__ = [
    "check_fit",
    "laplace_rows_path",
    "logistic_rows_path",
    "newton_logistic_rows",
    "sklearn_logistic_prefix_path",
]

#: Largest ``m x p(p+1)/2`` table of row outer products kept for the GEMM Hessian
#: (beyond it the Hessian is one ``p x m x p`` product per replicate).
_OUTER_ELEMENTS = 2**23


class _Design:
    """The shared design ``X`` (m, p) and what the batched products need."""

    def __init__(self, X):
        self.X = np.asarray(X, dtype=float)
        self.m, self.p = self.X.shape
        self.iu = np.triu_indices(self.p)
        self.outer = None
        if self.m * self.iu[0].size <= _OUTER_ELEMENTS:
            self.outer = self.X[:, self.iu[0]] * self.X[:, self.iu[1]]

    def theta(self, coef, rows):
        """``x_iᵀ w_r`` on each replicate's rows: shape (R, k)."""
        return np.take_along_axis(coef @ self.X.T, rows, axis=1)

    def scatter(self, values, flat, R):
        """Per-row values (R, k) summed onto the ``m`` rows: shape (R, m)."""
        return np.bincount(flat, weights=values.ravel(), minlength=R * self.m).reshape(
            R, self.m)

    def gram(self, weights):
        """``Xᵀ diag(w_r) X`` for every row of ``weights`` (R, m): shape (R, p, p)."""
        R, p = weights.shape[0], self.p
        if self.outer is None:
            return np.stack([(self.X.T * w) @ self.X for w in weights])
        half = weights @ self.outer
        H = np.empty((R, p, p))
        H[:, self.iu[0], self.iu[1]] = half
        H[:, self.iu[1], self.iu[0]] = half
        return H


def _flat(rows, m):
    return (np.arange(rows.shape[0])[:, None] * m + rows).ravel()


def _penalised_nll(theta, y, coef, pen):
    """``Σ_i [log(1 + e^θ_i) - y_i θ_i] + ½ Σ_j pen_j w_j²`` per replicate."""
    return np.sum(np.logaddexp(0.0, theta) - y * theta, axis=-1) + 0.5 * (coef**2) @ pen


def _newton_step(H, grad, warn):
    try:
        L = np.linalg.cholesky(H)
    except np.linalg.LinAlgError:
        if warn:  # as glm's fit_glm does (its fit_logistic_batch does not)
            warnings.warn(
            "Singular or indefinite matrix in the Newton step of logistic regression (too few "
            "distinct samples for the number of parameters?); using the pseudo-inverse. "
                "Consider prior_precision > 0.",
                RuntimeWarning,
                stacklevel=4,
            )
        return (np.linalg.pinv(H, hermitian=True) @ grad[..., None])[..., 0]
    # positive definite (the factorisation exists): one LU solve, cheaper in numpy than the
    # two triangular ones (numpy has no batched triangular solve)
    del L
    return np.linalg.solve(H, grad[..., None])[..., 0]


def _fisher(design, coef, rows):
    """Unpenalised Fisher information ``Σ_{i ∈ rows} μ_i(1-μ_i) x_i x_iᵀ`` per replicate."""
    mu = expit(design.theta(coef, rows))
    return design.gram(design.scatter(mu * (1.0 - mu), _flat(rows, design.m), len(rows)))


def newton_logistic_rows(X, y, rows, pen, coef, *, tol=1e-10, cap=1e6, max_iter=100,
                         warn_singular=True):
    """Minimise ``Σ_{i ∈ rows_r} logloss(y_i, x_iᵀw) + ½ Σ_j pen_j w_j²`` for every replicate.

    Parameters
    ----------
    X : ndarray of shape (m, p) or the internal design object
        The design shared by the replicates.
    y : ndarray of shape (m,)
        {0, 1} target.
    rows : ndarray of int, shape (R, k)
        Each replicate's rows (duplicates count twice).
    pen : ndarray of shape (p,)
        Diagonal of the L2 penalty (0 leaves a coefficient unpenalised).
    coef : ndarray of shape (R, p)
        Starting point.
    tol : float
        A replicate stops when its Newton decrement is at most ``tol``.
    cap : float
        ... or when a coefficient reaches ``cap`` in absolute value (separation).
    max_iter : int
    warn_singular : bool, default=True
        Warn when a Newton system is singular (a pseudo-inverse step is taken).

    Returns
    -------
    coef : ndarray of shape (R, p)
    converged : ndarray of bool, shape (R,)
        Replicates whose last Newton decrement was at most ``tol``.

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.models.glm import fit_glm
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(30, 2)); y = (X[:, 0] + rng.normal(size=30) > 0).astype(float)
    >>> idx = rng.integers(0, 30, size=(2, 20))
    >>> w, _ = newton_logistic_rows(X, y, idx, np.full(2, 0.1), np.zeros((2, 2)))
    >>> counts = np.stack([np.bincount(i, minlength=30) for i in idx])
    >>> bool(np.allclose(w, fit_glm(X, y, "binomial", weights=counts, prior_precision=0.1)))
    True
    """
    design = X if isinstance(X, _Design) else _Design(X)
    coef = np.array(coef, dtype=float)
    pen = np.asarray(pen, dtype=float)
    P = np.diag(pen)
    R = coef.shape[0]
    y_rows = np.asarray(y, dtype=float)[rows]
    converged = np.zeros(R, dtype=bool)
    fval = np.full(R, np.nan)  # penalised objective at coef, where a line search computed it
    idx = np.arange(R)
    ri, yi, flat = rows, y_rows, _flat(rows, design.m)
    for _ in range(max_iter):
        c = coef[idx]
        theta = design.theta(c, ri)
        mu = expit(theta)
        grad = design.scatter(yi - mu, flat, idx.size) @ design.X - pen * c
        H = design.gram(design.scatter(mu * (1.0 - mu), flat, idx.size)) + P
        step = _newton_step(H, grad, warn_singular)
        dec = np.einsum("bi,bi->b", grad, step)  # Newton decrement (scale free)
        # Armijo backtracking on the penalised objective (the full step is taken whenever
        # it is good), only for the replicates whose step is still too long. The objective
        # at the current point is the one the previous line search accepted, where known.
        t = np.ones(idx.size)
        todo = np.flatnonzero(dec > tol)
        if todo.size:
            dtheta = design.theta(step[todo], ri[todo])
            f0 = fval[idx[todo]]
            new = np.flatnonzero(np.isnan(f0))
            f0[new] = _penalised_nll(theta[todo[new]], yi[todo[new]], c[todo[new]], pen)
            pos = np.arange(todo.size)  # rows of dtheta / f0 still backtracking
            for _ in range(30):
                tt = t[todo, None]
                f = _penalised_nll(theta[todo] + tt * dtheta[pos], yi[todo],
                                   c[todo] + tt * step[todo], pen)
                bad = f > f0[pos] - 1e-4 * t[todo] * dec[todo]
                fval[idx[todo[~bad]]] = f[~bad]
                if not np.any(bad):
                    break
                todo, pos = todo[bad], pos[bad]
                t[todo] *= 0.5
            else:  # the last halving was not evaluated
                fval[idx[todo]] = np.nan
        coef[idx] = c + t[:, None] * step
        converged[idx] = dec <= tol
        still = (dec > tol) & (np.abs(coef[idx]).max(axis=1) < cap)
        if not np.any(still):
            break
        if not np.all(still):
            idx, ri, yi = idx[still], ri[still], yi[still]
            flat = _flat(ri, design.m)
    return coef, converged


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
        See :func:`newton_logistic_rows`.
    tol, cap, max_iter, warn_singular
        See :func:`newton_logistic_rows`.
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
        coef, converged = newton_logistic_rows(design, y, rows, pen, coef, tol=tol, cap=cap,
                                               max_iter=max_iter, warn_singular=warn_singular)
        prev = coef
        out = (coef, converged, rows)
        yield out + (_fisher(design, coef, rows),) if fisher else out


def check_fit(X, coef, converged, rows, prior_precision, *, max_iter=100,
              penalty="prior_precision > 0", stacklevel=3):
    """Warn as :func:`~skcomplexity.models.glm.fit_glm` does about a batch of fits.

    Not converged (or not finite); and, for an unpenalised fit
    (``prior_precision == 0``), a fitted probability numerically 0 or 1 on one of
    the subsample's ``rows`` (separated classes: no maximum-likelihood estimate).
    """
    finite = np.all(np.isfinite(coef), axis=1)
    separated = np.zeros(len(coef), dtype=bool)
    if prior_precision == 0:
        theta = np.take_along_axis(coef[finite] @ X.T, rows[finite], axis=1)
        separated[finite] = _numerically_0_or_1(theta, np.ones_like(theta))
    _warn_logistic_fit(~converged | ~finite, separated, max_iter, penalty, prior_precision > 0,
                       stacklevel=stacklevel)


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
        yield mean, np.linalg.inv(info + np.diag(pen))


def sklearn_logistic_prefix_path(X, y01, index, sizes, *, inv_c=0.0, fit_intercept=True):
    """scikit-learn's L2 ``LogisticRegression(C=1/inv_c)`` on every prefix of every replicate.

    The gathered-rows counterpart of
    :func:`skcomplexity.models.glm.fit_logistic_batch` with the prefix counts as
    weights, with its conventions: unpenalised intercept, Newton in coordinates
    standardised on all the data, warm-started from the previous size where that
    estimate is moderate, the same stopping rule and warning.

    Yields
    ------
    coef : ndarray of shape (R, n)
    intercept : ndarray of shape (R,)
    """
    Z, mu, sd, pen = _logistic_design(np.asarray(X, dtype=float), inv_c, fit_intercept)
    path = logistic_rows_path(Z, y01, index, [(0, int(k)) for k in sizes], pen, tol=1e-12,
                              cap=1e8, init_bound=30.0, warn_singular=False)
    for coef, converged, rows in path:
        # fit_logistic_batch's warnings (its not-converged rule, separation when unpenalised)
        check_fit(Z, coef, converged & (np.abs(coef).max(axis=1) <= 1e6), rows, inv_c,
                  penalty="prior_precision > 0 or a finite C", stacklevel=4)
        yield _logistic_original_scale(coef, mu, sd, fit_intercept)
