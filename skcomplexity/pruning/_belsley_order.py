"""Belsley removal orders (§5.1): :func:`belsley_order` on a parameter covariance and
:func:`belsley_order_gradients` on per-object gradients, without the ``p x p`` matrix.

Written once against the array API: a numpy array is ordered in numpy, a torch
tensor in torch on its own device (a pruner's network: the decompositions,
downdates and projections never leave the model's device). Only the index
bookkeeping runs on the host: per decomposition, one length-``|active|`` vector
(the diagonal, the eigenvalues, the proportions being ranked) comes back to pick
the parameters to remove, as any data-dependent selection must.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.externals.array_api_compat import array_namespace, device, is_torch_namespace

__all__ = ["belsley_order", "belsley_order_gradients"]

_TINY = np.finfo(np.float64).tiny


# ---------------------------------------------------------------- array namespace
def as_float64(A):
    """``A`` as a float64 array of its own namespace (numpy for array-likes) and that namespace.

    A torch tensor stays a tensor on its device (detached); anything else becomes numpy.
    """
    if hasattr(A, "detach"):
        A = A.detach()
        xp = array_namespace(A)
        return xp.astype(A, xp.float64), xp
    return np.asarray(A, dtype=np.float64), array_namespace(np.empty(0))


def to_host(a):
    """A numpy copy (or view) of an array of any namespace, for selection and display."""
    if hasattr(a, "detach"):
        a = a.detach().cpu()
    return np.asarray(a)


def _index(xp, idx, like):
    """Host integer indices as an index array of ``like``'s namespace and device."""
    return xp.asarray(np.asarray(idx, dtype=np.int64), device=device(like))


def _block(xp, A, rows, cols):
    """``A[np.ix_(rows, cols)]`` in any namespace (index arrays from :func:`_index`)."""
    return xp.take(xp.take(A, rows, axis=0), cols, axis=1)


def _pinvh(xp, S):
    """Pseudo-inverse of a symmetric matrix, singular values below ``1e-15 * max`` dropped."""
    if is_torch_namespace(xp):
        return xp.linalg.pinv(S, hermitian=True, rtol=1e-15)
    return np.linalg.pinv(S, hermitian=True)


def proportions(xp, U, lam):
    """Variance-decomposition proportions ``q_ij`` (rows: parameters; columns: components)."""
    phi = U**2 / lam[None, :]
    return phi / xp.sum(phi, axis=1, keepdims=True)


def belsley_order(cov, n_remove=None, *, standardize=True, update="submatrix",
                  batch_size_remove=1, eps=1e-12, saliency=None, condition_threshold=30.0,
                  proportion_threshold=0.5):
    """Removal order of parameters by the modified Belsley method (§5.1).

    Without ``saliency`` (the text's rule): repeatedly takes the component
    with the largest condition index on the active parameters and removes
    the parameter with the largest variance proportion on it
    (``argmax_i q_{i xi}``; ties go to the lowest index), whether or not that
    component is a near-dependence.

    With ``saliency`` (the rule :class:`BelsleyPruner` uses by default,
    Belsley–Kuh–Welsch's reading of the diagnostics): the near-dependences
    are the components whose condition index on the classical scale,
    :math:`\\sqrt{\\lambda_{\\max}/\\lambda_j}`, exceeds
    ``condition_threshold``; the parameters involved are those whose
    variance proportion pooled over these components exceeds
    ``proportion_threshold`` (pooling makes the choice independent of the
    arbitrary basis of tied eigenvalues). Each decomposition removes, from
    the involved parameters, the ones of smallest ``saliency``: as many as
    there are near-dependences (at most ``batch_size_remove``), and at least
    one involved parameter is kept. Once no
    near-dependence with two or more involved parameters remains, the
    remaining parameters are not collinear, the proportions say nothing
    about them, and they follow in ascending ``saliency`` without further
    decompositions.

    Parameters
    ----------
    cov : array-like or torch.Tensor of shape (p, p)
        Parameter covariance :math:`A_{ps}`. A tensor is ordered in torch
        (float64) on its device, with the same order as its numpy copy.
    n_remove : int, optional
        How many parameters to order; default all ``p``.
    standardize : bool, default=True
        Work on the correlation matrix of the active parameters.
    update : {"submatrix", "conditional"}, default="submatrix"
        How the covariance of the active set is obtained after a removal:
        the sub-matrix of ``cov`` (default), or the Gaussian conditional
        covariance given the removed parameters fixed at zero.
    batch_size_remove : int, default=1
        Remove this many parameters (largest proportions on the worst
        component) per decomposition; larger is faster and coarser.
    eps : float, default=1e-12
        Relative floor for eigenvalues.
    saliency : array-like of shape (p,), optional
        Cost of removing each parameter (e.g. its squared posterior z-score
        :math:`w_i^2/\\Sigma_{ii}`); switches to the near-dependence rule
        above. None: the text's rule.
    condition_threshold : float, default=30
        Near-dependence threshold on the classical (singular-value) scale,
        as in :class:`BelsleyFeatureSelector`; only with ``saliency``.
    proportion_threshold : float, default=0.5
        Pooled variance proportion above which a parameter is involved in
        the near-dependences; only with ``saliency``.

    Returns
    -------
    order : ndarray of int of shape (n_remove,)
        Original indices, first = least relevant.

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.pruning import belsley_order
    >>> C = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.99], [0.0, 0.99, 1.0]])
    >>> belsley_order(C).tolist()[0] in (1, 2)
    True

    Parameters 1 and 2 are nearly collinear (classical index 14): with a
    threshold of 10 the cheaper of the two goes first, then the rest by
    saliency:

    >>> belsley_order(C, saliency=[0.5, 3.0, 2.0], condition_threshold=10).tolist()
    [2, 0, 1]
    """
    cov, xp = as_float64(cov)
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise ValueError(f"cov must be a square (p, p) matrix, got shape {tuple(cov.shape)}.")
    if not bool(xp.all(xp.isfinite(cov))):
        raise ValueError("cov contains NaN or infinite values.")
    p = cov.shape[0]
    n_remove = _check_order_args(n_remove, p, update, batch_size_remove)
    rule = _check_rule(saliency, p, condition_threshold, proportion_threshold)
    cov = (cov + cov.T) / 2
    # many small eigendecompositions: multithreaded BLAS only adds overhead (10x slower on a
    # busy 2-core machine), so run them single-threaded
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1 if p <= 2000 else None, user_api="blas"):
        return _belsley_loop(xp, cov, n_remove, standardize, update, batch_size_remove, eps,
                             rule)


