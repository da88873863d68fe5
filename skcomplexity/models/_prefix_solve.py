"""The conjugate posterior's one-object criteria on nested prefixes, one replicate at a time.

The prefix route of :func:`~skcomplexity.models.posterior.prefix_neighbour_criteria`
on the host without the ``(R, J, q, q)`` table of prefix statistics: each
replicate's rows are added to one running Gram matrix (BLAS ``syrk`` or ``gemm`` on blocks
gathered into a buffer that stays in cache), and at every grid size the posterior
precision ``P_k = X_kᵀX_k / σ² + α I`` is factorised (``potrf``) and solved
(``potrs``) on the spot for the next object's ``u = P_k⁻¹ x`` (and, for the observed
criteria, the mean ``μ_k = P_k⁻¹ X_kᵀy / σ²``). Memory is ``O(q²)`` per replicate
whatever the grid, and nothing of size ``J q²`` is written or read back: on
10,000 x 101 with 100 sizes the table alone is 832 MB per 100 replicates, whose
traffic cost more than the factorisations.
"""

import numpy as np
from scipy.linalg import lapack

from ._batched import add_block_gram

__all__ = ["prefix_solve_criteria"]

#: Rows gathered per block before they are added to the running Gram matrix.
_BLOCK = 1024


def prefix_solve_criteria(X, y, index, sizes, prior_precision, sigma2, expected, on_failure):
    """``t`` and (observed) the squared residual of the next object at every size.

    Parameters
    ----------
    X : ndarray of shape (m, p)
    y : ndarray of shape (m,)
    index : ndarray of int, shape (R, length)
        Each replicate's order; ``length > sizes[-1]`` (the next object is read).
    sizes : ndarray of int, shape (J,)
        Increasing prefix lengths.
    prior_precision, sigma2 : float
    expected : bool
        Only ``t`` is needed (the expected criteria); otherwise also ``r²``.
    on_failure : callable
        Called with a precision matrix that is not positive definite (it raises).

    Returns
    -------
    t : ndarray of shape (R, J)
        ``xᵀ P_k⁻¹ x / σ²`` for the next object ``x = X[index[:, k]]``.
    r2 : ndarray of shape (R, J) or None
        ``(y_new - xᵀμ_k)²`` (None when ``expected``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((30, 3)), rng.standard_normal(30)
    >>> index = rng.permutation(30)[None]
    >>> t, r2 = prefix_solve_criteria(X, y, index, np.array([10]), 1.0, 1.0, False, None)
    >>> Xk, x = X[index[0, :10]], X[index[0, 10]]
    >>> P = Xk.T @ Xk + np.eye(3)
    >>> bool(np.isclose(t[0, 0], x @ np.linalg.solve(P, x)))
    True
    >>> mu = np.linalg.solve(P, Xk.T @ y[index[0, :10]])
    >>> bool(np.isclose(r2[0, 0], (y[index[0, 10]] - x @ mu) ** 2))
    True
    """
    sizes = np.asarray(sizes, dtype=int)
    R, J, p = index.shape[0], sizes.size, X.shape[1]
    # rows of [X, y] (observed: Xᵀy beside XᵀX in the Gram matrix), row-major for the gather
    q = p if expected else p + 1
    if expected:  # the design itself when it is row-major already
        A = np.ascontiguousarray(X, dtype=float)
    else:
        A = np.empty((X.shape[0], q))
        A[:, :p] = X
        A[:, p] = y
    t = np.empty((R, J))
    r2 = None if expected else np.empty((R, J))
    bounds = np.concatenate([[0], sizes])
    buf = np.empty((_BLOCK, q))
    x_next = X[index[:, sizes]]  # (R, J, p)
    y_next = None if expected else y[index[:, sizes]]
    diag = np.arange(p)
    potrf, potrs = lapack.dpotrf, lapack.dpotrs
    inv_s2 = 1.0 / sigma2
    for r in range(R):
        idx = index[r]
        G = np.zeros((q, q), order="F")  # lower triangle: Σ a aᵀ over the prefix
        for j in range(J):
            for a in range(bounds[j], bounds[j + 1], _BLOCK):
                b = min(a + _BLOCK, bounds[j + 1])
                block = np.take(A, idx[a:b], axis=0, out=buf[:b - a], mode="clip")
                G = add_block_gram(block, G, lower=True)
            P = G[:p, :p] * inv_s2
            P[diag, diag] += prior_precision
            L, info = potrf(P, lower=1, clean=0, overwrite_a=1)
            if info != 0:
                on_failure(np.tril(G[:p, :p]) * inv_s2 + np.tril(G[:p, :p], -1).T * inv_s2
                           + prior_precision * np.eye(p))
            x = x_next[r, j]
            if expected:
                u, _ = potrs(L, x, lower=1)
                t[r, j] = (x @ u) * inv_s2
            else:
                rhs = np.stack([G[p, :p] * inv_s2, x], axis=1)
                sol, _ = potrs(L, rhs, lower=1)
                t[r, j] = (x @ sol[:, 1]) * inv_s2
                r2[r, j] = (y_next[r, j] - x @ sol[:, 0]) ** 2
    return t, r2
