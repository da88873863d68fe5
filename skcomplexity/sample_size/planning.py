"""Minimum sample sizes before any data exist: Riley et al.'s closed-form criteria.

The planning counterpart of :class:`~skcomplexity.sample_size.LearningCurveSampleSize`
(which reads the answer off the data at hand): the criteria of Riley et al.
(2019, Stat Med 38:1262 and 38:1276; 2020, BMJ 368:m441) for developing a
linear or logistic prediction model with ``n_parameters`` candidate
parameters from an anticipated R² (or C-statistic) and outcome prevalence,
as implemented by the ``pmsampsize`` packages:

* shrinkage: the expected uniform shrinkage factor is at least ``shrinkage``;
* optimism: apparent and adjusted R² differ by at most ``delta`` (of the
  largest Cox-Snell R² for a binary outcome);
* precision: the intercept (the overall risk, or the mean outcome) and, for
  a continuous outcome, the residual standard deviation are estimated within
  their margins.

The answer is the largest of the criteria's sizes.
"""

import math
from numbers import Integral, Real

import numpy as np
from scipy import stats
from sklearn.utils import Bunch

__all__ = ["cox_snell_r2_from_c_statistic", "riley_sample_size_binary",
           "riley_sample_size_linear"]


def _check(value, name, lo=0.0, hi=1.0):
    if isinstance(value, bool) or not isinstance(value, Real) or not lo < value < hi:
        raise ValueError(f"{name} must be a number in ({lo}, {hi}), got {value!r}.")
    return float(value)


def _check_parameters(n_parameters):
    if isinstance(n_parameters, bool) or not isinstance(n_parameters, Integral) \
            or n_parameters < 1:
        raise ValueError(f"n_parameters must be an integer >= 1 (candidate predictor "
                         f"parameters), got {n_parameters!r}.")
    return int(n_parameters)


def _null_loglik(prevalence):
    """Mean log-likelihood per object of the intercept-only logistic model."""
    phi = prevalence
    return phi * math.log(phi) + (1 - phi) * math.log(1 - phi)


def cox_snell_r2_from_c_statistic(c_statistic, prevalence):
    """Cox-Snell R² of a logistic model with a given C-statistic and prevalence.

    The binormal model of Riley et al. (2021, Diagn Progn Res 5:1): the linear
    predictor is ``N(0, 1)`` in one class and ``N(μ, 1)`` in the other with
    ``μ = √2 Φ⁻¹(C)``, so the calibrated model's log-odds are linear in it and
    ``R²_CS = 1 - exp(-2 I)``, with ``I`` the expected log-likelihood ratio per
    object against the intercept-only model, computed by Gauss-Hermite
    quadrature (``pmsampsize`` simulates a million objects instead).

    Parameters
    ----------
    c_statistic : float in (0.5, 1)
    prevalence : float in (0, 1)

    Returns
    -------
    float

    Examples
    --------
    >>> round(cox_snell_r2_from_c_statistic(0.8, 0.2), 3)
    0.183
    """
    c = _check(c_statistic, "c_statistic", 0.5, 1.0)
    phi = _check(prevalence, "prevalence")
    mu = math.sqrt(2.0) * stats.norm.ppf(c)
    x, w = np.polynomial.hermite_e.hermegauss(200)
    w = w / w.sum()
    alpha = math.log(phi / (1 - phi)) - mu**2 / 2  # log-odds = alpha + mu * lp

    def loglik(lp, y):
        eta = alpha + mu * lp
        return y * eta - np.logaddexp(0.0, eta)

    # events: lp ~ N(mu, 1); non-events: lp ~ N(0, 1)
    expected = phi * np.sum(w * loglik(x + mu, 1.0)) + (1 - phi) * np.sum(w * loglik(x, 0.0))
    return float(1.0 - math.exp(-2.0 * (expected - _null_loglik(phi))))


def _shrinkage_size(n_parameters, r2_cs, shrinkage):
    """``p / ((S - 1) ln(1 - R²/S))`` (Riley 2020, criterion 1), rounded up."""
    if r2_cs >= shrinkage:
        raise ValueError(f"the anticipated R² ({r2_cs:.3g}) must be below the shrinkage "
                         f"({shrinkage:.3g}): the criterion has no solution otherwise.")
    return math.ceil(n_parameters / ((shrinkage - 1) * math.log(1 - r2_cs / shrinkage)))


