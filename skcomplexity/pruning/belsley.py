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

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.feature_selection import SelectorMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ._belsley_order import (
    as_float64,
    belsley_order,
    belsley_order_gradients,
    proportions,
    to_host,
)

__all__ = [
    "BelsleyDiagnostics",
    "belsley_diagnostics",
    "belsley_order",
    "belsley_order_gradients",
    "BelsleyFeatureSelector",
]


def _standardize_cov(xp, A, names=None):
    d = xp.linalg.diagonal(A)
    bad = ~(to_host(d) > 0)
    if np.any(bad):
        idx = np.flatnonzero(bad)
        which = [names[i] for i in idx] if names is not None else idx.tolist()
        raise ValueError(
            f"Cannot standardise: parameters/features {which} have zero (or negative) variance, "
            "i.e. they are constant. Remove constant columns first (e.g. with "
            "sklearn.feature_selection.VarianceThreshold) or pass standardize=False."
        )
    s = 1.0 / xp.sqrt(d)
    return A * s[:, None] * s[None, :]


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
        eta, q = to_host(condition_indices), to_host(variance_proportions)
        self.worst_component = int(len(eta) - 1 - np.argmax(eta[::-1]))
        self.least_relevant = int(np.argmax(q[self.worst_component]))

    def to_frame(self):
        """The table as a :class:`pandas.DataFrame` (rows: components; columns: eta, q per parameter)."""
        import pandas as pd

        df = pd.DataFrame(to_host(self.variance_proportions), columns=self.names)
        df.insert(0, "condition index", to_host(self.condition_indices))
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

        eta, q = to_host(self.condition_indices), to_host(self.variance_proportions)
        data = [[float_format % e] + [float_format % v for v in row]
                for e, row in zip(eta, q, strict=True)]
        headers = ["cond. index"] + self.names
        stubs = [str(j + 1) for j in range(len(data))]
        table = SimpleTable(data, headers=headers, stubs=stubs,
                            title=f"Belsley collinearity diagnostics ({self.kind})")
        smry = Summary()
        smry.tables.append(table)
        smry.add_extra_txt([
            f"Largest condition index {eta[self.worst_component]:.3g} (component "
            f"{self.worst_component + 1}); largest variance proportion on it: "
            f"{self.names[self.least_relevant]} "
            f"({q[self.worst_component, self.least_relevant]:.3g}).",
        ])
        return smry

    def __repr__(self):
        return (f"BelsleyDiagnostics(kind={self.kind!r}, n_params={len(self.names)}, "
                f"max_condition_index={float(self.condition_indices[-1]):.4g})")


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
    A : array-like or torch.Tensor
        With ``kind="covariance"``: a symmetric positive semi-definite
        ``(p, p)`` matrix (a parameter covariance, as in the modified Belsley
        method of §5.1). With ``kind="design"``: an ``(n_samples, p)`` design
        matrix (classical Belsley–Kuh–Welsch diagnostics). A torch tensor is
        diagnosed in torch (float64) on its device, and the arrays of the
        result are tensors there.
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
    A, xp = as_float64(A)
    if A.ndim != 2:
        raise ValueError(f"A must be a 2-D array, got an array with {A.ndim} dimension(s).")
    if not bool(xp.all(xp.isfinite(A))):
        raise ValueError("A contains NaN or infinite values.")
    p = A.shape[1]
    if p == 0:
        raise ValueError("A has no columns.")
    names = _check_names(names, p, "x" if kind == "design" else "w")
    tiny = np.finfo(np.float64).tiny
    if kind == "covariance":
        if A.shape[0] != p:
            raise ValueError(f"A must be a square (p, p) covariance matrix, got shape "
                             f"{tuple(A.shape)}.")
        atol = 1e-12 * max(float(xp.max(xp.abs(A))), 1e-300)
        if not bool(xp.all(xp.abs(A - A.T) <= atol + 1e-8 * xp.abs(A.T))):
            raise ValueError("A must be symmetric (a covariance matrix).")
        A = (A + A.T) / 2
        if standardize:
            A = _standardize_cov(xp, A, names)
        lam, U = xp.linalg.eigh(A)
        lam = xp.flip(lam, axis=0)
        U = xp.flip(U, axis=1)
        lam = xp.clip(lam, min=eps * max(float(lam[0]), tiny))
        eta = lam[0] / lam
    else:
        if A.shape[0] < 2:
            raise ValueError(f"A (design) needs at least 2 rows, got {A.shape[0]}.")
        Z = A - xp.mean(A, axis=0) if center else A
        norms = xp.sqrt(xp.sum(Z * Z, axis=0))
        if standardize:
            scale = np.maximum(to_host(xp.max(xp.abs(A), axis=0)), 1.0)
            bad = ~(to_host(norms) > 1e-12 * scale * np.sqrt(A.shape[0]))
            if np.any(bad):
                which = [names[i] for i in np.flatnonzero(bad)]
                raise ValueError(
                    f"Features {which} are constant{' after centring' if center else ''}; "
                    "Belsley diagnostics need non-constant columns. Remove them first (e.g. with "
                    "sklearn.feature_selection.VarianceThreshold)."
                )
            Z = Z / norms
        _, mu, Vt = xp.linalg.svd(Z, full_matrices=False)
        U = Vt.T  # (p, k), descending mu
        mu = xp.clip(mu, min=float(np.sqrt(eps)) * max(float(mu[0]), tiny))
        lam = mu**2
        eta = mu[0] / mu
    q = proportions(xp, U, lam)  # (p, k)
    # eta is ascending (lam descending); rows = components
    return BelsleyDiagnostics(eta, xp.asarray(q.T, copy=True), lam, names, kind)



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

