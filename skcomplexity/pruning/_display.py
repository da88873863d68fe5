"""Display for pruning curves (quality against the fraction of removed parameters).

Lives here rather than in :mod:`skcomplexity.plotting` so that pruning owns its
display; matplotlib is imported only when something is drawn.
"""

import numpy as np

__all__ = ["PruningCurveDisplay"]


class PruningCurveDisplay:
    """Quality of a pruned network against the fraction of removed parameters.

    Usually built by :meth:`BasePruner.pruning_curve` or :meth:`from_estimator`.

    Parameters
    ----------
    fractions : array-like of float
        Fractions of removed parameters.
    scores : array-like of float
        Quality at each fraction, shape ``(n_fractions,)`` or
        ``(n_fractions, n_repeats)`` (then the mean is drawn with a band of
        one standard deviation).
    name : str, optional
        Legend label (e.g. the ordering).
    score_name : str, optional
        y-axis label.
    n_params : int, optional
        Number of prunable parameters (shown in the x label).

    Attributes
    ----------
    ax_, figure_, line_ : matplotlib objects, set by :meth:`plot`.

    Examples
    --------
    >>> from skcomplexity.pruning import PruningCurveDisplay
    >>> disp = PruningCurveDisplay([0.0, 0.5, 0.9], [0.97, 0.95, 0.6], name="belsley")
    >>> disp.max_fraction_within(0.03)
    0.5
    >>> disp = disp.plot()  # doctest: +SKIP
    """

    def __init__(self, fractions, scores, *, name=None, score_name=None, n_params=None):
        self.fractions = np.asarray(fractions, dtype=float)
        self.scores = np.asarray(scores, dtype=float)
        self.name = name
        self.score_name = score_name
        self.n_params = n_params

    @property
    def mean_scores(self):
        """Scores averaged over repeats (if any)."""
        return self.scores if self.scores.ndim == 1 else self.scores.mean(axis=1)

    def max_fraction_within(self, tolerance, reference=None):
        """Largest fraction whose score is within ``tolerance`` of ``reference``.

        The curve is read "for all smaller fractions", i.e. the answer is the
        largest fraction ``f`` such that every fraction ``<= f`` on the grid
        scores at least ``reference - tolerance``. ``reference`` defaults to
        the score at the smallest fraction (usually 0: the unpruned model).
        """
        s = self.mean_scores
        order = np.argsort(self.fractions)
        f, s = self.fractions[order], s[order]
        ref = s[0] if reference is None else reference
        ok = s >= ref - tolerance
        bad = np.flatnonzero(~ok)
        last = (bad[0] - 1) if bad.size else len(f) - 1
        return float(f[last]) if last >= 0 else None

    @classmethod
    def from_estimator(cls, pruner, X, y, *, fractions=None, scoring=None, ax=None, name=None,
                       fine_tune_data=None, **line_kwargs):
        """Compute the pruning curve of a fitted pruner on ``(X, y)`` and draw it.

        Parameters
        ----------
        pruner : BasePruner
            A fitted pruner.
        X, y : array-like
            Evaluation data (e.g. the held-out 20 %).
        fractions : array-like, optional
            Default ``np.linspace(0, 0.95, 20)``.
        scoring : str or callable, optional
            scikit-learn scorer; default the pruner's ``score`` (accuracy or R²).
        ax : matplotlib Axes, optional
        name : str, optional
        fine_tune_data : tuple (X, y), optional
            Data to fine-tune on at every fraction (with ``fine_tune_epochs``).

        Returns
        -------
        PruningCurveDisplay
        """
        disp = pruner.pruning_curve(X, y, fractions, scoring=scoring,
                                    fine_tune_data=fine_tune_data)
        if name is not None:
            disp.name = name
        return disp.plot(ax=ax, **line_kwargs)

    def plot(self, ax=None, *, std_alpha=0.2, **line_kwargs):
        """Draw the curve; returns ``self`` with ``ax_``, ``figure_``, ``line_`` set."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        (line,) = ax.plot(100 * self.fractions, self.mean_scores, marker="o", ms=3,
                          label=self.name, **line_kwargs)
        if self.scores.ndim == 2 and self.scores.shape[1] > 1:
            sd = self.scores.std(axis=1)
            ax.fill_between(100 * self.fractions, self.mean_scores - sd, self.mean_scores + sd,
                            alpha=std_alpha, color=line.get_color())
        xlabel = "parameters removed, %"
        if self.n_params is not None:
            xlabel += f" (of {self.n_params})"
        ax.set_xlabel(xlabel)
        ax.set_ylabel(self.score_name or "score")
        if self.name is not None:
            ax.legend()
        self.ax_, self.figure_, self.line_ = ax, ax.figure, line
        return self
