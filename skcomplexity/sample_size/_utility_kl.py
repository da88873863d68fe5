"""Bayesian sample size by the KL divergence between neighbouring subsamples
(Motrenko–Strijov–Weber), dissertation §4.3.

Importable, like the other Bayesian methods, from :mod:`skcomplexity.sample_size.bayesian`.
The expected-utility method (Lindley) lives in :mod:`._utility` and is re-exported here.
"""

import numpy as np

from .._docstrings import fill_doc
from ..models.glm import BINOMIAL
from ._base import CriterionResult
from ._bayes_base import COMMON_PARAMS_DOC, _PosteriorSampleSize
from ._utility import UtilitySampleSize  # noqa: F401 - importable from here, as before

__all__ = [
    "KLNeighbourSampleSize",
    "UtilitySampleSize",
    "leave_one_out_kl",
    "leave_one_out_posteriors",
    "prefix_leave_one_out_kl",
]


# ------------------------------------------------------------------- KL [19]
def _loo_terms(X, y, mean, cov, family, sigma2):
    """Per-object pieces of the rank-one leave-one-out update.

    For a posterior with precision ``P = Σ⁻¹`` at mean ``m``, leaving object
    ``i`` out changes the precision by ``-h_i x_i x_iᵀ`` and (one Newton step
    from ``m``, exact for the Gaussian family) the mean by
    ``-Σ_{(-i)} x_i g_i``, with ``h_i = 1/σ²``, ``g_i = (y_i - x_iᵀm)/σ²``
    (Gaussian) or ``h_i = μ_i(1-μ_i)``, ``g_i = y_i - μ_i`` (binomial).

    Returns ``s = x_iᵀ Σ x_i``, ``h`` and ``g`` of shape (B, m).
    """
    theta = mean @ X.T
    s = np.einsum("ij,bjk,ik->bi", X, cov, X, optimize=True)
    if family == "gaussian":
        h = np.full_like(theta, 1.0 / sigma2)
        g = (y - theta) / sigma2
    else:
        mu = BINOMIAL.mean(theta)
        h = mu * (1.0 - mu)
        g = y - mu
    return s, h, g


def leave_one_out_posteriors(X, y, mean, cov, family="gaussian", sigma2=1.0):
    """Posteriors with each object left out, by Sherman–Morrison downdates.

    Parameters
    ----------
    X : ndarray of shape (k, p)
        The objects of the subsample (design matrix).
    y : ndarray of shape (k,)
    mean : ndarray of shape (p,)
        Posterior mean on the whole subsample.
    cov : ndarray of shape (p, p)
        Posterior covariance on the whole subsample.
    family : {"gaussian", "binomial"}, default="gaussian"
        Exact for the Gaussian family; for the binomial (Laplace) posterior the
        mean is one Newton step from ``mean`` and the precision loses the
        object's curvature at ``mean`` (the standard approximate leave-one-out).
    sigma2 : float, default=1
        Noise variance (Gaussian family).

    Returns
    -------
    means : ndarray of shape (k, p)
    covs : ndarray of shape (k, p, p)

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.models.glm import laplace_posterior
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    >>> m, S = laplace_posterior(X, y, "gaussian", prior_precision=1.0)
    >>> ms, Ss = leave_one_out_posteriors(X, y, m, S)
    >>> m0, S0 = laplace_posterior(X[1:], y[1:], "gaussian", prior_precision=1.0)
    >>> bool(np.allclose(ms[0], m0) and np.allclose(Ss[0], S0))
    True
    """
    s, h, g = _loo_terms(X, y, mean[None], cov[None], family, sigma2)
    s, h, g = s[0], h[0], g[0]
    Sx = X @ cov  # rows: Σ x_i (Σ symmetric)
    denom = 1.0 - h * s
    covs = cov[None] + (h / denom)[:, None, None] * Sx[:, :, None] * Sx[:, None, :]
    means = mean[None] - (g / denom)[:, None] * Sx  # Σ_(-i) x_i = Σ x_i / (1 - h s)
    return means, covs