def _check_rule(saliency, p, condition_threshold, proportion_threshold):
    """None (the text's rule) or the near-dependence rule's (saliency, eta2_max, q_min)."""
    if saliency is None:
        return None
    sal = np.asarray(saliency, dtype=np.float64)
    if sal.shape != (p,) or np.any(np.isnan(sal)):
        raise ValueError(f"saliency must be an array of shape ({p},) without NaN, got shape "
                         f"{sal.shape}.")
    c = condition_threshold
    if isinstance(c, bool) or not isinstance(c, Real) or not c >= 1:
        raise ValueError(f"condition_threshold must be a real number >= 1, got {c!r}.")
    q = proportion_threshold
    if isinstance(q, bool) or not isinstance(q, Real) or not 0 <= q < 1:
        raise ValueError(f"proportion_threshold must be a real number in [0, 1), got {q!r}.")
    return sal, float(c) ** 2, float(q)


def _dependence_take(rule, active, pooled, n_dep, k):
    """Near-dependence rule: positions (in ``active``) to remove, or None when none is left.

    ``pooled``: each active parameter's variance proportion on the ``n_dep``
    near-dependent components together.
    """
    sal, _, q_min = rule
    involved = np.flatnonzero(pooled > q_min)
    if n_dep == 0 or involved.size < 2:
        return None
    c = min(k, n_dep, involved.size - 1)
    return involved[np.argsort(sal[active[involved]], kind="stable")[:c]]


def _finish_by_saliency(rule, active, removed, n_remove):
    sal = rule[0]
    rest = active[np.argsort(sal[active], kind="stable")]
    removed.extend(rest[: n_remove - len(removed)].tolist())
    return np.asarray(removed, dtype=np.intp)


def _belsley_loop(xp, cov, n_remove, standardize, update, batch_size_remove, eps, rule=None):
    p = cov.shape[0]
    active = np.arange(p)
    removed = []
    while len(removed) < n_remove:
        ia = _index(xp, active, cov)
        A = _block(xp, cov, ia, ia)
        if update == "conditional" and removed:
            ir = _index(xp, removed, cov)
            S_ar = _block(xp, cov, ia, ir)
            A = A - S_ar @ _pinvh(xp, _block(xp, cov, ir, ir)) @ S_ar.T
        d = xp.linalg.diagonal(A)
        dh = to_host(d)
        k = min(batch_size_remove, n_remove - len(removed))
        const = np.flatnonzero(~(dh > eps * max(dh.max(), _TINY)))
        if const.size:  # zero-variance parameters carry no information: remove them first
            take = const[:k]
        elif len(active) == 1:
            take = np.array([0])
        else:
            if standardize:
                s = 1.0 / xp.sqrt(d)
                A = A * s[:, None] * s[None, :]
            lam, U = xp.linalg.eigh(A)
            lam = xp.clip(lam, min=eps * max(float(lam[-1]), _TINY))
            q = proportions(xp, U, lam)
            lh = to_host(lam)
            if rule is None:
                q_worst = to_host(q[:, int(np.argmin(lh))])
                take = np.argsort(-q_worst, kind="stable")[:k]
            else:
                dep = np.flatnonzero(lh * rule[1] < lh.max())  # classical index above threshold
                pooled = to_host(xp.sum(xp.take(q, _index(xp, dep, q), axis=1), axis=1))
                take = _dependence_take(rule, active, pooled, dep.size, k)
                if take is None:
                    return _finish_by_saliency(rule, active, removed, n_remove)
        removed.extend(active[take].tolist())
        active = np.delete(active, take)
    return np.asarray(removed, dtype=np.intp)


