"""The batched solvers behind :mod:`skcomplexity.models.glm`.

Weighted and prefix-cumulative Gram matrices, batched Cholesky solves with a
minimum-norm fallback, and batched Newton for L2-penalised logistic
regression: the linear algebra that lets ``B`` bootstrap replicates or every
prefix of a nested subsample path be fitted together instead of one by one.
:mod:`~skcomplexity.models.glm` (families, likelihood, ``fit_glm``) builds on
these and re-exports the public ones (``prefix_grams``, ``fit_linear_prefix``,
``fit_logistic_batch``, ``standardize_columns``).
"""

import warnings

import numpy as np
from scipy.special import expit

__all__ = [
    "fit_linear_prefix",
    "fit_logistic_batch",
    "prefix_grams",
    "standardize_columns",
]


def _theta(X, coef, offset=None):
    """Linear predictor: (m,) for coef (p,), (B, m) for coef (B, p)."""
    theta = coef @ X.T
    if offset is not None:
        theta = theta + offset
    return theta


def _gram(X, w, XX=None):
    """``X^T diag(w) X`` for w of shape (m,) or (B, m).

    The one weighted Gram matrix of the package. With many replicates and
    few columns, one GEMM ``w @ XX`` against the row-wise outer products
    ``XX`` (shape (m, p*p), computed once and passed in) is fastest; otherwise a
    batched matmul (~10x faster than the equivalent einsum).
    """
    w = np.asarray(w, dtype=float)
    p = X.shape[1]
    if XX is not None:
        return (w @ XX).reshape(w.shape[:-1] + (p, p))
    return (w[..., :, None] * X).swapaxes(-1, -2) @ X


def _outer_rows(X):
    """Row-wise outer products ``x_i x_iᵀ`` flattened: shape (m, p*p)."""
    return (X[:, :, None] * X[:, None, :]).reshape(X.shape[0], -1)


def standardize_columns(X, center=True):
    """``(X - mean) / sd`` column-wise (sd 1 for constant columns); returns ``Z, mean, sd``."""
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0) if center else np.zeros(X.shape[1])
    sd = X.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    return (X - mean) / sd, mean, sd


def prefix_grams(A, index, sizes):
    """Gram matrices of every prefix of every replicate's index sequence.

    ``out[r, j] = A[index[r, :sizes[j]]]ᵀ A[index[r, :sizes[j]]]``, computed in
    one cumulative pass per replicate (the rows added between consecutive
    sizes are multiplied once), ``O(length · q²)`` per replicate for the
    whole grid. Put ``[1, X, y]`` in ``A`` to get ``k``, ``Σx``, ``Σy``,
    ``XᵀX``, ``Xᵀy`` and ``yᵀy`` of every prefix at once.

    Parameters
    ----------
    A : ndarray of shape (m, q)
    index : ndarray of int, shape (R, length)
    sizes : ndarray of int, shape (J,)
        Increasing prefix lengths ``<= length``.

    Returns
    -------
    grams : ndarray of shape (R, J, q, q)

    Examples
    --------
    >>> import numpy as np
    >>> A = np.arange(12.0).reshape(6, 2)
    >>> G = prefix_grams(A, np.array([[5, 0, 2, 2]]), np.array([2, 4]))
    >>> bool(np.allclose(G[0, 1], A[[5, 0, 2, 2]].T @ A[[5, 0, 2, 2]]))
    True
    """
    sizes = np.asarray(sizes, dtype=int)
    R, q, J = index.shape[0], A.shape[1], sizes.size
    top = int(sizes[-1])
    out = np.empty((R, J, q, q))
    if top <= 8 * J:  # dense grid: cumulative sum of the row outer products
        for r in range(R):
            rows = A[index[r, :top]]
            cum = np.cumsum(rows[:, :, None] * rows[:, None, :], axis=0)
            out[r] = cum[sizes - 1]
        return out
    bounds = np.concatenate([[0], sizes])
    for r in range(R):
        rows = A[index[r, :top]]
        acc = np.zeros((q, q))
        for j in range(J):
            seg = rows[bounds[j]:bounds[j + 1]]
            acc = acc + seg.T @ seg
            out[r, j] = acc
    return out


