"""The sample-size engine's batched linear algebra on any array API namespace (torch, CUDA).

The NumPy routines of :mod:`skcomplexity.models._batched`,
:mod:`skcomplexity.models.posterior`, :mod:`skcomplexity.models._gathered` and
:mod:`skcomplexity.models._laplace_step` stay exactly as they are; these are their
counterparts for arrays of another namespace (scikit-learn's array API
convention, :mod:`skcomplexity._array_api`), computing the same numbers (to
rounding) on the arrays' device in float64:

* :func:`prefix_grams_xp` — the Gram matrices of every prefix of every
  replicate's index sequence, gathered on the device in pieces within an element
  budget (so a 10,000,000-row sequence never needs a ``(R, m, q)`` copy);
* :func:`fit_linear_prefix_xp` — least squares / ridge on every prefix of every
  replicate (:func:`~skcomplexity.models._linear_prefix.fit_linear_prefix`: the prefix Gram
  matrices and one batched Cholesky solve on the device; the rare singular prefix
  solved on the host by the same fallback);
* :func:`neighbour_criteria_xp` — KL, s-score and ``λ_min`` between neighbouring
  prefixes of the conjugate Bayesian linear regression, by either route of
  :func:`~skcomplexity.models.posterior.prefix_neighbour_criteria` (prefix Gram
  matrices and one batched Cholesky solve per size, or block Kalman updates
  along the orders);
* :func:`solve_spd_xp` — the device's SPD solve (batched Cholesky; a failing or
  nearly singular system judged and solved on the host by
  :func:`~skcomplexity.models._batched.solve_spd`), for the Newton steps of
  :mod:`~skcomplexity.models.glm_xp` and :mod:`~skcomplexity.models.logistic_xp`;
* :func:`standardize_columns_xp`, :func:`aliased_column_found_xp`,
  :func:`least_squares_rss_xp` — the preparation of a regression design on the
  device (z-scored columns, the identifiability rule, the residual variance)
  for the ordinary case, None or True where the host must decide (and report).

Logistic regression on nested prefixes (binary targets) is in
:mod:`skcomplexity.models.logistic_xp`, on the same gathers and budgets.

The index sequences (the random draws) come in as NumPy arrays from the host
and are moved onto the device piece by piece; the per-replicate results go
back to the host as NumPy arrays of shape ``(J, R)``, which is all the
estimators read.
"""


import numpy as np

from .._array_api import (
    cho_solve,
    cholesky,
    is_torch_namespace,
    namespace_of,
    solve_triangular,
    to_numpy,
)
from ._batched import solve_spd
from ._identifiability import ALIAS_TOL
from ._linear_prefix import (
    linear_prefix_design,
    linear_prefix_fallback,
    linear_prefix_normal_equations,
)

__all__ = ["aliased_column_found_xp", "fit_linear_prefix_xp", "least_squares_rss_xp",
           "neighbour_criteria_xp", "prefix_grams_xp", "solve_spd_xp", "standardize_columns_xp"]

#: Largest number of elements of the rows gathered at once on a GPU (few, large kernels) and
#: on the CPU (pieces whose gathered rows stay in cache until they are multiplied: D on
#: 20,000 x 20 torch CPU tensors took 3.5 s with 2**20 against 6.0 s with 2**25).
_GATHER_ELEMENTS = 2**25
_GATHER_ELEMENTS_CPU = 2**20
#: :func:`fit_linear_prefix_xp`: a factorised system whose squared Cholesky-diagonal ratio
#: is below this is checked by its eigenvalues (on the host) before it is trusted.
_DOUBTFUL_PIVOTS = 1e-8


def _device(a):
    from sklearn.externals import array_api_compat

    return array_api_compat.device(a)


def _gather(xp, A, index):
    """``A[index]`` for a NumPy ``index`` of any shape, on ``A``'s device."""
    idx = xp.asarray(np.ascontiguousarray(index, dtype=np.int64).reshape(-1),
                     device=_device(A))
    if is_torch_namespace(xp):  # the standard's take checks for negative indices first
        import torch

        rows = torch.index_select(A, 0, idx)
    else:
        rows = xp.take(A, idx, axis=0)
    return xp.reshape(rows, tuple(np.shape(index)) + tuple(A.shape[1:]))


def _replace_rows(xp, A, rows, B):
    """``A`` with its rows ``rows`` (NumPy int) replaced by ``B`` (a new array)."""
    n = A.shape[0]
    pick = np.arange(n)
    pick[rows] = n + np.arange(len(rows))
    return xp.take(xp.concat([A, B], axis=0), xp.asarray(pick, device=_device(A)), axis=0)


