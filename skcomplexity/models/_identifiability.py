"""Identifiability of a GLM design: aliased columns and (quasi-)separation.

Two things make the maximum-likelihood estimate of a linear or logistic model
undefined, and every method built on it (the statistical tests, the posterior
of the Bayesian methods) then returns an absurd number instead of an error:

* **aliased columns** — a column that is (numerically) a linear combination of
  the columns before it: a duplicated or constant column next to the
  intercept, dummies that sum to one, ``make_classification``'s redundant
  features. R's ``lm`` reports their coefficients as ``NA`` ("not defined
  because of singularities"); here they are found the same way, by a QR
  decomposition that keeps the earlier of two dependent columns, and the fit
  is done on the identifiable part (the remaining columns).
* **(quasi-)complete separation** of a binary target — a direction ``b`` with
  ``(2y_i - 1) x_iᵀb >= 0`` for every object (``> 0`` for all: complete
  separation), along which the logistic likelihood keeps increasing, so the
  estimate runs off to infinity. It is found by the linear program of Konis
  (2007), as R's ``detectseparation`` does: maximise
  ``Σ_i (2y_i - 1) x_iᵀb`` subject to ``(2y_i - 1) x_iᵀb >= 0`` and
  ``-1 <= b_j <= 1``; a positive optimum is a separating direction.

:func:`check_identifiability` runs both, warns with an
:class:`IdentifiabilityWarning` that names the columns, and returns which
columns to keep.
"""

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize
from scipy.special import expit

from ._batched import _gram

__all__ = [
    "IdentifiabilityReport",
    "IdentifiabilityWarning",
    "aliased_columns",
    "check_identifiability",
    "separation",
]

#: Relative tolerance of the aliasing test (R's ``lm`` uses ``qr(tol = 1e-7)``).
ALIAS_TOL = 1e-7
#: :func:`aliased_columns` skips its column-by-column Gram–Schmidt when every column's
#: squared relative residual, read from the Cholesky factor of the normalised Gram matrix,
#: exceeds this (against ``ALIAS_TOL² = 1e-14``: the factor's rounding, about
#: ``(m + p²) ε`` on that scale, is orders of magnitude smaller).
_SCREEN = 1e-6


class IdentifiabilityWarning(RuntimeWarning):
    """Some coefficients of the model are not identifiable from the data."""


@dataclass
class IdentifiabilityReport:
    """What :func:`check_identifiability` found.

    Attributes
    ----------
    keep : ndarray of int
        Design columns that are kept (the identifiable part), in order.
    aliased : dict of {int: ndarray of int}
        Each aliased design column and the kept columns it is a combination of.
    separation : {None, "quasi-complete", "complete"}
        Separation of a binary target by the kept columns.
    separating_columns : ndarray of int
        Design columns with a non-zero weight in the separating direction.
    """

    keep: np.ndarray
    aliased: dict = field(default_factory=dict)
    separation: object = None
    separating_columns: np.ndarray = field(default_factory=lambda: np.array([], dtype=int))


def aliased_columns(X, tol=ALIAS_TOL):
    """Columns of ``X`` that are linear combinations of earlier columns.

    Gram–Schmidt in column order with re-orthogonalisation: column ``j`` is
    aliased when the norm of its residual on the kept earlier columns is at most
    ``tol`` times its own norm (an all-zero column is always aliased). This is
    the rule of R's ``lm`` (LINPACK's ``dqrdc2`` with ``tol = 1e-7``), which
    keeps the first of two dependent columns.

    Parameters
    ----------
    X : ndarray of shape (m, p)
    tol : float, default=1e-7

    Returns
    -------
    keep : ndarray of int
        Indices of the columns kept.
    aliased : dict of {int: ndarray of int}
        For each aliased column, the kept columns with a non-negligible weight
        in its representation.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> A = rng.normal(size=(20, 2))
    >>> X = np.c_[np.ones(20), A, A[:, 0] - 2 * A[:, 1], np.full(20, 3.0)]
    >>> keep, aliased = aliased_columns(X)
    >>> keep.tolist(), {j: c.tolist() for j, c in aliased.items()}
    ([0, 1, 2], {3: [1, 2], 4: [0]})
    """
    X = np.asarray(X, dtype=float)
    m, p = X.shape
    if _clearly_independent(X, tol):
        return np.arange(p), {}
    basis = np.zeros((p, m))  # the kept orthonormal columns, as rows (filled in order)
    keep, aliased = [], {}
    for j in range(p):
        col = X[:, j]
        norm = np.linalg.norm(col)
        r = col.copy()
        Q = basis[:len(keep)]
        for _ in range(2):  # twice is enough (Kahan–Parlett)
            r -= (Q @ r) @ Q
        rn = np.linalg.norm(r)
        if norm == 0 or rn <= tol * norm:
            if keep:
                coef, *_ = np.linalg.lstsq(X[:, keep], col, rcond=None)
                scale = np.linalg.norm(X[:, keep], axis=0) * np.abs(coef)
                used = np.asarray(keep)[scale > 1e-6 * max(norm, np.finfo(float).tiny)]
            else:
                used = np.array([], dtype=int)
            aliased[j] = used
        else:
            basis[len(keep)] = r / rn
            keep.append(j)
    return np.asarray(keep, dtype=int), aliased


