"""The fitted curve of :class:`~.learning_curve.LearningCurveSampleSize` (private).

Pure functions of the score matrix (training sizes x replicates): the spread
of the scores per size, the curve families fitted to every replicate with
their held-out error on the upper part of the grid, the averaged curve on a
fine grid of sizes, where it crosses a level, the ill-behaved-curve flags,
and the queries a fitted estimator answers from its replicates' curves
(:class:`CurveQueriesMixin`). The estimator's module keeps the data side
(orders, test parts, fits of the user's estimator, routing).
"""

import math
import warnings
from numbers import Real

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._decision import median_of_means
from ._base import CONFIDENCE, FORECAST_CAP, CriterionResult
from ._curve_families import N_PARAMS, asymptote, fit_family, predict_family

#: Points of the fine grid (training sizes from the smallest grid size to FORECAST_CAP
#: times the data) on which every replicate's fitted curve is kept.
N_DENSE = 400
#: A family enters the average when its held-out error is at most this many times the best.
_ERROR_RATIO = 2.0


def dense_grid(sizes, n_samples):
    """The fine grid of training sizes the fitted curves are kept on (up to the cap)."""
    return np.geomspace(sizes[0], FORECAST_CAP * n_samples, N_DENSE)


def score_spread(scores):
    """Robust spread of the scores over the replicates per size (MAD, floored; > 0)."""
    dev = np.abs(scores - np.nanmedian(scores, axis=1, keepdims=True))
    sd = 1.4826 * np.nanmedian(dev, axis=1)
    with np.errstate(invalid="ignore"):
        fallback = np.nanstd(scores, axis=1)
    sd = np.where(sd > 0, sd, fallback)
    floor = np.nanmax(sd) * 1e-6 if np.isfinite(sd).any() and np.nanmax(sd) > 0 else 1.0
    return np.where(np.isfinite(sd) & (sd > floor), sd, floor)


def informative_start(scores):
    """Number of leading sizes at which every replicate scores the same.

    A score that does not vary with the training rows or the test part (an
    AUC of exactly 0.5 from a gradient-boosting model too small to split) says
    the model has not started to learn: the saturating families describe the
    curve from the first size with a spread on. At most all but four sizes.
    """
    with np.errstate(invalid="ignore"):
        flat = ~(np.nanmax(scores, axis=1) > np.nanmin(scores, axis=1))
    start = 0
    while start < scores.shape[0] - 4 and flat[start]:
        start += 1
    return start


def _held_out(n_sizes):
    """Sizes at the top of the grid a family is scored on after a fit to the others."""
    return max(2, int(round(n_sizes / 3)))


def _fit_many(scores, sizes, sd, h, families, n_samples, start, only=None):
    """Fits of many curves ``scores (J, C)``: ``params (F, 4, C)``, ``heldout (F, C)``,
    ``dense (F, G, C)`` (the fitted curves on the fine grid).

    Fitted to the sizes from ``start`` on, all curves of a family at once.
    Held-out error: each family fitted to all but the largest ``h`` sizes and
    scored there (mean squared residual in units of the spread ``sd``).
    ``only``: a mask of the families to fit (the others stay NaN), without the
    held-out check.
    """
    n_ref = float(sizes[-1])
    u_min = sizes[0] / n_ref
    u, y, s = sizes[start:] / n_ref, scores[start:], sd[start:]
    ud = dense_grid(sizes, n_samples) / n_ref
    F, (J, C) = len(families), y.shape
    params = np.full((F, 4, C), np.nan)
    heldout = np.full((F, C), np.nan)
    dense = np.full((F, ud.size, C), np.nan)
    for f, name in enumerate(families):
        if only is not None and not only[f]:
            continue
        theta, beta = fit_family(name, u, y, u_min, s)
        params[f] = np.c_[theta, beta].T
        dense[f] = predict_family(name, params[f].T, ud, u_min).T
        if only is None and J - h >= N_PARAMS[name] + 1:
            th, be = fit_family(name, u[:-h], y[:-h], u_min, s[:-h])
            pred = predict_family(name, np.c_[th, be], u[-h:], u_min).T
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                heldout[f] = np.nanmean(((pred - y[-h:]) / s[-h:, None]) ** 2, axis=0)
    return params, heldout, dense