def _take_rows(xp, A, rows):
    return xp.take(A, xp.asarray(np.asarray(rows, dtype=np.int64), device=_device(A)), axis=0)


def solve_spd_xp(A, B, *, warn=None):
    """``A⁻¹ B`` for positive-definite systems on their device: THE device SPD solve.

    ``A`` (..., q, q), ``B`` (..., q, c). One batched Cholesky factorisation and
    solve on the device; a system whose factorisation fails, or succeeds with a
    squared diagonal ratio at most :data:`_DOUBTFUL_PIVOTS` (a numerically singular
    matrix factorises or not as its rounding falls), is solved on the host by
    :func:`~skcomplexity.models._batched.solve_spd`, which judges it as for NumPy
    input (its minimum-norm solution, and ``warn`` when it is not positive
    definite), and its solution moved back.
    """
    xp = namespace_of(A)
    L, ok = cholesky(xp, A)
    out = cho_solve(xp, L, B)
    d = xp.linalg.diagonal(L)
    ratio = (xp.min(d, axis=-1) / xp.max(d, axis=-1)) ** 2
    host = np.flatnonzero(~to_numpy(ok & (ratio > _DOUBTFUL_PIVOTS)).reshape(-1))
    if not host.size:
        return out
    q, c, batch = A.shape[-1], B.shape[-1], tuple(A.shape[:-2])
    flat_a, flat_b = xp.reshape(A, (-1, q, q)), xp.reshape(out, (-1, q, c))
    fill = solve_spd(to_numpy(_take_rows(xp, flat_a, host)),
                     to_numpy(_take_rows(xp, xp.reshape(B, (-1, q, c)), host)), warn=warn)
    fill = xp.asarray(fill, dtype=A.dtype, device=_device(A))
    return xp.reshape(_replace_rows(xp, flat_b, host, fill), batch + (q, c))