def _clearly_independent(X, tol):
    """Whether no column of ``X`` is near a combination of the earlier ones, from its Gram matrix.

    With ``C = D⁻¹ XᵀX D⁻¹`` (``D`` the column norms) and ``C = L Lᵀ``, ``L_jj`` is the
    norm of column ``j``'s residual on all earlier columns over its own norm, the ratio
    :func:`aliased_columns` compares with ``tol`` when every earlier column is kept. When
    every ``L_jj²`` exceeds :data:`_SCREEN` (far above ``tol²``, which rounding of the
    ``m``-term sums cannot bridge), every column is kept. Otherwise (a near dependence,
    a zero column, a failed factorisation, non-finite values, or so many rows that the
    margin is not safe) the caller runs the column-by-column test. One ``syrk``
    (``O(m p²)``, a few milliseconds on 100,000 x 22) in place of Gram–Schmidt's
    ``4 m p²`` in ``p`` sequential steps.
    """
    m, p = X.shape
    if p == 0 or m == 0 or tol**2 >= _SCREEN or m * np.finfo(float).eps > 1e-3 * _SCREEN:
        return False
    with np.errstate(over="ignore", invalid="ignore"):  # then d is not finite: False
        G = X.T @ X
        d = np.sqrt(np.diagonal(G))
    if not (np.all(np.isfinite(d)) and np.all(d > 0)):
        return False
    try:
        L = np.linalg.cholesky(G / d[:, None] / d[None, :])
    except np.linalg.LinAlgError:
        return False
    return bool(np.min(np.square(np.diagonal(L))) > _SCREEN)


def separation(X, y01):
    """Detect (quasi-)complete separation of a binary target by the columns of ``X``.

    Parameters
    ----------
    X : ndarray of shape (m, p)
        Design (with the intercept column, if any) of full column rank.
    y01 : ndarray of shape (m,)
        Target coded 0/1.

    Returns
    -------
    kind : {None, "quasi-complete", "complete"}
    direction : ndarray of shape (p,)
        A separating direction (zeros when there is none).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.c_[np.ones(6), [-3.0, -2, -1, 1, 2, 3]]
    >>> separation(X, np.array([0, 0, 0, 1, 1, 1]))[0]
    'complete'
    >>> separation(X, np.array([0, 1, 0, 1, 0, 1]))[0] is None
    True
    """
    X = np.asarray(X, dtype=float)
    m, p = X.shape
    y01 = np.asarray(y01, dtype=float)
    s = 2.0 * y01 - 1.0
    scale = np.maximum(X.max(axis=0), -X.min(axis=0))  # max |x_j|, without an |X| copy
    scale = np.where(scale > 0, scale, 1.0)
    if _overlap_certificate(X, y01, scale):
        return None, np.zeros(p)
    A = s[:, None] * (X / scale)
    # maximise sum(A b) subject to A b >= 0, |b| <= 1
    res = optimize.linprog(-A.sum(axis=0), A_ub=-A, b_ub=np.zeros(m), bounds=[(-1, 1)] * p,
                           method="highs")
    if res.status != 0 or -res.fun <= 1e-7 * m:
        return None, np.zeros(p)
    b = res.x
    margins = A @ b
    tol = 1e-9 * max(1.0, float(np.max(np.abs(margins))))
    kind = "complete" if np.all(margins > tol) else "quasi-complete"
    # complete separation may exist even if this optimum touches zero somewhere: check with
    # a second program that maximises the smallest margin t (A b >= t, t <= 1)
    if kind == "quasi-complete":
        c = np.r_[np.zeros(p), -1.0]
        A2 = np.c_[-A, np.ones(m)]
        res2 = optimize.linprog(c, A_ub=A2, b_ub=np.zeros(m), bounds=[(-1, 1)] * p + [(None, 1)],
                                method="highs")
        if res2.status == 0 and res2.x[-1] > 1e-9:
            kind, b = "complete", res2.x[:p]
    return kind, b / scale


