"""What the three asymptotic tests of :mod:`skcomplexity.sample_size.statistical` share.

The required noncentrality ``γ*`` of (4.3) and the power of a χ² test at a size,
the weighted χ² tail behind the Wald test's corrected level, the published
reference implementation's fits (kept to reproduce Table 4.2), and the
closed-form template method :class:`_LikelihoodTest`: ``_prepare`` fits the
pilot and the restricted models on standardised data (:class:`PilotFit`), a
test implements ``_gamma0`` (the per-object noncentrality) and optionally
``_effective_alpha``, and ``_closed_form_answer`` forecasts ``m* = max(⌈γ*/γ⁰⌉, n_params + 1)``
as the template's :class:`~skcomplexity.sample_size._base.Forecast`.

Under array API dispatch with torch tensors (:mod:`skcomplexity.sample_size._device`)
the prepared design stays on the input's device (a regression design is prepared
there; a binary one on the host, with its separation and identifiability checks,
then moved there once), and every pass over its ``m`` rows runs there in float64:
the pilot and restricted fits (normal equations and Cholesky solves, or Newton's
method; :mod:`skcomplexity.models.glm_xp`), the residual variance, the Fisher
information and the tests' per-row sums. Only coefficients (p,), matrices (p, p)
and scalars come back to the host, where the small solves, ``γ*``, ``α*`` and the
power curve are computed as for NumPy input. ``published_fit=True`` (a reproduction
of the published tables: scikit-learn's L-BFGS and scipy's Newton-CG on NumPy
arrays) prepares and computes on the host.
"""

import warnings
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
from scipy import optimize, stats
from sklearn.utils._param_validation import Interval, StrOptions

from .._array_api import namespace_of
from .._validation import check_positive, check_probability, column_name, warn_at_caller
from ..models import IdentifiabilityWarning
from ..models.glm import fisher_information, fit_glm, fit_restricted, get_family
from ..models.glm_xp import (
    fisher_information_xp,
    fit_glm_xp,
    fit_restricted_xp,
    residual_variance_xp,
)
from ._base import Curve, Forecast, SampleSizeEstimator, make_size_grid
from ._common import gchisq_sf, prepare_glm_data
from ._device import DeviceMixin

__all__ = [
    "MAX_SAMPLE_SIZE",
    "PilotFit",
    "required_noncentrality",
    "weighted_chi2_sf",
]


# ----------------------------------------------------------------- γ* and α*
def required_noncentrality(k, alpha=0.05, beta=0.2, noncentrality="ncx2"):
    """The noncentrality ``γ*`` at which a level-α χ²_k test has power ``1 - β``.

    Solves ``χ²_{k,1-α} = χ²_{k,β}(γ)`` (dissertation (4.3)).

    Parameters
    ----------
    k : int
        Degrees of freedom (number of tested parameters).
    alpha, beta : float
        Type-I and type-II error probabilities.
    noncentrality : {"ncx2", "shifted"}
        ``"ncx2"``: noncentral χ² (the text). ``"shifted"``: central χ²
        shifted by γ (the published reference implementation), for which
        ``γ* = χ²_{k,1-α} - χ²_{k,β}`` in closed form.

    Returns
    -------
    float

    Examples
    --------
    >>> round(required_noncentrality(1, 0.05, 0.2), 4)
    7.8489
    >>> round(required_noncentrality(1, 0.05, 0.2, "shifted"), 3)
    3.777
    """
    k = check_positive(k, "k", integer=True)
    alpha = check_probability(alpha, "alpha")
    beta = check_probability(beta, "beta")
    c = stats.chi2.ppf(1.0 - alpha, k)
    if noncentrality == "shifted":
        return float(max(c - stats.chi2.ppf(beta, k), 0.0))
    if noncentrality != "ncx2":
        raise ValueError(f"noncentrality must be 'ncx2' or 'shifted', got {noncentrality!r}.")
    if stats.chi2.cdf(c, k) <= beta:  # power already >= 1-beta at gamma = 0
        return 0.0
    hi = 1.0
    while stats.ncx2.cdf(c, k, hi) > beta:
        hi *= 2.0
    return float(optimize.brentq(lambda g: stats.ncx2.cdf(c, k, g) - beta, 0.0, hi, xtol=1e-12))


