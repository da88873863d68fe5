"""Helpers shared by the subsample-based sample-size estimators.

One mechanism per idea:

* :func:`prepare_glm_data` — design matrix (intercept column), family
  resolution (``"auto"``), binary target mapping to {0, 1};
* :func:`draw_subsample_counts` — the ``(R, m)`` count matrix of ``R`` random
  subsamples of one size (with replacement: multinomial counts; without: 0/1
  masks), one generator per replicate;
* :func:`posterior_batch` — Gaussian posteriors of a batch of weighted
  replicates (exact conjugate for the Gaussian family, Laplace for the
  binomial one) through :func:`skcomplexity.models.glm.laplace_posterior`;
* :func:`gchisq_cdf` / :func:`gchisq_quantile` — the distribution of
  ``||Σ^{1/2} z||²``, ``z ~ N(0, I)`` (a generalised χ², used for posterior
  balls).
"""

from dataclasses import dataclass

import numpy as np
from scipy import integrate, stats

from .._validation import (
    check_binary_target,
    check_family,
    resolve_family,
    standardize_columns,
)
from ..models import check_identifiability
from ..models.batched_xp import (
    aliased_column_found_xp,
    least_squares_rss_xp,
    standardize_columns_xp,
)
from ..models.glm import add_intercept, fit_glm, laplace_posterior

__all__ = [
    "GLMData",
    "Standardization",
    "draw_subsample_counts",
    "estimate_noise_variance",
    "gchisq_cdf",
    "gchisq_quantile",
    "gchisq_sf",
    "glm_design_on_device",
    "posterior_batch",
    "prepare_glm_data",
]


@dataclass
class GLMData:
    """Data ready for the GLM routines.

    Attributes
    ----------
    X : ndarray or array of shape (m, p)
        Design matrix (with a leading column of ones when ``fit_intercept``); an
        array on the input's device when :func:`prepare_glm_data` was given one.
    y : ndarray of shape (m,)
        Float target; {0, 1} for the binomial family.
    family : {"gaussian", "binomial"}
    classes : ndarray or None
        Original class labels (binomial family), ``classes[1]`` is coded 1.
    sigma2 : float
        Noise variance (Gaussian family; 1 for the binomial family).
    columns : ndarray of int or None
        Columns of the full design (intercept first) that ``X`` keeps: aliased
        columns are left out (see
        :func:`skcomplexity.models._identifiability.check_identifiability`).
        None: all of them.
    separation : {None, "quasi-complete", "complete"}
        Separation of a binary target (the logistic MLE does not exist).
    scaling : Standardization or None
        How ``X`` (and a Gaussian ``y``) were standardised
        (``prepare_glm_data(..., standardize=True)``); None: raw units.
    """

    X: np.ndarray
    y: np.ndarray
    family: str
    classes: object = None
    sigma2: float = 1.0
    columns: object = None
    separation: object = None
    scaling: object = None

    @property
    def n_samples(self):
        return self.X.shape[0]

    @property
    def n_params(self):
        return self.X.shape[1]


# ------------------------------------------------------------- data
@dataclass
class Standardization:
    """``Xs = (X - x_offset) / x_scale`` and ``ys = (y - y_offset) / y_scale``.

    The methods that standardise inside (so that the units of the columns do
    not matter) fit on ``Xs, ys``; this maps their coefficients and noise
    variance back to the units of the data. For the binomial family ``y`` is
    left as it is (``y_offset = 0``, ``y_scale = 1``).
    """

    x_offset: np.ndarray
    x_scale: np.ndarray
    y_offset: float = 0.0
    y_scale: float = 1.0

    def coef_to_original(self, coef, fit_intercept):
        """Coefficients ``[b0, b]`` of the full standardised design in the units of the data.

        ``a_j = y_scale b_j / x_scale_j`` and ``a0 = y_offset + y_scale b0 -
        Σ_j a_j x_offset_j``; NaN entries (aliased columns) stay NaN and count
        as 0 in the intercept.
        """
        coef = np.asarray(coef, dtype=float)
        i = int(fit_intercept)
        out = coef.copy()
        out[i:] = self.y_scale * coef[i:] / self.x_scale
        if fit_intercept:
            out[0] = (self.y_offset + self.y_scale * coef[0]
                      - np.nansum(out[1:] * self.x_offset))
        return out

    def coef_to_standardized(self, coef, columns):
        """Feature coefficients (units of the data) of ``columns`` in standardised units."""
        return np.asarray(coef, dtype=float) * self.x_scale[columns] / self.y_scale


