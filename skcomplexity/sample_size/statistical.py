"""Statistical sample-size methods (dissertation §4.1): score, likelihood-ratio and Wald tests.

Each forecasts the size ``m*`` at which a test of ``H0: w_u = w_u^0`` against
the alternative given by the pilot estimate reaches power ``1 - β`` at level
``α``: ``m* = ⌈γ*/γ⁰⌉``, where ``γ⁰`` is the per-object noncentrality of the
test statistic and ``γ*`` solves ``χ²_{k,1-α} = χ²_{k,β}(γ)`` (4.3). Being a
forecast, ``m*`` may exceed the size of the data at hand; it is never below
``n_params + 1`` (the model must be estimable), and the fitted ``question_``
says in one sentence which question it answers. The shift of the null is in
standardised units (the data are standardised inside), so the answer does not
depend on the units of the columns.

Two readings of (4.3) are offered through ``noncentrality``:

``"ncx2"`` (default, the text)
    ``χ²_{k,β}(γ)`` is the β-quantile of the *noncentral* χ² with
    noncentrality ``γ``; for ``k = 1, α = .05, β = .2`` this gives
    ``γ* = 7.849 = (z_{.975} + z_{.8})²``.
``"shifted"`` (the published reference implementation)
    a central χ² shifted by ``γ`` (``loc=γ``), so
    ``γ* = χ²_{k,1-α} - χ²_{k,β}``; this is what reproduces Table 4.2.
"""

from dataclasses import dataclass
from functools import partial
from numbers import Integral, Real

import numpy as np
from scipy import stats
from sklearn.utils._param_validation import Interval

from .._array_api import namespace_of, to_numpy
from .._validation import (
    check_binary_target,
    check_probability,
    column_name,
    standardize_columns,
    validate_xy,
    warn_at_caller,
)
from ..models.glm import add_intercept, fit_glm, solve_spd
from ..models.glm_xp import columns_xp, fit_glm_xp, linear_predictor_xp, mean_xp, variance_xp
from ._base import Curve, Forecast, SampleSizeEstimator
from ._device import DeviceMixin
from ._likelihood_test import (
    _ATTRS_DOC,
    _PARAMS_DOC,
    MAX_SAMPLE_SIZE,  # noqa: F401 - importable from here, as before
    _LikelihoodTest,
    required_noncentrality,
    weighted_chi2_sf,
)

__all__ = [
    "LagrangeMultiplierSampleSize",
    "LikelihoodRatioSampleSize",
    "LogisticZTestSampleSize",
    "WaldSampleSize",
    "required_noncentrality",
    "weighted_chi2_sf",
]


#: Solve with the information matrix; pseudo-inverse and a warning if singular.
_solve = partial(solve_spd, warn=(
    "The Fisher information is singular (collinear or constant features?); using the "
    "pseudo-inverse. Drop redundant columns or set prior_precision > 0."))



class LagrangeMultiplierSampleSize(_LikelihoodTest):
    _test_name = "score (Lagrange multiplier)"

    __doc__ = (
        """Sufficient sample size from the Lagrange-multiplier (score) test (Self & Mauritsen).

    ``γ⁰ = ξᵀ Σ⁻¹ ξ / m`` with the efficient-score design rows
    ``z*_i = u_i - I_uv I_vv⁻¹ v_i`` (information at the restricted fit),
    ``ξ = Σ_i (μ_i - μ*_i) z*_i`` and ``Σ = Σ_i v_i z*_i z*_iᵀ``, where ``μ``,
    ``μ*`` are the means under the pilot and restricted fits and ``v_i`` the
    variance under the pilot fit.
"""
        + _PARAMS_DOC
        + _ATTRS_DOC
        + """
    Examples
    --------
    >>> from skcomplexity.datasets import make_linear_regression
    >>> from skcomplexity.sample_size import LagrangeMultiplierSampleSize
    >>> X, y = make_linear_regression(200, 6, random_state=0)
    >>> est = LagrangeMultiplierSampleSize().fit(X, y)
    >>> est.sample_size_ > 0
    True
"""
    )

    question = ("How many rows does the score (Lagrange multiplier) test need to detect the fitted "
                "effects with the stated power?")
    threshold_unit = "power"
    criterion_label = "power of the score test"

    def _gamma0(self, s):
        p = s.Z.shape[1]
        v_idx = np.setdiff1d(np.arange(p), s.u)
        info = self._information(s, s.w_0, s.sigma2)
        coef = _solve(info[np.ix_(v_idx, v_idx)], info[np.ix_(v_idx, s.u)]) if v_idx.size else None
        sums = _efficient_score_sums_xp if s.on_device else _efficient_score_sums
        xi, sigma = sums(s, v_idx, coef)
        return float(xi @ _solve(sigma, xi)) / s.Z.shape[0]