def _power(sizes, gamma0, k, alpha, noncentrality):
    """Power of the level-α χ²_k test at noncentrality ``size * γ⁰``."""
    c = stats.chi2.ppf(1.0 - alpha, k)
    g = np.asarray(sizes, dtype=float) * gamma0
    if noncentrality == "shifted":
        return stats.chi2.sf(c - g, k)
    return stats.ncx2.sf(c, k, g)


def weighted_chi2_sf(x, weights):
    """``P(Σ_j λ_j χ²_1 > x)`` for positive weights ``λ_j``.

    The closed form ``P(χ²₁ > x/λ)`` for one weight, Ruben's exact mixture of
    χ² survival functions for several (about 1e-13 absolute; see
    :func:`skcomplexity.sample_size._common.gchisq_sf`).

    Examples
    --------
    >>> from scipy import stats
    >>> bool(round(weighted_chi2_sf(3.84, [1.0]), 4) == round(stats.chi2.sf(3.84, 1), 4))
    True
    >>> round(weighted_chi2_sf(stats.chi2.ppf(0.95, 1), [0.35]), 7)
    0.0009232
    """
    lam = np.asarray(weights, dtype=float)
    if lam.ndim != 1 or lam.size == 0 or not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        raise ValueError("weights of the weighted chi-square must be a non-empty 1-D array of "
                         f"finite positive numbers, got {weights!r}.")
    x = float(x)
    if np.isnan(x):
        raise ValueError("x must be a number, got nan.")
    return gchisq_sf(x, lam)


# ------------------------------------------------- published-implementation fit
_PUBLISHED_RIDGE = 0.01


def _published_restricted_fit(Z, y, fam, u, w_u0):
    """Restricted fit as the published reference implementation computes it.

    Newton-CG over ``w_v`` whose objective *value* is the negative unit-variance
    log-likelihood plus ``||w||² / (2 · 0.01)`` (a prior of variance 0.01),
    while the gradient and Hessian are those of the ridge-0.01 objective
    (a prior of variance 100). Kept only to reproduce the published tables.
    """
    p = Z.shape[1]
    v = np.setdiff1d(np.arange(p), u)
    lam = _PUBLISHED_RIDGE

    def full(wv):
        w = np.empty(p)
        w[u], w[v] = w_u0, wv
        return w

    def value(wv):
        w = full(wv)
        ll = fam.loglik(y, Z @ w, 1.0).sum()
        return -ll + 0.5 * (w @ w) / lam

    def grad(wv):
        w = full(wv)
        return -((y - fam.mean(Z @ w)) @ Z - lam * w)[v]

    def hess(wv):
        w = full(wv)
        H = (Z * fam.variance(Z @ w)[:, None]).T @ Z + lam * np.eye(p)
        return H[np.ix_(v, v)]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = optimize.minimize(value, np.zeros(v.size), jac=grad, hess=hess, method="Newton-CG")
    return full(res.x)


def _published_logistic_fit(Z, y, fit_intercept):
    """Logistic pilot fit as the published reference implementation computes it.

    scikit-learn's ``LogisticRegression(C=1/0.01)`` (L-BFGS, default stopping
    rule) with its own *unpenalised* intercept, which the reference then
    discards when the design has no intercept column. On the bundled NBA data
    its L-BFGS stops (65 iterations) about 0.7 away from the optimum in the
    largest coefficient (the features are nearly collinear), and that early
    stop, not the model, is what the published binomial forecasts reflect.
    """
    from sklearn.linear_model import LogisticRegression

    feats = Z[:, 1:] if fit_intercept else Z
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = LogisticRegression(C=1.0 / _PUBLISHED_RIDGE).fit(feats, y)
    return np.r_[clf.intercept_, clf.coef_[0]] if fit_intercept else clf.coef_[0]


# ------------------------------------------------------------------- the base
#: Largest accepted |shift|: the tests are asymptotic, local alternatives; a null this far from
#: the estimate (on z-scored data coefficients are of order 1) only overflows the fits.
_MAX_SHIFT = 1e3
#: Largest reported forecast: past it ``sample_size_`` is None with a warning (no data set of
#: that size exists, and m* would overflow the integer grid).
MAX_SAMPLE_SIZE = 10**12
#: Ridge of the fits when the classes are separated and no prior_precision is given.
_SEPARATION_RIDGE = 1.0