def estimate_noise_variance(X, y, prior_precision=0.0):
    """Residual variance ``RSS / (m - p)`` of the (ridge) least-squares fit on all data."""
    m, p = X.shape
    coef = fit_glm(X, y, "gaussian", prior_precision=prior_precision)
    rss = float(np.sum((y - X @ coef) ** 2))
    dof = max(m - p, 1)
    sigma2 = rss / dof
    if not np.isfinite(sigma2) or sigma2 <= 0:
        raise ValueError(
            "The residual variance of the full-data least-squares fit is zero (the target is "
            "an exact linear function of X); pass sigma2 explicitly."
        )
    return sigma2


def prepare_glm_data(X, y, family="auto", fit_intercept=True, *, sigma2=None,
                     estimate_sigma2=True, feature_names=None, standardize=False, device=None,
                     design=None):
    """Resolve the family, map a binary target to {0, 1} and build the design matrix.

    Parameters
    ----------
    X : ndarray of shape (m, n)
        Validated features.
    y : ndarray of shape (m,)
        Validated target.
    family : {"auto", "gaussian", "binomial"}
        ``"auto"`` is binomial for a binary target, Gaussian otherwise.
    fit_intercept : bool
        Prepend a column of ones.
    sigma2 : float or None
        Noise variance of the Gaussian family; None estimates it by the
        residual variance of the full-data least-squares fit (when
        ``estimate_sigma2``; otherwise 1).
    feature_names : sequence of str or None
        Column names for the identifiability warnings.
    standardize : bool, default=False
        Z-score the columns of ``X`` (centred only when ``fit_intercept``) and,
        for the Gaussian family, ``y``, with
        :func:`skcomplexity._validation.standardize_columns`, so that the
        answer does not depend on the units of the data; ``data.scaling``
        maps back. A given ``sigma2`` is then read in the units of ``y``
        (and divided by ``y_scale²``).
    design : ndarray of shape (m, n + 1) or None, default=None
        ``X`` with its intercept column already in front (``fit_intercept`` and
        not ``standardize``), e.g. the array
        :func:`~skcomplexity._validation.standardize_columns` wrote ``X`` into
        with ``leading_ones=True``: used as the design instead of a new copy.
    device : DeviceSpec or None, default=None
        The input's device (array API dispatch,
        :mod:`skcomplexity.sample_size._device`): ``data.X`` is then the design on
        that device (float64). For the Gaussian family the passes over the design
        (standardisation, identifiability, noise variance) run there
        (:func:`glm_design_on_device`); where the data need the host's judgement
        (and for a binary target: labels, separation, identifiability), the host
        path below runs instead and its design goes to the device once at the
        end. ``data.y`` stays on the host.

    Aliased columns (a linear combination of earlier ones, e.g. a constant
    column next to the intercept or a duplicated one) are left out of the
    design with an ``IdentifiabilityWarning`` naming them, so that the methods
    work on the identifiable part; separation of a binary target is detected
    and reported in ``data.separation`` (with a warning).

    Returns
    -------
    data : GLMData
    """
    check_family(family)
    fam = resolve_family(family, y)
    if device is not None and fam == "gaussian":
        prepared = glm_design_on_device(device.asarray(X), y, fit_intercept=fit_intercept,
                                        sigma2=sigma2, estimate_sigma2=estimate_sigma2,
                                        standardize=standardize)
        if prepared is not None:
            Xd, y, sigma2, scaling = prepared
            return GLMData(X=Xd, y=y, family=fam, sigma2=sigma2,
                           columns=np.arange(Xd.shape[1]), scaling=scaling)
    classes = None
    if fam == "binomial":
        classes, y = check_binary_target(y)
    y = np.asarray(y, dtype=float)
    scaling = None
    if standardize:
        X, x_offset, x_scale = standardize_columns(X, center=fit_intercept,
                                                   feature_names=feature_names)
        scaling = Standardization(x_offset, x_scale)
        if fam == "gaussian":
            ys, y_offset, y_scale = standardize_columns(y[:, None], center=fit_intercept,
                                                        name="y")
            y = ys[:, 0]
            scaling.y_offset, scaling.y_scale = float(y_offset[0]), float(y_scale[0])
            if sigma2 is not None:
                sigma2 = float(sigma2) / scaling.y_scale / scaling.y_scale
    if design is None or standardize or not fit_intercept:
        design = add_intercept(X) if fit_intercept else np.asarray(X, dtype=float)
    report = check_identifiability(design, y if fam == "binomial" else None,
                                   fit_intercept=fit_intercept, feature_names=feature_names,
                                   stacklevel=4)
    columns = report.keep
    if columns.size < design.shape[1]:
        design = design[:, columns]
    if fam == "gaussian":
        if sigma2 is None:
            sigma2 = estimate_noise_variance(design, y) if estimate_sigma2 else 1.0
    else:
        sigma2 = 1.0
    if device is not None:
        design = device.asarray(design)
    return GLMData(X=design, y=y, family=fam, classes=classes, sigma2=float(sigma2),
                   columns=columns, separation=report.separation, scaling=scaling)