def _overlap_certificate(X, y01, scale, max_iter=30):
    """Whether a cheap certificate shows that no separating direction exists.

    By Gordan's alternative, no ``b != 0`` has ``A b >= 0`` (``A = s ⊙ X D⁻¹``: the
    rows signed by the class, ``s = 2y - 1``, the columns divided by ``D = scale``)
    when some ``λ > 0`` (every entry) has ``Aᵀλ = 0``. The logistic maximum-likelihood
    fit gives one: at its optimum ``Σ_i (y_i - μ_i) x_i = 0``, i.e. ``Aᵀλ = 0`` with
    ``λ_i = |y_i - μ_i| > 0``. A few Newton steps (one Gram product each) bring the
    score near 0; a correction on the rows of the overlap (``λ_i > 0.05``, whose Gram
    matrix must be well conditioned: under quasi-separation a separating direction is in
    its null space) then makes it 0, and the certificate holds when it changes none of
    those ``λ_i`` by half. False (undecided: the linear program decides) when the fit
    does not settle, as under separation, where the estimate diverges.

    Everything is computed from ``X`` itself, the scale applied to p-vectors and p x p
    matrices (no scaled or signed copy of the design: on 100,000 x 301 each is 230 MiB).
    """
    m, p = X.shape
    s = 2.0 * y01 - 1.0
    coef = np.zeros(p)  # in the units of X D⁻¹; X @ (coef / scale) is the linear predictor
    for _ in range(max_iter):
        theta = X @ (coef / scale)
        if np.max(np.abs(theta)) > 100.0:  # diverging (λ = expit(-100) is still > 0)
            return False
        lam = expit(-(s * theta))  # |y - μ|, accurate where it is tiny
        g = (X.T @ (s * lam)) / scale  # Aᵀλ
        if np.linalg.norm(g) <= 1e-9 * np.sqrt(m):
            break
        mu = expit(theta)
        H = _gram(X, mu * (1.0 - mu)) / scale[:, None] / scale[None, :]
        try:
            coef = coef + np.linalg.solve(H, (X.T @ (y01 - mu)) / scale)
        except np.linalg.LinAlgError:
            return False
    else:
        return False
    core = lam > 0.05
    G = _gram(X, core.astype(float)) / scale[:, None] / scale[None, :]  # A_coreᵀA_core
    ev = np.linalg.eigvalsh(G)
    if ev[0] <= 1e-10 * ev[-1]:
        return False
    corr = (s * (X @ (np.linalg.solve(G, g) / scale)))[core]
    return bool(np.all(np.abs(corr) < 0.5 * lam[core]))


def _names(cols, names, intercept, limit=8):
    shown = [_name(i, names, intercept) for i in cols[:limit]]
    more = len(cols) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _name(j, names, intercept):
    if intercept and j == 0:
        return "the intercept"
    k = j - int(intercept)
    return repr(str(names[k])) if names is not None else f"column {k}"


def check_identifiability(X, y01=None, *, fit_intercept=True, feature_names=None, warn=True,
                          stacklevel=3):
    """Find aliased columns and separation of a GLM design, and warn about them.

    Parameters
    ----------
    X : ndarray of shape (m, p)
        The design (with the intercept as column 0 when ``fit_intercept``).
    y01 : ndarray of shape (m,) or None
        A binary target coded 0/1 (the binomial family); None skips the
        separation check.
    fit_intercept : bool
        Whether column 0 of ``X`` is the intercept (for the messages).
    feature_names : sequence of str or None
        Names of the feature columns, for the messages.
    warn : bool, default=True
        Emit an :class:`IdentifiabilityWarning` for what is found.

    Returns
    -------
    report : IdentifiabilityReport

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> A = rng.normal(size=(30, 2))
    >>> X = np.c_[np.ones(30), A, A[:, 0]]
    >>> check_identifiability(X, warn=False).keep.tolist()
    [0, 1, 2]
    """
    X = np.asarray(X, dtype=float)
    keep, aliased = aliased_columns(X)
    report = IdentifiabilityReport(keep=keep, aliased=aliased)
    if aliased and warn:
        parts = []
        for j, used in aliased.items():
            what = ("is all zeros" if not used.size else
                    "is constant (aliased with the intercept)"
                    if fit_intercept and used.tolist() == [0] else
                    "is a linear combination of " + _names(used, feature_names, fit_intercept))
            parts.append(f"{_name(j, feature_names, fit_intercept)} {what}")
        warnings.warn(
            "Aliased columns (their coefficients are not identifiable, as R's lm reports NA): "
            + "; ".join(parts) + ". They are left out and the model is fitted on the "
            "identifiable part.", IdentifiabilityWarning, stacklevel=stacklevel,
        )
    if y01 is not None and keep.size:
        # every column kept (the usual case): the design itself, not an (m, p) copy of it
        Xk = X if keep.size == X.shape[1] else X[:, keep]
        kind, b = separation(Xk, y01)
        if kind is not None:
            big = np.abs(b) * np.maximum(Xk.max(axis=0), -Xk.min(axis=0))  # max |x_j|
            cols = keep[big > 1e-6 * big.max()]
            report.separation = kind
            report.separating_columns = cols
            if warn:
                warnings.warn(
                    f"The two classes are {kind}ly separated by a linear combination of "
                    + _names(cols, feature_names, fit_intercept) + ": the maximum-likelihood logistic fit does not exist (its coefficients "
                    "grow without bound).", IdentifiabilityWarning, stacklevel=stacklevel,
                )
    return report
