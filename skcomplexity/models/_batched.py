"""The batched solvers behind :mod:`skcomplexity.models.glm`.

Weighted and prefix-cumulative Gram matrices, THE batched SPD solve
(:func:`solve_spd`, minimum-norm fallback) and THE batched Newton method for
L2-penalised logistic regression (:func:`newton_logistic`: offsets, per-row
weights, gathered rows, a diagonal penalty): the linear algebra that lets ``B``
bootstrap replicates or every prefix of a nested subsample path be fitted
together instead of one by one. Everything is plain array operations on a
leading batch axis (no loop over replicates).
:mod:`~skcomplexity.models.glm` (families, likelihood, ``fit_glm``) builds on
these and re-exports the public ones.
"""

import warnings

import numpy as np
from scipy.linalg import lapack
from scipy.linalg.blas import dgemm as _dgemm
from scipy.linalg.blas import dsyrk as _dsyrk
from scipy.special import expit

__all__ = [
    "check_fit",
    "inv_spd",
    "newton_logistic",
    "prefix_grams",
    "prefix_grams_xy",
    "solve_spd",
    "standardize_columns",
]

#: Largest ``m x p(p+1)/2`` table of row outer products kept for the GEMM Gram matrix, and
#: the largest ``(batch, m, p)`` product formed at once without it.
_OUTER_ELEMENTS = 2**23
#: The weighted Gram matrix of one weight vector is summed over blocks of this many
#: elements of the design (8 MiB), not formed from a whole scaled copy of it.
_WEIGHTED_BLOCK = 2**20
#: :func:`prefix_grams` on a sparse grid: the sizes up to this many rows are gathered for
#: every replicate at once; past them, rows are multiplied in blocks of ``_GRAM_BLOCK``
#: (gathered into a buffer of ``_GRAM_BLOCK x q`` that stays in cache).
_HEAD_ROWS = 1024
_GRAM_BLOCK = 1024


def _theta(X, coef, offset=None):
    """Linear predictor: (m,) for coef (p,), (B, m) for coef (B, p)."""
    theta = coef @ X.T
    if offset is not None:
        theta = theta + offset
    return theta