def leave_one_out_kl(s, h, g):
    """``KL(p_k || p_(-i))`` from the rank-one terms of :func:`leave_one_out_posteriors`.

    With ``t = h s``: ``½ [-t - log(1 - t) + g² s / (1 - t)]`` — the Gaussian
    KL divergence ``½[tr(Σ'⁻¹Σ) + Δmᵀ Σ'⁻¹ Δm - p + log det Σ' / det Σ]``
    with ``tr(Σ'⁻¹Σ) = p - t``, ``log det Σ'/det Σ = -log(1 - t)`` and
    ``Δmᵀ Σ'⁻¹ Δm = g² s / (1 - t)``.
    """
    t = h * s
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = 0.5 * (-t - np.log1p(-t) + g**2 * s / (1.0 - t))
    return np.where(t < 1.0, kl, np.inf)


#: Elements of the (parameter pairs x replicates x rows) block of row outer products that
#: :func:`prefix_leave_one_out_kl` holds at once (2**20 float64: 8 MiB, near the cache).
_LOO_BLOCK_ELEMENTS = 2**20
#: Fewest rows in a block (fewer replicates per group instead, for many parameters).
_MIN_BLOCK_ROWS = 64
#: Sizes of at least this fraction of the rows, where every replicate's rows are distinct,
#: are evaluated over all rows in the data's order (:func:`_late_totals`).
_LATE_FRACTION = 0.45
#: Elements of the (rows x replicates·sizes) blocks of :func:`_late_totals`.
_LATE_BLOCK_ELEMENTS = 2**17
#: Rows that belong to at most this many of the per-replicate sizes take ``s_i`` as
#: ``|Lᵀ x_i|²`` from the Cholesky factor ``Σ = L Lᵀ`` (:func:`_cholesky_s`): forming
#: ``vech(x_i x_iᵀ)`` costs as much as about ten products with it.
_CHOL_SIZES = 10
#: Elements of the (replicates x sizes·parameters x rows) temporary of :func:`_cholesky_s`
#: (2**18 float64: 2 MiB, within the cache).
_CHOL_BLOCK_ELEMENTS = 2**18


def _lift_rows(XT, out):
    """``vech(x xᵀ)`` of gathered rows: ``XT`` (p, ...) -> ``out`` (p (p + 1) / 2, ...).

    In :func:`numpy.triu_indices` order (row ``a``, columns ``a..p-1``); each
    product is one long contiguous loop over the rows.
    """
    p, o = XT.shape[0], 0
    for a in range(p):
        np.multiply(XT[a:a + 1], XT[a:], out=out[o:o + p - a])
        o += p - a
    return out


