"""Gaussian linear and logistic regression as probabilistic models.

Everything here is batched over *replicates*: a weight matrix ``weights`` of
shape ``(B, m)`` describes ``B`` weighted copies of the same data (bootstrap
counts, 0/1 subsample masks, ...), and every function then returns a leading
axis of length ``B``. With ``weights=None`` the functions work on the plain
data and return no batch axis. A bootstrap of ``B`` linear regressions is
thus one batched Gram matrix and one batched Cholesky solve, not ``B`` fits.

Notation (dissertation §4.1): the density is ``exp((y θ - b(θ))/a(φ) + c(y, φ))``
with ``θ = x^T w``.

========  ==============  ===============  ============
family    b(θ)            mean b'(θ)       a(φ)
========  ==============  ===============  ============
gaussian  θ²/2            θ                σ²
binomial  log(1 + e^θ)    sigmoid(θ)       1
========  ==============  ===============  ============

The log-likelihood, score and Fisher information are checked against
statsmodels' ``GLM`` in the tests. The batched linear algebra (Gram
matrices, prefix sums, THE SPD solve and THE logistic Newton method) lives in
:mod:`skcomplexity.models._batched`, the logistic fits along nested subsample
paths in :mod:`skcomplexity.models._gathered`; their public functions are
re-exported here, the one public home of what :mod:`skcomplexity.sample_size`
uses.
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, log_expit

from ._batched import (
    SINGULAR,
    _Design,
    _gram,
    _theta,
    check_fit,
    newton_logistic,
    prefix_grams,
    prefix_grams_xy,
    solve_spd,
    standardize_columns,
)
from ._gathered import laplace_rows_path, logistic_rows_path, sklearn_logistic_prefix_path
from ._laplace_step import laplace_one_step_path
from ._linear_prefix import fit_linear_prefix

__all__ = [
    "BINOMIAL",
    "GAUSSIAN",
    "Family",
    "add_intercept",
    "check_fit",
    "fisher_information",
    "fit_glm",
    "fit_linear_prefix",
    "fit_restricted",
    "get_family",
    "laplace_one_step_path",
    "laplace_posterior",
    "laplace_rows_path",
    "log_likelihood",
    "logistic_rows_path",
    "newton_logistic",
    "per_object_log_likelihood",
    "prefix_grams",
    "prefix_grams_xy",
    "score",
    "sklearn_logistic_prefix_path",
    "solve_spd",
    "standardize_columns",
]

_LOG_2PI = np.log(2.0 * np.pi)


@dataclass(frozen=True)
class Family:
    """A canonical-link exponential family (only what the methods need)."""

    name: str

    def b(self, theta):
        """Cumulant function ``b(θ)``."""
        if self.name == "gaussian":
            return 0.5 * theta**2
        return np.logaddexp(0.0, theta)

    def mean(self, theta):
        """``b'(θ)``: the mean of ``y`` given ``θ``."""
        return theta if self.name == "gaussian" else expit(theta)

    def variance(self, theta):
        """``b''(θ)``: the variance function (times ``a(φ)`` for the Gaussian)."""
        if self.name == "gaussian":
            return np.ones_like(theta)
        p = expit(theta)
        return p * (1.0 - p)

    def dispersion(self, sigma2):
        """``a(φ)``: ``σ²`` for the Gaussian, 1 for the binomial."""
        return float(sigma2) if self.name == "gaussian" else 1.0

    def loglik(self, y, theta, sigma2=1.0):
        """Per-object log-density ``log f(y | θ)`` (full normalisation)."""
        if self.name == "gaussian":
            return -0.5 * (_LOG_2PI + np.log(sigma2)) - 0.5 * (y - theta) ** 2 / sigma2
        return y * log_expit(theta) + (1.0 - y) * log_expit(-theta)


GAUSSIAN = Family("gaussian")
BINOMIAL = Family("binomial")


def get_family(family):
    """Return the :class:`Family` for ``"gaussian"`` or ``"binomial"``."""
    if isinstance(family, Family):
        return family
    if family == "gaussian":
        return GAUSSIAN
    if family == "binomial":
        return BINOMIAL
    raise ValueError(f"family must be 'gaussian' or 'binomial', got {family!r}.")