def glm_design_on_device(Xd, y, *, fit_intercept, sigma2=None, estimate_sigma2=True,
                         standardize=False):
    """:func:`prepare_glm_data`'s passes over a Gaussian design, on the device of ``Xd``.

    ``Xd`` (validated features on the device) is z-scored (with ``standardize``:
    centred when ``fit_intercept``, and ``y``, one column, on the host), given the
    intercept column, checked by the identifiability rule and, when ``sigma2`` is
    None and ``estimate_sigma2``, gives the noise variance ``RSS / (m - p)``.

    Returns
    -------
    (design, y, sigma2, scaling) or None
        The design on the device, the (standardised) host target, the noise variance
        and the :class:`Standardization` (or None); None where the host must judge (a
        constant, all-zero, tiny or aliased column, an exact fit), so that its warnings
        and errors are the ones given.
    """
    from .._array_api import namespace_of

    y = np.asarray(y, dtype=float)
    scaling = None
    if standardize:
        out = standardize_columns_xp(Xd, center=fit_intercept)
        if out is None:
            return None
        Xd, x_offset, x_scale = out
        scaling = Standardization(x_offset, x_scale)
        ys, y_offset, y_scale = standardize_columns(y[:, None], center=fit_intercept, name="y")
        y = ys[:, 0]
        scaling.y_offset, scaling.y_scale = float(y_offset[0]), float(y_scale[0])
        if sigma2 is not None:
            sigma2 = float(sigma2) / scaling.y_scale / scaling.y_scale
    xp = namespace_of(Xd)
    if fit_intercept:
        ones = xp.ones((Xd.shape[0], 1), dtype=Xd.dtype, device=_device_of(Xd))
        Xd = xp.concat([ones, Xd], axis=1)
    if aliased_column_found_xp(Xd):
        return None
    if sigma2 is None and estimate_sigma2:
        rss = least_squares_rss_xp(Xd, xp.asarray(y, device=_device_of(Xd)))
        m, p = Xd.shape
        sigma2 = None if rss is None else rss / max(m - p, 1)
        if sigma2 is None or not np.isfinite(sigma2) or sigma2 <= 0:
            return None
    return Xd, y, 1.0 if sigma2 is None else float(sigma2), scaling