def _kl_sum(s, h, g, axis, overwrite=False):
    """``leave_one_out_kl(s, h, g).sum(axis)``: the same numbers, in fewer passes.

    Bitwise the same: with ``u = s * (-h) = -t`` (negation is exact),
    ``-log1p(-t) - t`` is ``u - log1p(u)``, ``1 - t`` is ``1 + u``, and the
    factor ``½`` (a power of two, exact) is applied to the sums.
    ``overwrite=True`` uses ``s`` and ``g`` (of the full shape) as scratch.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.square(g, out=g if overwrite else None)
        q *= s
        u = np.multiply(s, -h, out=s if overwrite else None)
        kl = np.log1p(u)
        np.subtract(u, kl, out=kl)
        denom = np.add(u, 1.0, out=u)
        bad = denom <= 0.0  # t >= 1: no leave-one-out posterior
        q /= denom
        kl += q
    if bad.any():
        kl[bad] = np.inf
    total = kl.sum(axis=axis)
    total *= 0.5
    return total


def _curvature_and_residual(theta, yb, family, sigma2):
    """``h_i`` and ``g_i`` of :func:`leave_one_out_kl` from the linear predictor ``θ_i``.

    The Gaussian family's ``g`` is computed in ``theta``'s memory (``theta`` has the
    full shape).
    """
    if family == "gaussian":
        g = np.subtract(yb, theta, out=theta)
        g /= sigma2
        return 1.0 / sigma2, g
    mu = BINOMIAL.mean(theta)
    return mu * (1.0 - mu), yb - mu


def _cholesky_s(Lt, XrT):
    """``s_i = x_iᵀ Σ x_i = |Lᵀ x_i|²`` for every size: ``Lt`` (R, n, p, p) holds ``Lᵀ``.

    ``XrT`` (R, p, b) holds each replicate's rows as columns; returns (R, n, b).
    """
    R, n, p = Lt.shape[:3]
    Z = Lt.reshape(R, n * p, p) @ XrT
    np.square(Z, out=Z)
    return Z.reshape(R, n, p, -1).sum(axis=2)


def _loo_kl_totals(X, y, index, sizes, V, Lt, means, family, sigma2, step, buf):
    """Sum over each prefix's rows of the leave-one-out KL, (R, J), blocks of ``step`` rows.

    The rows first in size ``j`` belong to the ``J - j`` sizes from ``j`` on; where
    ``Lt`` (the transposed Cholesky factors of the covariances, None: not used) has
    them, ``J - j <= _CHOL_SIZES``, ``s_i`` comes from :func:`_cholesky_s`, else from
    the pair weights ``V`` and each row's ``vech(x_i x_iᵀ)``.
    """
    R, J, p = means.shape
    n_pairs = V.shape[-1]
    total = np.zeros((R, J))
    lo = 0
    for j, hi in enumerate(sizes):
        hi = int(hi)
        chol = Lt is not None and J - j <= _CHOL_SIZES
        b = max(1, _CHOL_BLOCK_ELEMENTS // (R * (J - j) * p)) if chol else step
        for a in range(lo, hi, b):
            rows = index[:, a:min(a + b, hi)]  # (R, b): the rows first in size j
            # (p, R, b): rows gathered whole, then transposed (a gather along the rows of
            # X.T is several times slower)
            XbT = np.take(X, rows.ravel(), axis=0).T.copy().reshape((p,) + rows.shape)
            XrT = XbT.transpose(1, 0, 2)
            # s_i and θ_i at every size from j on: (R, J - j, b)
            if chol:
                s = _cholesky_s(Lt[:, j - J:], XrT)
            else:
                pairs = _lift_rows(XbT, buf[:n_pairs * rows.size].reshape((n_pairs,)
                                                                          + rows.shape))
                s = V[:, j:] @ pairs.transpose(1, 0, 2)
            theta = means[:, j:] @ XrT
            h, g = _curvature_and_residual(theta, y[rows][:, None, :], family, sigma2)
            total[:, j:] += _kl_sum(s, h, g, axis=2, overwrite=True)
        lo = hi
    return total


def _first_sizes(index, m, sizes):
    """For each replicate and row, the first of ``sizes`` whose prefix holds it, ``(R, m)``.

    The smallest unsigned integer type that holds ``len(sizes)``, the value for a
    row in no prefix. None where a replicate holds some row twice (a draw with
    replacement).
    """
    R, length = index.shape
    K = len(sizes)
    first = np.full((R, m), K, dtype=np.min_scalar_type(K))
    seen = np.zeros(m, dtype=bool)
    bounds = np.concatenate([[0], sizes]).astype(int)
    for r in range(R):
        seen[:] = False
        seen[index[r]] = True
        if np.count_nonzero(seen) != length:
            return None
        for k in range(K):
            first[r, index[r, bounds[k]:bounds[k + 1]]] = k
    return first


def _late_totals(X, y, first, V, means, family, sigma2):
    """Sum over each prefix's rows of the leave-one-out KL at the large sizes, (R, K).

    Where every size holds most of the rows, all rows are taken in the data's order
    (contiguous blocks, nothing gathered): each block's ``vech(x_i x_iᵀ)`` is formed once
    for every replicate, ``s_i`` and ``θ_i`` of every replicate and size come from one
    matrix product each (replicates·sizes by rows), and a row outside a replicate's
    prefix (``first`` (R, m) of :func:`_first_sizes` above the size's number) takes
    ``s_i = g_i = 0``, whose divergence is exactly 0 (written in place: no masked copies,
    and no ``0 x inf`` where a term overflows).
    """
    R, K, p = means.shape
    n_pairs = V.shape[-1]
    V = np.ascontiguousarray(V.reshape(R * K, n_pairs))
    M = np.ascontiguousarray(means.reshape(R * K, p))
    step = int(max(1, min(_LATE_BLOCK_ELEMENTS // (R * K), _LOO_BLOCK_ELEMENTS // n_pairs)))
    buf = np.empty(n_pairs * step)
    ks = np.arange(K, dtype=first.dtype)[:, None]
    total = np.zeros(R * K)
    for a in range(0, X.shape[0], step):
        XbT = np.ascontiguousarray(X[a:a + step].T)
        b = XbT.shape[1]
        pairs = _lift_rows(XbT, buf[:n_pairs * b].reshape(n_pairs, b))
        s = V @ pairs  # (R K, b)
        h, g = _curvature_and_residual(M @ XbT, y[a:a + b], family, sigma2)
        outside = (first[:, None, a:a + b] > ks).reshape(R * K, b)
        # s_i = g_i = 0 make a term exactly 0, whatever they were (0 x inf would be NaN)
        np.copyto(s, 0.0, where=outside)
        np.copyto(g, 0.0, where=outside)
        total += _kl_sum(s, h, g, axis=1, overwrite=True)
    return total.reshape(R, K)


def prefix_leave_one_out_kl(X, y, index, sizes, means, covs, family="gaussian", sigma2=1.0):
    """Mean leave-one-out KL divergence of every prefix of every replicate, at once.

    For replicate ``r`` and size ``k = sizes[j]`` with posterior
    ``N(means[r, j], covs[r, j])`` on the rows ``index[r, :k]``, the mean over
    those rows of :func:`leave_one_out_kl` of the rank-one terms
    ``s_i = x_iᵀ Σ x_i``, ``h_i``, ``g_i`` (see :func:`leave_one_out_posteriors`),
    the same numbers as forming them size by size, up to round-off.

    Each row enters once, in the block of rows its position first belongs to:
    its outer product ``vech(x_i x_iᵀ)`` (``p (p + 1) / 2`` numbers) is formed
    once and meets the covariances of every size from there on in one matrix
    product, so ``s_i`` costs ``p (p + 1) / 2`` multiply-adds per size it
    belongs to (the quadratic form ``x_iᵀ Σ x_i`` costs ``p² + p``), and
    nothing of size ``(R, k, p)`` is gathered per size: ``O(R p² Σ_j k_j / 2)``
    in all, the size-by-size computation's arithmetic halved. A row that
    belongs to at most :data:`_CHOL_SIZES` of these sizes, for which forming
    its outer product would cost more than its products, takes
    ``s_i = |Lᵀ x_i|²`` from the Cholesky factor ``Σ = L Lᵀ`` instead. Where no
    replicate repeats a row (subsamples without replacement), the sizes that
    hold at least :data:`_LATE_FRACTION` of the rows are taken over all rows
    in the data's order instead: each row's outer product is formed once for
    every replicate and meets all their covariances in one large matrix
    product; a row outside a prefix (a small table of each row's first size
    per replicate) is multiplied by 0 there and contributes exactly 0.

    Parameters
    ----------
    X : ndarray of shape (m, p)
    y : ndarray of shape (m,)
    index : ndarray of int, shape (R, length)
        Each replicate's row sequence (``length >= sizes[-1]``).
    sizes : ndarray of int, shape (J,)
        Increasing prefix lengths.
    means : ndarray of shape (R, J, p)
    covs : ndarray of shape (R, J, p, p)
    family : {"gaussian", "binomial"}, default="gaussian"
    sigma2 : float, default=1
        Noise variance (Gaussian family).

    Returns
    -------
    kl : ndarray of shape (J, R)
        ``inf`` where some row's ``t_i = h_i s_i >= 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.models.glm import laplace_posterior
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(30, 3)), rng.normal(size=30)
    >>> index, sizes = rng.permutation(30)[None], np.array([10, 30])
    >>> post = [laplace_posterior(X[index[0, :k]], y[index[0, :k]], "gaussian",
    ...                           prior_precision=1.0) for k in sizes]
    >>> means = np.stack([m for m, _ in post])[None]
    >>> covs = np.stack([c for _, c in post])[None]
    >>> kl = prefix_leave_one_out_kl(X, y, index, sizes, means, covs)
    >>> s, h, g = _loo_terms(X[index[0, :10]], y[index[0, :10]], means[:, 0], covs[:, 0],
    ...                      "gaussian", 1.0)
    >>> bool(np.isclose(kl[0, 0], leave_one_out_kl(s, h, g).mean()))
    True
    """
    return _prefix_loo_kl(X, y, index, sizes, means, covs, family, sigma2)


def _pair_weights(cov):
    """``(2 - δ_ab) Σ_ab`` for ``a <= b`` (:func:`numpy.triu_indices` order): (..., p (p + 1) / 2).

    ``s = x_iᵀ Σ x_i`` is then the dot product of these with ``vech(x_i x_iᵀ)``.
    """
    p = cov.shape[-1]
    iu, ju = np.triu_indices(p)
    flat = np.take(cov.reshape(cov.shape[:-2] + (p * p,)), iu * p + ju, axis=-1)
    return flat * np.where(iu == ju, 1.0, 2.0)


def _cholesky_transposed(covs, j1, j0):
    """``Lᵀ`` of ``covs[:, j1:j0] = L Lᵀ``, (R, j0 - j1, p, p); None where one is not
    positive definite (those sizes then take the pair weights)."""
    if j1 >= j0:
        return None
    try:
        L = np.linalg.cholesky(covs[:, j1:j0])
    except np.linalg.LinAlgError:
        return None
    return np.ascontiguousarray(L.swapaxes(-1, -2))


def _prefix_loo_kl(X, y, index, sizes, means, covs, family, sigma2):
    """:func:`prefix_leave_one_out_kl`'s computation."""
    sizes = np.asarray(sizes, dtype=int)
    R, J, p = means.shape
    X = np.ascontiguousarray(X)  # whole rows gathered (the design may be column-major)
    V = _pair_weights(covs)
    # replicates in groups small enough that a block holds at least _MIN_BLOCK_ROWS rows:
    # each block reads its replicates' V once, so a block of few rows is memory-bound
    n_pairs = V.shape[-1]
    group = int(max(1, min(R, _LOO_BLOCK_ELEMENTS // (n_pairs * _MIN_BLOCK_ROWS))))
    step = int(max(_MIN_BLOCK_ROWS, _LOO_BLOCK_ELEMENTS // (group * n_pairs)))
    buf = np.empty(n_pairs * group * min(step, int(sizes[-1])))
    # the sizes that hold most rows: over all rows in the data's order (_late_totals)
    j0 = int(np.searchsorted(sizes, _LATE_FRACTION * X.shape[0]))
    first = _first_sizes(index, X.shape[0], sizes[j0:]) if j0 < J else None
    j0 = J if first is None else j0
    # the last _CHOL_SIZES per-replicate sizes: s_i from the Cholesky factors
    j1 = max(j0 - _CHOL_SIZES, 0)
    Lt = _cholesky_transposed(covs, j1, j0)
    total = np.zeros((R, J))
    for g0 in range(0, R, group):
        part = slice(g0, min(g0 + group, R))
        if j0:
            total[part, :j0] = _loo_kl_totals(
                X, y, index[part], sizes[:j0], V[part, :j0], None if Lt is None else Lt[part],
                means[part, :j0], family, sigma2, step, buf)
    if j0 < J:
        total[:, j0:] = _late_totals(X, y, first, V[:, j0:], means[:, j0:], family, sigma2)
    return (total / sizes).T


@fill_doc(common=COMMON_PARAMS_DOC)
class KLNeighbourSampleSize(_PosteriorSampleSize):
    """Sufficient sample size by the KL divergence between neighbouring subsamples.

    For a random subsample ``B`` of ``k`` distinct objects (drawn without
    replacement) and each of its objects ``i``, the criterion averages
    ``KL(p(w | D_B) || p(w | D_{B \\ i}))`` over ``i``; ``m*`` is the
    smallest grid size from which its mean over subsamples is at most
    ``threshold`` at every larger size (Motrenko, Strijov and Weber).

    The ``k`` leave-one-out posteriors are rank-one (Sherman–Morrison)
    downdates of the subsample posterior, and the KL divergence has the
    closed form of :func:`leave_one_out_kl`, so one size costs one batched
    posterior and ``O(R k p²)`` operations, not ``R k`` refits. This is exact
    for the Gaussian family; for the binomial (Laplace) posterior the
    leave-one-out posterior is the standard one-Newton-step approximation.

    The divergence is the correct Gaussian KL formula (the published
    reference implementation's formula is not a KL divergence; see the
    user guide), so its numbers differ from that implementation's.

    Parameters
    ----------
    %(common)s
    threshold : float, default=0.01
        ``ε`` (the reference implementation's default). The divergence is
        invariant to the units of the columns (a KL divergence does not
        depend on the parametrisation; ``standardize`` only fixes what the
        prior means). For a linear-Gaussian model the leave-one-out KL is
        about ``p / (2k)`` for ``p`` parameters (half the mean leverage), so
        the default gives ``m* ≈ 50 p``: it reads the dimension more than
        the noise level.
    decision_rule : {"all", "first"}, default="all"
        How ``m*`` is read off the curve: "all" (the text's Definition 19) is
        the smallest grid size from which the criterion holds at every larger
        size; "first" (the published reference implementation) is the
        smallest grid size at which it holds, which is what its tables used.
    threshold_mode : {"absolute", "relative"}, default="absolute"
    sizes : None, int or array-like, default=None
        Grid of subsample sizes (see :func:`make_size_grid`). None: 50 evenly
        spaced points from ``n_features + 2`` to ``m``; beyond 2,000 rows 30
        geometrically spaced points, refined near ``m*``: the step of the grid
        that holds ``m*`` and each that holds the answer on one of the interval's
        resamples of the replicates get 16 more sizes, evaluated on the same
        replicates, where these answers lie in at most two steps (the work grows
        with the sum of the sizes, and the criterion varies so little between
        replicates that a fixed fine grid would set the answer). An explicit grid
        is used as given.
    n_repeats : int, default=100
        Random subsamples per size (without replacement).
    random_state : int, RandomState instance or None, default=None
    n_jobs : int, default=None
    verbose : int, default=0

    Attributes
    ----------
    sample_size_, sizes_, criterion_, criterion_std_, criterion_replicates_,
    threshold_, n_samples_seen_, n_features_in_ : see
    :class:`~skcomplexity.sample_size.SampleSizeEstimator`.
    family_ : str
    sigma2_ : float

    Examples
    --------
    >>> from skcomplexity.datasets import make_linear_regression
    >>> from skcomplexity.sample_size.bayesian import KLNeighbourSampleSize
    >>> X, y = make_linear_regression(300, 3, random_state=0)
    >>> est = KLNeighbourSampleSize(sizes=[10, 100, 300], n_repeats=10,
    ...                             random_state=0).fit(X, y)
    >>> bool(est.criterion_[0] > est.criterion_[-1])
    True
    """

    question = ("After how many rows does leaving one row out move the posterior by less than the "
                "threshold?")
    threshold_unit = "nats"
    criterion_label = "leave-one-out KL (nats)"

    _direction = "below"
    _replace = False
    # the work grows with the sum of the sizes: a coarse default grid (a step of x1.34 on
    # 100,000 rows), refined near m* and the ends of its interval (steps of about 1.7 %)
    _large_grid = 30
    _refine_grid = True
    _refine_points = 16

    def __init__(self, *, family="auto", fit_intercept=True, prior_precision=0.01, sigma2=None,
                 standardize=True, standardize_target=True,
                 sizes=None, n_repeats=100, threshold=0.01, threshold_mode="absolute",
                 decision_rule="all", random_state=None, n_jobs=None, verbose=0):
        self.family = family
        self.fit_intercept = fit_intercept
        self.prior_precision = prior_precision
        self.sigma2 = sigma2
        self.standardize = standardize
        self.standardize_target = standardize_target
        self.sizes = sizes
        self.n_repeats = n_repeats
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.decision_rule = decision_rule
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _criterion(self, data, draws):
        # every size's posterior first (one cumulative pass), then each row's leave-one-out
        # terms against every size it belongs to at once (prefix_leave_one_out_kl)
        R, J, p = draws.n_replicates, len(draws.sizes), data.n_params
        means, covs = np.empty((R, J, p)), np.empty((R, J, p, p))
        for j, batch in enumerate(self._posterior_path(data, draws)):
            means[:, j], covs[:, j] = batch.mean, batch.cov
        return CriterionResult(_prefix_loo_kl(data.X, data.y, draws.index, draws.sizes, means,
                                              covs, data.family, data.sigma2))

    def _value(self, data, batch, rngs):
        # The straightforward computation, size by size (O(R k p²) each, the subsample's
        # objects gathered per size); not used by fit, kept as the reference the tests
        # pin _criterion's one-pass computation against.
        Xs = data.X[batch.rows]  # (R, k, p)
        ys = data.y[batch.rows]
        theta = np.einsum("rkp,rp->rk", Xs, batch.mean)
        s = np.einsum("rkp,rpq,rkq->rk", Xs, batch.cov, Xs, optimize=True)
        if data.family == "gaussian":
            h = np.full_like(theta, 1.0 / data.sigma2)
            g = (ys - theta) / data.sigma2
        else:
            mu = BINOMIAL.mean(theta)
            h = mu * (1.0 - mu)
            g = ys - mu
        return leave_one_out_kl(s, h, g).mean(axis=1)