def riley_sample_size_binary(n_parameters, *, prevalence, r2_cs=None, c_statistic=None,
                             shrinkage=0.9, delta=0.05, margin=0.05):
    """Minimum size to develop a logistic prediction model (Riley et al. 2020).

    Parameters
    ----------
    n_parameters : int
        Candidate predictor parameters (columns after encoding, not counting
        the intercept).
    prevalence : float in (0, 1)
        Anticipated outcome proportion.
    r2_cs : float or None
        Anticipated Cox-Snell R² (e.g. of an existing model).
    c_statistic : float or None
        Instead of ``r2_cs``: the anticipated C-statistic (AUROC), converted
        with :func:`cox_snell_r2_from_c_statistic`.
    shrinkage : float, default=0.9
        Required expected shrinkage factor (criterion 1).
    delta : float, default=0.05
        Largest difference between apparent and adjusted Nagelkerke R²
        (criterion 2).
    margin : float, default=0.05
        Absolute margin of error of the overall risk (criterion 3).

    Returns
    -------
    result : Bunch
        ``sample_size`` (the largest criterion), ``criteria`` (dict of the
        three sizes), ``events``, ``events_per_parameter``, ``r2_cs``,
        ``max_r2_cs``, ``shrinkage`` (of the final size).

    Examples
    --------
    >>> res = riley_sample_size_binary(24, prevalence=0.174, r2_cs=0.288)
    >>> res.sample_size, res.criteria
    (662, {'shrinkage': 623, 'optimism': 662, 'risk': 221})
    """
    p = _check_parameters(n_parameters)
    phi = _check(prevalence, "prevalence")
    shrinkage = _check(shrinkage, "shrinkage")
    if (r2_cs is None) == (c_statistic is None):
        raise ValueError("Pass exactly one of r2_cs and c_statistic.")
    r2 = (_check(r2_cs, "r2_cs") if r2_cs is not None
          else cox_snell_r2_from_c_statistic(c_statistic, phi))
    max_r2 = 1.0 - math.exp(2.0 * _null_loglik(phi))
    if r2 >= max_r2:
        raise ValueError(f"r2_cs={r2:.3g} exceeds the largest Cox-Snell R² at prevalence "
                         f"{phi:g} ({max_r2:.3g}).")
    n1 = _shrinkage_size(p, r2, shrinkage)
    s2 = r2 / (r2 + _check(delta, "delta") * max_r2)
    n2 = _shrinkage_size(p, r2, s2)
    n3 = math.ceil((stats.norm.ppf(0.975) / _check(margin, "margin")) ** 2 * phi * (1 - phi))
    n = max(n1, n2, n3)
    s_final = 1 + p / (n * math.log(1 - r2))
    return Bunch(sample_size=n, criteria={"shrinkage": n1, "optimism": n2, "risk": n3},
                 events=n * phi, events_per_parameter=n * phi / p, r2_cs=r2, max_r2_cs=max_r2,
                 shrinkage=max(shrinkage, s2) if n in (n1, n2) else s_final)


def riley_sample_size_linear(n_parameters, *, r2, intercept, sd, shrinkage=0.9, delta=0.05,
                             mmoe=1.1):
    """Minimum size to develop a linear-regression prediction model (Riley et al. 2019/2020).

    Parameters
    ----------
    n_parameters : int
        Candidate predictor parameters.
    r2 : float in (0, 1)
        Anticipated adjusted R².
    intercept : float
        Anticipated mean outcome (non-zero: its margin is multiplicative).
    sd : float
        Anticipated standard deviation of the outcome.
    shrinkage : float, default=0.9
        Required expected shrinkage factor (criterion 1).
    delta : float, default=0.05
        Largest difference between apparent and adjusted R² (criterion 2).
    mmoe : float, default=1.1
        Multiplicative margin of error of the residual standard deviation
        (criterion 3) and of the mean outcome (criterion 4).

    Returns
    -------
    result : Bunch
        ``sample_size``, ``criteria`` (dict of the four sizes),
        ``shrinkage`` (expected at the final size), ``subjects_per_parameter``.

    Examples
    --------
    >>> res = riley_sample_size_linear(25, r2=0.2, intercept=1.9, sd=0.6)
    >>> res.criteria["optimism"], res.criteria["residual_sd"]
    (401, 259)
    """
    p = _check_parameters(n_parameters)
    r2 = _check(r2, "r2")
    shrinkage = _check(shrinkage, "shrinkage")
    if isinstance(mmoe, bool) or not isinstance(mmoe, Real) or not mmoe > 1:
        raise ValueError(f"mmoe must be a number > 1, got {mmoe!r}.")
    if not (isinstance(intercept, Real) and intercept != 0 and isinstance(sd, Real) and sd > 0):
        raise ValueError(f"intercept must be a non-zero number and sd a positive one, got "
                         f"intercept={intercept!r}, sd={sd!r}.")
    n = np.arange(p + 3, 10 * (p + 10) + 100_000)

    def expected_shrinkage(n):  # Riley 2019 Part I, eq. (22): with the apparent R²
        r2_app = (r2 * (n - p - 1) + p) / (n - 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return 1 + (p - 2) / (n * np.log(1 - r2_app))

    ok = expected_shrinkage(n) >= shrinkage
    n1 = int(n[np.argmax(ok)]) if ok.any() else int(n[-1])
    n2 = math.ceil(1 + p * (1 - r2) / _check(delta, "delta"))
    # residual SD within mmoe: both ends of its 95 % interval, sqrt(df / chi2_{q, df})
    df = n - p - 1
    ratio = np.maximum(np.sqrt(df / stats.chi2.ppf(0.025, df)),
                       np.sqrt(stats.chi2.ppf(0.975, df) / df))
    n3 = int(n[np.argmax(ratio <= mmoe)])
    start = max(n1, n2, n3)
    m = n[n >= start]
    upper = abs(intercept) + stats.t.ppf(0.975, m - p - 1) * np.sqrt(sd**2 * (1 - r2) / m)
    n4 = int(m[np.argmax(upper / abs(intercept) <= mmoe)])
    final = max(n1, n2, n3, n4)
    return Bunch(sample_size=final,
                 criteria={"shrinkage": n1, "optimism": n2, "residual_sd": n3, "intercept": n4},
                 shrinkage=float(expected_shrinkage(np.array([final]))[0]),
                 subjects_per_parameter=final / p)