def add_intercept(X):
    """Prepend a column of ones to ``X``."""
    X = np.asarray(X, dtype=float)
    return np.hstack([np.ones((X.shape[0], 1)), X])


# --------------------------------------------------------------------- helpers
def _weights(weights, m):
    return np.ones(m) if weights is None else np.asarray(weights, dtype=float)


# ------------------------------------------------------------------ likelihood
def per_object_log_likelihood(X, y, coef, family, *, sigma2=1.0, offset=None):
    """``log f(y_i | x_i, w)`` per object; shape (m,) or (B, m) for batched coef."""
    fam = get_family(family)
    return fam.loglik(y, _theta(X, np.asarray(coef, dtype=float), offset), sigma2)


def log_likelihood(X, y, coef, family, *, sigma2=1.0, weights=None, offset=None):
    """Weighted log-likelihood ``l(D, w) = Σ_i c_i log f(y_i | x_i, w)``.

    ``coef`` of shape (p,) or (B, p); ``weights`` None, (m,) or (B, m).
    """
    ll = per_object_log_likelihood(X, y, coef, family, sigma2=sigma2, offset=offset)
    return (ll * _weights(weights, X.shape[0])).sum(axis=-1)


def score(X, y, coef, family, *, sigma2=1.0, weights=None, offset=None):
    """Gradient of the weighted log-likelihood: ``X^T C (y - b'(θ)) / a(φ)``."""
    fam = get_family(family)
    r = (y - fam.mean(_theta(X, coef, offset))) * _weights(weights, X.shape[0])
    return (r @ X) / fam.dispersion(sigma2)


def fisher_information(X, coef, family, *, sigma2=1.0, weights=None, offset=None):
    """Observed (= expected, canonical link) Fisher information ``X^T C V X / a(φ)``."""
    fam = get_family(family)
    coef = np.asarray(coef, dtype=float)
    v = fam.variance(_theta(X, coef, offset)) * _weights(weights, X.shape[0])
    if v.ndim == 1 and coef.ndim == 2:
        v = np.broadcast_to(v, (coef.shape[0], v.size))
    return _gram(X, v) / fam.dispersion(sigma2)


# ------------------------------------------------------------------------- fit
def fit_glm(X, y, family, *, weights=None, prior_precision=0.0, offset=None, sigma2=1.0,
            max_iter=100, tol=1e-10, coef_init=None):
    """Maximum (penalised) likelihood fit, batched over weighted replicates.

    Maximises ``l(D, w) - prior_precision * a(φ) ||w||² / 2`` for the Gaussian
    family (i.e. ridge with penalty ``prior_precision * σ²``, which is the MAP
    under the prior ``N(0, prior_precision^-1 I)``) and
    ``l(D, w) - prior_precision ||w||² / 2`` for the binomial family, by one
    Cholesky solve (Gaussian) or Newton's method with batched Cholesky steps
    (binomial).

    Parameters
    ----------
    X : ndarray of shape (m, p)
    y : ndarray of shape (m,)
    family : {"gaussian", "binomial"}
    weights : ndarray of shape (m,) or (B, m), optional
        Non-negative object weights (e.g. bootstrap counts) per replicate.
    prior_precision : float, default=0
        Precision of a zero-mean Gaussian prior (ridge); 0 gives the MLE.
    offset : ndarray of shape (m,), optional
        Fixed part of the linear predictor.
    sigma2 : float, default=1
        Noise variance (Gaussian family), used only to scale the prior.
    max_iter, tol : Newton's stopping rule (binomial).
    coef_init : ndarray, optional
        Starting point for Newton.

    Returns
    -------
    coef : ndarray of shape (p,) or (B, p)

    Warns
    -----
    RuntimeWarning
        Binomial family: when Newton's method did not converge, and, without a
        penalty (``prior_precision=0``), when fitted probabilities are
        numerically 0 or 1 (R's ``glm`` rule: within ``10 * eps``), i.e. the
        classes are (quasi-)separated and the maximum-likelihood estimate does
        not exist. A converged penalised fit does not warn, however large its
        linear predictor: its optimum exists and is unique.
    """
    fam = get_family(family)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    m, p = X.shape
    w = _weights(weights, m)
    z = y if offset is None else y - offset
    if fam.name == "gaussian":
        # unweighted: XᵀX by syrk, without the (p, m) copy X.T * w (a transient copy of the
        # data: 2.3 GiB on 1,000,000 x 300) and in half the arithmetic
        gram = X.T @ X if weights is None else _gram(X, w)
        A = gram + prior_precision * np.eye(p)
        b = z @ X if weights is None else (w * z) @ X
        return solve_spd(A, b, warn=SINGULAR.format("the least-squares normal equations"))

    W2 = np.atleast_2d(w)
    off = None if offset is None else np.atleast_2d(offset)
    nb = max(W2.shape[0], 1 if off is None else off.shape[0])
    batched = w.ndim == 2 or (offset is not None and np.ndim(offset) == 2)
    C = np.zeros((nb, p)) if coef_init is None else np.array(
        np.broadcast_to(np.asarray(coef_init, dtype=float), (nb, p)))
    design = _Design(X)
    C, converged = newton_logistic(design, y, C, weights=W2, offset=off,
                                   pen=np.full(p, float(prior_precision)), tol=tol,
                                   max_iter=max_iter)
    check_fit(design, C, converged, None, prior_precision, weights=W2, offset=off,
              max_iter=max_iter)
    return C.reshape(((nb,) if batched else ()) + (p,))