def _device_of(a):
    from sklearn.externals import array_api_compat

    return array_api_compat.device(a)


# ------------------------------------------------------------- resampling
def draw_subsample_counts(rngs, n_samples, size, *, replace=True):
    """Count matrix of ``len(rngs)`` random subsamples of ``size`` rows.

    Row ``r`` uses only ``rngs[r]``, so a replicate's subsample does not depend
    on how the replicates are batched or distributed.

    Parameters
    ----------
    rngs : sequence of numpy.random.Generator
    n_samples : int
        Rows of the data, ``m``.
    size : int
        Subsample size ``k``.
    replace : bool, default=True
        Draw with replacement (bootstrap: multinomial counts summing to
        ``k``) or without (0/1 masks with ``k`` ones).

    Returns
    -------
    counts : ndarray of shape (len(rngs), n_samples)
        Float counts, ready as ``weights`` for the GLM routines.

    Examples
    --------
    >>> import numpy as np
    >>> rngs = [np.random.default_rng(i) for i in range(3)]
    >>> c = draw_subsample_counts(rngs, 10, 4)
    >>> c.shape, c.sum(axis=1).tolist()
    ((3, 10), [4.0, 4.0, 4.0])
    """
    if not replace and size > n_samples:
        raise ValueError(f"Cannot draw {size} rows without replacement from {n_samples}.")
    counts = np.zeros((len(rngs), n_samples))
    for r, rng in enumerate(rngs):
        if replace:
            counts[r] = np.bincount(rng.integers(0, n_samples, size), minlength=n_samples)
        else:
            counts[r, rng.choice(n_samples, size, replace=False)] = 1.0
    return counts


# ------------------------------------------------------------- posteriors
def posterior_batch(data, weights, prior_precision):
    """Gaussian posterior of each weighted replicate.

    Exact conjugate posterior ``N(m, Σ)``, ``Σ = (αI + XᵀCX/σ²)⁻¹`` for the
    Gaussian family (``σ² = data.sigma2``); Laplace approximation (MAP and
    inverse Hessian of the negative log-posterior) for the binomial family.
    Prior ``N(0, α⁻¹ I)`` with ``α = prior_precision`` (intercept included).

    Returns
    -------
    mean : ndarray of shape (B, p)
    cov : ndarray of shape (B, p, p)
    """
    return laplace_posterior(data.X, data.y, data.family, prior_precision=prior_precision,
                             sigma2=data.sigma2, weights=weights)


# ------------------------------------------------- generalised chi-square
def _imhof(x, eigvals, want_pdf=False):
    """CDF (and pdf) of ``Σ λ_j z_j²`` at ``x`` (B,) by Imhof's inversion formula."""
    lam = np.clip(np.asarray(eigvals, dtype=float), 0.0, None)
    x = np.asarray(x, dtype=float)
    scale = lam.max(axis=1)
    scale = np.where(scale > 0, scale, 1.0)
    lam_s = lam / scale[:, None]
    x_s = x / scale
    n_out = 2 if want_pdf else 1

    def integrand(u):
        out = np.empty((n_out, x_s.size))
        if u == 0.0:
            out[0] = 0.5 * (lam_s.sum(axis=-1) - x_s)
            if want_pdf:
                out[1] = 1.0
            return out
        theta = 0.5 * np.arctan(lam_s * u).sum(axis=-1) - 0.5 * x_s * u
        rho = np.exp(0.25 * np.log1p((lam_s * u) ** 2).sum(axis=-1))
        out[0] = np.sin(theta) / (u * rho)
        if want_pdf:
            out[1] = np.cos(theta) / rho
        return out

    val, _ = integrate.quad_vec(integrand, 0.0, np.inf, epsabs=1e-9, epsrel=1e-7, limit=2000)
    cdf = np.where(x_s <= 0, 0.0, np.clip(0.5 - val[0] / np.pi, 0.0, 1.0))
    if not want_pdf:
        return cdf
    pdf = np.where(x_s <= 0, 0.0, np.clip(val[1] / (2.0 * np.pi), 0.0, None) / scale)
    return cdf, pdf