def _efficient_score_sums(s, v_idx, coef):
    """``ξ = Σ_i (μ_i - μ*_i) z*_i`` and ``Σ = Σ_i v_i z*_i z*_iᵀ`` over the rows of ``s.Z``.

    ``z*_i = u_i - coefᵀ v_i`` (``coef = I_vv⁻¹ I_vu``, None when nothing is left
    to fit); ``μ``, ``v`` from the pilot fit, ``μ*`` from the restricted one.
    """
    Z, fam, u = s.Z, s.fam, s.u
    z_star = Z[:, u] - Z[:, v_idx] @ coef if coef is not None else Z[:, u]
    theta = Z @ s.w_hat
    mu, mu0 = fam.mean(theta), fam.mean(Z @ s.w_0)
    var = fam.variance(theta) * fam.dispersion(s.sigma2)
    xi = (mu - mu0) @ z_star
    sigma = (z_star * var[:, None]).T @ z_star
    return xi, sigma


def _efficient_score_sums_xp(s, v_idx, coef):
    """:func:`_efficient_score_sums` with the design on its device: ``ξ`` (k,) and ``Σ``
    (k, k) come back to the host."""
    Z, fam = s.Z, s.fam
    xp = namespace_of(Z)
    z_star = columns_xp(Z, s.u)
    if coef is not None:
        z_star = z_star - linear_predictor_xp(columns_xp(Z, v_idx), coef)
    theta = linear_predictor_xp(Z, s.w_hat)
    mu, mu0 = mean_xp(theta, fam), mean_xp(linear_predictor_xp(Z, s.w_0), fam)
    var = variance_xp(theta, fam) * fam.dispersion(s.sigma2)
    xi = xp.matmul((mu - mu0)[None, :], z_star)[0, :]
    sigma = xp.matmul(xp.matrix_transpose(z_star * var[:, None]), z_star)
    return to_numpy(xi), to_numpy(sigma)


class LikelihoodRatioSampleSize(_LikelihoodTest):
    _test_name = "likelihood-ratio"

    __doc__ = (
        """Sufficient sample size from the likelihood-ratio test (Self, Mauritsen & Ohara; Shieh).

    ``Δ* = mean_i 2 a(φ)⁻¹ [(θ_i - θ*_i) b'(θ_i) - b(θ_i) + b(θ*_i)]``, which is
    ``mean (θ - θ*)² / σ²`` for the Gaussian family and twice the mean
    Bernoulli KL divergence for the binomial family; ``m* = ⌈γ*/Δ*⌉``.
"""
        + _PARAMS_DOC
        + _ATTRS_DOC
        + """
    Examples
    --------
    >>> from skcomplexity.datasets import make_logistic_regression
    >>> from skcomplexity.sample_size import LikelihoodRatioSampleSize
    >>> X, y = make_logistic_regression(300, 4, random_state=0)
    >>> LikelihoodRatioSampleSize().fit(X, y).family_
    'binomial'
"""
    )

    question = ("How many rows does the likelihood-ratio test need to detect the fitted effects "
                "with the stated power?")
    threshold_unit = "power"
    criterion_label = "power of the likelihood-ratio test"

    def _gamma0(self, s):
        Z, fam = s.Z, s.fam
        if s.on_device:
            return _mean_bregman_xp(Z, fam.name, s.w_hat, s.w_0, fam.dispersion(s.sigma2))
        theta, theta0 = Z @ s.w_hat, Z @ s.w_0
        terms = _bregman(fam.name, theta, theta0)
        return float(np.mean(2.0 * terms / fam.dispersion(s.sigma2)))