@dataclass
class PilotFit:
    """What a test's noncentrality is computed from (standardised units; ``_prepare``'s state).

    ``Z`` is the design (intercept first, aliased columns left out) and ``y`` the
    target, both NumPy arrays, or both arrays on the input's device under array API
    dispatch (:attr:`on_device`); ``u`` the tested columns of ``Z``, ``w_hat`` the
    pilot fit, ``w_0`` the restricted fit under the null (both NumPy), ``sigma2``
    the noise variance (1 for the binomial family), ``prior_precision`` the fits'
    ridge and ``fitted`` the pilot fit's attributes in the units of the data (each
    becomes ``<name>_`` on the estimator).
    """

    Z: np.ndarray
    y: np.ndarray
    fam: object
    u: np.ndarray
    w_hat: np.ndarray
    w_0: np.ndarray
    sigma2: float
    prior_precision: float
    fitted: dict = field(default_factory=dict)

    @property
    def on_device(self):
        """Whether ``Z`` and ``y`` are arrays of another namespace than NumPy (a device)."""
        return namespace_of(self.Z) is not None


class _LikelihoodTest(DeviceMixin, SampleSizeEstimator):
    """Shared machinery of the three asymptotic tests (not public).

    A closed-form method of the template: ``_prepare`` fits the pilot and the
    restricted models (:class:`PilotFit`), a test implements ``_gamma0`` (and
    optionally ``_effective_alpha``), and ``_closed_form_answer`` turns them into the
    template's :class:`~skcomplexity.sample_size._base.Forecast`.
    """

    _direction = "above"
    _closed_form = True

    def __init__(self, *, family="auto", test_index=None, null_value=None, shift=0.2,
                 alpha=0.05, beta=0.2, noncentrality="ncx2", fit_intercept=True,
                 prior_precision=0.0, sigma2=None, published_fit=False, sizes=None):
        self.family = family
        self.test_index = test_index
        self.null_value = null_value
        self.shift = shift
        self.alpha = alpha
        self.beta = beta
        self.noncentrality = noncentrality
        self.fit_intercept = fit_intercept
        self.prior_precision = prior_precision
        self.sigma2 = sigma2
        self.published_fit = published_fit
        self.sizes = sizes

    # the template's shared table (family, alpha, fit_intercept, sigma2, sizes), plus the tests' own
    _parameter_constraints = {
        **SampleSizeEstimator._parameter_constraints,
        "test_index": ["array-like", Integral, None],
        "null_value": ["array-like", Real, None],
        "shift": [Interval(Real, -_MAX_SHIFT, _MAX_SHIFT, closed="both")],
        "beta": [Interval(Real, 0, 1, closed="neither")],
        "noncentrality": [StrOptions({"ncx2", "shifted"})],
        "prior_precision": [Interval(Real, 0, None, closed="left")],
        "published_fit": ["boolean"],
    }

    # -- parameter and data checks
    def _validate_params_extra(self):
        if self.null_value is None and self.shift == 0:
            raise ValueError(
                "shift=0 puts the null hypothesis at the pilot estimate itself: no sample size "
                "gives the test power. Use a non-zero shift (Table 4.3: 0.2) or null_value."
            )
        if self.null_value is not None:
            null = np.asarray(self.null_value, dtype=float)
            if not np.all(np.isfinite(null)):
                raise ValueError(f"null_value must be finite, got {self.null_value!r}.")

    def _tested_columns(self, n_features):
        if self.test_index is None:
            u = np.arange(max(n_features // 2, 1))
        else:
            u = np.atleast_1d(np.asarray(self.test_index))
            if u.dtype == bool:
                if u.size != n_features:
                    raise ValueError(
                        f"test_index as a boolean mask must have n_features={n_features} "
                        f"entries, got {u.size}."
                    )
                u = np.flatnonzero(u)
            if not np.issubdtype(u.dtype, np.integer) or u.size == 0:
                raise ValueError("test_index must be a non-empty array of column indices or a mask.")
            if np.any(u < 0) or np.any(u >= n_features) or np.unique(u).size != u.size:
                raise ValueError(
                    f"test_index must hold distinct column indices in [0, {n_features}), got {u}."
                )
        if u.size >= n_features + int(self.fit_intercept) and not self.fit_intercept:
            # all parameters tested: allowed (no nuisance), nothing to check
            pass
        return u

    def _prepare(self, X, y):
        # standardised inside (z-scored columns, and y for the Gaussian family), so that the
        # answer does not depend on the units of the data; coef_ etc. are mapped back
        # under array API dispatch the design stays on the input's device (data.X), except
        # for the published reproduction, whose fits are scikit-learn's and scipy's on NumPy
        device = None if self.published_fit else self._device
        data = prepare_glm_data(X, y, self.family, self.fit_intercept, estimate_sigma2=False,
                                feature_names=getattr(self, "feature_names_in_", None),
                                standardize=True, device=device)
        family, Z, y, scaling = data.family, data.X, data.y, data.scaling
        yd = None if device is None else device.asarray(y)  # the target next to the design
        u = self._tested_columns(X.shape[1])
        u_full = u + int(self.fit_intercept)
        kept = np.isin(u_full, data.columns)
        if self.test_index is None:
            # the first half of the identifiable feature columns
            ident = data.columns[data.columns >= int(self.fit_intercept)]
            if ident.size == 0:
                raise ValueError(
                    "No feature column is identifiable (every column is constant or aliased "
                    "with the intercept), so there is no coefficient to test."
                )
            u_full = ident[: max(ident.size // 2, 1)]
            u = u_full - int(self.fit_intercept)
        elif not np.all(kept):
            raise ValueError(
                f"test_index holds aliased columns {u[~kept].tolist()} (linear combinations of "
                "other columns): their coefficients are not identifiable, so no test of them "
                "exists. Drop them from test_index."
            )
        u_design = np.searchsorted(data.columns, u_full)
        lam = _PUBLISHED_RIDGE if self.published_fit else self.prior_precision
        if data.separation is not None and lam == 0:
            lam = _SEPARATION_RIDGE
            warn_at_caller(
                f"The two classes are {data.separation}ly separated, so the maximum-likelihood "
                f"logistic fit does not exist; the forecast uses a ridge fit with "
                f"prior_precision={lam} (a N(0, 1) prior on every coefficient) instead. Set "
                "prior_precision to choose the regularisation.",
                IdentifiabilityWarning,
            )
        fam = get_family(family)
        if self.published_fit and family == "binomial" and Z.shape[1] > int(self.fit_intercept):
            w_hat = _published_logistic_fit(Z, y, self.fit_intercept)
        elif yd is not None:
            w_hat = fit_glm_xp(Z, yd, fam, prior_precision=lam)
        else:
            w_hat = fit_glm(Z, y, fam, prior_precision=lam)
        if self.null_value is None:
            w_u0 = w_hat[u_design] + self.shift
        else:
            null = np.broadcast_to(np.asarray(self.null_value, dtype=float), (u.size,))
            w_u0 = scaling.coef_to_standardized(null, u)  # given in the units of X and y
        if self.published_fit:
            w_0 = _published_restricted_fit(Z, y, fam, u_design, w_u0)
        else:
            # start Newton from the pilot estimate: from zero, the undamped steps can diverge
            free = np.setdiff1d(np.arange(Z.shape[1]), u_design)
            restricted = fit_restricted if yd is None else fit_restricted_xp
            w_0 = restricted(Z, y if yd is None else yd, fam, u_design, w_u0,
                             prior_precision=lam, coef_init=w_hat[free])
        if family == "gaussian":
            if self.sigma2 is not None:
                sigma2 = float(self.sigma2) / scaling.y_scale / scaling.y_scale
            elif yd is not None:
                sigma2 = residual_variance_xp(Z, yd, w_hat)
            else:
                resid = y - Z @ w_hat
                sigma2 = float(np.var(resid))
            floor = 1e-12 * max(float(np.var(y)), np.finfo(float).tiny)
            if sigma2 <= floor:
                warn_at_caller(
                    "The residual variance is zero: y is an exact linear function of X, so any "
                    "test has full power at once. Pass sigma2 to set the noise level.",
                    RuntimeWarning,
                )
                sigma2 = max(floor, np.finfo(float).tiny)
        else:
            sigma2 = 1.0
        full = X.shape[1] + int(self.fit_intercept)
        # in the units of the data; NaN for aliased columns, as R's lm reports NA
        coef, null_coef = np.full(full, np.nan), np.full(full, np.nan)
        coef[data.columns], null_coef[data.columns] = w_hat, w_0
        fitted = dict(
            identifiable_columns=data.columns, separation=data.separation, prior_precision=lam,
            family=family, coef=scaling.coef_to_original(coef, self.fit_intercept),
            null_coef=scaling.coef_to_original(null_coef, self.fit_intercept), test_index=u,
            sigma2=sigma2 * scaling.y_scale * scaling.y_scale,
        )
        if data.classes is not None:
            fitted["classes"] = data.classes
        return PilotFit(Z=Z, y=y if yd is None else yd, fam=fam, u=u_design, w_hat=w_hat,
                        w_0=w_0, sigma2=sigma2, prior_precision=lam, fitted=fitted)

    def _information(self, s, w, sigma2):
        """Fisher information at ``w`` plus the fits' ridge (p, p), on the host.

        The pass over the rows runs on the design's device (:attr:`PilotFit.on_device`).
        """
        information = fisher_information_xp if s.on_device else fisher_information
        info = information(s.Z, w, s.fam, sigma2=sigma2)
        return info + s.prior_precision * np.eye(s.Z.shape[1])

    # -- subclasses: per-object noncentrality and (optionally) corrected alpha
    def _gamma0(self, s):  # pragma: no cover - abstract
        raise NotImplementedError

    def _effective_alpha(self, s):
        return self.alpha

    def _closed_form_answer(self, s):
        """The forecast ``m* = max(⌈γ*/γ⁰⌉, n_params + 1)`` and the power curve around it."""
        m = s.y.shape[0]
        gamma0 = float(self._gamma0(s))
        k = s.u.size
        alpha = float(self._effective_alpha(s))
        gamma_star = required_noncentrality(k, alpha, self.beta, self.noncentrality)
        min_estimable = s.Z.shape[1] + 1
        if not np.isfinite(gamma0) or gamma0 <= 0:
            warn_at_caller(
                "The per-object noncentrality is zero: the pilot estimate does not separate the "
                "alternative from the null (shift=0?). No finite sample size reaches the power.",
                RuntimeWarning,
            )
            power_size = np.inf
        else:
            with np.errstate(over="ignore"):
                power_size = max(float(np.ceil(gamma_star / gamma0 - 1e-9)), 1.0)
        if power_size > MAX_SAMPLE_SIZE:
            if np.isfinite(power_size):
                warn_at_caller(
                    f"The forecast m* = {power_size:.3g} rows exceeds "
                    f"{MAX_SAMPLE_SIZE:.0e}: no realistic sample gives the test power "
                    f"{1 - self.beta:g} against this alternative (it is too close to the null; "
                    "a larger shift asks an answerable question). sample_size_ is None; "
                    "power_sample_size_ holds the forecast.", RuntimeWarning,
                )
            sample_size = None
        else:
            # the power alone may be reached before the model can be fitted at all
            sample_size = max(int(power_size), min_estimable)
        top = max(m, 2 * (sample_size or m))
        sizes = make_size_grid(self.sizes, top, 1) if not isinstance(
            self.sizes, (list, tuple, np.ndarray)) else make_size_grid(self.sizes, max(
                top, int(np.max(self.sizes))), 1)
        power = _power(sizes, gamma0, k, alpha, self.noncentrality)
        question = self._question(k, alpha, s.fitted["test_index"], s.fitted["family"],
                                  sample_size, power_size, min_estimable)
        return Forecast(
            Curve(sizes, power, np.zeros_like(power), power[:, None]), sample_size,
            1.0 - self.beta,
            dict(s.fitted, min_estimable_size=min_estimable, power_sample_size=power_size,
                 question=question, noncentrality_per_object=gamma0, gamma_star=gamma_star,
                 alpha_effective=alpha),
        )

    def _question(self, k, alpha, test_index, family, sample_size, power_size, min_estimable):
        """The question ``sample_size_`` answers, in one sentence."""
        names = getattr(self, "feature_names_in_", None)
        shown = [column_name(int(j), names) for j in test_index[:5]]
        if k > 5:
            shown[-1] = f"... ({k - 4} more)"
        cols = ", ".join(shown)
        what = "coefficient" if k == 1 else f"{k} coefficients"
        level = f"level {alpha:.3g}" + (f" (corrected from {self.alpha:g})"
                                        if alpha != self.alpha else "")
        if self.null_value is None:
            unit = ("standard deviations of y per standard deviation of the column"
                    if family == "gaussian" else
                    "log-odds per standard deviation of the column")
            detect = (f"rows needed to detect a shift of {self.shift:g} ({unit}) in the {what} "
                      f"of {cols}")
        else:
            detect = (f"rows needed to reject the null value {self.null_value!r} (units of X"
                      f"{' and y' if family == 'gaussian' else ''}) of the {what} of "
                      f"{cols}, the pilot estimate being true,")
        power = f"power {1 - self.beta:g}"
        if self.noncentrality == "shifted":
            power += " by the published shifted-chi-square proxy (the true power is lower)"
        text = f"{detect} with {power} at {level} ({self._test_name} test)"
        if sample_size is not None and sample_size > power_size:
            text += (f"; the power is reached at {int(power_size)} rows, raised to "
                     f"{sample_size} so that the model's {min_estimable - 1} "
                     "parameters can be estimated")
        return text

    def power(self, sample_size):
        """Asymptotic power of the level-α test at ``sample_size`` objects.

        ``P(χ²_k(n γ⁰) > χ²_{k,1-α})``, the noncentral χ² the test statistic
        follows, whatever ``noncentrality`` says: with ``"shifted"`` the
        forecast ``m*`` comes from the published implementation's shifted
        central χ² (its ``criterion_`` is that proxy, not a power), and the
        true power at that ``m*`` is well below ``1 - β`` (about 0.5 for
        ``k = 1``, as a simulation of the test confirms).

        Parameters
        ----------
        sample_size : int or array-like of int

        Returns
        -------
        power : float or ndarray
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "noncentrality_per_object_")
        n = np.asarray(sample_size, dtype=float)
        if not np.all(np.isfinite(n)) or np.any(n < 0):
            raise ValueError(f"sample_size must be finite and >= 0, got {sample_size!r}.")
        out = _power(n, self.noncentrality_per_object_, self.test_index_.size,
                     self.alpha_effective_, "ncx2")
        return float(out) if np.ndim(out) == 0 else out


_PARAMS_DOC = """
    Parameters
    ----------
    family : {"auto", "gaussian", "binomial"}, default="auto"
        Linear (Gaussian) or logistic (binomial) regression; "auto" picks the
        binomial family for a binary target.
    test_index : array-like of int or bool mask, default=None
        Columns ``u`` of ``X`` whose coefficients are tested (``k = |u|``).
        Default: the first half (at least one) of the identifiable columns,
        which is the first ``n_features // 2`` columns unless some are aliased.
        The intercept is never tested.
    null_value : float or array-like, default=None
        ``w_u^0``, in the units of ``X`` (and ``y`` for the Gaussian family),
        like ``coef_``. Default: ``ŵ_u + shift`` (the pilot estimate shifted
        by ``shift`` in standardised units).
    shift : float, default=0.2
        ``ε`` of Table 4.3: distance of the null from the pilot estimate, in
        standardised units: the coefficient of a column divided by its
        standard deviation (by its root mean square when
        ``fit_intercept=False``) and, for the Gaussian family, of ``y``
        scaled the same way. So 0.2 is "0.2 standard deviations of ``y`` per
        standard deviation of the column" (Gaussian) or "0.2 on the log-odds
        scale per standard deviation of the column" (binomial), whatever the
        units of the data; the published tables z-scored ``X`` and ``y``, so
        this is their ``ε``. For a null in the units of the data, pass
        ``null_value``.
    alpha : float, default=0.05
        Significance level.
    beta : float, default=0.2
        Type-II error (power ``1 - beta``).
    noncentrality : {"ncx2", "shifted"}, default="ncx2"
        Reading of (4.3): the text's noncentral χ², or the published reference
        implementation's shifted central χ² (reproduces Table 4.2).
    fit_intercept : bool, default=True
        Add an (untested) intercept column.
    prior_precision : float, default=0.0
        Ridge term of the fits (0: maximum likelihood; the published reference
        implementation uses 0.01).
    sigma2 : float, default=None
        Gaussian noise variance, in the units of ``y`` squared; None estimates
        it by the residual variance of the pilot fit.
    published_fit : bool, default=False
        Reproduce the model fitting of the published reference implementation
        instead of the text's maximum likelihood: ridge ``0.01`` in every fit
        (``prior_precision`` is then ignored), unit noise variance in the Wald
        test's information, and the restricted fit by Newton-CG on the
        reference's objective, whose value uses the prior ``N(0, 0.01 I)``
        while its gradient and Hessian use ``N(0, 100 I)``; the line search then
        stops early, which is what makes the published likelihood-ratio
        numbers differ from the score-test ones. With ``noncentrality="shifted"``,
        ``fit_intercept=False`` and z-scored ``X`` and ``y`` this gives Table 4.2.
    sizes : None, int or array-like, default=None
        Grid on which the forecast power curve ``criterion_`` is reported.

    Notes
    -----
    The columns of ``X`` (and ``y`` for the Gaussian family) are standardised
    inside (centred when ``fit_intercept``, divided by their spread after
    being divided by their largest absolute value, so that ``1e300`` or
    ``1e-300`` neither overflows nor underflows), so the forecast does not
    depend on their units. A constant column is left out with an
    ``IdentifiabilityWarning`` that names it; a column below the smallest
    normal double is a ``ValueError`` that names it.
"""

_ATTRS_DOC = """
    Attributes
    ----------
    sample_size_ : int or None
        Forecast ``m* = max(⌈γ*/γ⁰⌉, n_params + 1)`` (may exceed the available
        size): the rows at which the test reaches power ``1 - beta``, and at
        least enough rows to fit the model. None when ``⌈γ*/γ⁰⌉`` exceeds
        ``MAX_SAMPLE_SIZE = 10**12`` (with a warning) or ``γ⁰ = 0``.
    question_ : str
        The question ``sample_size_`` answers, in one sentence: which
        coefficients, which shift (in which units), which power and level.
    power_sample_size_ : float
        ``⌈γ*/γ⁰⌉`` alone (a float: it may be astronomically large, or inf).
    min_estimable_size_ : int
        ``n_params + 1``: the identifiable coefficients (intercept included)
        plus one.
    noncentrality_per_object_ : float
        ``γ⁰`` (or ``Δ*``, ``δ``).
    gamma_star_ : float
        Required noncentrality ``γ*``.
    alpha_effective_ : float
        Level used in ``γ*`` (the corrected ``α*`` for the binomial Wald test).
    sizes_, criterion_ : ndarray
        The curve ``m*`` is read from, ``threshold_ = 1 - beta``: the forecast
        power at each grid size with ``noncentrality="ncx2"``; with
        ``"shifted"``, the published implementation's shifted-χ² proxy
        ``P(χ²_k + nγ⁰ > χ²_{k,1-α})``, which overstates the power (use
        :meth:`power` for the power itself).
    criterion_std_ : ndarray
        Zeros (the forecast is deterministic).
    coef_, null_coef_ : ndarray
        Pilot estimate ``ŵ`` and restricted estimate ``ŵ⁰ = [w_u^0, ŵ_v^0]``
        (intercept first when ``fit_intercept``) in the units of the data;
        NaN for aliased columns.
    identifiable_columns_ : ndarray of int
        Design columns (intercept first) that are not aliased: columns that are
        linear combinations of earlier ones (a duplicated column, a constant one
        next to the intercept) are left out of the fits with an
        ``IdentifiabilityWarning``, and the default ``test_index`` skips them.
    separation_ : {None, "quasi-complete", "complete"}
        Separation of a binary target. The maximum-likelihood fit then does not
        exist: with ``prior_precision=0`` the fits use a ridge of precision 1
        instead, with an ``IdentifiabilityWarning``.
    prior_precision_ : float
        The ridge term the fits used.
    family_ : str
    sigma2_ : float
        Noise variance in the units of ``y`` squared (1 for the binomial family).
    n_samples_seen_ : int
"""