def fit_mean_curve(mean, sizes, sd, families, n_samples, start, only=None):
    """The families fitted to the mean score over the replicates (see :func:`_fit_many`).

    ``mean (J,)`` or many resampled means ``(J, B)``. The answer is read off
    this fit: the mean of the replicates is far less noisy than any one of
    them, so the four-parameter families' asymptotes stay where the data put
    them.
    """
    one = np.ndim(mean) == 1
    out = _fit_many(np.reshape(mean, (len(mean), -1)), sizes, sd,
                    _held_out(len(sizes) - start), families, n_samples, start, only)
    return tuple(a[..., 0] for a in out) if one else out


def resample_inflation(n_eff, n_replicates, confidence=CONFIDENCE):
    """Factor on a resampled mean's deviation from the mean: small-sample honest spread.

    A resample of ``n_eff`` of the ``n_replicates`` replicates (with
    replacement) spreads like ``sqrt((R - 1) / R) s / sqrt(n_eff)``; the mean
    of ``n_eff`` independent test parts has standard error ``s / sqrt(n_eff)``
    estimated with ``n_eff - 1`` degrees of freedom. The factor undoes the
    bootstrap's shrinkage and widens its normal quantile to Student's
    (x1.5 for 5 effective test parts, x1.0 as they grow).
    """
    from scipy.stats import norm, t

    q = (1 + confidence) / 2
    R = max(int(n_replicates), 2)
    return float(t.ppf(q, max(int(n_eff), 2) - 1) / norm.ppf(q) * np.sqrt(R / (R - 1)))


def fit_curves(scores, sizes, families, n_samples):
    """Every replicate's fits: ``params (F, 4, R)``, ``heldout (F, R)``, ``dense (F, G, R)``.

    Weighted least squares with the robust spread of the scores over the
    replicates at each size (the noise of a score at 20 rows can be a hundred
    times that at 500), from the first informative size on
    (:func:`informative_start`); each family is also fitted to the lower part
    of the grid and scored on the upper third. Batched over the replicates.
    """
    start = informative_start(scores)
    return _fit_many(scores, sizes, score_spread(scores), _held_out(scores.shape[0] - start),
                     families, n_samples, start)


def family_weights(heldout):
    """Weights of the families (inverse held-out error, within a factor of the best) and errors."""
    err = np.array([np.median(e[np.isfinite(e)]) if np.isfinite(e).any() else np.nan
                    for e in heldout])
    w = np.zeros(err.size)
    ok = np.isfinite(err)
    if not ok.any():  # too few sizes to check on held-out sizes: the families with fits
        return w, err
    best = max(err[ok].min(), 1e-300)
    keep = ok & (err <= _ERROR_RATIO * best)
    w[keep] = 1.0 / np.maximum(err[keep], best)
    return w / w.sum(), err


def robust_mean(values):
    """Median of means over the replicates (columns), per row; fast when nothing is NaN."""
    values = np.asarray(values, dtype=float)
    if np.isnan(values).any():
        return median_of_means(values)
    J, R = values.shape
    G = min(10, R)
    size = R // G
    return np.median(values[:, :G * size].reshape(J, G, size).mean(axis=2), axis=1)


def crossing(grid, curve, level):
    """Smallest size of ``grid`` from which ``curve >= level`` for good (log-interpolated).

    ``inf`` when the curve is below the level at the grid's end, None when
    the level or the curve is undefined.
    """
    if not np.isfinite(level) or not np.isfinite(curve).any():
        return None
    holds = np.nan_to_num(curve, nan=-np.inf) >= level
    if not holds[-1]:
        return np.inf
    failing = np.flatnonzero(~holds)
    if failing.size == 0:
        return float(grid[0])
    i = failing[-1]
    a, b = curve[i], curve[i + 1]
    t = 1.0 if not np.isfinite(a) or b == a else (level - a) / (b - a)
    return float(np.exp(np.log(grid[i]) + t * (np.log(grid[i + 1]) - np.log(grid[i]))))


def curve_flags(scores, reached, family_answers, dense_mean, asymptote):
    """Non-monotone (significant paired drop), plateau, families that disagree (crossing)."""
    R = scores.shape[1]
    flags = {"non_monotone": False, "plateau": False, "crossing": False}
    if R >= 2:
        with np.errstate(invalid="ignore", divide="ignore"):
            steps = np.diff(scores, axis=0)
            steps = np.vstack([steps, scores[-1] - scores[np.nanargmax(
                np.nanmean(scores, axis=1))]])
            z = np.nanmean(steps, axis=1) / (np.nanstd(steps, axis=1, ddof=1) / np.sqrt(R))
            flags["non_monotone"] = bool(np.nanmin(z) < -3.0)
            mid = scores.shape[0] // 2
            rise = scores[-1] - scores[mid]
            zr = np.nanmean(rise) / (np.nanstd(rise, ddof=1) / np.sqrt(R))
        flags["plateau"] = bool(not reached and not zr > 2.0)
    finite = family_answers[np.isfinite(family_answers)]
    if family_answers.size > 1 and (finite.size not in (0, family_answers.size)
                                    or (finite.size and finite.max() > 2 * finite.min())):
        flags["crossing"] = True
    if np.any(np.diff(dense_mean) < -1e-9 * (1 + abs(asymptote))):
        flags["crossing"] = True  # the fitted curve falls back
    return flags