def prefix_grams_xp(A, index, sizes, *, budget=None):
    """Gram matrices of every prefix of every replicate's index sequence, on ``A``'s device.

    ``out[r, j] = A[index[r, :sizes[j]]]ᵀ A[index[r, :sizes[j]]]``:
    :func:`skcomplexity.models._batched.prefix_grams` for an array of another
    namespace. The sequence is read in pieces of at most ``budget`` gathered
    elements; between consecutive sizes the rows are multiplied once (batched over
    the replicates) and accumulated.

    Parameters
    ----------
    A : array of shape (m, q), of a namespace other than NumPy
    index : ndarray of int, shape (R, length)
        On the host; moved onto the device a piece at a time.
    sizes : ndarray of int, shape (J,)
        Increasing prefix lengths ``<= length``.
    budget : int or None, default=None
        Largest ``R x piece x q`` gathered at once; None: ``2**20`` on the CPU, ``2**25``
        on any other device.

    Returns
    -------
    grams : array of shape (R, J, q, q), on ``A``'s device
    """
    xp = namespace_of(A)
    sizes = np.asarray(sizes, dtype=int)
    R, q = index.shape[0], A.shape[1]
    top = int(sizes[-1])
    if budget is None:
        cpu = str(_device(A)).split(":")[0] == "cpu"
        budget = _GATHER_ELEMENTS_CPU if cpu else _GATHER_ELEMENTS
    piece = max(1, budget // max(1, R * q))
    acc = xp.zeros((R, q, q), dtype=A.dtype, device=_device(A))
    out = []
    for a in range(0, top, piece):
        b = min(a + piece, top)
        rows = _gather(xp, A, index[:, a:b])  # (R, b - a, q)
        # the sizes that end inside this piece cut it into segments; each segment's rows
        # are multiplied once and added to the running Gram matrices
        cuts = [int(k) - a for k in sizes[(sizes > a) & (sizes <= b)]]
        ends = cuts + ([b - a] if not cuts or cuts[-1] < b - a else [])
        start, n_cuts = 0, len(cuts)
        for i, c in enumerate(ends):
            if c > start:
                seg = rows[:, start:c, :]
                acc = acc + xp.matmul(xp.matrix_transpose(seg), seg)
            if i < n_cuts:
                out.append(acc)
            start = c
    return xp.stack(out, axis=1)


def fit_linear_prefix_xp(X, y, index, sizes, *, device, alpha=0.0, fit_intercept=True,
                         cache=None, rcond=1e-12):
    """Least squares / ridge on every prefix of every replicate's index sequence, on a device.

    :func:`~skcomplexity.models._linear_prefix.fit_linear_prefix` with the heavy work on
    ``device``: the standardised design ``[1, Z, y - ȳ]``
    (:func:`~skcomplexity.models._linear_prefix.linear_prefix_design`, built on the host)
    is moved there once, the prefix Gram matrices (:func:`prefix_grams_xp`), the
    normal equations and one batched Cholesky factorisation and solve run there in
    float64. A system that is not positive definite, or whose squared
    Cholesky-diagonal ratio is at most ``rcond`` (the NumPy routine's rule), or whose
    ratio is small and whose eigenvalue ratio is at most ``rcond`` (the NumPy routine's
    rule after a failed factorisation: a numerically singular system factorises or not
    as its rounding falls, on either route), is solved
    on the host by the NumPy routine's minimum-norm fallback on the prefix's own rows
    (:func:`~skcomplexity.models._linear_prefix.linear_prefix_fallback`) and its
    coefficients moved back. The numbers are the NumPy routine's to rounding.

    Parameters
    ----------
    X : ndarray of shape (m, n)
        The features, on the host (the fallback reads the rows of a singular prefix).
    y : ndarray of shape (m,)
        The target, on the host.
    index : ndarray of int, shape (R, length)
        The replicates' index sequences, on the host.
    sizes : ndarray of int, shape (J,)
        Increasing prefix lengths ``<= length``.
    device : :class:`~skcomplexity._array_api.DeviceSpec`
        Where to compute.
    alpha : float, default=0.0
        Ridge penalty of the coefficients (the intercept is not penalised).
    fit_intercept : bool, default=True
    cache : dict or None, default=None
        Kept by the caller across calls on the same ``X``, ``y`` and ``device``: the
        design is moved to the device at the first call and reused.
    rcond : float, default=1e-12
        The conditioning below which a prefix takes the fallback.

    Returns
    -------
    coef : array of shape (R, J, n), on ``device``
    intercept : array of shape (R, J), on ``device``
    """
    key = ("linear design on device", device, bool(fit_intercept))
    if cache is not None and key in cache:
        A, mu, sd, ymu = cache[key]
    else:  # the host design is not kept: the device holds the only long-lived copy
        A, mu, sd, ymu = linear_prefix_design(X, y, fit_intercept=fit_intercept)
        A, mu = device.asarray(A), device.asarray(mu)
        if cache is not None:
            cache[key] = A, mu, sd, ymu
    xp = namespace_of(A)
    sizes = np.asarray(sizes, dtype=int)
    S = prefix_grams_xp(A, index, sizes)
    G, b, k, sz, sy = linear_prefix_normal_equations(S, fit_intercept)
    G = G + device.asarray(np.diag(alpha / sd**2))
    L, ok = cholesky(xp, G)
    d = xp.linalg.diagonal(L)
    ratio = (xp.min(d, axis=-1) / xp.max(d, axis=-1)) ** 2
    ok = ok & xp.all(d > 0, axis=-1) & (ratio > rcond)
    coef_z = cho_solve(xp, L, b[..., None])[..., 0]
    failed = ~to_numpy(ok)
    # a numerically singular system (a subsample with too few distinct rows) factorises or
    # not as its rounding falls; one whose factorisation passed with a small pivot is judged
    # by its eigenvalues instead (as NumPy's route judges it after a failed factorisation)
    doubtful = to_numpy(ok & (ratio <= _DOUBTFUL_PIVOTS))
    if doubtful.any():
        lam = np.linalg.eigvalsh(to_numpy(G[xp.asarray(doubtful, device=_device(G))]))
        failed[doubtful] = ~((lam[:, 0] > 0) & (lam[:, 0] > rcond * lam[:, -1]))
        ok = xp.asarray(~failed, device=_device(G))
    if failed.any():
        fill = np.zeros(tuple(coef_z.shape))
        for (r, j), value in linear_prefix_fallback(X, y, index, sizes, failed, alpha=alpha,
                                                    fit_intercept=fit_intercept, sd=sd):
            fill[r, j] = value
        coef_z = xp.where(ok[..., None], coef_z, device.asarray(fill))
    coef = coef_z / device.asarray(sd)
    if fit_intercept:
        intercept = ymu + (sy - xp.sum(sz * coef_z, axis=-1)) / k - xp.matmul(coef, mu)
    else:
        intercept = xp.zeros(tuple(coef.shape[:-1]), dtype=coef.dtype, device=_device(coef))
    return coef, intercept


def _closed_forms(xp, t, r2, sigma2, expected):
    """The one-object KL and s-score of :mod:`~skcomplexity.models.posterior`."""
    if expected:
        return 0.5 * (2.0 * t - xp.log1p(t)), xp.sqrt((2.0 + t) / (2.0 + 2.0 * t))
    kl = 0.5 * (t - xp.log1p(t) + r2 * t / (sigma2 * (1.0 + t)))
    s = xp.exp(-r2 * t / (2.0 * sigma2 * (1.0 + t) * (2.0 + t)))
    return kl, s


def _host_t(a):
    """(R, J) on the device -> (J, R) NumPy."""
    return np.ascontiguousarray(to_numpy(a).T)


def neighbour_criteria_xp(X, y, index, sizes, *, prior_precision, sigma2, lambda_min,
                          expected, route, on_failure):
    """KL, s-score and ``λ_min`` between neighbouring prefixes, computed on ``X``'s device.

    The device counterpart of
    :func:`~skcomplexity.models.posterior.prefix_neighbour_criteria` (same arguments,
    ``route`` the one :func:`~skcomplexity.models.posterior.neighbour_route` chose).
    ``on_failure()`` is called when a posterior precision is not positive definite (the
    NumPy routine's error, from the host).

    Returns
    -------
    kl, s : ndarrays of shape (J, R), on the host
    lam : ndarray of shape (J, R) or None
    """
    xp = namespace_of(X)
    if route == "sequential":
        kl, s = _sequential_xp(xp, X, y, index, sizes, prior_precision, sigma2, expected,
                               on_failure)
        return _host_t(kl), _host_t(s), None
    sizes = np.asarray(sizes, dtype=int)
    p = X.shape[1]
    A = xp.concat([X, y[:, None]], axis=1)  # [X, y]: one gather per piece
    S = prefix_grams_xp(A, index, sizes)  # (R, J, p+1, p+1)
    gram = S[..., :p, :p]
    eye = xp.eye(p, dtype=X.dtype, device=_device(X))
    prec = gram / sigma2 + prior_precision * eye
    new = _gather(xp, A, index[:, sizes])  # (R, J, p+1): the object each prefix takes next
    del A
    x_new, y_new = new[..., :p], new[..., p]
    # one factorisation, two right-hand sides: the mean P⁻¹Xᵀy/σ² and P⁻¹x of the new object
    rhs = xp.stack([S[..., :p, p] / sigma2, x_new], axis=-1)
    L, ok = cholesky(xp, prec)
    if not bool(xp.all(ok)):
        on_failure(to_numpy(prec))
    sol = cho_solve(xp, L, rhs)
    mean, u = sol[..., 0], sol[..., 1]
    t = xp.sum(x_new * u, axis=-1) / sigma2
    r2 = None if expected else (y_new - xp.sum(x_new * mean, axis=-1)) ** 2
    kl, s = _closed_forms(xp, t, r2, sigma2, expected)
    lam = _host_t(xp.linalg.eigvalsh(gram)[..., 0]) if lambda_min else None
    return _host_t(kl), _host_t(s), lam


def _sequential_xp(xp, X, y, index, sizes, prior_precision, sigma2, expected, on_failure,
                   block=32):
    """:func:`~skcomplexity.models.posterior._sequential_neighbour_criteria` on the device.

    Block Kalman updates of the conjugate posterior along each order (batched over
    the orders); the criteria at the grid sizes inside a block are its objects'
    predictive variances and innovations. Returns ``(kl, s)`` of shape (R, J) on the
    device.
    """
    R, p = index.shape[0], X.shape[1]
    dev = _device(X)
    sizes = np.asarray(sizes, dtype=int)
    cov = xp.broadcast_to(xp.eye(p, dtype=X.dtype, device=dev) / prior_precision, (R, p, p))
    mean = xp.zeros((R, p), dtype=X.dtype, device=dev)
    stop = int(sizes[-1]) + 1  # objects 0 .. sizes[-1] are read
    ts, r2s = [], []
    for start in range(0, stop, block):
        rows = index[:, start:min(start + block, stop)]  # (R, b)
        b = rows.shape[1]
        Xb, yb = _gather(xp, X, rows), _gather(xp, y, rows)  # (R, b, p), (R, b)
        U = xp.matmul(cov, xp.matrix_transpose(Xb))  # (R, p, b)
        M = xp.matmul(Xb, U) + sigma2 * xp.eye(b, dtype=X.dtype, device=dev)
        C, ok = cholesky(xp, M)  # M = C Cᵀ, C = L D^½
        if not bool(xp.all(ok)):
            on_failure(to_numpy(M))
        d = xp.linalg.diagonal(C)  # D^½
        innov = yb - xp.sum(Xb * mean[:, None, :], axis=-1)
        z = solve_triangular(xp, C, innov[..., None])[..., 0]  # D^-½ L⁻¹ (y - Xμ)
        want = (sizes >= start) & (sizes < start + b)
        if want.any():
            pos = xp.asarray(sizes[want] - start, device=dev)
            ts.append(xp.take(d**2 / sigma2 - 1.0, pos, axis=1))
            r2s.append(xp.take((z * d) ** 2, pos, axis=1))
        if start + b >= stop:
            break
        W = solve_triangular(xp, C, xp.matrix_transpose(U))  # C⁻¹ Uᵀ, (R, b, p)
        cov = cov - xp.matmul(xp.matrix_transpose(W), W)
        mean = mean + xp.sum(W * z[..., None], axis=1)
    t, r2 = xp.concat(ts, axis=1), xp.concat(r2s, axis=1)
    return _closed_forms(xp, t, None if expected else r2, sigma2, expected)


# ----------------------------------------------------------- preparation on the device
def standardize_columns_xp(X, *, center=True):
    """:func:`skcomplexity._validation.standardize_columns` on ``X``'s device, ordinary case.

    Each column divided by its largest absolute value, centred (``center``) and
    divided by its standard deviation (root mean square without centring):
    ``(Xs, offset, scale)`` with ``Xs = (X - offset) / scale`` on the device and
    ``offset``, ``scale`` NumPy arrays. Returns None where the host must decide: a
    column whose largest absolute value is zero or below the smallest normal double
    (the host's error), or a constant one (its scaling, and the identifiability
    warning that names it).
    """
    xp = namespace_of(X)
    amax = xp.max(xp.abs(X), axis=0)
    if np.any(to_numpy(amax) < np.finfo(np.float64).tiny):
        return None
    Xd = X / amax
    if np.any(to_numpy(xp.max(Xd, axis=0) - xp.min(Xd, axis=0)) == 0):
        return None
    offset = xp.mean(Xd, axis=0) if center else None
    dev = Xd - offset if center else Xd
    spread = xp.sqrt(xp.mean(dev * dev, axis=0))
    if np.any(to_numpy(spread) == 0):
        return None
    a = to_numpy(amax)
    offset = to_numpy(offset) * a if center else np.zeros(X.shape[1])
    return dev / spread, offset, to_numpy(spread) * a


def aliased_column_found_xp(D, tol=ALIAS_TOL):
    """Whether :func:`skcomplexity.models._identifiability.aliased_columns`'s rule finds an
    aliased column of ``D`` (on its device): Gram–Schmidt in column order with
    re-orthogonalisation, column ``j`` aliased when its residual on the earlier columns has
    norm at most ``tol`` times its own."""
    xp = namespace_of(D)
    m, p = D.shape
    Q = xp.zeros((p, m), dtype=D.dtype, device=_device(D))  # the orthonormal columns, as rows
    for j in range(p):
        col = D[:, j]
        norm = float(xp.linalg.vector_norm(col))
        r = col
        for _ in range(2):  # twice is enough (Kahan–Parlett)
            if j:
                r = r - xp.matmul(xp.matrix_transpose(Q[:j, :]), xp.matmul(Q[:j, :], r))
        rn = float(xp.linalg.vector_norm(r))
        if norm == 0 or rn <= tol * norm:
            return True
        Q[j, :] = r / rn
    return False


def least_squares_rss_xp(D, y):
    """Residual sum of squares of the least-squares fit of ``y`` on ``D`` (normal equations by
    Cholesky, on the device); None when ``DᵀD`` is not positive definite."""
    xp = namespace_of(D)
    G = xp.matmul(xp.matrix_transpose(D), D)
    b = xp.matmul(xp.matrix_transpose(D), y[:, None])
    L, ok = cholesky(xp, G)
    if not bool(xp.all(ok)):
        return None
    coef = cho_solve(xp, L, b)
    resid = y - xp.matmul(D, coef)[:, 0]
    return float(xp.sum(resid * resid))