def _cholesky_solve_checked(G, b, rcond=1e-12):
    """Solve batched SPD systems; returns ``x`` and a mask of well-conditioned systems.

    Systems that are singular, indefinite or whose squared Cholesky-diagonal
    ratio is below ``rcond`` are flagged (their ``x`` is not meaningful).
    """
    batch = G.shape[:-2]
    try:
        L = np.linalg.cholesky(G)
        d = np.diagonal(L, axis1=-2, axis2=-1)
        ok = np.all(d > 0, axis=-1) & ((d.min(axis=-1) / d.max(axis=-1)) ** 2 > rcond)
        z = np.linalg.solve(L, b[..., None])
        x = np.linalg.solve(np.swapaxes(L, -1, -2), z)[..., 0]
    except np.linalg.LinAlgError:
        if G.ndim > 2 and G.size // (G.shape[-1] ** 2) > 8:
            # split the (flattened) batch in 16 and retry, so that only the systems whose
            # Cholesky factorisation fails take the eigendecomposition, not all of them
            q = G.shape[-1]
            Gf, bf = G.reshape(-1, q, q), np.broadcast_to(b, batch + (q,)).reshape(-1, q)
            parts = [_cholesky_solve_checked(Gf[c], bf[c], rcond)
                     for c in np.array_split(np.arange(len(Gf)), 16)]
            return (np.concatenate([x for x, _ in parts]).reshape(batch + (q,)),
                    np.concatenate([ok for _, ok in parts]).reshape(batch))
        lam, V = np.linalg.eigh(G)
        ok = (lam[..., 0] > 0) & (lam[..., 0] > rcond * lam[..., -1])
        lam = np.where(lam > 0, lam, 1.0)
        x = np.einsum("...ij,...j->...i", V, np.einsum("...ji,...j->...i", V, b) / lam)
    return x, np.broadcast_to(ok, batch).copy()


def _min_norm_lstsq(A, t, alpha, center):
    """Minimum-norm (ridge when ``alpha > 0``) least squares of rows ``A`` (k, n) on ``t``.

    The solution ``scipy.linalg.lstsq`` gives on the centred rows (what
    scikit-learn's ``LinearRegression`` solves).
    """
    if center:
        A = A - A.mean(axis=0)
        t = t - t.mean()
    U, sv, Vt = np.linalg.svd(A, full_matrices=False)
    if alpha > 0:
        f = sv / (sv**2 + alpha)
    else:
        cut = np.finfo(float).eps * max(A.shape) * (sv[0] if sv.size else 0.0)
        f = np.where(sv > cut, 1.0 / np.where(sv > 0, sv, 1.0), 0.0)
    return Vt.T @ (f * (U.T @ t))