def gchisq_cdf(x, eigvals):
    """``P(Σ_j λ_j z_j² <= x)`` for ``z ~ N(0, I)``, by Imhof's (1961) inversion formula.

    This is the posterior probability of the ball ``||w - ŵ||² <= x`` under
    ``N(ŵ, Σ)`` when ``λ`` are the eigenvalues of ``Σ``.

    Parameters
    ----------
    x : array-like of shape (B,)
        One point per replicate.
    eigvals : array-like of shape (B, p)
        Non-negative weights ``λ_j``.

    Returns
    -------
    cdf : ndarray of shape (B,)

    Notes
    -----
    ``P(Q > x) = ½ + (1/π) ∫₀^∞ sin θ(u) / (u ρ(u)) du`` with
    ``θ(u) = ½ Σ arctan(λ_j u) - ½ x u`` and ``ρ(u) = Π (1 + λ_j² u²)^{1/4}``,
    integrated with :func:`scipy.integrate.quad_vec` after scaling by the
    largest eigenvalue, for the replicates whose weights are too spread for
    Ruben's series (``min λ / max λ`` below about 1e-3, see :func:`gchisq_sf`);
    the others use that series, exact to about 1e-13 and much faster. The
    integrand decays only like ``u^{-1-p/2}`` while it oscillates, so Imhof's
    accuracy is limited: against a 30-digit evaluation of the same integral
    (mpmath) the absolute error was up to 2.6e-6 for two weights and 3.3e-7
    for three in the cases we checked (the test suite checks 5e-6 for two
    weights against an exact route). One weight (``p = 1``) uses the closed
    form ``P(χ²₁ <= x/λ)`` (Imhof's integral is 1e-5 off there).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> round(float(gchisq_cdf(np.array([3.0]), np.ones((1, 2)))[0]), 6)
    0.77687
    >>> round(float(stats.chi2.cdf(3.0, 2)), 6)
    0.77687
    """
    lam = np.asarray(eigvals, dtype=float)
    if lam.ndim == 2 and lam.shape[1] == 1:
        x = np.asarray(x, dtype=float)
        ratio = x / np.where(lam[:, 0] > 0, lam[:, 0], np.nan)
        return np.where(x <= 0, 0.0, np.where(lam[:, 0] > 0, stats.chi2.cdf(ratio, 1), 1.0))
    x = np.asarray(x, dtype=float)
    cdf = np.full(x.shape, np.nan)
    for r in range(x.size):  # Ruben's exact series where the weights are not too spread
        pos = lam[r][lam[r] > 0]
        if x[r] > 0 and pos.size:
            sf = _ruben_sf(float(x[r]), pos)
            if sf is not None:
                cdf[r] = 1.0 - sf
    rest = np.flatnonzero(np.isnan(cdf))
    if rest.size:
        cdf[rest] = _imhof(x[rest], lam[rest])
    return cdf


def gchisq_sf(x, weights, *, tol=1e-14, max_terms=20000):
    """``P(Σ_j λ_j z_j² > x)`` for one set of positive weights, to about 1e-13 absolute.

    One weight: the closed form ``χ²₁`` survival at ``x / λ``. Several: Ruben's
    (1962) exact mixture ``Σ_k c_k P(χ²_{p+2k} > x/β)`` with ``β = min λ``,
    whose coefficients ``c_k >= 0`` sum to one, so the truncation error is at
    most the mass ``1 - Σ c_k`` left out (stopped below ``tol``). When the
    weights are so spread that more than ``max_terms`` terms would be needed
    (``min λ / max λ`` below about 1e-3) it falls back to Imhof's integral,
    :func:`gchisq_cdf` (absolute accuracy about 1e-5 there).

    Parameters
    ----------
    x : float
    weights : array-like of shape (p,)
        Positive weights ``λ_j``.

    Returns
    -------
    float

    Examples
    --------
    >>> from scipy import stats
    >>> round(gchisq_sf(stats.chi2.ppf(0.95, 1), [0.35]), 7)
    0.0009232
    >>> bool(abs(gchisq_sf(7.0, [2.0, 2.0]) - stats.chi2.sf(3.5, 2)) < 1e-14)
    True
    """
    lam = np.asarray(weights, dtype=float)
    x = float(x)
    if x <= 0:
        return 1.0
    sf = _ruben_sf(x, lam, tol, max_terms)
    if sf is None:
        return float(1.0 - _imhof(np.array([x]), lam[None, :])[0])
    return sf