def fit_restricted(X, y, family, fixed_index, fixed_values, **kwargs):
    """Fit the nuisance parameters with the tested ones held fixed.

    Maximises ``l(D, [w_u0, w_v])`` over ``w_v`` (``u = fixed_index``), by
    fitting the remaining columns with the offset ``X_u w_u0``.

    Returns
    -------
    coef : ndarray of shape (p,) or (B, p)
        The full parameter vector ``[w_u0, ŵ_v0]`` in the original column order.
    """
    X = np.asarray(X, dtype=float)
    p = X.shape[1]
    fixed_index = np.asarray(fixed_index, dtype=int)
    free = np.setdiff1d(np.arange(p), fixed_index)
    fixed_values = np.asarray(fixed_values, dtype=float)
    offset = X[:, fixed_index] @ fixed_values.T
    if fixed_values.ndim == 2:  # per-replicate null values: offset (B, m)
        offset = offset.T
    base_offset = kwargs.pop("offset", None)
    if base_offset is not None:
        offset = offset + base_offset
    if free.size == 0:  # every coefficient held fixed: nothing to fit
        coef = np.empty(fixed_values.shape[:-1] + (p,))
        coef[..., fixed_index] = fixed_values
        return coef
    coef_v = fit_glm(X[:, free], y, family, offset=offset, **kwargs)
    batch = coef_v.shape[:-1]
    coef = np.empty(batch + (p,))
    coef[..., free] = coef_v
    coef[..., fixed_index] = fixed_values
    return coef


def laplace_posterior(X, y, family, *, prior_precision=1.0, sigma2=1.0, weights=None,
                      **fit_kwargs):
    """Gaussian (Laplace, or exact conjugate for the Gaussian family) posterior.

    Prior ``N(0, prior_precision^-1 I)``. For the Gaussian family with known
    noise variance ``σ²`` this is the exact posterior
    ``N(Σ X^T y / σ², Σ)``, ``Σ = (α I + X^T X / σ²)^-1``; for the binomial
    family the mean is the MAP and the covariance the inverse of the Hessian of
    the negative log-posterior at the MAP.

    Returns
    -------
    mean : ndarray of shape (p,) or (B, p)
    cov : ndarray of shape (p, p) or (B, p, p)
    """
    fam = get_family(family)
    X = np.asarray(X, dtype=float)
    p = X.shape[1]
    if fam.name == "gaussian":
        mean = fit_glm(X, y, fam, weights=weights, prior_precision=prior_precision * sigma2,
                       **fit_kwargs)
    else:
        mean = fit_glm(X, y, fam, weights=weights, prior_precision=prior_precision, **fit_kwargs)
    precision = fisher_information(X, mean, fam, sigma2=sigma2, weights=weights) + (
        prior_precision * np.eye(p)
    )
    cov = solve_spd(precision, np.broadcast_to(np.eye(p), precision.shape),
                    warn=SINGULAR.format("the posterior precision"))
    return mean, cov
