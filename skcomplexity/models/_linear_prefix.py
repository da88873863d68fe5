"""Least squares and ridge on every prefix of nested subsamples (D/M-sufficiency's fits).

:func:`fit_linear_prefix` solves the normal equations of every prefix of every
replicate's index sequence from their prefix Gram matrices
(:func:`~skcomplexity.models._batched.prefix_grams`) by one batched SPD solve
(:func:`~skcomplexity.models._batched.solve_spd`). Its three parts are public so
that the device route (:func:`skcomplexity.models.batched_xp.fit_linear_prefix_xp`)
shares them: the standardised design (:func:`linear_prefix_design`, on the host),
the normal equations from a prefix Gram matrix (:func:`linear_prefix_normal_equations`,
plain indexing that works on any array API namespace) and the minimum-norm solves of
the singular prefixes (:func:`linear_prefix_fallback`, on the host). Split from
:mod:`~skcomplexity.models._batched` when it passed 700 lines.
"""

import numpy as np

from ._batched import prefix_grams, solve_spd, standardize_columns

__all__ = ["fit_linear_prefix", "linear_prefix_design", "linear_prefix_fallback",
           "linear_prefix_normal_equations"]


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


def fit_linear_prefix(X, y, index, sizes, *, alpha=0.0, fit_intercept=True, cache=None):
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

    ``cache``: a dict the caller keeps across calls on the same ``X`` and ``y``
    (chunks of replicates of one fit); the standardised design ``[1, Z, y - ȳ]``
    is built at the first call and reused (the same numbers).

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
    A, mu, sd, ymu = linear_prefix_design(X, y, fit_intercept=fit_intercept, cache=cache)
    S = prefix_grams(A, index, sizes)
    G, b, k, sz, sy = linear_prefix_normal_equations(S, fit_intercept)
    G = G + np.diag(alpha / sd**2)
    coef_z, ok = solve_spd(G, b, return_ok=True)
    for (r, j), value in linear_prefix_fallback(X, y, index, sizes, ~ok, alpha=alpha,
                                                fit_intercept=fit_intercept, sd=sd):
        coef_z[r, j] = value
    coef = coef_z / sd
    if fit_intercept:
        intercept = ymu + (sy - np.einsum("...j,...j->...", sz, coef_z)) / k - coef @ mu
    else:
        intercept = np.zeros(coef.shape[:-1])
    return coef, intercept


def linear_prefix_design(X, y, *, fit_intercept=True, cache=None):
    """The standardised design ``[1, Z, y - ȳ]`` whose prefix Grams give the normal equations.

    The host half of :func:`fit_linear_prefix` (and of its device counterpart
    :func:`skcomplexity.models.batched_xp.fit_linear_prefix_xp`): ``Z`` are the
    columns of ``X`` standardised by :func:`standardize_columns` (centred only with
    ``fit_intercept``), and the target is centred likewise; without an intercept
    the leading column of ones is left out.

    Parameters
    ----------
    X : ndarray of shape (m, n)
    y : ndarray of shape (m,)
    fit_intercept : bool, default=True
    cache : dict or None, default=None
        Kept by the caller across calls on the same ``X`` and ``y``: the design is
        built at the first call and returned from the cache afterwards.

    Returns
    -------
    A : ndarray of shape (m, n + 2), or (m, n + 1) without an intercept
        C-contiguous.
    mu, sd : ndarray of shape (n,)
        The columns' offsets and scales (``Z = (X - mu) / sd``).
    ymu : float
        The target's offset (0 without an intercept).
    """
    key = ("linear design", bool(fit_intercept))
    if cache is not None and key in cache:
        return cache[key]
    m = X.shape[0]
    Z, mu, sd = standardize_columns(X, center=fit_intercept)
    ymu = y.mean() if fit_intercept else 0.0
    yc = y - ymu
    cols = [np.ones((m, 1)), Z, yc[:, None]] if fit_intercept else [Z, yc[:, None]]
    A = np.ascontiguousarray(np.hstack(cols))
    if cache is not None:
        cache[key] = A, mu, sd, ymu
    return A, mu, sd, ymu


def linear_prefix_normal_equations(S, fit_intercept):
    """Normal equations of every prefix from its Gram matrix of :func:`linear_prefix_design`.

    Plain indexing and arithmetic, so ``S`` may be an array of any array API
    namespace (NumPy, or torch on a device); the results are of its namespace.

    Parameters
    ----------
    S : array of shape (..., q, q)
        Prefix Gram matrices of the design ``[1, Z, y - ȳ]`` (``[Z, y]`` without an
        intercept).
    fit_intercept : bool

    Returns
    -------
    G : array of shape (..., n, n)
        ``ZᵀZ`` of the prefix (centred on the prefix's own means with an intercept),
        without the ridge penalty.
    b : array of shape (..., n)
        ``Zᵀ(y - ȳ)`` likewise.
    k, sz, sy : arrays of shapes (...), (..., n) and (...), or None
        The prefix's size, column sums and target sum (None without an intercept),
        which give the intercept.
    """
    if not fit_intercept:
        return S[..., :-1, :-1], S[..., :-1, -1], None, None, None
    k = S[..., 0, 0]
    sz, sy = S[..., 0, 1:-1], S[..., 0, -1]
    G = S[..., 1:-1, 1:-1] - sz[..., :, None] * sz[..., None, :] / k[..., None, None]
    b = S[..., 1:-1, -1] - sz * (sy / k)[..., None]
    return G, b, k, sz, sy


def linear_prefix_fallback(X, y, index, sizes, failed, *, alpha, fit_intercept, sd):
    """The minimum-norm (ridge) solutions of the prefixes whose normal equations failed.

    The singular-subsample fallback of :func:`fit_linear_prefix` (and of its device
    counterpart): a prefix whose system is singular or badly conditioned is solved
    on its own rows by :func:`_min_norm_lstsq` (what ``LinearRegression`` returns),
    on the host.

    Parameters
    ----------
    X : ndarray of shape (m, n)
    y : ndarray of shape (m,)
    index : ndarray of int, shape (R, length)
    sizes : ndarray of int, shape (J,)
    failed : ndarray of bool, shape (R, J)
        The prefixes to solve (on the host).
    alpha : float
    fit_intercept : bool
    sd : ndarray of shape (n,)
        The columns' scales of :func:`linear_prefix_design`.

    Yields
    ------
    (r, j), coef_z : tuple of int and ndarray of shape (n,)
        The prefix and its coefficients in standardised coordinates.
    """
    for r, j in zip(*np.nonzero(failed), strict=True):
        rows = index[r, :sizes[j]]
        yield (r, j), _min_norm_lstsq(X[rows], y[rows], alpha, fit_intercept) * sd
