"""Gaussian posteriors: closed-form KL divergence and s-score, conjugate linear
regression posteriors and their rank-one (Sherman–Morrison) updates.

Everything is batched over leading axes: a mean of shape ``(..., p)`` goes with
a covariance of shape ``(..., p, p)``.

Formulas (dissertation §4.5, spec §8.2 and §8.5), for ``p_1 = N(m_1, Σ_1)`` and
``p_2 = N(m_2, Σ_2)`` in dimension ``n``::

    KL(p_1 || p_2) = 1/2 ( tr(Σ_2^-1 Σ_1) + (m_2 - m_1)^T Σ_2^-1 (m_2 - m_1) - n
                           + log det Σ_2 - log det Σ_1 )
    s-score(p_1, p_2) = exp( -1/2 (m_2 - m_1)^T (Σ_1 + Σ_2)^-1 (m_2 - m_1) )

The conjugate Bayesian linear regression with prior ``N(0, α^-1 I)`` and noise
variance ``σ²`` has the posterior ``N(m, Σ)`` with
``Σ = (α I + X^T X / σ²)^-1`` and ``m = Σ X^T y / σ²``. Adding or removing one
object changes the precision by a rank-one term, so ``Σ`` and ``m`` are updated
in ``O(p²)`` instead of refitting in ``O(k p² + p³)``; the KL divergence and
the s-score between the two neighbouring posteriors then have the one-object
closed forms (``t = x^T Σ_k x / σ²``, ``r = y - x^T m_k``, ``p_k`` the posterior
*without* the object)::

    KL(p_k || p_{k+1}) = 1/2 ( t - log(1 + t) + r² t / (σ² (1 + t)) )
    s-score(p_k, p_{k+1}) = exp( -r² t / (2 σ² (1 + t) (2 + t)) )
"""

import numpy as np

from .._array_api import namespace_of
from ._batched import prefix_grams_xy, solve_spd
from ._prefix_solve import prefix_solve_criteria
from .batched_xp import neighbour_criteria_xp

__all__ = [
    "neighbour_route",
    "POSTERIOR_PROTOCOL",
    "add_observation",
    "get_gaussian_posterior",
    "prefix_neighbour_criteria",
    "conjugate_posterior",
    "deletion_path",
    "gaussian_kl",
    "gaussian_s_score",
    "neighbour_kl_s",
    "remove_observation",
]


def _chol(A, what):
    try:
        return np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        raise ValueError(
            f"{what} is not symmetric positive definite; a Gaussian posterior needs a "
            "positive definite covariance (use a proper prior, prior_precision > 0)."
        ) from None


def _solve_posterior(prec, B):
    """``prec⁻¹ B`` by :func:`~skcomplexity.models.glm.solve_spd`; the clear error if ``prec``
    is not positive definite."""
    x, ok = solve_spd(prec, B, rcond=0.0, return_ok=True)
    if not np.all(ok):
        _chol(prec, "the posterior precision")
    return x


def _not_positive_definite(A):
    """The error of a posterior precision (or a block update's system) a device found not
    positive definite: NumPy's message where it agrees, a plain one otherwise."""
    _chol(A, "the posterior precision")
    raise ValueError("The posterior precision is not numerically positive definite on the "
                     "device (it is on the host); use a larger prior_precision.")


def _check_pair(mean1, cov1, mean2, cov2):
    mean1, cov1, mean2, cov2 = (np.asarray(a, dtype=float) for a in (mean1, cov1, mean2, cov2))
    p = mean1.shape[-1]
    for name, m, c in (("1", mean1, cov1), ("2", mean2, cov2)):
        if m.shape[-1] != p or c.shape[-2:] != (p, p):
            raise ValueError(
                f"mean{name} must have shape (..., p) and cov{name} shape (..., p, p) with the "
                f"same p; got mean{name} {m.shape} and cov{name} {c.shape} (p={p})."
            )
    return mean1, cov1, mean2, cov2


