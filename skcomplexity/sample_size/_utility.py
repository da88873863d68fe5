"""Bayesian sample size by expected utility (Lindley), dissertation §4.3.

Importable, like the other Bayesian methods, from :mod:`skcomplexity.sample_size.bayesian`
(and, as before, from :mod:`skcomplexity.sample_size._utility_kl`).
"""

import numpy as np
from numpy.polynomial.hermite import hermgauss
from numpy.polynomial.laguerre import laggauss
from scipy.special import log_expit, ndtr

from .._docstrings import fill_doc
from ._bayes_base import COMMON_PARAMS_DOC, GRID_PARAMS_DOC, _PosteriorSampleSize

__all__ = ["UtilitySampleSize"]


# ------------------------------------------------------------------ utility
@fill_doc(common=COMMON_PARAMS_DOC, grid=GRID_PARAMS_DOC)
class UtilitySampleSize(_PosteriorSampleSize):
    """Sufficient sample size by expected-utility maximisation (Lindley).

    ``m* = argmax_k E_D ∫ u(D_k, w) p(w | D_k) dw`` over the grid, with

    * ``per_object=True`` (default): ``u = (l(D_k, w) + log p(w)) / k - c k``,
      the per-object log-joint minus the cost — the published reference
      implementation's form, which has an interior maximum and reproduces
      Table 4.2;
    * ``per_object=False``: ``u = l(D_k, w) - c k``, the text's formula (the
      summed log-likelihood falls roughly linearly in ``k``, so the maximum
      is usually at the smallest size).

    This is an argmax rule, not the "for all ``k >= m*``" rule of the other
    methods, so there is no ``threshold_mode``.

    Parameters
    ----------
    %(common)s
    per_object : bool, default=True
        See above.
    method : {"exact", "monte-carlo"}, default="exact"
        How the binomial expectation ``E_w Σ_i log σ(s_i x_iᵀ w)`` is computed
        (the Gaussian expectation and the prior term are closed forms). Under
        the Laplace posterior each row's linear predictor is one Gaussian
        variable, ``N(s_i x_iᵀ m, x_iᵀ Σ x_i)``, so "exact" integrates each row
        in one dimension: Gauss–Hermite (4 to 32 points as the standard
        deviation grows) where it is below 1.5, else ``E min(t, 0)`` in closed
        form plus 32-point Gauss–Laguerre on the smooth rest (at most about
        1e-10 from adaptive quadrature per row). "monte-carlo" averages
        ``n_draws`` posterior draws shared by the rows (the published reference
        implementation's way; its error is the Monte Carlo error).
    n_draws : int, default=100
        Posterior draws per replicate for ``method="monte-carlo"``.
    threshold : float, default=0.005
        The cost ``c`` per object (printed as ``ε`` in Table 4.3), in nats
        of the per-object log-joint of standardised data
        (``standardize=True``, ``standardize_target=True``). With
        ``per_object=True`` the utility is about ``const - A / k - c k``
        with ``A`` dominated by the prior's ``p log(2π / α) / 2``, so
        ``m* ≈ sqrt(A / c)``: it reads the dimension more than the noise
        level.
    %(grid)s

    Attributes
    ----------
    sample_size_ : int
        The grid size with the largest mean utility.
    sizes_, criterion_, criterion_std_, criterion_replicates_,
    n_samples_seen_, n_features_in_ : see
    :class:`~skcomplexity.sample_size.SampleSizeEstimator`.
    threshold_ : float
        The cost ``c``.
    family_ : str
    sigma2_ : float

    Examples
    --------
    >>> from skcomplexity.datasets import make_linear_regression
    >>> from skcomplexity.sample_size.bayesian import UtilitySampleSize
    >>> X, y = make_linear_regression(300, 3, random_state=0)
    >>> est = UtilitySampleSize(sizes=10, n_repeats=20, random_state=0).fit(X, y)
    >>> int(est.sample_size_) in est.sizes_
    True
    """

    question = ("How many rows maximise the expected fit per row minus a cost per row (the "
                "threshold)?")
    threshold_unit = "nats per row (cost)"
    criterion_label = "expected utility (nats per row)"

    _direction = "above"
    _threshold_is_level = False  # threshold is the cost c, not a level of the curve

    def __init__(self, *, family="auto", fit_intercept=True, prior_precision=0.01, sigma2=None,
                 standardize=True, standardize_target=True,
                 per_object=True, method="exact", n_draws=100, sizes=None, n_repeats=100,
                 threshold=0.005, random_state=None, n_jobs=None, verbose=0):
        self.family = family
        self.fit_intercept = fit_intercept
        self.prior_precision = prior_precision
        self.sigma2 = sigma2
        self.standardize = standardize
        self.standardize_target = standardize_target
        self.per_object = per_object
        self.method = method
        self.n_draws = n_draws
        self.sizes = sizes
        self.n_repeats = n_repeats
        self.threshold = threshold
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _refinement_sizes(self, result, sizes, state, n_samples):
        # a Monte Carlo binomial criterion draws its sample at each size from the
        # replicate's stream, so a size's value depends on the sizes before it: no refinement
        if state.family != "gaussian" and self.method == "monte-carlo":
            return None
        return super()._refinement_sizes(result, sizes, state, n_samples)

    def _value(self, data, batch, rngs):
        mean, cov, size = batch.mean, batch.cov, batch.size
        X, y, p = data.X, data.y, data.n_params
        if data.family == "gaussian":
            # E_w Σ_i c_i log N(y_i | x_iᵀw, σ²) from the subsample's sufficient statistics:
            # Σ c_i [(y_i - x_iᵀm)² + x_iᵀΣx_i] = yᵀCy - 2mᵀXᵀCy + mᵀXᵀCXm + tr(XᵀCX Σ)
            s2 = data.sigma2
            quad = (batch.yty - 2 * np.einsum("ri,ri->r", mean, batch.xty)
                    + np.einsum("ri,rij,rj->r", mean, batch.gram, mean)
                    + np.einsum("rij,rji->r", batch.gram, cov))
            exp_loglik = -0.5 * size * np.log(2 * np.pi * s2) - 0.5 * quad / s2
        else:
            L = np.linalg.cholesky(cov)
            exp_loglik = np.empty(len(rngs))
            # log f(y_i | θ_i) = log σ(s_i θ_i) with s_i = ±1 for y_i = 1/0, on the distinct
            # rows of the subsample weighted by their counts (same sum as over all m rows)
            sign = 2.0 * y - 1.0
            for r, rng in enumerate(rngs):
                rows, counts = np.unique(batch.rows[r], return_counts=True)
                Xr = X[rows]
                if self.method == "exact":  # each row's s_i θ_i ~ N(s_i x_iᵀm, ‖Lᵀx_i‖²)
                    XL = Xr @ L[r]
                    sd = np.sqrt(np.einsum("ij,ij->i", XL, XL))
                    exp_loglik[r] = _expected_log_sigmoid(sign[rows] * (Xr @ mean[r]),
                                                          sd) @ counts
                    continue
                w = mean[r] + rng.standard_normal((self.n_draws, p)) @ L[r].T
                ll = log_expit((w @ Xr.T) * sign[rows])  # (n_draws, distinct rows)
                exp_loglik[r] = np.mean(ll @ counts)
        alpha = self.prior_precision
        exp_logprior = -0.5 * p * np.log(2 * np.pi / alpha) - 0.5 * alpha * (
            np.sum(mean**2, axis=1) + np.trace(cov, axis1=-2, axis2=-1)
        )
        cost = self.threshold * size
        if self.per_object:
            return (exp_loglik + exp_logprior) / size - cost
        return exp_loglik - cost

    def _decide(self):
        crit = self.criterion_
        self.threshold_ = float(self.threshold)
        finite = np.isfinite(crit)
        if not np.any(finite):
            self.sample_size_ = None
            self.criterion_holds_ = np.zeros(len(crit), dtype=bool)
            return
        best = int(np.nanargmax(np.where(finite, crit, -np.inf)))
        self.sample_size_ = int(self.sizes_[best])
        self.criterion_holds_ = np.arange(len(crit)) == best