def _bregman(family, theta, theta0):
    """``b(θ⁰) - b(θ) - (θ⁰ - θ) b'(θ)`` without cancellation (it is O((θ⁰ - θ)²)).

    Written as the text's ``(θ - θ⁰) b'(θ) - b(θ) + b(θ⁰)``, a null 1e-10 away
    from the estimate gave 1e-16 rounding noise for a 1e-20 quantity (m* off by
    a factor 300). Gaussian: ``d²/2`` exactly. Binomial: the Taylor series to
    ``d⁴`` for ``|d| < 1e-3`` (relative error below 1e-10), else
    ``log1p(μ expm1(d)) - μ d``, ``μ = expit(θ)``.
    """
    from scipy.special import expit

    d = theta0 - theta
    if family == "gaussian":
        return 0.5 * d * d
    mu = expit(theta)
    v = mu * (1.0 - mu)
    small = np.abs(d) < 1e-3
    series = v * d * d * (0.5 + d * ((1.0 - 2.0 * mu) / 6.0 + d * (1.0 - 6.0 * v) / 24.0))
    with np.errstate(over="ignore"):
        direct = np.log1p(mu * np.expm1(np.where(small, 0.0, d))) - mu * d
    return np.where(small, series, direct)


def _mean_bregman_xp(Z, family, w_hat, w_0, dispersion):
    """``mean_i 2 B(θ_i, θ⁰_i) / a(φ)`` (:func:`_bregman`) with ``Z`` on its device.

    ``θ = Z ŵ``, ``θ⁰ = Z ŵ⁰`` (``ŵ``, ``ŵ⁰`` on the host); the same series and
    ``log1p``/``expm1`` form, on the device; a Python float comes back.
    """
    xp = namespace_of(Z)
    theta, theta0 = linear_predictor_xp(Z, w_hat), linear_predictor_xp(Z, w_0)
    d = theta0 - theta
    if family == "gaussian":
        terms = 0.5 * d * d
    else:
        mu = mean_xp(theta, family)
        v = mu * (1.0 - mu)
        small = xp.abs(d) < 1e-3
        series = v * d * d * (0.5 + d * ((1.0 - 2.0 * mu) / 6.0 + d * (1.0 - 6.0 * v) / 24.0))
        direct = xp.log1p(mu * xp.expm1(xp.where(small, xp.zeros_like(d), d))) - mu * d
        terms = xp.where(small, series, direct)
    return float(xp.mean(2.0 * terms / dispersion))


class WaldSampleSize(_LikelihoodTest):
    _test_name = "Wald"

    __doc__ = (
        """Sufficient sample size from the Wald test (Shieh), with the corrected level α*.

    ``δ = (ŵ_u - w_u^0)ᵀ Σ_u⁻¹ (ŵ_u - w_u^0)`` with ``Σ_u = m V_u`` and
    ``V = I(ŵ)⁻¹``. For the binomial family the level is corrected to
    ``α* = P(ξᵀ Σ*⁻¹ ξ > χ²_{k,1-α})``, ``ξ ~ N(0, Σ_u)``, ``Σ*`` the
    ``u``-block of ``m I(ŵ⁰)⁻¹``: a weighted sum of χ²₁ evaluated exactly by
    Imhof's integral. For the Gaussian family the information does not depend
    on ``w`` and ``α* = α``.
"""
        + _PARAMS_DOC
        + _ATTRS_DOC
        + """
    Examples
    --------
    >>> from skcomplexity.datasets import make_linear_regression
    >>> from skcomplexity.sample_size import WaldSampleSize
    >>> X, y = make_linear_regression(200, 4, random_state=0)
    >>> est = WaldSampleSize(noncentrality="shifted").fit(X, y)
    >>> est.alpha_effective_
    0.05
"""
    )

    question = ("How many rows does the Wald test need to detect the fitted effects with the stated"
                " power?")
    threshold_unit = "power"
    criterion_label = "power of the Wald test"

    def _cov_u(self, s, w):
        # The published implementation evaluates the Gaussian information with unit noise
        # variance here (but the residual variance in the score and LR tests).
        sigma2 = 1.0 if self.published_fit else s.sigma2
        V = _solve(self._information(s, w, sigma2), np.eye(s.Z.shape[1]))
        return s.Z.shape[0] * V[np.ix_(s.u, s.u)]

    def _gamma0(self, s):
        d = s.w_hat[s.u] - s.w_0[s.u]
        return float(d @ _solve(self._cov_u(s, s.w_hat), d))

    def _effective_alpha(self, s):
        if s.fam.name == "gaussian":
            return self.alpha
        sigma = self._cov_u(s, s.w_hat)
        sigma_star = self._cov_u(s, s.w_0)
        try:
            L = np.linalg.cholesky(sigma)
            lam = np.linalg.eigvalsh(L.T @ _solve(sigma_star, L))
        except np.linalg.LinAlgError:
            lam = np.array([np.nan])
        if not np.all(np.isfinite(lam)) or np.any(lam <= 0):
            warn_at_caller(
                "Could not compute the corrected level alpha* (degenerate information matrix, "
                "e.g. separable classes); using alpha.", RuntimeWarning,
            )
            return self.alpha
        c = stats.chi2.ppf(1.0 - self.alpha, lam.size)
        return min(max(weighted_chi2_sf(c, lam), 1e-12), 1 - 1e-12)