def gaussian_kl(mean1, cov1, mean2, cov2):
    """Kullback–Leibler divergence ``KL(N(mean1, cov1) || N(mean2, cov2))``.

    Computed with Cholesky factors (no explicit inverse or determinant).

    Parameters
    ----------
    mean1, mean2 : array-like of shape (..., p)
        Means; leading axes broadcast.
    cov1, cov2 : array-like of shape (..., p, p)
        Symmetric positive definite covariances.

    Returns
    -------
    kl : float or ndarray of shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.models.posterior import gaussian_kl
    >>> round(float(gaussian_kl(np.zeros(2), np.eye(2), [0.1, 0.0], 0.9 * np.eye(2))), 7)
    0.0113062
    """
    mean1, cov1, mean2, cov2 = _check_pair(mean1, cov1, mean2, cov2)
    p = mean1.shape[-1]
    L1 = _chol(cov1, "cov1")
    L2 = _chol(cov2, "cov2")
    # tr(Σ2^-1 Σ1) = ||L2^-1 L1||_F^2
    M = np.linalg.solve(L2, L1)
    trace = np.sum(M**2, axis=(-2, -1))
    d = (mean2 - mean1)[..., None]
    z = np.linalg.solve(L2, np.broadcast_to(d, np.broadcast_shapes(d.shape, L2.shape[:-1] + (1,))))
    quad = np.sum(z[..., 0] ** 2, axis=-1)
    logdet2 = 2.0 * np.sum(np.log(np.diagonal(L2, axis1=-2, axis2=-1)), axis=-1)
    logdet1 = 2.0 * np.sum(np.log(np.diagonal(L1, axis1=-2, axis2=-1)), axis=-1)
    kl = 0.5 * (trace + quad - p + logdet2 - logdet1)
    return kl[()] if np.ndim(kl) == 0 else kl


def gaussian_s_score(mean1, cov1, mean2, cov2):
    """s-score similarity of two Gaussians (Aduenko), in (0, 1].

    ``s-score = exp(-(m2 - m1)^T (Σ1 + Σ2)^-1 (m2 - m1) / 2)``: the overlap
    integral of the two densities divided by its maximum over shifts. It is 1
    when the means coincide, whatever the covariances.

    Parameters
    ----------
    mean1, mean2 : array-like of shape (..., p)
    cov1, cov2 : array-like of shape (..., p, p)

    Returns
    -------
    s : float or ndarray of shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.models.posterior import gaussian_s_score
    >>> round(float(gaussian_s_score(np.zeros(2), np.eye(2), [0.1, 0.0], 0.9 * np.eye(2))), 7)
    0.9973719
    """
    mean1, cov1, mean2, cov2 = _check_pair(mean1, cov1, mean2, cov2)
    L = _chol(cov1 + cov2, "cov1 + cov2")
    d = (mean2 - mean1)[..., None]
    z = np.linalg.solve(L, np.broadcast_to(d, np.broadcast_shapes(d.shape, L.shape[:-1] + (1,))))
    s = np.exp(-0.5 * np.sum(z[..., 0] ** 2, axis=-1))
    return s[()] if np.ndim(s) == 0 else s


