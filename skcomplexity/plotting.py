"""Display objects, in the style of scikit-learn's ``LearningCurveDisplay``.

:class:`SampleSizeDisplay` draws one method's criterion against the sample
size; :class:`SampleSizeComparisonDisplay` draws every method's ``m*`` with its
interval in one figure. matplotlib is imported only when something is drawn.
"""

import numpy as np

__all__ = ["SampleSizeComparisonDisplay", "SampleSizeDisplay"]

def _log_x(ax):
    """A log x-axis labelled with plain row counts (1,000 rather than 10^3), no minor labels."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def _symlog_y(ax, linthresh):
    """A symmetric-log y-axis, linear within ``±linthresh``; no labels crowd the linear part."""
    from matplotlib.ticker import FuncFormatter, LogFormatterSciNotation

    ax.set_yscale("symlog", linthresh=linthresh)
    label = LogFormatterSciNotation(linthresh=linthresh)
    label.set_axis(ax.yaxis)
    ax.yaxis.set_major_formatter(FuncFormatter(
        lambda v, pos: "" if 0 < abs(v) < linthresh * 0.999 else label(v, pos)))


def _wide(values, span=10.0):
    """True for positive sizes spanning more than ``span`` (a log axis reads them)."""
    values = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    return bool(values.size and np.all(values > 0) and values.max() / values.min() > span)


class SampleSizeDisplay:
    """Criterion-versus-sample-size curve of a sufficient-sample-size estimator.

    The x-axis is logarithmic when the sizes span more than a decade; the band
    is the 10-90 % quantile band of the replicates (so it stays within the
    criterion's range), or ``criterion ± std`` clipped to the range the
    criterion lives in; the threshold, ``m*`` with its interval and the
    forecast past the data are drawn. The y-axis is logarithmic for a positive
    criterion spanning more than two decades, and symmetric-logarithmic
    (linear within the threshold) for one that crosses zero and spans as much,
    such as cross-validation's train - test gap.

    Parameters
    ----------
    sizes : ndarray of int
        Grid of sample sizes.
    criterion : ndarray
        Criterion per size.
    criterion_std : ndarray or None
        Spread over replicates (a band of one standard deviation, clipped).
    threshold : float or None
        The decision threshold (a horizontal line).
    sample_size : int or None
        ``m*`` (a vertical line).
    name : str, optional
        Legend label.
    reference : float or None
        For a relative threshold, the value the threshold is relative to.
    band : (ndarray, ndarray) or None
        Lower and upper band per size (overrides ``criterion_std``).
    interval : (float, float) or None
        The 95 % interval of ``m*`` or of the forecast (a shaded span).
    extrapolated : float or None
        The forecast past the data (a dashed vertical line).
    ylabel : str, optional
        The criterion with its unit.

    Attributes
    ----------
    ax_, figure_, line_ : matplotlib objects set by :meth:`plot`.

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.plotting import SampleSizeDisplay
    >>> disp = SampleSizeDisplay(np.arange(10, 60, 10), 1 / np.arange(1, 6), None, 0.3, 40)
    >>> disp = disp.plot()  # doctest: +SKIP
    """

    def __init__(self, sizes, criterion, criterion_std=None, threshold=None, sample_size=None,
                 name=None, reference=None, *, band=None, interval=None, extrapolated=None,
                 ylabel="criterion"):
        self.sizes = np.asarray(sizes)
        self.criterion = np.asarray(criterion, dtype=float)
        self.criterion_std = None if criterion_std is None else np.asarray(criterion_std)
        self.threshold = threshold
        self.sample_size = sample_size
        self.name = name
        self.reference = reference
        self.band = band
        self.interval = interval
        self.extrapolated = extrapolated
        self.ylabel = ylabel

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, **kwargs):
        """Build and draw the display of a fitted sample-size estimator."""
        est = getattr(estimator, "estimator_", estimator)
        band = None
        reps = getattr(est, "criterion_replicates_", None)
        if reps is not None and np.ndim(reps) == 2 and np.shape(reps)[1] >= 5 \
                and np.shape(reps)[0] == len(est.criterion_):
            with np.errstate(all="ignore"):
                band = tuple(np.nanquantile(np.asarray(reps, float), [0.1, 0.9], axis=1))
        interval = (getattr(est, "sample_size_interval_", None)
                    or getattr(est, "extrapolated_interval_", None))
        disp = cls(
            est.sizes_,
            est.criterion_,
            getattr(est, "criterion_std_", None),
            getattr(est, "threshold_", None) if getattr(est, "_threshold_is_level", True)
            else None,
            getattr(est, "sample_size_", None),
            name=name or type(est).__name__,
            reference=est.criterion_[-1]
            if getattr(est, "threshold_mode", "absolute") == "relative" else None,
            band=band, interval=interval,
            extrapolated=getattr(est, "extrapolated_size_", None),
            ylabel=getattr(est, "criterion_label", None) or "criterion",
        )
        return disp.plot(ax=ax, **kwargs)

    @staticmethod
    def log_scale(values, span=1e2):
        """True for a positive criterion spanning more than ``span`` (a log axis shows it)."""
        return bool(values.size and np.all(values > 0) and values.max() / values.min() > span)

    @staticmethod
    def symlog_scale(values, linthresh, span=1e2):
        """True for a criterion that takes both signs (e.g. cross-validation's train - test
        gap) and whose size spans more than ``span`` times ``linthresh``: a symmetric log axis,
        linear within ``±linthresh``, shows both the large values and the crossing of zero."""
        return bool(values.size and values.min() < 0 < values.max()
                    and np.abs(values).max() > span * linthresh)

    def _linthresh(self, values):
        """The linear range of a symlog axis: the threshold (so the decision is drawn on the
        linear part), else the small end of the curve's magnitudes."""
        if self.threshold is not None and np.isfinite(self.threshold) and self.threshold != 0:
            return abs(float(self.threshold))
        nonzero = np.abs(values[values != 0])
        return float(np.quantile(nonzero, 0.1)) if nonzero.size else 1.0

    def _band(self):
        if self.band is not None:
            return np.asarray(self.band[0], float), np.asarray(self.band[1], float)
        if self.criterion_std is None or not np.any(self.criterion_std > 0):
            return None
        lo = self.criterion - self.criterion_std
        hi = self.criterion + self.criterion_std
        finite = self.criterion[np.isfinite(self.criterion)]
        if finite.size and np.all(finite >= 0):
            lo = np.maximum(lo, 0.0)
            if np.all(finite <= 1):
                hi = np.minimum(hi, 1.0)
        return lo, hi

    def plot(self, ax=None, *, std_alpha=0.2, **line_kwargs):
        """Draw the curve; returns ``self`` with ``ax_``, ``figure_``, ``line_`` set."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        (line,) = ax.plot(self.sizes, self.criterion, label=self.name, **line_kwargs)
        band = self._band()
        if band is not None:
            ax.fill_between(self.sizes, band[0], band[1], alpha=std_alpha,
                            color=line.get_color(), lw=0)
        if self.threshold is not None:
            if self.reference is not None:
                for sgn in (-1, 1):
                    ax.axhline(self.reference + sgn * self.threshold, ls="--", color="grey", lw=1)
            else:
                ax.axhline(self.threshold, ls="--", color="grey", lw=1, label="threshold")
        if self.interval is not None and self.interval[0] is not None:
            lo, hi = self.interval
            right = hi if np.isfinite(hi) else max(self.sizes.max(), lo) * 1.5
            ax.axvspan(lo, right, color="black", alpha=0.08, lw=0, label="95% interval")
        if self.sample_size is not None:
            ax.axvline(self.sample_size, ls=":", color="black", lw=1,
                       label=f"m* = {self.sample_size}")
        if self.extrapolated is not None:
            ax.axvline(self.extrapolated, ls="--", color="C3", lw=1,
                       label=f"forecast ~ {self.extrapolated:,.0f}")
        ax.set_xlabel("sample size k (rows)")
        ax.set_ylabel(self.ylabel)
        if _wide(self.sizes):
            _log_x(ax)
        finite = self.criterion[np.isfinite(self.criterion)]
        linthresh = self._linthresh(finite) if finite.size else 1.0
        if self.log_scale(finite):
            ax.set_yscale("log")
        elif self.symlog_scale(finite, linthresh):
            _symlog_y(ax, linthresh)
        elif finite.size and band is not None:
            # a band far wider than the curve (small k) must not squash the curve
            keep = [finite.min(), finite.max()]
            if self.threshold is not None and self.reference is None:
                keep.append(self.threshold)
            lo, hi = min(keep), max(keep)
            pad = 0.5 * (hi - lo) if hi > lo else abs(hi) * 0.5 or 1.0
            b0, b1 = np.nanmin(band[0]), np.nanmax(band[1])
            ax.set_ylim(max(b0, lo - pad) - 0.05 * pad, min(b1, hi + pad) + 0.05 * pad)
        ax.legend()
        self.ax_, self.figure_, self.line_ = ax, ax.figure, line
        return self


class SampleSizeComparisonDisplay:
    """Every method's ``m*`` (or forecast) with its 95 % interval, in one figure.

    One row per method: a filled dot for an ``m*`` within the data, a hollow
    one for a forecast past them, a bar for the interval (an arrow where it is
    unbounded), and a vertical line at the number of rows at hand. The x-axis
    is logarithmic when the answers span more than a decade.

    Parameters
    ----------
    methods : list of str
    sizes : list of float or None
        ``m*`` or the forecast per method (None: no answer).
    lows, highs : list of float or None
        The interval per method (``inf`` for an unbounded upper end).
    forecast : list of bool
        Whether the size is a forecast past the data.
    n_samples : int or None
        The rows at hand.

    Attributes
    ----------
    ax_, figure_ : matplotlib objects set by :meth:`plot`.

    Examples
    --------
    >>> from skcomplexity.plotting import SampleSizeComparisonDisplay
    >>> disp = SampleSizeComparisonDisplay(["a", "b"], [120, 900], [100, 700], [150, 1e9],
    ...                                    [False, True], 500)
    >>> disp = disp.plot()  # doctest: +SKIP
    """

    def __init__(self, methods, sizes, lows, highs, forecast, n_samples=None):
        self.methods = list(methods)
        self.sizes = list(sizes)
        self.lows = list(lows)
        self.highs = list(highs)
        self.forecast = list(forecast)
        self.n_samples = n_samples

    @classmethod
    def from_table(cls, table, n_samples=None):
        """From the DataFrame of :func:`~skcomplexity.sample_size.compare_methods`."""
        import pandas as pd

        def val(v):
            return None if pd.isna(v) else float(v)

        sizes, forecast = [], []
        for m, e in zip(table["sample_size"], table["extrapolated"]):
            m, e = val(m), val(e)
            sizes.append(m if m is not None else e)
            forecast.append(m is None and e is not None)
        return cls(list(map(str, table.index)), sizes, [val(v) for v in table["low"]],
                   [val(v) for v in table["high"]], forecast, n_samples)

    @classmethod
    def from_rows(cls, rows, n_samples=None):
        """From the command's result rows (dicts with sample_size, extrapolated, low, high)."""
        sizes = [r.get("sample_size") if r.get("sample_size") is not None
                 else r.get("extrapolated") for r in rows]
        return cls([r["method"] for r in rows], sizes, [r.get("low") for r in rows],
                   [r.get("high") for r in rows],
                   [r.get("sample_size") is None and r.get("extrapolated") is not None
                    for r in rows], n_samples)

    def plot(self, ax=None):
        """Draw the comparison; returns ``self`` with ``ax_`` and ``figure_`` set."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.35 * len(self.methods) + 1.2))
        finite = [v for v in self.sizes + self.lows + self.highs + [self.n_samples]
                  if v is not None and np.isfinite(v) and v > 0]
        top = max(finite) if finite else 1.0
        log = _wide(finite)
        arrow_end = top * (3.0 if log else 1.15)
        ys = np.arange(len(self.methods))[::-1]
        for y, size, lo, hi, fc in zip(ys, self.sizes, self.lows, self.highs, self.forecast):
            color = "C3" if fc else "C0"
            if lo is not None and hi is not None:
                right = hi if np.isfinite(hi) else arrow_end
                ax.plot([lo, right], [y, y], color=color, lw=2, alpha=0.6,
                        solid_capstyle="butt")
                if not np.isfinite(hi):
                    ax.annotate("", xy=(arrow_end, y), xytext=(max(lo, size or lo), y),
                                arrowprops={"arrowstyle": "->", "color": color})
            if size is not None:
                ax.plot([size], [y], "o", color=color, mfc="white" if fc else color, ms=6)
            else:
                ax.text(0.01, y, "no answer", transform=ax.get_yaxis_transform(),
                        va="center", fontsize=7, color="grey")
        if self.n_samples is not None:
            ax.axvline(self.n_samples, color="black", ls="--", lw=1,
                       label=f"rows at hand ({self.n_samples:,})")
        ax.plot([], [], "o", color="C0", label="m* (within the data)")
        ax.plot([], [], "o", color="C3", mfc="white", label="forecast (past the data)")
        ax.set_yticks(ys, self.methods)
        ax.set_ylim(-0.7, len(self.methods) - 0.3)
        if log:
            _log_x(ax)
        ax.set_xlabel("sufficient sample size (rows), with its 95% interval")
        ax.legend(fontsize=7, loc="best")
        ax.grid(axis="x", alpha=0.3)
        self.ax_, self.figure_ = ax, ax.figure
        return self
