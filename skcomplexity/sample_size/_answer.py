"""The answer of a replicate method: its interval, the forecast past the data, the status.

:class:`AnswerMixin` is the part of :class:`~skcomplexity.sample_size.SampleSizeEstimator`
that turns the decided curve into what a user acts on: ``m*`` with its 95 %
(``_confidence``) interval from resampling the replicates (no refits), or, when the data do not
reach the criterion, the size its trend reaches it at (``extrapolated_size_``)
with its interval, a ``status_`` and an :class:`InsufficientDataWarning` that
says so. Methods with a known law override ``_forecast`` / ``_forecast_band``.
"""

import warnings

import numpy as np

from .._decision import answer_interval, extrapolate_size
from .._validation import warn_at_caller
from ._results import CONFIDENCE, FORECAST_CAP, CriterionResult, InsufficientDataWarning

__all__ = ["AnswerMixin"]


def _sig2(x):
    """A size to two significant figures, with thousands separators (prose only)."""
    x = float(x)
    if not np.isfinite(x):
        return "inf"
    if x < 100:
        return f"{int(np.ceil(x)):,}"
    digits = int(np.floor(np.log10(x))) - 1
    return f"{int(round(x, -digits)):,}"


class AnswerMixin:
    """Interval, forecast and status of the answer (a part of the template, not for direct use).

    Reads the template's ``_curve``, ``_write_curve`` and ``_decide`` and the fitted
    ``sizes_``, ``criterion_``, ``threshold_`` and ``sample_size_``.
    """

    @property
    def _confidence(self):
        """The intervals' confidence: :data:`CONFIDENCE` unless an estimator takes ``confidence``."""
        return CONFIDENCE

    def _forecast(self):
        """Where the trend of the curve reaches the level, past the data (or None).

        Default: a power law fitted to the upper half of the curve
        (:func:`~skcomplexity._decision.extrapolate_size`), for a criterion that
        must fall below an absolute threshold. Methods with a known law override it.
        """
        if (self._direction != "below" or self._complement
                or self.threshold_mode != "absolute"
                or self.criterion_ is None or not np.isfinite(self.threshold_)
                or not self.threshold_ > 0):
            return None
        size, _ = extrapolate_size(self.sizes_, self.criterion_, self.threshold_)
        return size

    def _forecast_band(self):
        """``(lo, hi)`` the forecast's law allows past the data (its misfit), or None."""
        return None

    def _point_answer(self):
        """``m*`` if the data reach the criterion, else the forecast (``inf`` if none)."""
        if self.sample_size_ is not None:
            return float(self.sample_size_)
        size = self._forecast()
        return np.inf if size is None else float(size)

    def _resampled_answers(self, result, sizes, state):
        """The answer on ``_n_interval_resamples`` resamples of the replicates (no refits)."""
        values = result.values
        n_boot = self._n_interval_resamples
        if n_boot == 0 or values.ndim < 2 or values.shape[1] < 2:
            return None
        B = values.shape[1]
        rng = np.random.default_rng(self._curve_seed.spawn(1)[0])
        saved = dict(self.__dict__)
        answers = np.empty(n_boot)
        # a _curve may skip what only the reported curve needs (e.g. its own standard errors)
        self._resampling = True
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for b in range(n_boot):
                    pick = rng.integers(0, B, B)
                    sub = CriterionResult(values[:, pick],
                                          {k: v[:, pick] for k, v in result.extras.items()})
                    self._write_curve(self._curve(sub, sizes, state))
                    self._decide()
                    answers[b] = self._point_answer()
        finally:
            self.__dict__.clear()
            self.__dict__.update(saved)
        return answers

    def _report(self, result, sizes, state):
        """The answer with its interval, the forecast, the status, and honest warnings."""
        n = int(self.n_samples_seen_)
        largest = int(self.sizes_[-1]) if len(self.sizes_) else n
        answers = self._resampled_answers(result, sizes, state)
        interval = (None if answers is None
                    else answer_interval(answers, self._point_answer(), self._confidence))
        self.confidence_ = self._confidence
        self.sample_size_interval_ = None
        self.extrapolated_size_ = None
        self.extrapolated_interval_ = None
        cap = FORECAST_CAP * n
        if self.sample_size_ is not None:
            if interval is not None and self.decision_rule == "all":
                # read off a grid, m* = k_j says only that the crossing lies in (k_{j-1}, k_j]
                j = int(np.searchsorted(self.sizes_, self.sample_size_))
                if 0 < j < len(self.sizes_) and self.sizes_[j] == self.sample_size_:
                    interval = (min(interval[0], float(self.sizes_[j - 1] + 1)), interval[1])
            self.sample_size_interval_ = interval
            if interval is not None and not interval[1] <= largest:
                self.status_ = "edge"
                hi = "beyond the data" if not np.isfinite(interval[1]) else f"{interval[1]:,.0f}"
                warn_at_caller(
                    f"{type(self).__name__}: m* = {self.sample_size_:,} is at the edge of the "
                    f"data: its {self._confidence:.0%} interval reaches {hi} (the data have {n:,} "
                    "rows), so the criterion is not settled within them; more rows or more "
                    "replicates (n_repeats) would settle it.",
                    InsufficientDataWarning)
            else:
                self.status_ = "enough"
            return
        forecast = self._forecast()
        if forecast is None:
            self.status_ = "undetermined"
            last = self.criterion_[-1] if len(self.criterion_) else np.nan
            warn_at_caller(
                f"{type(self).__name__}: the criterion did not reach its threshold "
                f"({self.threshold_:.3g}) within the {n:,} rows (it is {last:.3g} at "
                f"{largest:,}), and its trend over the larger sizes does not clearly approach "
                "it, so no size can be forecast: the criterion may be too noisy (raise "
                "n_repeats) or the model may not settle with more of the same data.",
                InsufficientDataWarning)
            return
        band = self._forecast_band()
        if band is not None:
            # a forecast is an extrapolation: its interval holds the law's misfit too
            lo, hi = band if interval is None else (min(interval[0], band[0]),
                                                    max(interval[1], band[1]))
            interval = (float(np.floor(lo)), float(np.ceil(hi)))  # whole rows, as above
        self.extrapolated_interval_ = interval
        if forecast > cap:
            self.status_ = "beyond cap"
            warn_at_caller(
                f"{type(self).__name__}: the criterion's trend needs more than {FORECAST_CAP}x "
                f"the data at hand (over {cap:,} rows); a forecast that far is not a number to "
                "act on: loosen the threshold or check that the model suits the data.",
                InsufficientDataWarning)
            return
        self.status_ = "more data"
        self.extrapolated_size_ = float(forecast)
        span = ""
        if interval is not None:
            hi = (f"more than {FORECAST_CAP}x the data" if not interval[1] <= cap
                  else _sig2(interval[1]))
            span = f" ({self._confidence:.0%} interval {_sig2(interval[0])} to {hi})"
        warn_at_caller(
            f"{type(self).__name__}: the data ({n:,} rows) do not reach the criterion; its "
            f"trend reaches it near {_sig2(forecast)} rows{span}, about "
            f"{_sig2(max(forecast - n, 0))} more objects of the same kind. The forecast is in "
            "extrapolated_size_; sample_size_ stays None.",
            InsufficientDataWarning)