@dataclass
class _Proportions:
    """The Z-test's state: proportions classified positive without / with the feature."""

    p0: float
    p1: float
    margin: float
    classes: np.ndarray
    n_params: int
    n_samples: int


class LogisticZTestSampleSize(DeviceMixin, SampleSizeEstimator):
    """Sample size of the logistic-regression Z-test of §4.2 (spec §5.1).

    Tests whether feature ``feature_index`` matters through the proportion of
    objects classified positive at a margin ``c_0``: ``p_0`` by the model
    without the feature, ``p_1`` by the full model, both at the threshold
    ``c_0`` of the reduced model (the ROC point maximising ``tpr - fpr``, an
    interpretation of "the optimal solution when the j-th element is
    excluded"). Then

    ``m* = (sqrt(p0(1-p0)) z_{1-α/2} + sqrt(p1(1-p1)) z_{1-β})² / (p1 - p0)²``.

    The text describes and then discards this method (it applies only to
    logistic regression); it is provided for completeness.

    Parameters
    ----------
    feature_index : int, default=0
        The tested feature.
    alpha, beta : float, default=0.05, 0.2
    fit_intercept : bool, default=True
    prior_precision : float, default=0.01
        Ridge term of the two logistic fits.

    Attributes
    ----------
    sample_size_ : int or None
        ``max(⌈m*⌉, n_params + 1)``; None when ``p0 = p1`` or one of them is
        0 or 1 (no test).
    question_ : str
        The question ``sample_size_`` answers, in one sentence.
    power_sample_size_ : float
        ``⌈m*⌉`` of the closed form alone (inf where there is no test).
    min_estimable_size_ : int
        Parameters of the full model (intercept included) plus one.
    p0_, p1_ : float
    margin_ : float
        The margin ``c_0`` (on the scale of the reduced model's scores).
    classes_ : ndarray
    n_samples_seen_ : int

    Notes
    -----
    The columns of ``X`` are standardised inside (as in the likelihood
    tests), so that the ridge ``prior_precision`` and thus the answer do not
    depend on their units.

    Under array API dispatch with torch tensors the two logistic fits (Newton's
    method over all rows) run on the tensors' device in float64
    (:func:`~skcomplexity.models.glm_xp.fit_glm_xp`); the standardisation, the
    scores ``Z w`` and the ROC threshold (a sort of the ``m`` scores) are computed
    on the host.

    Examples
    --------
    >>> from skcomplexity.sample_size.statistical import z_test_sample_size
    >>> round(z_test_sample_size(0.5, 0.6), 2)
    193.85
    """

    question = ("How many rows does the logistic-regression Z-test need to detect the tested "
                "feature's effect with the stated power?")
    threshold_unit = "power"
    criterion_label = "power of the Z-test"

    _parameter_constraints = {
        "feature_index": [Interval(Integral, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, 1, closed="neither")],
        "beta": [Interval(Real, 0, 1, closed="neither")],
        "fit_intercept": ["boolean"],
        "prior_precision": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, *, feature_index=0, alpha=0.05, beta=0.2, fit_intercept=True,
                 prior_precision=0.01):
        self.feature_index = feature_index
        self.alpha = alpha
        self.beta = beta
        self.fit_intercept = fit_intercept
        self.prior_precision = prior_precision

    _closed_form = True

    def _prepare(self, X, y):
        """The two logistic fits' proportions classified positive at the reduced model's margin."""
        if not isinstance(self.feature_index, Integral) or not 0 <= self.feature_index < X.shape[1]:
            raise ValueError(
                f"feature_index must be a column index in [0, {X.shape[1]}), got "
                f"{self.feature_index!r}."
            )
        classes, y01 = check_binary_target(y)
        from sklearn.metrics import roc_curve

        # z-scored columns: the ridge then does not depend on the units of X
        names = getattr(self, "feature_names_in_", None)
        Xs = standardize_columns(X, center=self.fit_intercept, feature_names=names)[0]
        Z = add_intercept(Xs) if self.fit_intercept else Xs
        j = self.feature_index + int(self.fit_intercept)
        keep = np.setdiff1d(np.arange(Z.shape[1]), [j])
        if self._device is None:
            fit = partial(fit_glm, Z, y01)
            fit_reduced = partial(fit_glm, Z[:, keep], y01)
        else:  # the two Newton fits on the input's device; the design goes there once
            Zd, yd = self._to_device(Z, y01)
            fit = partial(fit_glm_xp, Zd, yd)
            fit_reduced = partial(fit_glm_xp, columns_xp(Zd, keep), yd)
        w1 = fit("binomial", prior_precision=self.prior_precision)
        w0 = fit_reduced("binomial", prior_precision=self.prior_precision)
        s0, s1 = Z[:, keep] @ w0, Z @ w1
        fpr, tpr, thr = roc_curve(y01, s0)
        c0 = thr[np.argmax(tpr - fpr)]
        return _Proportions(p0=float(np.mean(s0 >= c0)), p1=float(np.mean(s1 >= c0)),
                            margin=float(c0), classes=classes, n_params=Z.shape[1],
                            n_samples=X.shape[0])

    def _closed_form_answer(self, state):
        """The closed form ``m*`` and, as the one-point curve, ``|p1 - p0|`` at the data's size."""
        p0, p1, min_estimable = state.p0, state.p1, state.n_params + 1
        if p0 == p1 or p0 in (0.0, 1.0) or p1 in (0.0, 1.0):
            power_size, sample_size = np.inf, None
        else:
            power_size = float(np.ceil(z_test_sample_size(p0, p1, self.alpha, self.beta)))
            # n_samples / |p1 - p0|² stays below 1e12 for any data set that fits in memory
            sample_size = max(int(power_size), min_estimable)
        column = column_name(self.feature_index, getattr(self, "feature_names_in_", None))
        question = (
            f"rows needed for the two-sided Z-test of the proportion classified positive with "
            f"and without {column} (p0={p0:.3g}, p1={p1:.3g}) to have power "
            f"{1 - self.beta:g} at level {self.alpha:g}"
        )
        criterion = np.array([abs(p1 - p0)])
        return Forecast(Curve(np.array([state.n_samples]), criterion, np.zeros(1)), sample_size,
                        np.nan, dict(p0=p0, p1=p1, margin=state.margin, classes=state.classes,
                                     min_estimable_size=min_estimable,
                                     power_sample_size=power_size, question=question))

    def _check_xy(self, X, y):
        return validate_xy(self, *self._host_xy(X, y))


def z_test_sample_size(p0, p1, alpha=0.05, beta=0.2):
    """Closed-form sample size of the proportion Z-test (spec §5.1).

    ``m* = (sqrt(p0(1-p0)) z_{1-α/2} + sqrt(p1(1-p1)) z_{1-β})² / (p1-p0)²``.

    Examples
    --------
    >>> round(z_test_sample_size(0.3, 0.4), 2)
    171.73
    """
    p0 = check_probability(p0, "p0")
    p1 = check_probability(p1, "p1")
    if p0 == p1:
        raise ValueError("p0 and p1 must differ.")
    za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(1 - beta)
    return float((np.sqrt(p0 * (1 - p0)) * za + np.sqrt(p1 * (1 - p1)) * zb) ** 2 / (p1 - p0) ** 2)