def fit_linear_prefix(X, y, index, sizes, *, alpha=0.0, fit_intercept=True):
    """Least squares / ridge on every prefix of every replicate's index sequence.

    Minimises ``Σ_{i ∈ prefix} (y_i - b - x_iᵀ w)² + alpha ||w||²`` (the
    intercept ``b`` unpenalised, as scikit-learn's ``Ridge``;
    ``LinearRegression`` is ``alpha = 0``) for every replicate ``r`` and size
    ``k = sizes[j]``. The sufficient statistics of all prefixes come from one
    cumulative pass (:func:`prefix_grams`); the normal equations are solved in
    standardised coordinates by one batched Cholesky factorisation, and
    systems that are singular or badly conditioned fall back to the
    minimum-norm solution on the subsample's rows (what ``LinearRegression``
    returns).

    Returns
    -------
    coef : ndarray of shape (R, J, n)
    intercept : ndarray of shape (R, J)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(50, 3)), rng.normal(size=50)
    >>> idx = rng.integers(0, 50, size=(2, 40))
    >>> coef, b = fit_linear_prefix(X, y, idx, np.array([10, 40]), alpha=0.5)
    >>> ref = Ridge(alpha=0.5).fit(X[idx[1, :10]], y[idx[1, :10]])
    >>> bool(np.allclose(coef[1, 0], ref.coef_) and np.isclose(b[1, 0], ref.intercept_))
    True
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    sizes = np.asarray(sizes, dtype=int)
    m, n = X.shape
    Z, mu, sd = standardize_columns(X, center=fit_intercept)
    ymu = y.mean() if fit_intercept else 0.0
    yc = y - ymu
    cols = [np.ones((m, 1)), Z, yc[:, None]] if fit_intercept else [Z, yc[:, None]]
    S = prefix_grams(np.hstack(cols), index, sizes)
    if fit_intercept:
        k = S[..., 0, 0]
        sz, sy = S[..., 0, 1:-1], S[..., 0, -1]
        G = S[..., 1:-1, 1:-1] - sz[..., :, None] * sz[..., None, :] / k[..., None, None]
        b = S[..., 1:-1, -1] - sz * (sy / k)[..., None]
    else:
        G, b = S[..., :-1, :-1], S[..., :-1, -1]
    G = G + np.diag(alpha / sd**2)
    coef_z, ok = _cholesky_solve_checked(G, b)
    for r, j in zip(*np.nonzero(~ok), strict=True):
        rows = index[r, :sizes[j]]
        coef_z[r, j] = _min_norm_lstsq(X[rows], y[rows], alpha, fit_intercept) * sd
    coef = coef_z / sd
    if fit_intercept:
        intercept = ymu + (sy - np.einsum("...j,...j->...", sz, coef_z)) / k - coef @ mu
    else:
        intercept = np.zeros(coef.shape[:-1])
    return coef, intercept


#: R's ``glm.fit`` rule: a fitted probability within 10 machine epsilons of 0 or 1
#: (``|θ| > 33.7``) is "numerically 0 or 1"
_PROB_EPS = 10 * np.finfo(float).eps


def _numerically_0_or_1(theta, weights):
    """Per replicate: whether a fitted probability of a weighted object is numerically 0 or 1."""
    mu = expit(theta)
    extreme = (mu < _PROB_EPS) | (mu > 1.0 - _PROB_EPS)
    return np.any(extreme & (np.asarray(weights) > 0), axis=-1)


def _warn_logistic_fit(not_converged, separated, max_iter, penalty, penalised, stacklevel):
    """The logistic solvers' two warnings, each only when it is true.

    * ``not_converged``: Newton's method stopped (``max_iter`` steps, or the
      coefficients diverged) before the Newton decrement fell below ``tol``;
    * ``separated``: an *unpenalised* fit put a fitted probability numerically
      at 0 or 1 (R's ``glm`` warns alike), most often because the classes are
      (quasi-)separated, where the maximum-likelihood estimate does not exist.

    ``penalty`` names the solver's penalty setting for the advice.

    A converged penalised fit is a well-defined optimum however large its
    linear predictor, so it gets neither (scikit-learn's ``LogisticRegression``
    and statsmodels' ``GLM.fit_regularized`` also warn only about non-convergence).
    """
    not_converged, separated = np.atleast_1d(not_converged), np.atleast_1d(separated)
    where = "" if not_converged.size == 1 else " on {} of %d replicates" % not_converged.size
    if np.any(not_converged):
        warnings.warn(
            f"Logistic regression did not converge{where.format(int(not_converged.sum()))}: "
            f"Newton's method stopped after max_iter={max_iter} steps or its coefficients "
            "diverged; the estimate may be unreliable. Consider a larger max_iter"
            f"{'' if penalised else ' or a penalty (' + penalty + ')'}.",
            RuntimeWarning,
            stacklevel=stacklevel + 1,
        )
    if np.any(separated):
        warnings.warn(
            "Unpenalised logistic regression: fitted probabilities numerically 0 or 1 "
            f"occurred{where.format(int(separated.sum()))}. Most often the classes are "
            "(quasi-)separated; the maximum-likelihood estimate then does not exist (its "
            f"coefficients grow without bound) and the one returned is arbitrary. Use a penalty "
            f"({penalty}).",
            RuntimeWarning,
            stacklevel=stacklevel + 1,
        )


def _armijo(objective, x, step, dec):
    """Step lengths of batched Newton steps by Armijo backtracking.

    ``objective(X)`` gives one value per row of ``X``; row ``i`` keeps
    ``t_i = 1`` when the full step decreases it by at least ``1e-4 t dec_i``
    (``dec`` the Newton decrement), else halves it, up to 30 times.
    """
    f0 = objective(x)
    t = np.ones(len(x))
    for _ in range(30):
        bad = objective(x + t[:, None] * step) > f0 - 1e-4 * t * dec
        if not np.any(bad):
            break
        t = np.where(bad, 0.5 * t, t)
    return t


def _logistic_objective(Z, y01, W, pen, coef, offset=None):
    """Penalised negative log-likelihood ``-Σ c_i log f(y_i) + ½ Σ pen_j w_j²`` per replicate."""
    theta = _theta(Z, coef, offset)
    nll = np.logaddexp(0.0, theta) - y01 * theta
    return np.sum(W * nll, axis=1) + 0.5 * (coef**2) @ pen


def fit_logistic_batch(X, y01, weights, *, inv_c=0.0, fit_intercept=True, max_iter=100,
                       tol=1e-12, coef_init=None, return_internal=False):
    """L2-penalised logistic regression (unpenalised intercept) for every row of ``weights``.

    Minimises ``Σ_i c_i logloss_i + (inv_c / 2) ||w||²`` (scikit-learn's
    ``LogisticRegression(C=1/inv_c)``) by Newton's method with batched
    Cholesky steps, in standardised coordinates, for the replicates that are
    still moving (converged ones drop out of the batch). ``coef_init`` (in the
    internal coordinates that ``return_internal=True`` also returns) warm-starts
    Newton, e.g. from the previous size of a nested replicate.

    Returns
    -------
    coef : ndarray of shape (B, n)
    intercept : ndarray of shape (B,)
    internal : ndarray of shape (B, p), only with ``return_internal``

    Warns
    -----
    RuntimeWarning
        When Newton's method did not converge on some replicates, and, for an
        unpenalised fit (``inv_c=0``), when fitted probabilities are
        numerically 0 or 1 (separated classes: no maximum-likelihood
        estimate). A converged penalised fit does not warn, however large its
        linear predictor.
    """
    X = np.asarray(X, dtype=float)
    W = np.atleast_2d(np.asarray(weights, dtype=float))
    Z, mu, sd, pen = _logistic_design(X, inv_c, fit_intercept)
    B, p = W.shape[0], Z.shape[1]
    ZZ = _outer_rows(Z)
    coef = np.zeros((B, p))
    if coef_init is not None:  # warm start only from moderate, finite estimates
        init = np.asarray(coef_init, dtype=float)
        good = np.all(np.isfinite(init), axis=1) & (np.abs(init).max(axis=1) < 30.0)
        coef[good] = init[good]
    P = np.diag(pen)
    active = np.ones(B, dtype=bool)
    converged = np.zeros(B, dtype=bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        pr = expit(coef[idx] @ Z.T)
        grad = ((y01 - pr) * W[idx]) @ Z - pen * coef[idx]
        H = _gram(Z, W[idx] * pr * (1 - pr), ZZ) + P
        try:
            L = np.linalg.cholesky(H)
            step = np.linalg.solve(np.swapaxes(L, 1, 2), np.linalg.solve(L, grad[..., None]))[..., 0]
        except np.linalg.LinAlgError:
            step = (np.linalg.pinv(H, hermitian=True) @ grad[..., None])[..., 0]
        dec = np.einsum("bi,bi->b", grad, step)
        # Newton with backtracking (Armijo) on the penalised objective, batched: plain Newton
        # is not globally convergent for logistic regression (e.g. warm-started from a
        # near-separable replicate's estimate); the full step is taken whenever it is good
        t = _armijo(lambda c, Wi=W[idx]: _logistic_objective(Z, y01, Wi, pen, c),
                    coef[idx], step, dec)
        coef[idx] = coef[idx] + t[:, None] * step
        converged[idx] = dec <= tol
        active[idx] = ~converged[idx] & (np.abs(coef[idx]).max(axis=1) < 1e8)
        if not np.any(active):
            break
    finite = np.all(np.isfinite(coef), axis=1)
    not_converged = ~converged | ~finite | (np.abs(coef).max(axis=1) > 1e6)
    separated = np.zeros(B, dtype=bool)
    if inv_c == 0:
        separated[finite] = _numerically_0_or_1(coef[finite] @ Z.T, W[finite])
    _warn_logistic_fit(not_converged, separated, max_iter, "prior_precision > 0 or a finite C",
                       inv_c > 0, stacklevel=3)
    w, b0 = _logistic_original_scale(coef, mu, sd, fit_intercept)
    return (w, b0, coef) if return_internal else (w, b0)


def _logistic_design(X, inv_c, fit_intercept):
    """The standardised design of :func:`fit_logistic_batch` (scikit-learn's
    convention: unpenalised intercept, penalty ``inv_c`` on the original scale):
    ``(Z, mu, sd, pen)``."""
    Z, mu, sd = standardize_columns(X, center=True)
    if fit_intercept:
        Z = np.hstack([np.ones((X.shape[0], 1)), Z])
        pen = np.concatenate([[0.0], inv_c / sd**2])
    else:
        Z = X / sd
        pen = inv_c / sd**2
    return Z, mu, sd, pen


def _logistic_original_scale(coef, mu, sd, fit_intercept):
    """Coefficients on ``_logistic_design``'s scale back to ``(w, b0)`` on X's."""
    if fit_intercept:
        w = coef[:, 1:] / sd
        return w, coef[:, 0] - w @ mu
    return coef / sd, np.zeros(coef.shape[0])


def _solve_spd(A, b, what="the normal equations"):
    """Solve SPD systems (batched); pseudo-inverse with a warning when singular."""
    try:
        L = np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        warnings.warn(
            f"Singular or indefinite matrix in {what} (too few distinct samples for the "
            "number of parameters?); using the pseudo-inverse. Consider prior_precision > 0.",
            RuntimeWarning,
            stacklevel=3,
        )
        return (np.linalg.pinv(A, hermitian=True) @ b[..., None])[..., 0]
    z = np.linalg.solve(L, b[..., None])
    return np.linalg.solve(np.swapaxes(L, -1, -2), z)[..., 0]
