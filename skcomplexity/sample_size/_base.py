"""The one base class of every sufficient-sample-size estimator.

A sample-size estimator evaluates a criterion ``T(k)`` on a grid of subsample
sizes ``k_1 < ... < k_J <= m`` (``m`` = rows of the data at hand), repeated over
``n_repeats`` random replicates per size, and reads the sufficient size off the
curve with the rule of Definition 19 of the dissertation:

    m* = min { k_j : T(k_i) holds for every i >= j },

which is ``None`` when ``T`` fails at the largest size (the data at hand are not
enough). This is deliberately *not* "the first k where T holds": on a noisy
curve the two differ, and only the former matches "for all k >= m*".
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import ClassifierTags
from sklearn.utils.validation import check_is_fitted

from .._parallel import parallel_map, root_seed_sequence, spawn_generators
from .._validation import check_positive, validate_xy

__all__ = ["SampleSizeEstimator", "sufficient_size", "make_size_grid"]


def sufficient_size(sizes, holds, rule="all"):
    """Smallest grid size from which the criterion holds at every larger grid size.

    Parameters
    ----------
    sizes : array-like of int, shape (n_sizes,)
        Increasing grid of sample sizes.
    holds : array-like of bool, shape (n_sizes,)
        Whether the criterion holds at each size.
    rule : {"all", "first"}, default="all"
        "all": the text's Definition 19 (the criterion holds at this and every
        larger size). "first": the smallest size at which it holds (the
        published reference implementation's reading); None if it never does.

    Returns
    -------
    int or None
        ``m*``, or None when the criterion fails at the largest size ("all")
        or everywhere ("first").

    Examples
    --------
    >>> sufficient_size([10, 20, 30, 40], [True, False, True, True])
    30
    >>> sufficient_size([10, 20, 30], [True, True, False]) is None
    True
    >>> sufficient_size([10, 20, 30, 40], [False, True, False, True], rule="first")
    20
    """
    sizes = np.asarray(sizes)
    holds = np.asarray(holds, dtype=bool)
    if sizes.shape != holds.shape or sizes.ndim != 1:
        raise ValueError("sizes and holds must be 1-D arrays of the same length.")
    if rule not in ("all", "first"):
        raise ValueError(f"decision_rule must be 'all' or 'first', got {rule!r}.")
    if rule == "first":
        hits = np.flatnonzero(holds)
        return int(sizes[hits[0]]) if hits.size else None
    if sizes.size == 0 or not holds[-1]:
        return None
    failing = np.flatnonzero(~holds)
    start = 0 if failing.size == 0 else failing[-1] + 1
    return int(sizes[start])


def make_size_grid(sizes, n_samples, min_size, max_size=None):
    """Build the increasing integer grid of subsample sizes.

    ``sizes`` may be None (50 points, or every size if fewer), an int (that many
    roughly evenly spaced points) or an explicit array of sizes.
    """
    max_size = n_samples if max_size is None else max_size
    if min_size > max_size:
        raise ValueError(
            f"The data have too few samples for a grid of subsample sizes: the smallest "
            f"usable size is {min_size} but only {max_size} are available."
        )
    if sizes is None or (isinstance(sizes, Integral) and not isinstance(sizes, bool)):
        num = 50 if sizes is None else int(sizes)
        if num < 2:
            raise ValueError(f"sizes must be at least 2 when given as a number of points, got {num}.")
        grid = np.unique(np.round(np.linspace(min_size, max_size, num)).astype(int))
        return grid
    grid = np.asarray(sizes)
    if grid.ndim != 1 or grid.size == 0 or not np.issubdtype(grid.dtype, np.number):
        raise ValueError("sizes must be None, an int, or a non-empty 1-D array of sample sizes.")
    if not np.all(np.equal(np.mod(grid, 1), 0)):
        raise ValueError(f"sizes must be integers, got {grid!r}.")
    grid = np.unique(grid.astype(int))
    if grid[0] < min_size or grid[-1] > max_size:
        raise ValueError(
            f"sizes must lie in [{min_size}, {max_size}] for these data, got "
            f"[{grid[0]}, {grid[-1]}]."
        )
    return grid


class SampleSizeEstimator(BaseEstimator):
    """Base class of the sufficient-sample-size estimators (not for direct use).

    Subclasses declare their hyper-parameters in ``__init__`` and implement

    * ``_prepare(X, y)`` -> an object with everything the criterion needs
      (e.g. the GLM family, standardised data); called once per ``fit``;
    * ``_criterion_at_size(state, size, rngs)`` -> array of shape
      ``(len(rngs),)``: the criterion on ``len(rngs)`` random replicates of a
      subsample of ``size`` rows, one generator per replicate. Subclasses batch
      the replicates here where the model allows it.

    and may set the class attributes ``_direction`` ("below": the criterion
    holds when it is at most the threshold; "above": at least) and
    ``_min_size_offset``.

    Attributes
    ----------
    sample_size_ : int or None
        The sufficient sample size ``m*``; None when the criterion does not
        hold at the largest size available.
    sizes_ : ndarray of int
        The grid of sizes.
    criterion_ : ndarray
        Mean criterion per size.
    criterion_std_ : ndarray
        Standard deviation of the criterion over replicates per size.
    criterion_replicates_ : ndarray of shape (n_sizes, n_repeats)
        Every replicate's value.
    threshold_ : float
        The absolute threshold the decision used (for a relative threshold:
        ``threshold * |criterion at the largest size|`` around that value).
    n_samples_seen_ : int
        Rows of the data passed to ``fit``.
    """

    _direction = "below"
    #: False where ``threshold`` is not a level of the criterion curve (utility's cost c),
    #: so that the Display does not draw it as a horizontal line.
    _threshold_is_level = True

    # ----------------------------------------------------------------- hooks
    def _prepare(self, X, y):  # pragma: no cover - abstract
        raise NotImplementedError

    def _criterion_at_size(self, state, size, rngs):  # pragma: no cover - abstract
        raise NotImplementedError

    def _min_size(self, n_samples, n_features):
        """Smallest subsample size on which the criterion is defined."""
        return min(n_features + 2, n_samples)

    def _max_size(self, n_samples):
        return n_samples

    def _validate_params_extra(self):
        """Subclass-specific parameter checks (raise ValueError/TypeError)."""

    def _check_xy(self, X, y):
        return validate_xy(self, X, y, y_numeric=True)

    # ----------------------------------------------------------- machinery
    def _validate_common(self):
        n_repeats = getattr(self, "n_repeats", 1)
        check_positive(n_repeats, "n_repeats", integer=True)
        rule = getattr(self, "decision_rule", "all")
        if rule not in ("all", "first"):
            raise ValueError(f"decision_rule must be 'all' or 'first', got {rule!r}.")
        mode = getattr(self, "threshold_mode", "absolute")
        if mode not in ("absolute", "relative"):
            raise ValueError(f"threshold_mode must be 'absolute' or 'relative', got {mode!r}.")
        threshold = getattr(self, "threshold", None)
        if threshold is not None:
            if isinstance(threshold, bool) or not isinstance(threshold, Real):
                raise TypeError(f"threshold must be a positive real number, got {threshold!r}.")
            if not np.isfinite(threshold) or threshold <= 0:
                raise ValueError(f"threshold must be a finite number > 0, got {threshold!r}.")

    def fit(self, X, y):
        """Evaluate the criterion over the grid of sizes and find ``m*``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data at hand (the pilot sample).
        y : array-like of shape (n_samples,)
            Target.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_common()
        self._validate_params_extra()
        X, y = self._check_xy(X, y)
        n_samples, n_features = X.shape
        state = self._prepare(X, y)
        sizes = make_size_grid(
            getattr(self, "sizes", None),
            n_samples,
            self._min_size(n_samples, n_features),
            self._max_size(n_samples),
        )
        n_repeats = int(getattr(self, "n_repeats", 1))
        root = root_seed_sequence(getattr(self, "random_state", None))
        per_size = root.spawn(len(sizes))
        tasks = [(state, int(k), spawn_generators(ss, n_repeats)) for k, ss in zip(sizes, per_size)]
        values = parallel_map(
            self._criterion_at_size,
            tasks,
            n_jobs=getattr(self, "n_jobs", None),
            verbose=getattr(self, "verbose", 0),
            desc=type(self).__name__,
        )
        values = np.asarray([np.asarray(v, dtype=float).reshape(-1) for v in values])
        self.sizes_ = sizes
        self.criterion_replicates_ = values
        with np.errstate(invalid="ignore"):
            self.criterion_ = np.nanmean(values, axis=1)
            self.criterion_std_ = (
                np.nanstd(values, axis=1, ddof=1) if values.shape[1] > 1 else np.zeros(len(sizes))
            )
        self.n_samples_seen_ = n_samples
        self._decide()
        return self

    def _decide(self):
        """Apply the threshold and the "for all k >= m*" rule to ``criterion_``."""
        crit = self.criterion_
        mode = getattr(self, "threshold_mode", "absolute")
        threshold = self.threshold
        if mode == "relative":
            ref = crit[-1]
            self.threshold_ = float(threshold * abs(ref))
            holds = np.abs(crit - ref) <= self.threshold_
        else:
            self.threshold_ = float(threshold)
            holds = crit <= threshold if self._direction == "below" else crit >= threshold
        holds &= np.isfinite(crit)
        self.criterion_holds_ = holds
        self.sample_size_ = sufficient_size(self.sizes_, holds,
                                            getattr(self, "decision_rule", "all"))

    # ------------------------------------------------------------ plotting
    def plot(self, ax=None, **kwargs):
        """Plot the criterion against the sample size with the threshold and ``m*``.

        Returns
        -------
        display : :class:`~skcomplexity.plotting.SampleSizeDisplay`
        """
        check_is_fitted(self, "sizes_")
        from ..plotting import SampleSizeDisplay

        return SampleSizeDisplay.from_estimator(self, ax=ax, **kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        # binary classification or regression targets; three or more classes are an error
        tags.classifier_tags = ClassifierTags(multi_class=False)
        tags.non_deterministic = getattr(self, "random_state", 0) is None
        return tags