def _check_order_args(n_remove, p, update, batch_size_remove):
    if n_remove is None:
        n_remove = p
    if isinstance(n_remove, bool) or not isinstance(n_remove, Integral) or not 0 <= n_remove <= p:
        raise ValueError(f"n_remove must be an integer in [0, {p}], got {n_remove!r}.")
    if update not in ("submatrix", "conditional"):
        raise ValueError(f"update must be 'submatrix' or 'conditional', got {update!r}.")
    if (isinstance(batch_size_remove, bool) or not isinstance(batch_size_remove, Integral)
            or batch_size_remove < 1):
        raise ValueError(f"batch_size_remove must be a positive integer, got {batch_size_remove!r}.")
    return int(n_remove)


def belsley_order_gradients(G, n_remove=None, *, standardize=True, update="submatrix",
                            batch_size_remove=1, eps=1e-12, saliency=None,
                            condition_threshold=30.0, proportion_threshold=0.5):
    """:func:`belsley_order` on the covariance ``(1/n) G_c^T G_c`` of per-object gradients,
    without forming it.

    ``G`` is the ``n x p`` matrix of per-object gradients, ``G_c`` its centred
    version. The eigenpairs of the covariance of the active parameters come
    from the thin SVD of ``G_c`` restricted to them (through the ``n x n``
    Gram matrix when ``p > n``), so memory is ``O(np)`` and a decomposition
    costs ``O(min(n, p)^2 max(n, p))`` instead of ``O(p^3)``. For ``n >= p``
    the order equals ``belsley_order(G_c^T G_c / n)``.

    When the active parameters outnumber the objects, the covariance is
    singular: its null space is one component with eigenvalue at the floor
    ``eps * λ_max``, and a parameter's variance proportion on it is
    ``(1 - h_i) / floor`` over the row total (``h_i`` its leverage in the
    range of ``G_c``); this is the component of largest condition index, so
    the parameters least represented in the gradients are removed first.
    ``update="conditional"`` projects the remaining columns off the span of
    the removed ones (the Gaussian conditional covariance).

    Parameters
    ----------
    G : array-like or torch.Tensor of shape (n_objects, p)
        A tensor is ordered in torch (float64) on its device.
    n_remove, standardize, update, batch_size_remove, eps, saliency, \
condition_threshold, proportion_threshold
        As in :func:`belsley_order`.

    Returns
    -------
    order : ndarray of int of shape (n_remove,)

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.pruning import belsley_order, belsley_order_gradients
    >>> G = np.random.default_rng(0).normal(size=(50, 4)); G[:, 3] = G[:, 0] + 0.01 * G[:, 3]
    >>> Gc = G - G.mean(0)
    >>> belsley_order_gradients(G, 2).tolist(), belsley_order(Gc.T @ Gc / 50, 2).tolist()
    ([3, 0], [3, 0])
    """
    G, xp = as_float64(G)
    if G.ndim != 2:
        raise ValueError(f"G must be a 2-D (n_objects, p) matrix, got shape {tuple(G.shape)}.")
    if not bool(xp.all(xp.isfinite(G))):
        raise ValueError("G contains NaN or infinite values.")
    n, p = G.shape
    n_remove = _check_order_args(n_remove, p, update, batch_size_remove)
    rule = _check_rule(saliency, p, condition_threshold, proportion_threshold)
    Gc = G - xp.mean(G, axis=0, keepdims=True)
    active = np.arange(p)
    removed = []
    Q = xp.zeros((n, 0), dtype=Gc.dtype, device=device(Gc))
    sub = update == "submatrix"
    if sub:  # column norms never change: scale once, and keep the n x n Gram up to date
        d_all = xp.sum(Gc**2, axis=0)
        if standardize:
            Gc = Gc / xp.sqrt(xp.where(d_all > 0, d_all, 1.0))[None, :]
        d_all = to_host(d_all)
    gram = _GramTracker(xp, Gc) if sub else None
    while len(removed) < n_remove:
        ia = _index(xp, active, Gc)
        if sub:
            d = d_all[active]
            Ga = None  # gathered only when needed
        else:
            Ga = xp.take(Gc, ia, axis=1)
            if Q.shape[1]:
                Ga = Ga - Q @ (Q.T @ Ga)
            d = to_host(xp.sum(Ga**2, axis=0))
        k = min(batch_size_remove, n_remove - len(removed))
        const = np.flatnonzero(~(d > eps * max(d.max(), _TINY)))
        if const.size:
            take = const[:k]
        elif len(active) == 1:
            take = np.array([0])
        else:
            if not sub and standardize:
                Ga = Ga / xp.sqrt(xp.asarray(d, device=device(Ga)))[None, :]
            a = len(active)
            if a <= n:
                if Ga is None:
                    Ga = xp.take(Gc, ia, axis=1)
                lam, V = xp.linalg.eigh(Ga.T @ Ga)
            else:
                mu, W = xp.linalg.eigh(gram.matrix(ia) if sub else Ga @ Ga.T)
                keep = _index(xp, np.flatnonzero(to_host(mu) > eps * max(float(mu[-1]), _TINY)),
                              mu)
                lam = xp.take(mu, keep, axis=0)
                if Ga is None:
                    Ga = xp.take(Gc, ia, axis=1)
                V = (Ga.T @ xp.take(W, keep, axis=1)) / xp.sqrt(lam)[None, :]
            floor = eps * max(float(xp.max(lam)), _TINY)
            lam = xp.clip(lam, min=floor)
            V2 = V * V  # squared loadings; phi = V2 / lam, never formed
            inv = 1.0 / lam
            n_null = a - V2.shape[1]
            if n_null:  # singular: the null space is the worst component
                null = xp.clip(1.0 - xp.sum(V2, axis=1), min=0.0) / floor
                rest = V2 @ inv
                total = rest + null
            else:
                worst = int(np.argmin(to_host(lam)))
                total = V2 @ inv
                rest = total - V2[:, worst] * inv[worst]
            if rule is None:
                # ascending share off the worst component = descending proportion on it
                take = np.argsort(to_host(rest / total), kind="stable")[:k]
            else:
                dep = lam * rule[1] < xp.max(lam)
                on_dep = V2 @ xp.where(dep, inv, 0.0) + (null if n_null else 0.0)
                take = _dependence_take(rule, active, to_host(on_dep / total),
                                        n_null + int(xp.sum(xp.astype(dep, xp.int64))), k)
                if take is None:
                    return _finish_by_saliency(rule, active, removed, n_remove)
        it = _index(xp, active[take], Gc)
        if update == "conditional":
            R = xp.take(Gc, it, axis=1)
            if Q.shape[1]:
                R = R - Q @ (Q.T @ R)
            U, sv, _ = xp.linalg.svd(R, full_matrices=False)
            big = np.flatnonzero(to_host(sv) > 1e-10 * max(float(xp.max(sv)), 1e-300))
            Q = xp.concat([Q, xp.take(U, _index(xp, big, U), axis=1)], axis=1)
        if sub:
            gram.remove(it)
        removed.extend(active[take].tolist())
        active = np.delete(active, take)
    return np.asarray(removed, dtype=np.intp)


class _GramTracker:
    """``A_S A_S^T`` for the active columns ``S`` of ``A`` (n x p), kept by rank-k downdates.

    Removing columns subtracts their outer products (``O(n² k)``) instead of
    recomputing the Gram matrix of all active columns (``O(n² |S|)``). The
    downdates lose accuracy as the trace shrinks, so the matrix is recomputed
    whenever the trace has halved since it was last formed (at most
    ``log2`` of the mass many times) and is formed lazily, only when asked.
    ``A`` and the column indices are arrays of the namespace ``xp``.
    """

    def __init__(self, xp, A):
        self.xp = xp
        self.A = A
        self.M = None
        self.formed_trace = None

    def _trace(self):
        return float(self.xp.sum(self.xp.linalg.diagonal(self.M)))

    def matrix(self, active):
        if self.M is None or self._trace() < 0.5 * self.formed_trace:
            As = self.xp.take(self.A, active, axis=1)
            self.M = As @ As.T
            self.formed_trace = self._trace()
        return self.M

    def remove(self, cols):
        if self.M is not None and cols.shape[0]:
            R = self.xp.take(self.A, cols, axis=1)
            self.M = self.M - R @ R.T
