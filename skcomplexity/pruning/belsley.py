"""Belsley multicollinearity diagnostics and the Belsley feature selector.

This module needs only numpy, scipy, scikit-learn and statsmodels (no torch), so
that :class:`BelsleyFeatureSelector` can sit in any scikit-learn pipeline.

Definitions (dissertation §5.1, spec ``ch5_reduction.md`` §3): for a symmetric
positive semi-definite matrix :math:`A = U \\Lambda U^\\top` (a parameter
covariance, or the cross-product :math:`X^\\top X` of a design matrix),

* the condition index of component :math:`j` is
  :math:`\\eta_j = \\lambda_{\\max} / \\lambda_j`;
* the variance-decomposition proportion of parameter :math:`i` on component
  :math:`j` is :math:`q_{ij} = (u_{ij}^2/\\lambda_j) / \\sum_k u_{ik}^2/\\lambda_k`
  (each parameter's proportions sum to one over the components, which is how
  Table 5.1 is normalised);
* the worst component is :math:`\\xi = \\arg\\max_j \\eta_j` and the least
  relevant parameter is :math:`\\zeta = \\arg\\max_i q_{i\\xi}`.

For a *design* matrix the classical Belsley–Kuh–Welsch condition index uses the
singular values :math:`\\mu` of the column-scaled matrix,
:math:`\\eta_j = \\mu_{\\max}/\\mu_j`, which is the square root of the
eigenvalue ratio above; this is the scale on which the customary threshold 30
is stated, and the one :class:`BelsleyFeatureSelector` uses.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.feature_selection import SelectorMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = [
    "BelsleyDiagnostics",
    "belsley_diagnostics",
    "belsley_order",
    "belsley_order_gradients",
    "BelsleyFeatureSelector",
]


def _standardize_cov(A, names=None):
    d = np.diag(A).copy()
    bad = ~(d > 0)
    if np.any(bad):
        idx = np.flatnonzero(bad)
        which = [names[i] for i in idx] if names is not None else idx.tolist()
        raise ValueError(
            f"Cannot standardise: parameters/features {which} have zero (or negative) variance, "
            "i.e. they are constant. Remove constant columns first (e.g. with "
            "sklearn.feature_selection.VarianceThreshold) or pass standardize=False."
        )
    s = 1.0 / np.sqrt(d)
    return A * s[:, None] * s[None, :]


def _proportions(U, lam):
    phi = U**2 / lam[None, :]
    return phi / phi.sum(axis=1, keepdims=True)


class BelsleyDiagnostics:
    """Result of :func:`belsley_diagnostics`: condition indices and variance proportions.

    Components are sorted by increasing condition index, as in Table 5.1.

    Attributes
    ----------
    condition_indices : ndarray of shape (n_components,)
        :math:`\\eta_j`, ascending.
    variance_proportions : ndarray of shape (n_components, n_params)
        Row ``j`` = component ``j``, column ``i`` = parameter ``i``; every
        column sums to one.
    eigenvalues : ndarray of shape (n_components,)
        Eigenvalues of the (standardised) matrix, or squared singular values
        of the scaled design matrix, in the same (descending) order.
    worst_component : int
        Row index :math:`\\xi` of the largest condition index (the last row).
    least_relevant : int
        :math:`\\zeta = \\arg\\max_i q_{i\\xi}`, the parameter the modified
        Belsley method removes first.
    names : list of str
        Parameter (feature) names used by :meth:`summary`.
    kind : {"covariance", "design"}
        What the diagnostics were computed from.

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.pruning import belsley_diagnostics
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> X = np.c_[X, X[:, 0] + X[:, 1] + 1e-3 * rng.normal(size=200)]
    >>> diag = belsley_diagnostics(X, kind="design")
    >>> diag.least_relevant
    3
    >>> "Belsley collinearity diagnostics" in diag.summary().as_text()
    True
    """

    def __init__(self, condition_indices, variance_proportions, eigenvalues, names, kind):
        self.condition_indices = condition_indices
        self.variance_proportions = variance_proportions
        self.eigenvalues = eigenvalues
        self.names = list(names)
        self.kind = kind
        # the last of tied maxima, i.e. the last row (components are sorted ascending)
        self.worst_component = int(len(condition_indices) - 1 - np.argmax(condition_indices[::-1]))
        q_worst = variance_proportions[self.worst_component]
        self.least_relevant = int(np.argmax(q_worst))

    def to_frame(self):
        """The table as a :class:`pandas.DataFrame` (rows: components; columns: eta, q per parameter)."""
        import pandas as pd

        df = pd.DataFrame(self.variance_proportions, columns=self.names)
        df.insert(0, "condition index", self.condition_indices)
        df.index.name = "component"
        return df

    def summary(self, *, float_format="%.3g"):
        """A statsmodels :class:`~statsmodels.iolib.summary.Summary` with the diagnostics table.

        Rows are components (ascending condition index), columns the
        condition index and each parameter's variance proportion. Print it,
        or call ``.as_text()``, ``.as_html()``, ``.as_latex()``.
        """
        from statsmodels.iolib.summary import Summary
        from statsmodels.iolib.table import SimpleTable

        data = [[float_format % e] + [float_format % v for v in row]
                for e, row in zip(self.condition_indices, self.variance_proportions, strict=True)]
        headers = ["cond. index"] + self.names
        stubs = [str(j + 1) for j in range(len(data))]
        table = SimpleTable(data, headers=headers, stubs=stubs,
                            title=f"Belsley collinearity diagnostics ({self.kind})")
        smry = Summary()
        smry.tables.append(table)
        smry.add_extra_txt([
            f"Largest condition index {self.condition_indices[self.worst_component]:.3g} (component "
            f"{self.worst_component + 1}); largest variance proportion on it: "
            f"{self.names[self.least_relevant]} "
            f"({self.variance_proportions[self.worst_component, self.least_relevant]:.3g}).",
        ])
        return smry

    def __repr__(self):
        return (f"BelsleyDiagnostics(kind={self.kind!r}, n_params={len(self.names)}, "
                f"max_condition_index={self.condition_indices[-1]:.4g})")


def _check_names(names, p, default_prefix):
    if names is None:
        return [f"{default_prefix}{i + 1}" for i in range(p)]
    names = [str(n) for n in names]
    if len(names) != p:
        raise ValueError(f"names must have {p} entries (one per column), got {len(names)}.")
    return names


def belsley_diagnostics(A, *, kind="covariance", standardize=True, center=True, names=None,
                        eps=None):
    """Condition indices and variance-decomposition proportions of a matrix.

    Parameters
    ----------
    A : array-like
        With ``kind="covariance"``: a symmetric positive semi-definite
        ``(p, p)`` matrix (a parameter covariance, as in the modified Belsley
        method of §5.1). With ``kind="design"``: an ``(n_samples, p)`` design
        matrix (classical Belsley–Kuh–Welsch diagnostics).
    kind : {"covariance", "design"}, default="covariance"
        How ``A`` is read. For a covariance, :math:`\\eta_j=\\lambda_{\\max}/\\lambda_j`
        (the dissertation's definition, Table 5.1). For a design matrix,
        :math:`\\eta_j=\\mu_{\\max}/\\mu_j` with :math:`\\mu` the singular values of
        the column-scaled matrix (the classical scale, threshold ~30).
    standardize : bool, default=True
        Covariance: convert to the correlation matrix first (Table 5.1 is only
        reproduced this way). Design: scale every column to unit length.
    center : bool, default=True
        Design only: centre the columns before scaling (so that the
        cross-product is the correlation matrix); set False to keep an
        explicit intercept column in the diagnostics.
    names : list of str, optional
        Parameter names for :meth:`BelsleyDiagnostics.summary`.
    eps : float, optional
        Eigenvalues below ``eps * lambda_max`` are clipped to it, so that
        exactly singular matrices give huge but finite condition indices
        (at most ``1/eps``). Default: machine epsilon (about 2.2e-16).

    Returns
    -------
    BelsleyDiagnostics
        Components sorted by ascending condition index.

    Raises
    ------
    ValueError
        Non-finite, non-square (covariance) or non-2-D input, constant
        columns with ``standardize=True``, or an unknown ``kind``.

    Examples
    --------
    Table 5.1 of the dissertation (well-conditioned rows):

    >>> import numpy as np
    >>> from skcomplexity.pruning import belsley_diagnostics
    >>> x = np.linspace(0, 20, 1001)
    >>> W = np.c_[np.sin(x), np.cos(x), 2 + np.cos(x), 2 + np.sin(x),
    ...           np.cos(x) + np.sin(x), x]
    >>> diag = belsley_diagnostics(np.cov(W.T))
    >>> np.round(diag.condition_indices[:3], 3)
    array([1.   , 1.547, 3.323])
    """
    if kind not in ("covariance", "design"):
        raise ValueError(f"kind must be 'covariance' or 'design', got {kind!r}.")
    if eps is None:
        eps = np.finfo(np.float64).eps
    if isinstance(eps, bool) or not (isinstance(eps, Real) and 0 < eps < 1):
        raise ValueError(f"eps must be a real number in (0, 1), got {eps!r}.")
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2:
        raise ValueError(f"A must be a 2-D array, got an array with {A.ndim} dimension(s).")
    if not np.all(np.isfinite(A)):
        raise ValueError("A contains NaN or infinite values.")
    p = A.shape[1]
    if p == 0:
        raise ValueError("A has no columns.")
    names = _check_names(names, p, "x" if kind == "design" else "w")
    if kind == "covariance":
        if A.shape[0] != p:
            raise ValueError(f"A must be a square (p, p) covariance matrix, got shape {A.shape}.")
        if not np.allclose(A, A.T, rtol=1e-8, atol=1e-12 * max(np.abs(A).max(), 1e-300)):
            raise ValueError("A must be symmetric (a covariance matrix).")
        A = (A + A.T) / 2
        if standardize:
            A = _standardize_cov(A, names)
        lam, U = np.linalg.eigh(A)
        lam = lam[::-1]
        U = U[:, ::-1]
        lam = np.maximum(lam, eps * max(lam[0], np.finfo(float).tiny))
        eta = lam[0] / lam
    else:
        if A.shape[0] < 2:
            raise ValueError(f"A (design) needs at least 2 rows, got {A.shape[0]}.")
        Z = A - A.mean(axis=0) if center else A.copy()
        norms = np.linalg.norm(Z, axis=0)
        if standardize:
            bad = ~(norms > 1e-12 * np.maximum(np.abs(A).max(axis=0), 1.0) * np.sqrt(A.shape[0]))
            if np.any(bad):
                which = [names[i] for i in np.flatnonzero(bad)]
                raise ValueError(
                    f"Features {which} are constant{' after centring' if center else ''}; "
                    "Belsley diagnostics need non-constant columns. Remove them first (e.g. with "
                    "sklearn.feature_selection.VarianceThreshold)."
                )
            Z = Z / norms
        _, mu, Vt = np.linalg.svd(Z, full_matrices=False)
        U = Vt.T  # (p, k), descending mu
        mu = np.maximum(mu, np.sqrt(eps) * max(mu[0], np.finfo(float).tiny))
        lam = mu**2
        eta = mu[0] / mu
    q = _proportions(U, lam)  # (p, k)
    # eta is ascending (lam descending); rows = components
    return BelsleyDiagnostics(eta, q.T.copy(), lam, names, kind)


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
    cov : array-like of shape (p, p)
        Parameter covariance :math:`A_{ps}`.
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
    cov = np.asarray(cov, dtype=np.float64)
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise ValueError(f"cov must be a square (p, p) matrix, got shape {cov.shape}.")
    if not np.all(np.isfinite(cov)):
        raise ValueError("cov contains NaN or infinite values.")
    p = cov.shape[0]
    n_remove = _check_order_args(n_remove, p, update, batch_size_remove)
    rule = _check_rule(saliency, p, condition_threshold, proportion_threshold)
    cov = (cov + cov.T) / 2
    # many small eigendecompositions: multithreaded BLAS only adds overhead (10x slower on a
    # busy 2-core machine), so run them single-threaded
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1 if p <= 2000 else None, user_api="blas"):
        return _belsley_loop(cov, n_remove, standardize, update, batch_size_remove, eps, rule)


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


def _belsley_loop(cov, n_remove, standardize, update, batch_size_remove, eps, rule=None):
    p = cov.shape[0]
    active = np.arange(p)
    removed = []
    while len(removed) < n_remove:
        if update == "submatrix" or not removed:
            A = cov[np.ix_(active, active)]
        else:
            R = np.asarray(removed)
            S_rr = cov[np.ix_(R, R)]
            S_ar = cov[np.ix_(active, R)]
            A = cov[np.ix_(active, active)] - S_ar @ np.linalg.pinv(S_rr, hermitian=True) @ S_ar.T
        d = np.diag(A)
        const = np.flatnonzero(~(d > eps * max(d.max(), np.finfo(float).tiny)))
        if const.size:  # zero-variance parameters carry no information: remove them first
            take = const[: min(batch_size_remove, n_remove - len(removed))]
        elif len(active) == 1:
            take = np.array([0])
        else:
            if standardize:
                s = 1.0 / np.sqrt(d)
                A = A * s[:, None] * s[None, :]
            lam, U = np.linalg.eigh(A)
            lam = np.maximum(lam, eps * max(lam[-1], np.finfo(float).tiny))
            q = _proportions(U, lam)
            k = min(batch_size_remove, n_remove - len(removed))
            if rule is None:
                q_worst = q[:, int(np.argmin(lam))]
                take = np.argsort(-q_worst, kind="stable")[:k]
            else:
                dep = lam * rule[1] < lam.max()  # classical index above the threshold
                take = _dependence_take(rule, active, q[:, dep].sum(axis=1), int(dep.sum()), k)
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
    if hasattr(G, "detach"):
        G = G.detach().double().cpu().numpy()
    G = np.asarray(G, dtype=np.float64)
    if G.ndim != 2:
        raise ValueError(f"G must be a 2-D (n_objects, p) matrix, got shape {G.shape}.")
    if not np.all(np.isfinite(G)):
        raise ValueError("G contains NaN or infinite values.")
    n, p = G.shape
    n_remove = _check_order_args(n_remove, p, update, batch_size_remove)
    rule = _check_rule(saliency, p, condition_threshold, proportion_threshold)
    Gc = G - G.mean(axis=0, keepdims=True)
    active = np.arange(p)
    removed = []
    Q = np.zeros((n, 0))
    sub = update == "submatrix"
    if sub:  # column norms never change: scale once, and keep the n x n Gram up to date
        d_all = (Gc**2).sum(axis=0)
        if standardize:
            Gc = Gc / np.sqrt(np.where(d_all > 0, d_all, 1.0))[None, :]
    gram = _GramTracker(Gc) if sub else None
    while len(removed) < n_remove:
        if sub:
            d = d_all[active]
            Ga = None  # gathered only when needed
        else:
            Ga = Gc[:, active]
            if Q.shape[1]:
                Ga = Ga - Q @ (Q.T @ Ga)
            d = (Ga**2).sum(axis=0)
        k = min(batch_size_remove, n_remove - len(removed))
        const = np.flatnonzero(~(d > eps * max(d.max(), np.finfo(float).tiny)))
        if const.size:
            take = const[:k]
        elif len(active) == 1:
            take = np.array([0])
        else:
            if not sub and standardize:
                Ga = Ga / np.sqrt(d)[None, :]
            a = len(active)
            if a <= n:
                if Ga is None:
                    Ga = Gc[:, active]
                lam, V = np.linalg.eigh(Ga.T @ Ga)
            else:
                mu, W = np.linalg.eigh(gram.matrix(active) if sub else Ga @ Ga.T)
                keep = mu > eps * max(mu[-1], np.finfo(float).tiny)
                lam = mu[keep]
                if Ga is None:
                    Ga = Gc[:, active]
                V = (Ga.T @ W[:, keep]) / np.sqrt(lam)[None, :]
            floor = eps * max(lam.max(), np.finfo(float).tiny)
            lam = np.maximum(lam, floor)
            V2 = np.square(V, out=V)  # squared loadings; phi = V2 / lam, never formed
            inv = 1.0 / lam
            n_null = a - V2.shape[1]
            if n_null:  # singular: the null space is the worst component
                null = np.clip(1.0 - V2.sum(axis=1), 0.0, None) / floor
                rest = V2 @ inv
                total = rest + null
            else:
                worst = int(np.argmin(lam))
                total = V2 @ inv
                rest = total - V2[:, worst] * inv[worst]
            if rule is None:
                # ascending share off the worst component = descending proportion on it
                take = np.argsort(rest / total, kind="stable")[:k]
            else:
                dep = lam * rule[1] < lam.max()
                on_dep = V2 @ np.where(dep, inv, 0.0) + (null if n_null else 0.0)
                take = _dependence_take(rule, active, on_dep / total, n_null + int(dep.sum()), k)
                if take is None:
                    return _finish_by_saliency(rule, active, removed, n_remove)
        if update == "conditional":
            R = Gc[:, active[take]]
            if Q.shape[1]:
                R = R - Q @ (Q.T @ R)
            U, sv, _ = np.linalg.svd(R, full_matrices=False)
            Q = np.hstack([Q, U[:, sv > 1e-10 * max(sv.max(initial=0.0), 1e-300)]])
        if sub:
            gram.remove(active[take])
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
    """

    def __init__(self, A):
        self.A = A
        self.M = None
        self.formed_trace = None

    def matrix(self, active):
        if self.M is None or np.trace(self.M) < 0.5 * self.formed_trace:
            As = self.A[:, active]
            self.M = As @ As.T
            self.formed_trace = np.trace(self.M)
        return self.M

    def remove(self, cols):
        if self.M is not None and len(cols):
            R = self.A[:, cols]
            self.M -= R @ R.T


class BelsleyFeatureSelector(SelectorMixin, BaseEstimator):
    """Remove collinear features by Belsley's condition-index rule.

    While the largest condition index (classical scale: ratio of singular
    values of the centred, unit-length-scaled design matrix) exceeds
    ``condition_threshold`` and at least two features on the worst
    component have a variance proportion above ``proportion_threshold``,
    the feature with the largest proportion on that component is dropped
    and the diagnostics are recomputed. Independent features are kept.

    Parameters
    ----------
    condition_threshold : float, default=30
        Largest acceptable condition index (Belsley, Kuh & Welsch: 30 means
        strong collinearity). Must be >= 1.
    proportion_threshold : float, default=0.5
        A feature takes part in a near-dependence when its variance
        proportion on the worst component exceeds this value.
    center : bool, default=True
        Centre the columns before the diagnostics (the intercept is then not
        part of the dependence). Use ``False`` for classical uncentred
        diagnostics that also detect collinearity with the constant.

    Attributes
    ----------
    support_ : ndarray of bool of shape (n_features,)
        Kept features.
    condition_indices_ : ndarray
        Condition indices of the kept features (ascending).
    dropped_ : list of int
        Indices of the dropped features, in the order they were dropped.
    diagnostics_ : BelsleyDiagnostics
        Diagnostics of the full input (before any removal).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.pruning import BelsleyFeatureSelector
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 3))
    >>> X = np.c_[X, X[:, 0] - 2 * X[:, 2] + 1e-4 * rng.normal(size=100)]
    >>> sel = BelsleyFeatureSelector(condition_threshold=30).fit(X)
    >>> sel.get_support()
    array([ True,  True,  True, False])
    >>> sel.transform(X).shape
    (100, 3)
    """

    _parameter_constraints = {
        "condition_threshold": [Interval(Real, 1, None, closed="left")],
        "proportion_threshold": [Interval(Real, 0, 1, closed="left")],
        "center": ["boolean"],
    }

    def __init__(self, condition_threshold=30, proportion_threshold=0.5, center=True):
        self.condition_threshold = condition_threshold
        self.proportion_threshold = proportion_threshold
        self.center = center

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Find the collinear features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            At least 2 samples; no constant feature.
        y : ignored

        Returns
        -------
        self
        """
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        names = (list(map(str, self.feature_names_in_)) if hasattr(self, "feature_names_in_")
                 else None)
        self.diagnostics_ = belsley_diagnostics(X, kind="design", center=self.center,
                                                names=names)
        keep = np.arange(X.shape[1])
        dropped = []
        diag = self.diagnostics_
        while keep.size > 1 and diag.condition_indices[-1] > self.condition_threshold:
            q_worst = diag.variance_proportions[-1]
            involved = np.flatnonzero(q_worst > self.proportion_threshold)
            if involved.size < 2:
                # a dependence needs at least two features with a large proportion (Belsley)
                break
            # near-ties (e.g. duplicated columns) go to the later column so the first copy stays
            top = q_worst.max()
            cand = np.flatnonzero(q_worst >= top * (1 - 1e-6))
            j = int(cand[-1])
            dropped.append(int(keep[j]))
            keep = np.delete(keep, j)
            diag = belsley_diagnostics(X[:, keep], kind="design", center=self.center)
        support = np.zeros(X.shape[1], dtype=bool)
        support[keep] = True
        self.support_ = support
        self.dropped_ = dropped
        self.condition_indices_ = diag.condition_indices
        return self

    def _get_support_mask(self):
        check_is_fitted(self, "support_")
        return self.support_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        return tags