#: Gauss-Hermite rules of :func:`_expected_log_sigmoid` by the standard deviation they serve
#: (below each bound; the error stays under about 1e-11 there), then the wide rule.
_HERMITE = [(0.1, hermgauss(4)), (0.35, hermgauss(8)), (0.75, hermgauss(16)),
            (1.5, hermgauss(32))]
_LAGUERRE = laggauss(32)
_WIDE = _HERMITE[-1][0]
#: Rows integrated together (the (rows, 32) node values stay a few MiB).
_ROW_BLOCK = 2**15


def _expected_log_sigmoid(mean, sd):
    """``E log σ(t)`` for ``t ~ N(mean_i, sd_i²)``, elementwise.

    Where ``sd < 1.5``: Gauss–Hermite on ``log σ``, with 4, 8, 16 or 32 points below an sd
    of 0.1, 0.35, 0.75 or 1.5 (a posterior narrows with the rows, so most rows of the
    larger sizes take 4 or 8). Wider: ``log σ(t) = min(t, 0)
    + g(|t|)`` with ``g(u) = -log(1 + e^{-u})``; ``E min(t, 0) = μ Φ(-μ/s) - s φ(μ/s)``
    exactly, and ``E g(|t|) = ∫_0^∞ g(u) (φ_{μ,s}(u) + φ_{μ,s}(-u)) du`` by 32-point
    Gauss–Laguerre (``e^{-u}`` times a smooth bounded function). Against adaptive
    quadrature over a grid of ``|μ| <= 40``, ``0.01 <= s <= 100`` the largest absolute
    error is about 1e-10 (near ``s = 1.5``), below 1e-11 elsewhere.
    """
    mean, sd = np.asarray(mean, dtype=float), np.asarray(sd, dtype=float)
    out = np.empty(mean.shape)
    u, wu = _LAGUERRE
    # e^u g(u) at the Laguerre nodes, times their weights (u up to about 120: no overflow)
    gw = wu * (-np.exp(u) * np.log1p(np.exp(-u)))
    for a in range(0, mean.size, _ROW_BLOCK):
        m, s = mean[a:a + _ROW_BLOCK], sd[a:a + _ROW_BLOCK]
        o = out[a:a + _ROW_BLOCK]
        narrow = s < _WIDE
        low = 0.0
        for bound, (z, wz) in _HERMITE:
            rows = np.flatnonzero((s >= low) & (s < bound))
            low = bound
            if rows.size:
                t = m[rows, None] + np.sqrt(2.0) * s[rows, None] * z
                o[rows] = log_expit(t) @ wz / np.sqrt(np.pi)
        if not narrow.all():
            mw, sw = m[~narrow], s[~narrow]
            r = mw / sw
            e_min = mw * ndtr(-r) - sw * np.exp(-0.5 * r * r) / np.sqrt(2.0 * np.pi)
            dens = (np.exp(-0.5 * ((u - mw[:, None]) / sw[:, None]) ** 2)
                    + np.exp(-0.5 * ((u + mw[:, None]) / sw[:, None]) ** 2))
            o[~narrow] = e_min + dens @ gw / (sw * np.sqrt(2.0 * np.pi))
    return out