class FittedCurveMixin:
    """The curve of :class:`~.learning_curve.LearningCurveSampleSize`, its resamples, its queries.

    The answer is read off the families fitted to the mean score over the
    replicates (weights from their held-out error on the upper part of the
    grid); the interval from the same families refitted to resamples of the
    replicates; every replicate's own fits give the assurance.
    """

    def _curve(self, result, sizes, state):
        values = result.values
        if self._fits is None:  # the fit's own curve: number the replicates, fit them once
            values[..., 1] = np.arange(values.shape[1])
            scores = values[..., 0]
            # every replicate's own fits: the assurance (how often one model reaches the level)
            self._fits = fit_curves(scores, sizes, state.families, state.y.size)
            self._n_eff = max(2, min(values.shape[1], state.y.size // state.n_test))
            self._kappa = resample_inflation(self._n_eff, values.shape[1], self._confidence)
            self._spread, self._start = score_spread(scores), informative_start(scores)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                self._mean = np.nanmean(scores, axis=1)
        scores, n = values[..., 0], state.y.size
        params, heldout, dense = fit_mean_curve(self._mean, sizes, self._spread, state.families,
                                                n, self._start)
        w, err = family_weights(heldout[:, None])
        if not w.any():
            fitted = np.isfinite(dense).any(axis=1)
            w = fitted / max(fitted.sum(), 1)
        self._weights, self._family_dense, self._mean_params = w, dense, params
        self.family_weights_ = dict(zip(state.families, w.tolist(), strict=True))
        self.family_errors_ = dict(zip(state.families, err.tolist(), strict=True))
        self.curve_params_ = {name: self._fits[0][f].T for f, name in enumerate(state.families)}
        used = w > 0
        asym = np.array([asymptote(name, params[f]) for f, name in enumerate(state.families)])
        with np.errstate(invalid="ignore"):
            self._dense_mean = w[used] @ dense[used]
            self.asymptote_ = float(w[used] @ asym[used])
        self._dense_grid = dense_grid(sizes, n)
        self._n_ref, self._u_min = float(sizes[-1]), sizes[0] / float(sizes[-1])
        return super()._curve(CriterionResult(scores), sizes, state)

    def _resampled_answers(self, result, sizes, state):
        """The answer on resamples of the replicates, all fitted at once (the template's hook).

        The replicates share the data's rows: their test parts hold about
        ``m / n_test`` independent ones (``_n_eff``), so a resample keeps that
        many (an m-out-of-n bootstrap), its deviation from the mean curve
        widened to a Student interval on that many (:func:`resample_inflation`);
        the families and their weights stay the data's.
        """
        scores = result.values[..., 0]
        F, R = len(state.families), scores.shape[1]
        self._boot_params = np.empty((0, F, 4))
        if self._n_interval_resamples == 0 or R < 2:
            return None
        rng = np.random.default_rng(self._curve_seed.spawn(1)[0])
        picks = rng.integers(0, R, (self._n_interval_resamples, self._n_eff))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            means = np.nanmean(scores[:, picks], axis=2)  # (J, B)
        means = self._mean[:, None] + self._kappa * (means - self._mean[:, None])
        w = self._weights
        used = w > 0
        params, _, dense = fit_mean_curve(means, sizes, self._spread, state.families,
                                          state.y.size, self._start, only=used)
        self._boot_params = params.transpose(2, 0, 1)
        asym = np.array([asymptote(name, params[f].T) for f, name in enumerate(state.families)])
        with np.errstate(invalid="ignore"):
            curves = np.einsum("f,fgb->gb", w[used], dense[used])
            asyms = w[used] @ asym[used]
        answers = np.empty(curves.shape[1])
        for b in range(answers.size):
            a = crossing(self._dense_grid, curves[:, b], self._level(asyms[b], curves[0, b]))
            # as the template reads an answer: m* rounded up inside the data, else the forecast
            answers[b] = (np.inf if a is None else
                          math.ceil(a) if a <= self.sizes_[-1] else a)
        return answers

    def _family_answers(self):
        level = self.threshold_
        return np.array([crossing(self._dense_grid, self._family_dense[f], level) or np.nan
                         for f, wf in enumerate(self.family_weights_.values()) if wf > 0])

    def _forecast_band(self):
        answers = self._family_answers()
        answers = answers[~np.isnan(answers)]
        return (float(answers.min()), float(answers.max())) if answers.size else None

    def _replicate_curves(self, n):
        """(R, len(n)) averaged fitted curve of every replicate at sizes ``n``."""
        n = np.atleast_1d(np.asarray(n, dtype=float))
        if np.any(~np.isfinite(n)) or np.any(n <= 0):
            raise ValueError(f"n must hold finite sizes > 0, got {n!r}.")
        out = 0.0
        for name, wf in self.family_weights_.items():
            if wf > 0:
                out = out + wf * predict_family(name, self.curve_params_[name],
                                                n / self._n_ref, self._u_min)
        return np.asarray(out)

    def _mean_curves(self, n, params):
        """Averaged family curve at sizes ``n`` of the mean-curve fits ``params (..., F, 4)``."""
        n = np.atleast_1d(np.asarray(n, dtype=float))
        if np.any(~np.isfinite(n)) or np.any(n <= 0):
            raise ValueError(f"n must hold finite sizes > 0, got {n!r}.")
        out = 0.0
        for f, (name, wf) in enumerate(self.family_weights_.items()):
            if wf > 0:
                out = out + wf * predict_family(name, params[..., f, :], n / self._n_ref,
                                                self._u_min)
        return np.asarray(out)

    def predict_score(self, n, return_interval=False):
        """Expected held-out score at ``n`` training rows (the curve the answer is read off).

        Parameters
        ----------
        n : int or array-like of int
            Training sizes, inside or past the data.
        return_interval : bool, default=False
            Also return the interval (at ``confidence``) of the expected score (the fits to
            the resamples of the replicates that give the answer's interval).

        Returns
        -------
        score : ndarray of shape (len(n),)
        low, high : ndarray of shape (len(n),)
            Only with ``return_interval=True``.
        """
        check_is_fitted(self, "curve_params_")
        score = self._mean_curves(n, self._mean_params)
        if not return_interval:
            return score
        if not len(self._boot_params):
            return score, score.copy(), score.copy()
        q = (1 - self.confidence_) / 2
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            lo, hi = np.nanquantile(self._mean_curves(n, self._boot_params), [q, 1 - q],
                                    axis=0)
        return score, np.fmin(lo, score), np.fmax(hi, score)

    def assurance(self, n, target_score=None):
        """Share of the replicates whose fitted curve is at or above the level at ``n`` rows.

        The probability that a model trained on ``n`` rows reaches the level,
        as the replicates (training samples and test parts) see it.

        Parameters
        ----------
        n : int or array-like of int
        target_score : float or None, default=None
            Default: the fitted level ``threshold_``.

        Returns
        -------
        ndarray of shape (len(n),)
        """
        check_is_fitted(self, "curve_params_")
        level = self.threshold_ if target_score is None else float(target_score)
        curves = self._replicate_curves(n)
        return np.mean(np.nan_to_num(curves, nan=-np.inf) >= level, axis=0)

    def sample_size_for(self, target_score):
        """Training rows the fitted curve needs for another ``target_score`` (no refit).

        Returns
        -------
        float
            The size (``inf`` when the fitted curve does not reach it within 100
            times the data; not rounded, and possibly past the data).
        """
        check_is_fitted(self, "curve_params_")
        if isinstance(target_score, bool) or not isinstance(target_score, Real):
            raise TypeError(f"target_score must be a real number, got {target_score!r}.")
        answer = crossing(self._dense_grid, self._dense_mean, float(target_score))
        return np.nan if answer is None else answer

    def plot(self, ax=None, **kwargs):
        """The measured curve, the level and ``m*``, with the fitted curve and its forecast.

        Returns
        -------
        display : :class:`~skcomplexity.plotting.SampleSizeDisplay`
        """
        display = super().plot(ax=ax, **kwargs)
        top = self.sizes_[-1] * 4 if self.extrapolated_size_ is None else \
            max(self.extrapolated_size_ * 1.5, self.sizes_[-1])
        grid = np.geomspace(self.sizes_[0], top, 100)
        score, lo, hi = self.predict_score(grid, return_interval=True)
        (line,) = display.ax_.plot(grid, score, ls="--", label="fitted curve")
        display.ax_.fill_between(grid, lo, hi, alpha=0.15, color=line.get_color())
        display.ax_.set_xscale("log")
        display.ax_.legend()
        return display
