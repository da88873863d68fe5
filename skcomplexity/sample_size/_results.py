"""The result vocabulary of the sample-size template: what a method's hooks return.

:class:`Draws` (a chunk of nested replicates, handed to ``_criterion``),
:class:`CriterionResult` (what ``_criterion`` returns), :class:`Curve` (what
``_curve`` returns: the curve ``m*`` is read from) and :class:`Forecast` (what a
closed-form method's ``_closed_form_answer`` returns); the interval's confidence and the
forecast's cap every method reports with.
"""

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "CONFIDENCE",
    "FORECAST_CAP",
    "CriterionResult",
    "Curve",
    "Draws",
    "Forecast",
    "InsufficientDataWarning",
]

#: Confidence of every interval a sample-size estimator reports.
CONFIDENCE = 0.95
#: A forecast past this many times the data at hand is reported as "more than" it.
FORECAST_CAP = 100


class InsufficientDataWarning(UserWarning):
    """The data at hand do not settle the answer: they never reach the criterion (the
    message says how many objects its trend needs, ``extrapolated_size_``, or why none can be
    said), or the answer's interval reaches past them ("at the edge of the data")."""


@dataclass
class Draws:
    """A chunk of nested replicates.

    Attributes
    ----------
    index : ndarray of shape (R, length)
        Row indices; replicate ``r``'s subsample of size ``k`` is
        ``index[r, :k]``.
    sizes : ndarray of int, shape (J,)
        The grid.
    rngs : list of numpy.random.Generator
        One per replicate, already advanced past the index draw: the stream
        for any further randomness of that replicate (posterior draws, ...).
    n_samples : int
        Rows of the data ``m``.
    replace : bool
        Whether the sequence was drawn with replacement.
    """

    index: np.ndarray
    sizes: np.ndarray
    rngs: list
    n_samples: int
    replace: bool

    @property
    def n_replicates(self):
        return self.index.shape[0]

    def iter_counts(self, sizes=None):
        """Yield ``(j, counts)`` with the ``(R, m)`` counts of each prefix, cumulatively.

        One count matrix for this chunk at a time (not one per size and not
        for all replicates), updated by the rows added since the last size.
        """
        sizes = self.sizes if sizes is None else sizes
        R, m = self.n_replicates, self.n_samples
        counts = np.zeros((R, m))
        rows = np.arange(R)[:, None]
        prev = 0
        for j, k in enumerate(sizes):
            seg = self.index[:, prev:k]
            np.add.at(counts, (np.broadcast_to(rows, seg.shape), seg), 1.0)
            prev = k
            yield j, counts


@dataclass
class CriterionResult:
    """What a method's ``_criterion`` returns for one chunk of replicates.

    Attributes
    ----------
    values : ndarray of shape (J, R) or (J, R, ...)
        The criterion (or what it is computed from) per size and replicate.
    extras : dict of str -> ndarray of shape (J, R)
        Further per-size, per-replicate quantities worth keeping (e.g.
        ``lambda_min``); each becomes ``<name>_`` (mean over replicates) and
        ``<name>_replicates_`` on the estimator.
    """

    values: np.ndarray
    extras: dict = field(default_factory=dict)


@dataclass
class Curve:
    """The curve ``m*`` is read from.

    Attributes
    ----------
    sizes : ndarray of int
    criterion : ndarray
        Criterion per size.
    criterion_std : ndarray
        Its spread (standard deviation over replicates, or a standard error
        where the criterion is a statistic of all replicates together).
    replicates : ndarray of shape (J, B) or None
        Per-replicate criterion values, where they exist.
    """

    sizes: np.ndarray
    criterion: np.ndarray
    criterion_std: np.ndarray
    replicates: np.ndarray = None


@dataclass
class Forecast:
    """What a closed-form method's ``_closed_form_answer`` returns (no replicates drawn).

    Attributes
    ----------
    curve : Curve
        The criterion on the grid it is reported on (deterministic: zero
        spread, the criterion itself as the one replicate).
    sample_size : int or None
        ``m*``; a forecast, so it may lie past the data at hand.
    threshold : float
        The level of the criterion (``threshold_``); ``criterion_holds_`` is
        where the criterion is at or past it in the method's ``_direction``.
    extras : dict of str -> object
        The method's own fitted quantities; each becomes ``<name>_`` on the
        estimator.
    decided_off_grid : bool
        ``m*`` was read off a finer curve than the grid it is reported on (the
        landscape curve at every size): where it is None, the grid's last point
        is marked as failing if the grid alone would give a size, so that
        ``criterion_holds_`` never claims an ``m*`` the method denies.
    """

    curve: Curve
    sample_size: int = None
    threshold: float = np.nan
    extras: dict = field(default_factory=dict)
    decided_off_grid: bool = False


def _merge_grids(sizes, result, extra, more):
    """One grid and one :class:`CriterionResult` from two evaluated on disjoint sizes."""
    merged = np.concatenate([np.asarray(sizes), np.asarray(extra)])
    order = np.argsort(merged, kind="stable")
    values = np.concatenate([result.values, more.values], axis=0)[order]
    extras = {k: np.concatenate([v, more.extras[k]], axis=0)[order]
              for k, v in result.extras.items()}
    return merged[order], CriterionResult(values, extras)


def _concat_results(results):
    values = np.concatenate([r.values for r in results], axis=1)
    extras = {k: np.concatenate([r.extras[k] for r in results], axis=1)
              for k in results[0].extras}
    return CriterionResult(values, extras)