def _gram(X, w, outer=None):
    """``X^T diag(w) X`` for w of shape (m,) or (..., m): THE weighted Gram matrix.

    With ``outer`` (the symmetric half of the row outer products, see
    :class:`_Design`) it is one GEMM ``w @ outer``; otherwise a batched matmul,
    in chunks of the batch that keep the ``(chunk, m, p)`` product under
    ``_OUTER_ELEMENTS`` entries.
    """
    w = np.asarray(w, dtype=float)
    m, p = X.shape
    if outer is not None:
        iu = np.triu_indices(p)
        half = w @ outer
        G = np.empty(half.shape[:-1] + (p, p))
        G[..., iu[0], iu[1]] = half
        G[..., iu[1], iu[0]] = half
        return G
    if w.ndim == 1:  # in blocks of rows: no (p, m) temporary beside the design
        rows = max(1024, _WEIGHTED_BLOCK // max(p, 1))
        if m <= rows:
            return (X.T * w) @ X
        G = (X[:rows].T * w[:rows]) @ X[:rows]
        for a in range(rows, m, rows):
            G += (X[a:a + rows].T * w[a:a + rows]) @ X[a:a + rows]
        return G
    batch = w.shape[:-1]
    wf = w.reshape(-1, m)
    step = max(1, _OUTER_ELEMENTS // (m * p))
    G = np.concatenate([(wf[c:c + step, :, None] * X).swapaxes(-1, -2) @ X
                        for c in range(0, len(wf), step)])
    return G.reshape(batch + (p, p))


class _Design:
    """A design ``X`` (m, p) shared by replicates, and what the batched products need.

    ``rows`` (R, k) selects each replicate's rows (duplicates count twice); ``rows=None``
    means every row of ``X`` for every replicate. Per-row quantities live on the
    selected rows only; products with the design are GEMMs against all ``m`` rows, the
    per-row factors scattered onto them with :func:`numpy.bincount` (no ``(R, k, p)``
    array is formed).
    """

    def __init__(self, X):
        self.X = np.asarray(X, dtype=float)
        self.m, self.p = self.X.shape
        self.iu = np.triu_indices(self.p)
        self._outer = None

    @property
    def outer(self):
        """The symmetric half of the row outer products (m, p(p+1)/2), built on first use;
        None past ``_OUTER_ELEMENTS``."""
        iu = self.iu
        if self._outer is None and self.m * iu[0].size <= _OUTER_ELEMENTS:
            self._outer = self.X[:, iu[0]] * self.X[:, iu[1]]
        return self._outer

    def theta(self, coef, rows=None):
        """``x_iᵀ w_r`` on each replicate's rows: shape (R, k), or (R, m) for all rows."""
        theta = coef @ self.X.T
        return theta if rows is None else np.take_along_axis(theta, rows, axis=1)

    def flat(self, rows):
        """The bincount index of ``rows`` (None for all rows)."""
        return None if rows is None else (np.arange(rows.shape[0])[:, None] * self.m
                                          + rows).ravel()

    def scatter(self, values, flat):
        """Per-row values (R, k) summed onto the ``m`` rows: shape (R, m)."""
        if flat is None:
            return values
        R = values.shape[0]
        return np.bincount(flat, weights=values.ravel(), minlength=R * self.m).reshape(
            R, self.m)

    def gram(self, weights):
        """``Xᵀ diag(w_r) X`` for every row of ``weights`` (R, m): shape (R, p, p)."""
        return _gram(self.X, weights, self.outer)


def standardize_columns(X, center=True):
    """``(X - mean) / sd`` column-wise (sd 1 for constant columns); returns ``Z, mean, sd``."""
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0) if center else np.zeros(X.shape[1])
    sd = X.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    return (X - mean) / sd, mean, sd


#: From this many columns a block's Gram matrix is added by ``syrk`` (one triangle, about
#: half the work: 247 against 436 µs for 1,024 x 102, one thread); below it ``gemm`` (the
#: full matrix) is faster (21.7 against 31.2 µs for 1,024 x 22).
_SYRK_COLUMNS = 64


def add_block_gram(block, c, *, lower=False):
    """``c += blockᵀ block`` in place for a Fortran-ordered ``c`` (returned).

    At least the ``lower`` (or upper) triangle of ``c`` is updated (``syrk``, from
    :data:`_SYRK_COLUMNS` columns), or the whole matrix (``gemm``, below).
    """
    if block.shape[1] >= _SYRK_COLUMNS:
        return _dsyrk(1.0, block.T, beta=1.0, c=c, trans=0, lower=int(lower), overwrite_c=1)
    return _dgemm(1.0, block.T, block.T, beta=1.0, c=c, trans_b=1, overwrite_c=1)


def prefix_grams(A, index, sizes):
    """Gram matrices of every prefix of every replicate's index sequence.

    ``out[r, j] = A[index[r, :sizes[j]]]ᵀ A[index[r, :sizes[j]]]``, computed in
    one cumulative pass per replicate (the rows added between consecutive
    sizes are multiplied once), ``O(length · q²)`` per replicate for the
    whole grid. Put ``[1, X, y]`` in ``A`` to get ``k``, ``Σx``, ``Σy``,
    ``XᵀX``, ``Xᵀy`` and ``yᵀy`` of every prefix at once.

    On a sparse grid the rows of the first sizes (up to :data:`_HEAD_ROWS`) are
    gathered for every replicate at once and their segments multiplied by one
    batched product each; past them, each replicate's rows are gathered in
    blocks of at most :data:`_GRAM_BLOCK` rows into a buffer that stays in
    cache, and each block is added to the running Gram matrix by one BLAS
    ``gemm`` or ``syrk`` (``C += BᵀB``, :func:`add_block_gram`; the upper
    triangle is mirrored, so every matrix is exactly symmetric).

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
    # whole rows gathered (a column-major A is many times slower)
    A = np.ascontiguousarray(A, dtype=float)
    if top <= 8 * J:  # dense grid: cumulative sum of the row outer products
        for r in range(R):
            rows = np.take(A, index[r, :top], axis=0)  # (faster than A[...] here)
            cum = np.cumsum(rows[:, :, None] * rows[:, None, :], axis=0)
            out[r] = cum[sizes - 1]
        return out
    bounds = np.concatenate([[0], sizes])
    # the first, short segments: every replicate's rows at once, one batched product each
    head = int(np.searchsorted(sizes, _HEAD_ROWS, side="right"))
    acc = np.zeros((R, q, q))
    if head:
        rows = np.take(A, index[:, :bounds[head]], axis=0)  # (R, k, q)
        for j in range(head):
            seg = rows[:, bounds[j]:bounds[j + 1]]
            acc = acc + seg.swapaxes(1, 2) @ seg
            out[:, j] = acc
    if head == J:
        return out
    # the rest: blocks of each replicate's rows gathered into a buffer that stays in cache
    buf = np.empty((_GRAM_BLOCK, q))
    for r in range(R):
        idx = index[r]
        c = np.asfortranarray(acc[r])
        for j in range(head, J):
            for a in range(bounds[j], bounds[j + 1], _GRAM_BLOCK):
                b = min(a + _GRAM_BLOCK, bounds[j + 1])
                block = np.take(A, idx[a:b], axis=0, out=buf[:b - a], mode="clip")
                c = add_block_gram(block, c)  # the upper triangle (mirrored below)
            out[r, j] = c
    lower = np.tril_indices(q, -1)
    out[:, head:, lower[0], lower[1]] = out[:, head:, lower[1], lower[0]]
    return out


def prefix_grams_xy(X, y, index, sizes):
    """:func:`prefix_grams` of ``[X, y]``: the Gram matrices with ``Xᵀy`` and ``yᵀy`` beside them.

    ``[X, y]`` is built row-major in one copy (the design is often
    column-major; ``np.hstack`` would keep that layout and :func:`prefix_grams`
    would copy it a second time), so the result is bit for bit that of
    ``prefix_grams(np.hstack([X, y[:, None]]), index, sizes)``.

    Parameters
    ----------
    X : ndarray of shape (m, p)
    y : ndarray of shape (m,)
    index, sizes :
        As in :func:`prefix_grams`.

    Returns
    -------
    grams : ndarray of shape (R, J, p + 1, p + 1)

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.asfortranarray(np.arange(12.0).reshape(6, 2)), np.arange(6.0)
    >>> index, sizes = np.array([[5, 0, 2, 2]]), np.array([2, 4])
    >>> ref = prefix_grams(np.hstack([X, y[:, None]]), index, sizes)
    >>> bool(np.array_equal(prefix_grams_xy(X, y, index, sizes), ref))
    True
    """
    p = X.shape[1]
    A = np.empty((X.shape[0], p + 1))
    A[:, :p], A[:, p] = X, y
    return prefix_grams(A, index, sizes)


#: The warning of a Newton or normal-equations system that is not positive definite.
SINGULAR = ("Singular or indefinite matrix in {} (too few distinct samples for the number of "
            "parameters?); using the pseudo-inverse. Consider prior_precision > 0.")


def solve_spd(A, b, *, warn=None, rcond=1e-12, return_ok=False):
    """Solve symmetric positive-definite systems ``A x = b``, batched: THE SPD solve.

    A Cholesky factorisation checks that every system is positive definite. From
    :data:`_LOOP_UNKNOWNS` unknowns each system is then solved with its own factor
    (LAPACK ``potrf``/``potrs`` per system, 2-3x faster than numpy's batched
    routines there); below, by one batched LU solve (in numpy cheaper than two
    triangular solves, for want of a batched triangular solve). A system whose
    factorisation fails takes the fallback — per system in the loop; in the
    batched route the batch is split in 16 and retried, so that only the failing
    chunks take it: the minimum-norm solution ``pinv(A) b`` (symmetric
    eigendecomposition; eigenvalues within ``1e-15`` of the largest in absolute
    value dropped, as :func:`numpy.linalg.pinv`).

    Parameters
    ----------
    A : ndarray of shape (..., q, q)
    b : ndarray of shape (..., q) or (..., q, r)
        Vectors, or matrices when ``b.ndim == A.ndim`` (a shared matrix right-hand
        side is broadcast to ``A``'s batch by the caller).
    warn : str or None, default=None
        Message of a ``RuntimeWarning`` when some system is not positive definite
        (None: silent).
    rcond : float, default=1e-12
        With ``return_ok``: a system is well conditioned when positive definite with
        squared Cholesky-diagonal ratio (eigenvalue ratio on the fallback) above ``rcond``.
    return_ok : bool, default=False
        Also return that mask, shape ``A.shape[:-2]``.

    Returns
    -------
    x : ndarray of the shape of ``b``
    ok : ndarray of bool, only with ``return_ok``

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[[2.0, 0.0], [0.0, 4.0]], [[1.0, 1.0], [1.0, 1.0]]])
    >>> x, ok = solve_spd(A, np.array([[2.0, 4.0], [2.0, 2.0]]), return_ok=True)
    >>> np.round(x, 12).tolist(), ok.tolist()
    ([[1.0, 1.0], [1.0, 1.0]], [True, False])
    """
    A = np.asarray(A, dtype=float)
    b = np.asarray(b, dtype=float)
    q, batch = A.shape[-1], A.shape[:-2]
    vector = b.ndim == A.ndim - 1
    B = b[..., None] if vector else b
    B = np.broadcast_to(B, batch + B.shape[-2:]).reshape((-1, q, B.shape[-1]))
    x, ok, failed = _solve_spd_flat(A.reshape((-1, q, q)), B, rcond)
    if failed and warn is not None:
        warnings.warn(warn, RuntimeWarning, stacklevel=3)
    x = x.reshape(batch + x.shape[-2:])
    x = x[..., 0] if vector else x
    return (x, ok.reshape(batch)) if return_ok else x


def inv_spd(A, *, warn=None):
    """Inverses of a batch of symmetric positive-definite matrices, by Cholesky.

    LAPACK ``potrf``/``potri`` per matrix (a third of the work of solving against
    the identity); a matrix that is not positive definite takes :func:`solve_spd`'s
    minimum-norm fallback, ``pinv(A)``, and ``warn`` as there.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[[4.0, 2.0], [2.0, 3.0]], [[1.0, 1.0], [1.0, 1.0]]])
    >>> bool(np.allclose(inv_spd(A), np.linalg.pinv(A)))
    True
    """
    A = np.asarray(A, dtype=float)
    q = A.shape[-1]
    flat = A.reshape((-1, q, q))
    out = np.empty_like(flat)
    failed = []
    for i, a in enumerate(flat):
        c, info = lapack.dpotrf(a, lower=1, clean=1)
        if info == 0:
            c, info = lapack.dpotri(c, lower=1)
        if info != 0:
            failed.append(i)
            continue
        out[i] = c
    upper = np.triu_indices(q, 1)
    out[:, upper[0], upper[1]] = out[:, upper[1], upper[0]]  # potri fills the lower half
    if failed:
        out[failed] = solve_spd(flat[failed], np.broadcast_to(np.eye(q), (len(failed), q, q)),
                                warn=warn)
    return out.reshape(A.shape)


#: From this many unknowns a batch of SPD systems is solved by LAPACK ``potrf``/``potrs``
#: per system (one thread: 9.9 against 16.0 µs per system at 24 unknowns, 89 against 294 at
#: 101, two right-hand sides); below it numpy's batched Cholesky and LU solve are cheaper
#: (1.7 against 4.8 µs at 5: the per-call overhead of the loop).
_LOOP_UNKNOWNS = 16


def _solve_spd_loop(A, B, rcond):
    """:func:`_solve_spd_flat` by ``potrf``/``potrs`` per system; a system whose
    factorisation fails takes the minimum-norm fallback alone."""
    n, q = A.shape[0], A.shape[-1]
    x = np.empty(B.shape)
    d = np.empty((n, q))
    failed = []
    potrf, potrs = lapack.dpotrf, lapack.dpotrs
    for i in range(n):
        c, info = potrf(A[i], lower=1, clean=0)
        if info != 0:
            failed.append(i)
            continue
        d[i] = np.diagonal(c)
        x[i], _ = potrs(c, B[i], lower=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = np.all(d > 0, axis=1) & ((d.min(axis=1) / d.max(axis=1)) ** 2 > rcond)
    if failed:
        f = np.asarray(failed)
        x[f], ok[f] = _pinv_solve(A[f], B[f], rcond)
    return x, ok, bool(failed)


def _pinv_solve(A, B, rcond):
    """The minimum-norm solutions ``pinv(A) B`` and the well-conditioned mask (eigenvalues)."""
    lam, V = np.linalg.eigh(A)
    ok = (lam[:, 0] > 0) & (lam[:, 0] > rcond * lam[:, -1])
    cut = 1e-15 * np.abs(lam).max(axis=1, keepdims=True)
    inv = np.where(np.abs(lam) > cut, 1.0 / np.where(lam != 0, lam, 1.0), 0.0)
    return V @ (inv[:, :, None] * (V.swapaxes(1, 2) @ B)), ok


def _solve_spd_flat(A, B, rcond):
    """:func:`solve_spd` on a flat batch: ``x``, ``ok`` and whether a system fell back."""
    if A.shape[-1] >= _LOOP_UNKNOWNS:
        return _solve_spd_loop(A, B, rcond)
    try:
        L = np.linalg.cholesky(A)
        x = np.linalg.solve(A, B)  # can still find an exactly singular pivot
    except np.linalg.LinAlgError:
        if len(A) > 8:  # only the chunks that fail take the eigendecomposition
            parts = [_solve_spd_flat(A[c], B[c], rcond)
                     for c in np.array_split(np.arange(len(A)), 16)]
            return (np.concatenate([x for x, _, _ in parts]),
                    np.concatenate([ok for _, ok, _ in parts]), True)
        x, ok = _pinv_solve(A, B, rcond)
        return x, ok, True
    d = np.diagonal(L, axis1=1, axis2=2)
    ok = np.all(d > 0, axis=1) & ((d.min(axis=1) / d.max(axis=1)) ** 2 > rcond)
    return x, ok, False


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


def check_fit(X, coef, converged, rows=None, prior_precision=0.0, *, weights=None,
              offset=None, max_iter=100, penalty="prior_precision > 0", stacklevel=3):
    """Warn about a batch of logistic fits: THE logistic fit warnings.

    Not converged (or not finite); and, for an unpenalised fit
    (``prior_precision == 0``), a fitted probability numerically 0 or 1 on a row
    of the subsample (``rows``; all rows with a positive weight when ``rows`` is
    None): separated classes, no maximum-likelihood estimate.
    ``weights`` and ``offset`` as in :func:`newton_logistic`.
    """
    design = X if isinstance(X, _Design) else _Design(X)
    finite = np.all(np.isfinite(coef), axis=1)
    separated = np.zeros(len(coef), dtype=bool)
    if prior_precision == 0:
        keep = np.flatnonzero(finite)
        theta = design.theta(coef[keep], _take(rows, keep))
        if offset is not None:
            theta = theta + _take(offset, keep)
        w = np.ones_like(theta) if weights is None else _take(weights, keep)
        separated[keep] = _numerically_0_or_1(theta, w)
    _warn_logistic_fit(~converged | ~finite, separated, max_iter, penalty, prior_precision > 0,
                       stacklevel=stacklevel)


def _take(a, keep):
    """Replicates ``keep`` of a per-replicate array; shared (1-row or 1-D) arrays as they are."""
    if a is None or np.ndim(a) < 2 or a.shape[0] == 1:
        return a
    return a[keep]


def _penalised_nll(theta, y, coef, pen, weights=None):
    """``Σ_i c_i [log(1 + e^θ_i) - y_i θ_i] + ½ Σ_j pen_j w_j²`` per replicate."""
    nll = np.logaddexp(0.0, theta) - y * theta
    if weights is not None:
        nll = nll * weights
    return np.sum(nll, axis=-1) + 0.5 * (coef**2) @ pen


def newton_logistic(X, y, coef, *, rows=None, weights=None, offset=None, pen=None, tol=1e-10,
                    cap=1e6, max_iter=100, warn_singular=True):
    """THE batched Newton method of L2-penalised logistic regression.

    Minimises, for every replicate ``r``,
    ``Σ_{i ∈ rows_r} c_ri [log(1 + e^θ_ri) - y_i θ_ri] + ½ Σ_j pen_j w_rj²`` with
    ``θ_ri = x_iᵀ w_r + o_ri``, by Newton steps solved together
    (:func:`solve_spd`), Armijo backtracking on the penalised objective (the full
    step whenever it is good; re-evaluated only for the replicates whose step is
    still too long, along the precomputed ``Δθ = X step``), converged replicates
    leaving the batch. A replicate's last step (decrement already at most
    ``tol``) is taken whole: the decrease it promises is below the objective's
    rounding error.

    Parameters
    ----------
    X : ndarray of shape (m, p) or the internal design object
        The design shared by the replicates.
    y : ndarray of shape (m,)
        {0, 1} target.
    coef : ndarray of shape (R, p)
        Starting point.
    rows : ndarray of int, shape (R, k), optional
        Each replicate's rows (duplicates count twice); None: all ``m`` rows.
    weights, offset : ndarray, optional
        Per-row weights ``c`` and offsets ``o``, of shape (R, k) (or (R, m) when
        ``rows`` is None), or one row (1, ·) / (·,) shared by the replicates.
    pen : ndarray of shape (p,), optional
        Diagonal of the L2 penalty (0 leaves a coefficient unpenalised).
    tol : float, default=1e-10
        A replicate stops when its Newton decrement is at most ``tol``.
    cap : float, default=1e6
        ... or when a coefficient reaches ``cap`` in absolute value (separation).
    max_iter : int, default=100
    warn_singular : bool, default=True
        Warn when a Newton system is singular (a minimum-norm step is taken).

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
    >>> w, _ = newton_logistic(X, y, np.zeros((2, 2)), rows=idx, pen=np.full(2, 0.1))
    >>> counts = np.stack([np.bincount(i, minlength=30) for i in idx])
    >>> bool(np.allclose(w, fit_glm(X, y, "binomial", weights=counts, prior_precision=0.1)))
    True
    """
    design = X if isinstance(X, _Design) else _Design(X)
    coef = np.array(coef, dtype=float)
    R, p = coef.shape
    pen = np.zeros(p) if pen is None else np.asarray(pen, dtype=float)
    P = np.diag(pen)
    y = np.asarray(y, dtype=float)
    yi = y if rows is None else y[rows]
    ri, wi, oi = rows, weights, offset
    flat = design.flat(ri)
    warn = SINGULAR.format("the Newton step of logistic regression") if warn_singular else None
    converged = np.zeros(R, dtype=bool)
    fval = np.full(R, np.nan)  # penalised objective at coef, where a line search computed it
    idx = np.arange(R)
    for _ in range(max_iter):
        c = coef[idx]
        theta = design.theta(c, ri)
        if oi is not None:
            theta = theta + oi
        mu = expit(theta)
        resid, curv = yi - mu, mu * (1.0 - mu)
        if wi is not None:
            resid, curv = resid * wi, curv * wi
        grad = design.scatter(resid, flat) @ design.X - pen * c
        H = design.gram(design.scatter(curv, flat)) + P
        step = solve_spd(H, grad, warn=warn)
        dec = np.einsum("bi,bi->b", grad, step)  # Newton decrement (scale free)
        t = _armijo(design, theta, c, step, dec, fval, idx, pen, tol, ri, yi, wi)
        coef[idx] = c + t[:, None] * step
        converged[idx] = dec <= tol
        still = (dec > tol) & (np.abs(coef[idx]).max(axis=1) < cap)
        if not np.any(still):
            break
        if not np.all(still):
            keep = np.flatnonzero(still)
            idx, ri, yi = idx[keep], _take(ri, keep), _take(yi, keep)
            wi, oi = _take(wi, keep), _take(oi, keep)
            flat = design.flat(ri)
    return coef, converged


def _armijo(design, theta, c, step, dec, fval, idx, pen, tol, rows, y, weights):
    """Step lengths of a batch of Newton steps (:func:`armijo_halving` on the replicates whose
    decrement exceeds ``tol``, along ``Δθ = X step`` computed for them only). ``fval``
    caches (by replicate ``idx``) the objective at the accepted point, where known."""
    t = np.ones(idx.size)
    todo = np.flatnonzero(dec > tol)
    if not todo.size:
        return t
    dtheta = design.theta(step[todo], _take(rows, todo))
    t[todo], fval[idx[todo]] = armijo_halving(
        theta[todo], _take(y, todo), c[todo], dtheta, step[todo], dec[todo],
        np.arange(todo.size), fval[idx[todo]], pen, _take(weights, todo))
    return t


def armijo_halving(theta, y, coef, dtheta, step, dec, todo, f, pen, weights=None):
    """Armijo step lengths of the Newton steps of the replicates ``todo`` (the others: 1).

    THE backtracking of every host Newton method. Replicate ``r`` (its linear predictor
    ``theta[r]``, targets ``y[r]`` and count weights ``weights[r]``, or one shared
    ``(k,)`` row of each; coefficients ``coef[r]``; step ``step[r]`` moving the predictor
    by ``dtheta[r]``; Newton decrement ``dec[r]``) keeps ``t = 1`` when the full step
    lowers the penalised objective by at least ``1e-4 t dec``, else halves it, up to 30
    times; only the replicates still backtracking are re-evaluated. ``f`` caches the
    objective at the current point (NaN: unknown; filled here for ``todo``). Returns
    ``(t, f_new)``: ``f_new`` the objective at the accepted point, NaN where none was
    evaluated (no line search, or the last halving, which is not evaluated).
    """
    t = np.ones(len(theta))
    f_new = np.full(len(theta), np.nan)
    if not todo.size:
        return t, f_new
    unknown = todo[np.isnan(f[todo])]
    if unknown.size:
        f[unknown] = _penalised_nll(theta[unknown], _take(y, unknown), coef[unknown], pen,
                                    _take(weights, unknown))
    for _ in range(30):
        tt = t[todo]
        val = _penalised_nll(theta[todo] + tt[:, None] * dtheta[todo], _take(y, todo),
                             coef[todo] + tt[:, None] * step[todo], pen, _take(weights, todo))
        bad = val > f[todo] - 1e-4 * tt * dec[todo]
        f_new[todo[~bad]] = val[~bad]
        todo = todo[bad]
        if not todo.size:
            break
        t[todo] *= 0.5
    return t, f_new
