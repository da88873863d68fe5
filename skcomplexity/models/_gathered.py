"""Penalised logistic regression along the nested subsample paths of replicates.

The sample-size methods fit one logistic model per replicate and grid size on
that replicate's subsample, the rows ``index[r, a:b]`` of its index sequence
(a prefix; for cross-validation the training segment), which is the
count-weighted fit over all ``m`` rows that
:func:`skcomplexity.models.glm.fit_glm` computes with ``weights=counts`` (a
row drawn twice counts twice).

Every fit is Newton's method on the replicate's gathered rows (:func:`_prefix_newton`):
each replicate's rows are gathered once, in its sequence's order, so that a subsample (a
prefix, or cross-validation's training window) is a slice of them and every product runs
over its own ``k`` rows only. The stopping rule, the Armijo backtracking and the cap are
those of THE batched Newton method
(:func:`~skcomplexity.models._batched.newton_logistic`, which fits over all ``m`` rows
with count weights), so the estimates agree to its tolerance (tested); this module walks
the segments (warm starts), reuses a Hessian while it contracts, and adds the Laplace
covariance and scikit-learn's convention.
"""

import numpy as np
from scipy.special import expit

from ._batched import (
    SINGULAR,
    armijo_halving,
    check_fit,
    inv_spd,
    standardize_columns,
)

__all__ = [
    "laplace_rows_path",
    "logistic_rows_path",
    "sklearn_logistic_prefix_path",
]