def conjugate_posterior(X, y, *, prior_precision=1.0, sigma2=1.0, weights=None):
    """Exact posterior of Bayesian linear regression with prior ``N(0, α^-1 I)``.

    ``Σ = (α I + X^T C X / σ²)^-1`` and ``m = Σ X^T C y / σ²`` with
    ``C = diag(weights)`` (all ones by default; 0/1 weights select a subsample,
    a weight matrix of shape (B, m) gives B posteriors at once).

    Parameters
    ----------
    X : array-like of shape (m, p)
    y : array-like of shape (m,)
    prior_precision : float, default=1
        ``α > 0``.
    sigma2 : float, default=1
        Noise variance ``σ² > 0``.
    weights : array-like of shape (m,) or (B, m), optional

    Returns
    -------
    mean : ndarray of shape (p,) or (B, p)
    cov : ndarray of shape (p, p) or (B, p, p)

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.models.posterior import conjugate_posterior
    >>> X = np.eye(2); y = np.array([1.0, 2.0])
    >>> mean, cov = conjugate_posterior(X, y, prior_precision=1.0, sigma2=1.0)
    >>> np.round(mean, 6).tolist(), np.round(np.diag(cov), 6).tolist()
    ([0.5, 1.0], [0.5, 0.5])
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if not (np.isfinite(prior_precision) and prior_precision > 0):
        raise ValueError(f"prior_precision must be finite and > 0, got {prior_precision!r}.")
    if not (np.isfinite(sigma2) and sigma2 > 0):
        raise ValueError(f"sigma2 must be finite and > 0, got {sigma2!r}.")
    p = X.shape[1]
    if weights is None:
        prec = X.T @ X / sigma2 + prior_precision * np.eye(p)
        b = X.T @ y / sigma2
    else:
        w = np.asarray(weights, dtype=float)
        if w.ndim == 1:
            prec = (X * w[:, None]).T @ X / sigma2 + prior_precision * np.eye(p)
        else:
            prec = np.einsum("bi,ij,ik->bjk", w, X, X, optimize=True) / sigma2 + (
                prior_precision * np.eye(p)
            )
        b = (w * y) @ X / sigma2
    eye = np.broadcast_to(np.eye(p), prec.shape)
    sol = _solve_posterior(prec, np.concatenate([eye, b[..., None]], axis=-1))
    cov = sol[..., :p]
    cov = 0.5 * (cov + np.swapaxes(cov, -1, -2))
    return sol[..., p], cov


def add_observation(mean, cov, x, y, sigma2=1.0):
    """Posterior after adding one object ``(x, y)`` (Sherman–Morrison).

    Batched: ``mean`` (..., p), ``cov`` (..., p, p), ``x`` (..., p), ``y`` (...).

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.models.posterior import add_observation
    >>> m, S = add_observation(np.zeros(1), np.eye(1), np.ones(1), 2.0)
    >>> float(m[0]), float(S[0, 0])
    (1.0, 0.5)
    """
    mean, cov, x = (np.asarray(a, dtype=float) for a in (mean, cov, x))
    Sx = np.einsum("...ij,...j->...i", cov, x)
    s = np.einsum("...i,...i->...", x, Sx)
    denom = sigma2 + s
    r = np.asarray(y, dtype=float) - np.einsum("...i,...i->...", x, mean)
    new_mean = mean + Sx * (r / denom)[..., None]
    new_cov = cov - Sx[..., :, None] * Sx[..., None, :] / denom[..., None, None]
    return new_mean, new_cov


def remove_observation(mean, cov, x, y, sigma2=1.0):
    """Posterior after removing one object ``(x, y)`` that it contains (Sherman–Morrison).

    ``Σ' = Σ + Σx x^TΣ / (σ² - x^TΣx)`` and ``m' = m - Σx (y - x^T m) / (σ² - x^TΣx)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.models.posterior import add_observation, remove_observation
    >>> m, S = add_observation(np.zeros(1), np.eye(1), np.ones(1), 2.0)
    >>> m0, S0 = remove_observation(m, S, np.ones(1), 2.0)
    >>> float(m0[0]), float(S0[0, 0])
    (0.0, 1.0)
    """
    mean, cov, x = (np.asarray(a, dtype=float) for a in (mean, cov, x))
    Sx = np.einsum("...ij,...j->...i", cov, x)
    s = np.einsum("...i,...i->...", x, Sx)
    denom = sigma2 - s
    if np.any(denom <= 0):
        raise ValueError(
            "Cannot remove the object: the posterior does not contain it (x^T Σ x >= σ²)."
        )
    r = np.asarray(y, dtype=float) - np.einsum("...i,...i->...", x, mean)
    new_mean = mean - Sx * (r / denom)[..., None]
    new_cov = cov + Sx[..., :, None] * Sx[..., None, :] / denom[..., None, None]
    return new_mean, new_cov


def neighbour_kl_s(mean_k, cov_k, x, y, sigma2=1.0):
    """KL and s-score between the posterior ``p_k`` and ``p_{k+1}`` = ``p_k`` plus ``(x, y)``.

    One-object closed forms (spec §8.5), ``O(p²)``: with ``t = x^TΣ_k x/σ²`` and
    ``r = y - x^T m_k``, ``KL(p_k||p_{k+1}) = (t - log(1+t) + r²t/(σ²(1+t)))/2``
    and ``s = exp(-r²t/(2σ²(1+t)(2+t)))``.

    Returns
    -------
    kl, s : ndarrays of shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.models.posterior import neighbour_kl_s
    >>> kl, s = neighbour_kl_s(np.zeros(1), np.eye(1), np.ones(1), 0.0)
    >>> round(float(kl), 6), float(s)
    (0.153426, 1.0)
    """
    mean_k, cov_k, x = (np.asarray(a, dtype=float) for a in (mean_k, cov_k, x))
    t = np.einsum("...i,...ij,...j->...", x, cov_k, x) / sigma2
    r = np.asarray(y, dtype=float) - np.einsum("...i,...i->...", x, mean_k)
    kl = 0.5 * (t - np.log1p(t) + r**2 * t / (sigma2 * (1.0 + t)))
    s = np.exp(-(r**2) * t / (2.0 * sigma2 * (1.0 + t) * (2.0 + t)))
    return kl, s


def deletion_path(X, y, orders, *, prior_precision=1.0, sigma2=1.0, min_size=1,
                  lambda_min=True):
    """KL, s-score and ``λ_min(X_k^T X_k)`` along random deletion paths, by rank-one updates.

    For each row ``perm`` of ``orders`` (a permutation of the ``m`` objects),
    the nested subsamples are ``D_k = perm[:k]``; starting from the full
    posterior, the objects ``perm[m-1], perm[m-2], ...`` are removed one at a
    time (Sherman–Morrison, ``O(p²)`` each) and at every ``k`` from ``m - 1``
    down to ``min_size`` the neighbour criteria ``KL(p_k || p_{k+1})`` and
    ``s-score(p_k, p_{k+1})`` are evaluated in closed form. All paths are
    processed together (batched over the rows of ``orders``).

    Parameters
    ----------
    X : array-like of shape (m, p)
        Design matrix (include an intercept column yourself if wanted).
    y : array-like of shape (m,)
    orders : array-like of int, shape (B, m)
        One permutation of ``range(m)`` per path.
    prior_precision : float, default=1
        ``α`` of the prior ``N(0, α^-1 I)``.
    sigma2 : float, default=1
        Noise variance.
    min_size : int, default=1
        Smallest subsample size evaluated.
    lambda_min : bool, default=True
        Also compute ``λ_min(X_k^T X_k)`` (Theorem 31's condition); costs one
        small symmetric eigenvalue problem per step.

    Returns
    -------
    sizes : ndarray of shape (m - min_size,)
        ``min_size, ..., m - 1`` (increasing).
    kl, s : ndarrays of shape (B, m - min_size)
    lam : ndarray of shape (B, m - min_size) or None

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.models.posterior import deletion_path
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((50, 3)), rng.standard_normal(50)
    >>> orders = np.array([rng.permutation(50) for _ in range(4)])
    >>> sizes, kl, s, lam = deletion_path(X, y, orders, min_size=5)
    >>> kl.shape, bool(kl[:, -1].mean() < kl[:, 0].mean())
    ((4, 45), True)
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    orders = np.atleast_2d(np.asarray(orders, dtype=int))
    n_paths, m = orders.shape
    if m != X.shape[0]:
        raise ValueError(f"orders must have shape (B, {X.shape[0]}), got {orders.shape}.")
    if not 1 <= min_size <= m - 1:
        raise ValueError(f"min_size must lie in [1, {m - 1}], got {min_size}.")
    mean, cov = conjugate_posterior(X, y, prior_precision=prior_precision, sigma2=sigma2)
    p = X.shape[1]
    mean = np.broadcast_to(mean, (n_paths, p)).copy()
    cov = np.broadcast_to(cov, (n_paths, p, p)).copy()
    n_steps = m - min_size
    kl = np.empty((n_paths, n_steps))
    s = np.empty((n_paths, n_steps))
    lam = np.empty((n_paths, n_steps)) if lambda_min else None
    gram = np.broadcast_to(X.T @ X, (n_paths, p, p)).copy() if lambda_min else None
    rows = np.arange(n_paths)
    for k in range(m - 1, min_size - 1, -1):
        j = k - min_size
        idx = orders[rows, k]
        x = X[idx]
        yk = y[idx]
        mean, cov = remove_observation(mean, cov, x, yk, sigma2)
        cov = 0.5 * (cov + np.swapaxes(cov, -1, -2))
        kl[:, j], s[:, j] = neighbour_kl_s(mean, cov, x, yk, sigma2)
        if lambda_min:
            gram -= x[:, :, None] * x[:, None, :]
            lam[:, j] = np.linalg.eigvalsh(gram)[:, 0]
    return np.arange(min_size, m), kl, s, lam


def prefix_neighbour_criteria(X, y, index, sizes, *, prior_precision=1.0, sigma2=1.0,
                              lambda_min=True, expected=False):
    """KL, s-score and ``λ_min`` between neighbouring prefixes of random orders.

    For every replicate ``r`` (a sequence ``index[r]`` of distinct rows) and
    grid size ``k``, ``p_k`` is the conjugate posterior on ``index[r, :k]``
    and ``p_{k+1}`` adds the object ``index[r, k]``. The prefix statistics
    ``X_kᵀX_k``, ``X_kᵀy_k`` of the whole grid come from one cumulative pass
    (:func:`skcomplexity.models.glm.prefix_grams`); each size then costs one
    ``p x p`` Cholesky factorisation and the one-object closed forms of the
    module docstring, so the grid need not be every size.

    Parameters
    ----------
    X : ndarray of shape (m, p)
        Design matrix (with an intercept column if wanted).
    y : ndarray of shape (m,)
    index : ndarray of int, shape (R, length)
        ``length > max(sizes)``.
    sizes : ndarray of int, shape (J,)
    prior_precision, sigma2 : float
    lambda_min : bool, default=True
        Also return ``λ_min(X_kᵀX_k)``.
    expected : bool, default=False
        Return the criteria averaged over the added object's target under the
        posterior predictive of ``p_k`` (its residual ``r`` has variance
        ``σ²(1 + t)``, with ``t = xᵀΣ_k x / σ²``), in closed form:
        ``E KL = (2t - log(1 + t)) / 2`` and
        ``E s = sqrt((2 + t) / (2 + 2t))``. They keep the observed criteria's
        expectation under the model and lose their ``χ²₁`` noise (and the
        spikes of an outlying target); the leverage ``t`` of the added object
        is still the observed one.

    Arrays of another namespace than NumPy (torch tensors, on the CPU or a CUDA
    device: scikit-learn's array API convention) are computed on their device in
    float64 (:mod:`skcomplexity.models.batched_xp`); ``index`` is a NumPy array
    on the host, and the results come back as NumPy arrays.

    Returns
    -------
    kl, s : ndarrays of shape (J, R)
    lam : ndarray of shape (J, R) or None

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((40, 3)), rng.standard_normal(40)
    >>> order = rng.permutation(40)[None]
    >>> kl, s, lam = prefix_neighbour_criteria(X, y, order, np.array([10]))
    >>> m1, c1 = conjugate_posterior(X[order[0, :10]], y[order[0, :10]])
    >>> m2, c2 = conjugate_posterior(X[order[0, :11]], y[order[0, :11]])
    >>> bool(np.isclose(kl[0, 0], gaussian_kl(m1, c1, m2, c2)))
    True
    """
    if namespace_of(X) is not None:  # torch tensors (CPU or CUDA): computed on their device
        sizes = np.asarray(sizes, dtype=int)
        return neighbour_criteria_xp(
            X, y, np.asarray(index), sizes, prior_precision=prior_precision, sigma2=sigma2,
            lambda_min=lambda_min, expected=expected, on_failure=_not_positive_definite,
            route=neighbour_route(len(sizes), int(sizes[-1]) + 1, X.shape[1], lambda_min,
                                  device=True))
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    sizes = np.asarray(sizes, dtype=int)
    p = X.shape[1]
    route = neighbour_route(len(sizes), int(sizes[-1]) + 1, p, lambda_min)
    if route == "sequential":
        kl, s = _sequential_neighbour_criteria(X, y, index, sizes, prior_precision, sigma2,
                                               expected)
        return kl, s, None
    if route == "solve":  # one replicate at a time: no (R, J, p, p) table
        t, r2 = prefix_solve_criteria(X, y, index, sizes, prior_precision, sigma2, expected,
                                      on_failure=lambda P: _chol(P, "the posterior precision"))
        kl, s = _one_object_criteria(t, r2, sigma2)
        return kl.T, s.T, None
    S = prefix_grams_xy(X, y, index, sizes)  # (R, J, p+1, p+1)
    gram = S[..., :p, :p]
    prec = gram / sigma2 + prior_precision * np.eye(p)
    x_new = X[index[:, sizes]]  # (R, J, p)
    y_new = y[index[:, sizes]]
    # one factorisation, two right-hand sides: the mean P⁻¹Xᵀy/σ² and P⁻¹x of the new object
    rhs = np.stack([S[..., :p, p] / sigma2, x_new], axis=-1)
    sol = _solve_posterior(prec, rhs)
    mean, u = sol[..., 0], sol[..., 1]
    t = np.sum(x_new * u, axis=-1) / sigma2
    r2 = None if expected else (y_new - np.sum(x_new * mean, axis=-1)) ** 2
    kl, s = _one_object_criteria(t, r2, sigma2)
    lam = np.linalg.eigvalsh(gram)[..., 0].T if lambda_min else None
    return kl.T, s.T, lam


def _one_object_criteria(t, r2, sigma2):
    """KL and s-score of taking one object, from ``t = xᵀΣx / σ²`` and (observed) its
    squared residual ``r2``; the expected criteria when ``r2`` is None."""
    if r2 is None:
        return 0.5 * (2.0 * t - np.log1p(t)), np.sqrt((2.0 + t) / (2.0 + 2.0 * t))
    kl = 0.5 * (t - np.log1p(t) + r2 * t / (sigma2 * (1.0 + t)))
    s = np.exp(-r2 * t / (2.0 * sigma2 * (1.0 + t) * (2.0 + t)))
    return kl, s


def neighbour_route(n_sizes, length, p, lambda_min=False, device=False):
    """Which route :func:`prefix_neighbour_criteria` takes: ``"sequential"``, ``"solve"``
    or ``"prefix"``.

    * ``"sequential"``: block Kalman updates along each order, about
      ``length (1.5e-10 p² + 2.5e-6)`` seconds per order on one core (the constant:
      numpy's per-block overhead per object);
    * ``"solve"`` (the host, without ``λ_min``): each order's running Gram matrix
      factorised at every size on the spot (:mod:`~skcomplexity.models._prefix_solve`),
      about ``3e-11 length p² + n_sizes (3e-11 p³ + 1e-9 p² + 1.5e-5)`` seconds;
    * ``"prefix"``: the ``(R, J, p, p)`` table of prefix Gram matrices and one batched
      Cholesky solve per size — what ``λ_min`` needs (its eigenvalues), and the
      device's route (few, large kernels), chosen there by the earlier cost model
      ``length p² + n_sizes (p³/3 + 150 p²)`` against ``length (2 p² + 3000)``.

    The constants were measured on one thread (R = 100, the default front door):
    10,000 x 101 on 100 sizes 1.6 s (solve) against 4.0 s (sequential), 10,000 x 301
    8.9 s against 16.1 s, 3,000 x 101 1.04 s against 1.07 s, 2,000 x 101 on every size
    11.5 s against 1.0 s, 1,000 x 21 on every size 1.45 s against 0.24 s.

    Examples
    --------
    >>> neighbour_route(980, 1000, 21), neighbour_route(100, 100_000, 21)
    ('sequential', 'solve')
    >>> neighbour_route(100, 100_000, 21, lambda_min=True)
    'prefix'
    """
    if lambda_min:
        return "prefix"
    if device:
        sequential = length * (2.0 * p * p + 3000.0)
        prefix = length * p * p + n_sizes * (p**3 / 3.0 + 150.0 * p * p)
        return "sequential" if sequential < prefix else "prefix"
    sequential = length * (1.5e-10 * p * p + 2.5e-6)
    solve = 3e-11 * length * p * p + n_sizes * (3e-11 * p**3 + 1e-9 * p * p + 1.5e-5)
    return "sequential" if sequential < solve else "solve"


def _sequential_neighbour_criteria(X, y, index, sizes, prior_precision, sigma2, expected,
                                   block=32):
    """KL and s-score between neighbouring prefixes by updates along each order.

    The conjugate posterior ``N(μ_k, Σ_k)`` starts at the prior ``N(0, α⁻¹ I)`` and
    takes the objects of each order in blocks of ``block`` (the Kalman update of a block
    ``B``: with ``U = Σ X_Bᵀ`` and ``M = X_B U + σ² I = L D Lᵀ``,
    ``Σ ← Σ - U M⁻¹ Uᵀ`` and ``μ ← μ + U M⁻¹ (y_B - X_B μ)``), batched over the orders:
    ``O(length p²)`` per order for the whole grid in matrix products, ``O(R p²)``
    memory. Inside a block the one-object quantities are exact: the predictive
    variance of its ``i``-th object given the previous ones is ``D_ii``
    (``t = D_ii / σ² - 1``) and its residual is the ``i``-th innovation
    ``(L⁻¹ (y_B - X_B μ))_i``, so the criteria at size ``k`` are those of
    :func:`prefix_neighbour_criteria` for the object ``index[:, k]``.
    """
    R, p = index.shape[0], X.shape[1]
    sizes = np.asarray(sizes, dtype=int)
    out_kl, out_s = np.empty((len(sizes), R)), np.empty((len(sizes), R))
    cov = np.broadcast_to(np.eye(p) / prior_precision, (R, p, p)).copy()
    mean = np.zeros((R, p))
    stop = int(sizes[-1]) + 1  # objects 0 .. sizes[-1] are read
    for start in range(0, stop, block):
        rows = index[:, start:min(start + block, stop)]  # (R, b)
        b = rows.shape[1]
        Xb, yb = X[rows], y[rows]                        # (R, b, p), (R, b)
        U = cov @ np.swapaxes(Xb, 1, 2)                   # (R, p, b)
        M = Xb @ U + sigma2 * np.eye(b)
        C = np.linalg.cholesky(M)                         # M = C Cᵀ, C = L D^½
        d = np.diagonal(C, axis1=1, axis2=2)              # D^½
        innov = yb - np.einsum("rbp,rp->rb", Xb, mean)
        # C⁻¹ once (b right-hand sides, not p), then products: half the time of two solves
        Ci = np.linalg.solve(C, np.eye(b))
        z = np.einsum("rij,rj->ri", Ci, innov)            # D^-½ L⁻¹ (y - Xμ)
        t = d**2 / sigma2 - 1.0
        r2 = (z * d) ** 2                                 # squared innovations
        want = (sizes >= start) & (sizes < start + b)
        if want.any():
            pos = sizes[want] - start
            tj, r2j = t[:, pos].T, r2[:, pos].T
            if expected:
                out_kl[want] = 0.5 * (2.0 * tj - np.log1p(tj))
                out_s[want] = np.sqrt((2.0 + tj) / (2.0 + 2.0 * tj))
            else:
                out_kl[want] = 0.5 * (tj - np.log1p(tj) + r2j * tj / (sigma2 * (1.0 + tj)))
                out_s[want] = np.exp(-r2j * tj / (2.0 * sigma2 * (1.0 + tj) * (2.0 + tj)))
        if start + b >= stop:
            break
        W = Ci @ np.swapaxes(U, 1, 2)                     # C⁻¹ Uᵀ, (R, b, p)
        cov -= np.swapaxes(W, 1, 2) @ W
        mean += np.einsum("rbp,rb->rp", W, z)
    return out_kl, out_s


POSTERIOR_PROTOCOL = (
    "a fitted estimator exposes a Gaussian posterior N(mean, cov) over its coefficients "
    "either through a method get_gaussian_posterior() returning (mean, cov), or through the "
    "attributes coef_ (mean, shape (p,)) and sigma_ (covariance, shape (p, p)) as "
    "sklearn.linear_model.BayesianRidge and ARDRegression do"
)


def get_gaussian_posterior(estimator):
    """Return ``(mean, cov)`` of a fitted estimator's Gaussian posterior.

    The protocol (:data:`POSTERIOR_PROTOCOL`): a method
    ``get_gaussian_posterior()`` returning ``(mean, cov)``, or else the
    attribute pair ``coef_`` / ``sigma_`` (scikit-learn's ``BayesianRidge``,
    ``ARDRegression``).

    Parameters
    ----------
    estimator : fitted estimator

    Returns
    -------
    mean : ndarray of shape (p,)
    cov : ndarray of shape (p, p)

    Raises
    ------
    TypeError
        If the estimator follows neither form of the protocol.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import BayesianRidge
    >>> from skcomplexity.models.posterior import get_gaussian_posterior
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((30, 2)); y = X @ [1.0, -1.0] + rng.standard_normal(30)
    >>> mean, cov = get_gaussian_posterior(BayesianRidge().fit(X, y))
    >>> mean.shape, cov.shape
    ((2,), (2, 2))
    """
    if hasattr(estimator, "get_gaussian_posterior"):
        mean, cov = estimator.get_gaussian_posterior()
    elif hasattr(estimator, "coef_") and hasattr(estimator, "sigma_"):
        mean, cov = estimator.coef_, estimator.sigma_
    else:
        raise TypeError(
            f"{type(estimator).__name__} does not expose a Gaussian posterior, which KL- and "
            f"S-sufficiency need. Protocol: {POSTERIOR_PROTOCOL}. Use estimator=None for the "
            "built-in conjugate (linear) or Laplace (logistic) posterior."
        )
    mean = np.asarray(mean, dtype=float).reshape(-1)
    cov = np.asarray(cov, dtype=float)
    if cov.shape != (mean.size, mean.size):
        raise ValueError(
            f"{type(estimator).__name__}'s posterior covariance has shape {cov.shape}, expected "
            f"({mean.size}, {mean.size}) to match its mean."
        )
    return mean, cov