def _ruben_sf(x, lam, tol=1e-14, max_terms=20000):
    """Ruben's series for ``P(Σ λ_j z_j² > x)``, ``x > 0``, positive ``λ``; None when too long."""
    if lam.size == 1:
        return float(stats.chi2.sf(x / lam[0], 1))
    beta = lam.min()
    p = lam.size
    ratio = 1.0 - beta / lam  # in [0, 1)
    rmax = ratio.max()
    if rmax == 0:
        return float(stats.chi2.sf(x / beta, p))
    need = np.log(tol) / np.log(rmax) if rmax < 1 else np.inf
    if need > max_terms:
        return None
    n = int(min(max(need * 1.5, 10), max_terms))
    k = np.arange(1, n)
    g = 0.5 * (ratio[None, :] ** k[:, None]).sum(axis=1)  # g_k, k >= 1
    c = np.empty(n)
    c[0] = np.exp(0.5 * np.sum(np.log(beta / lam)))
    for j in range(1, n):
        c[j] = np.dot(g[:j][::-1], c[:j]) / j
        if 1.0 - c[: j + 1].sum() < tol:
            n = j + 1
            break
    c = c[:n]
    return float(np.clip(np.dot(c, stats.chi2.sf(x / beta, p + 2 * np.arange(n))), 0.0, 1.0))


def gchisq_quantile(q, eigvals, *, tol=1e-6, max_iter=12):
    """``q``-quantile of ``Σ_j λ_j z_j²`` per replicate.

    Safeguarded Newton iteration (density by a forward difference of the CDF) from the Satterthwaite
    approximation ``a χ²_ν``, with the bracket ``[λ_min c_p, λ_max c_p]``
    (``c_p`` the χ²_p quantile) kept for bisection fallback. Each iteration is
    one batched evaluation of the CDF (:func:`gchisq_cdf`) at ``x`` and ``x (1 + h)``.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> x = gchisq_quantile(0.95, np.ones((1, 3)))
    >>> bool(abs(x[0] - stats.chi2.ppf(0.95, 3)) < 1e-6)
    True
    """
    lam = np.clip(np.asarray(eigvals, dtype=float), 0.0, None)
    p = lam.shape[1]
    c = stats.chi2.ppf(q, p)
    lo = np.maximum(lam.min(axis=1) * c, 1e-300)
    hi = np.maximum(lam.max(axis=1) * c, lo)
    s1, s2 = lam.sum(axis=1), (lam**2).sum(axis=1)
    a = s2 / np.where(s1 > 0, s1, 1.0)
    nu = s1**2 / np.where(s2 > 0, s2, 1.0)
    x = np.clip(a * stats.chi2.ppf(q, nu), lo, hi)
    h = 1e-4
    for _ in range(max_iter):
        both = gchisq_cdf(np.concatenate([x, x * (1 + h)]), np.concatenate([lam, lam]))
        F, F2 = both[: x.size], both[x.size:]
        f = (F2 - F) / (h * x)  # density by a forward difference
        lo = np.where(F < q, x, lo)
        hi = np.where(F >= q, x, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_new = x - (F - q) / f
        bad = ~np.isfinite(x_new) | (x_new <= lo) | (x_new >= hi)
        x_new = np.where(bad, np.sqrt(lo * hi), x_new)
        done = np.abs(x_new - x) <= tol * x
        x = x_new
        if np.all(done):
            break
    return x
