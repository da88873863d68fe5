"""Display objects, in the style of scikit-learn's ``LearningCurveDisplay``.

matplotlib is imported only when something is drawn.
"""

import numpy as np

__all__ = ["SampleSizeDisplay"]


class SampleSizeDisplay:
    """Criterion-versus-sample-size curve of a sufficient-sample-size estimator.

    Parameters
    ----------
    sizes : ndarray of int
        Grid of sample sizes.
    criterion : ndarray
        Mean criterion per size.
    criterion_std : ndarray or None
        Spread over replicates (drawn as a band of one standard deviation).
    threshold : float or None
        The decision threshold (a horizontal line).
    sample_size : int or None
        ``m*`` (a vertical line).
    name : str, optional
        Legend label.

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
                 name=None, reference=None):
        self.sizes = np.asarray(sizes)
        self.criterion = np.asarray(criterion)
        self.criterion_std = None if criterion_std is None else np.asarray(criterion_std)
        self.threshold = threshold
        self.sample_size = sample_size
        self.name = name
        self.reference = reference

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, **kwargs):
        """Build and draw the display of a fitted sample-size estimator."""
        disp = cls(
            estimator.sizes_,
            estimator.criterion_,
            getattr(estimator, "criterion_std_", None),
            getattr(estimator, "threshold_", None)
            if getattr(estimator, "_threshold_is_level", True) else None,
            getattr(estimator, "sample_size_", None),
            name=name or type(estimator).__name__,
            reference=estimator.criterion_[-1]
            if getattr(estimator, "threshold_mode", "absolute") == "relative"
            else None,
        )
        return disp.plot(ax=ax, **kwargs)

    @staticmethod
    def log_scale(values, span=1e3):
        """True for a positive criterion spanning more than ``span`` (a log axis shows it)."""
        return bool(values.size and np.all(values > 0) and values.max() / values.min() > span)

    def plot(self, ax=None, *, std_alpha=0.2, **line_kwargs):
        """Draw the curve; returns ``self`` with ``ax_``, ``figure_``, ``line_`` set."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        (line,) = ax.plot(self.sizes, self.criterion, label=self.name, **line_kwargs)
        if self.criterion_std is not None and np.any(self.criterion_std > 0):
            ax.fill_between(self.sizes, self.criterion - self.criterion_std,
                            self.criterion + self.criterion_std, alpha=std_alpha,
                            color=line.get_color())
        if self.threshold is not None:
            if self.reference is not None:
                for sgn in (-1, 1):
                    ax.axhline(self.reference + sgn * self.threshold, ls="--", color="grey", lw=1)
            else:
                ax.axhline(self.threshold, ls="--", color="grey", lw=1, label="threshold")
        if self.sample_size is not None:
            ax.axvline(self.sample_size, ls=":", color="black", lw=1,
                       label=f"m* = {self.sample_size}")
        ax.set_xlabel("sample size k")
        ax.set_ylabel("criterion")
        finite = self.criterion[np.isfinite(self.criterion)]
        if self.log_scale(finite):
            ax.set_yscale("log")
        ax.legend()
        self.ax_, self.figure_, self.line_ = ax, ax.figure, line
        return self