def logistic_rows_path(X, y, index, segments, pen, *, tol=1e-10, cap=1e6, max_iter=100,
                       warm_start=True, init_bound=None, fisher=False, warn_singular=True,
                       coarse=False):
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
    coarse : bool, default=False
        Nested prefixes with ``warm_start`` reuse a Hessian across Newton steps while
        it contracts; by default the steps go on past ``tol`` to ``1e-6 tol`` (what a
        last full Newton step gives). True stops at ``tol`` (for a loose ``tol``).

    Yields
    ------
    coef : ndarray of shape (R, p)
    converged : ndarray of bool, shape (R,)
    rows : ndarray of int, shape (R, b - a)
        The segment's rows.
    info : ndarray of shape (R, p, p), only with ``fisher=True``
    """
    segments = [(int(a), int(b)) for a, b in segments]
    if warm_start and _nested_prefixes(segments):
        yield from _prefix_path(np.asarray(X, dtype=float), np.asarray(y, dtype=float), index,
                                [b for _, b in segments], pen, tol=tol, cap=cap,
                                max_iter=max_iter, init_bound=init_bound, fisher=fisher,
                                warn_singular=warn_singular, coarse=coarse)
        return
    yield from _window_path(np.asarray(X, dtype=float), np.asarray(y, dtype=float), index,
                            segments, pen, tol=tol, cap=cap, max_iter=max_iter,
                            warm_start=warm_start, init_bound=init_bound, fisher=fisher,
                            warn_singular=warn_singular)


def _window_path(X, y, index, segments, pen, *, tol, cap, max_iter, warm_start, init_bound,
                 fisher, warn_singular):
    """:func:`logistic_rows_path` on any segments (cross-validation's training windows):
    Newton on each segment's gathered rows.

    Each replicate's rows are gathered once up to the longest segment's end, so a segment
    is a slice of them; each fit starts from 0 (or from the previous segment's estimate
    with ``warm_start``) with the exact Hessian there and runs :func:`_prefix_newton` on
    the slice. Per replicate and segment a Gram product over its ``b - a`` rows, not an
    ``m``-row product per Newton iteration.
    """
    R, p = index.shape[0], X.shape[1]
    rows_of = _Prefixes(X, y, index, max((b for _, b in segments), default=0))
    warn = SINGULAR.format("the Newton step of logistic regression") if warn_singular else None
    everyone = np.arange(R)
    prev = np.zeros((R, p))
    for a, b in segments:
        coef = np.zeros((R, p))
        if warm_start:
            good = np.ones(R, dtype=bool) if init_bound is None else (
                np.all(np.isfinite(prev), axis=1) & (np.abs(prev).max(axis=1) < init_bound))
            coef[good] = prev[good]
        theta = rows_of.theta(coef, a, b, everyone)
        F = rows_of.gram(_curvature(theta), a, b, everyone)
        converged, theta = _prefix_newton(rows_of, coef, F, pen, b, tol=tol, cap=cap,
                                          max_iter=max_iter, warn=warn, theta=theta,
                                          fine=_FINE, start=a)
        prev = coef  # a new array per segment: what is yielded is not changed later
        out = (coef, converged, index[:, a:b])
        yield out + (rows_of.gram(_curvature(theta), a, b, everyone),) if fisher else out


def _nested_prefixes(segments):
    """Whether ``segments`` are prefixes ``(0, b)`` of non-decreasing length."""
    ends = [b for _, b in segments]
    return all(a == 0 for a, _ in segments) and all(
        b0 <= b1 for b0, b1 in zip(ends, ends[1:], strict=False))


#: Below this many elements a prefix product is one batched call, not a loop over replicates.
_BATCHED_ELEMENTS = 2**18


class _Prefixes:
    """Each replicate's rows gathered once, in its sequence's order: a prefix is a slice.

    ``X`` (R, top, p) and ``y`` (R, top); products with a prefix are batched
    matrix-vector products on contiguous rows (no ``(R, m)`` scatter, no gather per
    iteration).
    """

    def __init__(self, X, y, index, top):
        rows = index[:, :top]
        self.X, self.y = np.take(X, rows, axis=0), np.take(y, rows)

    def _small(self, a, b, sel):
        """Rows ``a:b`` of ``sel`` as one (len(sel), b - a, p) array when that is small
        (one batched product beats a loop of tiny BLAS calls), else None."""
        if (b - a) * self.X.shape[2] * len(sel) <= _BATCHED_ELEMENTS:
            return self.X[sel, a:b]
        return None

    def theta(self, coef, a, b, sel):
        """``x_iᵀ w_r`` on rows ``a:b`` of the replicates ``sel``: shape (len(sel), b - a)."""
        Xs = self._small(a, b, sel)
        if Xs is not None:
            return np.einsum("rkp,rp->rk", Xs, coef)
        out = np.empty((len(sel), b - a))
        for i, r in enumerate(sel):  # one GEMV per replicate on its contiguous rows
            np.dot(self.X[r, a:b], coef[i], out=out[i])
        return out

    def grad(self, values, a, b, sel):
        """``Σ_{a <= i < b} v_i x_i`` per replicate of ``sel``."""
        Xs = self._small(a, b, sel)
        if Xs is not None:
            return np.einsum("rk,rkp->rp", values, Xs)
        out = np.empty((len(sel), self.X.shape[2]))
        for i, r in enumerate(sel):
            np.dot(values[i], self.X[r, a:b], out=out[i])
        return out

    def gram(self, weights, a, b, sel):
        """``Σ_{a <= i < b} w_i x_i x_iᵀ`` per replicate of ``sel``: shape (len(sel), p, p)."""
        root = np.sqrt(weights)
        Xs = self._small(a, b, sel)
        if Xs is not None:
            scaled = Xs * root[:, :, None]
            return scaled.swapaxes(1, 2) @ scaled
        p = self.X.shape[2]
        out = np.empty((len(sel), p, p))
        scaled = np.empty((b - a, p))
        for i, r in enumerate(sel):  # AᵀA with A = √w X: a symmetric rank-k update (SYRK)
            np.multiply(self.X[r, a:b], root[i, :, None], out=scaled)
            out[i] = scaled.T @ scaled
        return out


#: Steps on a reused Hessian go on to a decrement of ``_FINE * tol`` (while they contract).
_FINE = 1e-6
#: A reused Hessian is kept while each step divides the decrement by at least 1 / _CONTRACT.
_CONTRACT = 0.01
#: Newton steps that move no linear predictor by more than this are taken whole without
#: a line search (the logistic curvature changes by less than a factor e^_TRUST on them).
_TRUST = 0.5


def _curvature(theta):
    mu = expit(theta)
    return mu * (1.0 - mu)


def _prefix_path(X, y, index, ends, pen, *, tol, cap, max_iter, init_bound, fisher,
                 warn_singular, coarse=False):
    """:func:`logistic_rows_path` on nested prefixes: Newton on the gathered rows.

    Each size starts from the previous size's estimate with the Hessian *updated*
    (the previous size's Fisher information at that estimate plus the added rows' at
    the same point: the exact Hessian there, so the first step is a full Newton
    step); later steps reuse it while the decrement falls at least 4-fold per step
    (otherwise, or after a backtracking step, it is rebuilt at the current point).
    Armijo backtracking along ``Δθ = X step``, the stopping rule (Newton decrement
    at most ``tol``, the last step taken whole, or a coefficient past ``cap``) and
    the Fisher information at the estimate are those of
    :func:`~skcomplexity.models._batched.newton_logistic`, so the estimates agree to
    the tolerance. Per replicate and size: one Gram product over the prefix and a
    few matrix-vector passes, instead of an ``m``-row product per Newton iteration.
    """
    R, p = index.shape[0], X.shape[1]
    rows_of = _Prefixes(X, y, index, max(ends) if ends else 0)
    warn = SINGULAR.format("the Newton step of logistic regression") if warn_singular else None
    coef = np.zeros((R, p))
    F = np.zeros((R, p, p))  # Fisher information of the prefix done_k at coef
    done_k = 0
    everyone = np.arange(R)
    theta = np.zeros((R, 0))  # the linear predictor of the prefix done_k at coef
    for k in ends:
        if init_bound is not None:
            restart = np.flatnonzero(~(np.all(np.isfinite(coef), axis=1)
                                       & (np.abs(coef).max(axis=1) < init_bound)))
            if restart.size:
                coef[restart] = 0.0
                F[restart] = rows_of.gram(np.full((restart.size, done_k), 0.25), 0, done_k,
                                          restart)
                theta[restart] = 0.0
        if k > done_k:
            added = rows_of.theta(coef, done_k, k, everyone)
            F += rows_of.gram(_curvature(added), done_k, k, everyone)
            theta = np.concatenate([theta, added], axis=1)
        converged, theta = _prefix_newton(rows_of, coef, F, pen, k, tol=tol, cap=cap,
                                          max_iter=max_iter, warn=warn, theta=theta,
                                          fine=1.0 if coarse else _FINE)
        done_k = k
        F = rows_of.gram(_curvature(theta), 0, k, everyone)
        out = (coef.copy(), converged, index[:, :k])
        yield out + (F.copy(),) if fisher else out


def _prefix_newton(rows_of, coef, F, pen, k, *, tol, cap, max_iter, warn, theta, fine,
                   start=0):
    """Newton on rows ``start:k`` (a prefix by default) of every replicate from ``coef``
    (updated in place).

    ``F`` is the Fisher information at ``coef`` and ``theta`` (R, k - start) the linear
    predictor there. Returns ``converged`` and the linear predictor at the returned
    ``coef``. Steps that change no linear predictor by more than ``_TRUST`` are taken
    whole without evaluating the objective (the quadratic model is accurate there);
    longer ones backtrack (Armijo, as
    :func:`~skcomplexity.models._batched.newton_logistic`).
    """
    R = coef.shape[0]
    P = np.diag(pen)
    converged = np.zeros(R, dtype=bool)
    idx = np.arange(R)
    Hinv = inv_spd(F + P, warn=warn)  # reused by the steps
    yi = rows_of.y[:, start:k]
    theta_all = theta
    f = np.full(R, np.nan)  # penalised objective at coef, where known
    dec_prev = np.full(R, np.inf)
    for _ in range(max_iter):
        c = coef[idx]
        grad = rows_of.grad(yi - expit(theta), start, k, idx) - pen * c
        step = np.einsum("bij,bj->bi", Hinv, grad)
        dec = np.einsum("bi,bi->b", grad, step)
        dtheta = rows_of.theta(step, start, k, idx)
        # backtrack only where the step moves some linear predictor by more than _TRUST
        todo = np.flatnonzero((dec > tol) & (np.abs(dtheta).max(axis=1) > _TRUST))
        t, f_new = armijo_halving(theta, yi, c, dtheta, step, dec, todo, f, pen)
        coef[idx] = c + t[:, None] * step
        theta += t[:, None] * dtheta
        converged[idx] = dec <= tol
        # below tol a full Newton step leaves an error of order dec²; a step on the
        # reused factor does not, so those go on while they still contract
        finished = (dec <= tol) & ((dec <= fine * tol) | (dec > _CONTRACT * dec_prev))
        still = ~finished & (np.abs(coef[idx]).max(axis=1) < cap)
        if idx.size < R:
            theta_all[idx] = theta
        if not np.any(still):
            break
        rebuild = still & (dec > tol) & ((dec > _CONTRACT * dec_prev) | (t < 1.0))
        if not np.all(still):
            keep = np.flatnonzero(still)  # (copies: theta_all keeps the finished rows)
            idx, theta, yi, Hinv = idx[keep], theta[keep], yi[keep], Hinv[keep]
            f, dec, rebuild = f_new[keep], dec[keep], rebuild[keep]
        else:
            f = f_new
        dec_prev = dec
        r = np.flatnonzero(rebuild)
        if r.size:  # the factor stopped contracting: the exact Hessian at the current point
            H = rows_of.gram(_curvature(theta[r]), start, k, idx[r]) + P
            Hinv[r] = inv_spd(H, warn=warn)
    return converged, theta_all


def laplace_rows_path(X, y, index, segments, prior_precision, *, tol=1e-10, coarse=False):
    """Laplace posteriors of the binomial GLM on segments of every replicate's sequence.

    Prior ``N(0, α⁻¹ I)`` on every coefficient (``α = prior_precision > 0``): the
    mean is the MAP and the covariance the inverse Hessian of the negative
    log-posterior there, as :func:`skcomplexity.models.glm.laplace_posterior` with
    ``weights=counts`` gives; Newton is warm-started from the previous segment.
    Warns as :func:`~skcomplexity.models.glm.fit_glm` about unreliable fits.
    ``tol`` and ``coarse`` as in :func:`logistic_rows_path`.

    Yields
    ------
    mean : ndarray of shape (R, p)
    cov : ndarray of shape (R, p, p)
    """
    p = X.shape[1]
    pen = np.full(p, float(prior_precision))
    for mean, converged, rows, info in logistic_rows_path(X, y, index, segments, pen,
                                                          fisher=True, tol=tol,
                                                          coarse=coarse):
        check_fit(X, mean, converged, rows, prior_precision, stacklevel=4)
        precision = info + np.diag(pen)
        yield mean, inv_spd(precision, warn=SINGULAR.format("the posterior precision"))


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
