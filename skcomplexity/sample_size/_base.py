"""The one template of every sufficient-sample-size estimator that reads ``m*`` off a curve.

A sample-size estimator evaluates a criterion ``T(k)`` on a grid of subsample
sizes ``k_1 < ... < k_J <= m`` (``m`` = rows of the data at hand) over
``n_repeats`` random replicates, and reads the sufficient size off the curve
with Definition 19 of the dissertation,

    m* = min { k_j : T(k_i) holds for every i >= j },

(None when ``T`` fails at the largest size), or with the published reference
implementation's "first size where it holds" (``decision_rule="first"``).

**Nested replicates.** Each replicate is *one* random sequence of row
indices (i.i.d. draws for a method that resamples with replacement, a random
permutation otherwise); its subsample of size ``k`` is the prefix of length
``k``. Each size's subsample has the same distribution as an independent
draw of that size, but the sizes of one replicate are nested, so Gram
matrices, score sums and posterior updates for the whole grid come from one
cumulative pass over the sequence (``O(n d²)`` per replicate for the whole
grid) and no ``B x n`` count matrix is formed.

**Binary targets.** A method whose fits need both classes in every
subsample (logistic fits: the binomial GLM family, a classifier in D/M,
the Laplace posteriors of KL/S) draws a *stratified* sequence instead,
without rejection: one row of each class, drawn uniformly within its class,
and ``k_1 - 2`` rows of the plain sequence are shuffled together into the
first ``k_1`` positions; the plain sequence (i.i.d. uniform rows, or a random
order of the ``m - 2`` remaining rows) continues after them. So each prefix
of size ``k >= k_1`` is exactly **one uniform member of each class plus an
independent plain draw of** ``k - 2`` **rows**: with replacement the count of
a class with ``m_c`` of the ``m`` rows is ``1 + Binomial(k - 2, m_c / m)``,
without replacement ``1 + Hypergeometric(k - 2 draws, m_c - 1 of m - 2)``.
Every prefix holds both classes, and no prefix is skewed by a condition on
another (rejecting the sequences whose first ``k_1`` rows miss a class, as
before, skewed every larger prefix towards the minority class). A class
with a single member is refused (every subsample's fit would be separated);
a class so rare that the smallest grid size holds less than one of its
members on average gets a :class:`RareClassWarning` that says where the
grid should start.

The template (:class:`SampleSizeEstimator`) owns the grid, the replicates
(one :class:`numpy.random.SeedSequence` child per replicate, so results do
not depend on ``n_jobs``), the threshold modes and the decision rule. A method
implements

* ``_prepare(X, y) -> state`` (a dataclass), once per fit;
* ``_criterion(state, draws: Draws) -> CriterionResult``: per-replicate values
  of the criterion at every grid size for a chunk of replicates;
* optionally ``_curve(result, sizes, state) -> Curve``: how replicate values
  become the curve (default: mean and standard deviation over replicates;
  D-sufficiency takes the variance, the bootstrap the interval width).

A closed-form method (``_closed_form = True``: the statistical tests, which
forecast ``m*`` from one pilot fit, and the landscape method, which reads it
off the loss curve of one fit) draws no replicates: it implements
``_prepare`` and ``_closed_form_answer(state) -> Forecast`` (the curve, ``m*``, the level and
the method's own fitted quantities), and the template writes the attributes.

The template's parts live beside it: the dataclasses the hooks exchange in
:mod:`~skcomplexity.sample_size._results`, the chunks within the memory budget
(and the class-support checks) in :mod:`~skcomplexity.sample_size._chunking`,
and the answer's interval, forecast and status in
:mod:`~skcomplexity.sample_size._answer`.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import ClassifierTags
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from .._decision import (
    DECISION_RULES,
    THRESHOLD_MODES,
    check_threshold,
    make_size_grid,
    sufficient_size,
    threshold_holds,
)
from .._parallel import parallel_map, root_seed_sequence
from .._validation import validate_xy
from ._answer import AnswerMixin
from ._chunking import _STAT_COPIES, ChunkPlanMixin, RareClassWarning
from ._results import (
    CONFIDENCE,
    FORECAST_CAP,
    CriterionResult,
    Curve,
    Draws,
    Forecast,
    InsufficientDataWarning,
    _concat_results,
    _merge_grids,
)

__all__ = [
    "CONFIDENCE",
    "FORECAST_CAP",
    "InsufficientDataWarning",
    "CriterionResult",
    "Curve",
    "Draws",
    "Forecast",
    "RareClassWarning",
    "SampleSizeEstimator",
    "make_size_grid",
    "sufficient_size",
]

class SampleSizeEstimator(AnswerMixin, ChunkPlanMixin, BaseEstimator):
    """Base class of the sufficient-sample-size estimators (not for direct use).

    Subclasses declare their hyper-parameters in ``__init__`` and implement
    the hooks described in the module docstring. Class attributes:

    * ``_direction``: "below" (the criterion holds when at most the level) or
      "above";
    * ``_complement``: the absolute level is ``1 - threshold`` (s-score);
    * ``_replace``: replicates are drawn with replacement (bootstrap) or are
      random permutations;
    * ``_threshold_modes``: the threshold modes the method accepts (a method that
      changes them declares ``threshold_mode`` in its ``_parameter_constraints`` too);
    * ``_parameter_constraints``: the declarative parameter checks (see below);
    * ``_closed_form``: the method reads ``m*`` off one pilot fit through
      ``_closed_form_answer`` instead of drawing replicates.

    The shared hyper-parameters the template reads (``threshold``,
    ``threshold_mode``, ``decision_rule``, ``sizes``, ``n_repeats``,
    ``random_state``, ``n_jobs``, ``verbose``) are declared here as class
    attributes with the value that a method whose ``__init__`` does not take one
    stands for; a method that takes one stores it on the instance (scikit-learn's
    ``get_params`` reads only ``__init__``, so the defaults here are not parameters).

    Every method also states, as public class attributes, what its answer means
    (the command line, :func:`~skcomplexity.sample_size.compare_methods` and the
    Display read them from here):

    * ``question``: the question its ``m*`` answers, one sentence;
    * ``threshold_unit``: the unit of ``threshold_``, the threshold as a level on
      the criterion's scale (what the tables show; in a relative mode it is the
      allowed deviation, in the same unit);
    * ``criterion_label``: the criterion with its unit (the Display's y-axis).

    Attributes
    ----------
    sample_size_ : int or None
        The sufficient sample size ``m*``; None when the criterion does not
        hold at the largest size available.
    sizes_ : ndarray of int
        The grid of sizes.
    criterion_ : ndarray
        The criterion per size (mean over replicates unless the method says
        otherwise).
    criterion_std_ : ndarray
        Its spread per size.
    criterion_replicates_ : ndarray of shape (n_sizes, n_repeats) or None
        Every replicate's value, where the criterion has one per replicate.
    criterion_holds_ : ndarray of bool
        Where the threshold rule holds.
    threshold_ : float
        The threshold in the units of the criterion (for a relative
        threshold: the allowed deviation ``threshold * |T(k_J)|``).
    n_samples_seen_ : int
        Rows of the data passed to ``fit``.
    sample_size_interval_ : (float, float) or None
        The 95 % interval of ``m*`` (:data:`CONFIDENCE`) from resampling the
        replicates (no refits: the curve and the decision are recomputed on
        replicates drawn with replacement); the upper end is ``inf`` where more
        than 2.5 % of the resamples do not reach the criterion within the data.
        Read off a grid by Definition 19, it also spans the grid step below
        ``m*`` (the criterion fails at the previous size). Its ends are whole
        rows (rounded outward). None when ``sample_size_`` is None.
    extrapolated_size_ : float or None
        When the data do not reach the criterion: the size its fitted trend
        reaches it at (an absolute threshold on a decreasing criterion),
        unclipped; None when no trend can be read or it lies past
        :data:`FORECAST_CAP` times the data at hand (then ``status_`` says so).
    extrapolated_interval_ : (float, float) or None
        Its 95 % interval from the same resamples, widened where the method's
        law says how far its fit may drift past the data.
    status_ : str
        ``"enough"`` (m* and its interval lie within the data), ``"edge"`` (m*
        lies within the data but its interval reaches past them), ``"more data"``
        (the forecast lies past the data), ``"beyond cap"`` (more than
        :data:`FORECAST_CAP` times the data at hand) or ``"undetermined"``.
    """

    #: The question the method's ``m*`` answers, one sentence.
    question = None
    #: The unit of ``threshold_`` (the level on the criterion's scale, whatever the mode).
    threshold_unit = None
    #: The criterion with its unit: the y-axis of the method's Display.
    criterion_label = "criterion"

    _direction = "below"
    #: Resamples of the replicates behind the intervals (0: no interval).
    _n_interval_resamples = 200
    _complement = False
    _replace = True
    _threshold_modes = THRESHOLD_MODES
    #: False where ``threshold`` is not a level of the criterion curve (utility's cost c),
    #: so that the Display does not draw it as a horizontal line.
    _threshold_is_level = True
    #: Declarative checks of the hyper-parameters the methods share (scikit-learn's
    #: ``_parameter_constraints``, checked once at the start of ``fit``; a parameter a
    #: method does not have is skipped). A method declares its own in its class body as
    #: ``{**Parent._parameter_constraints, "name": [...]}`` (its entries win);
    #: ``_validate_params_extra`` keeps only the checks that depend on several parameters.
    _parameter_constraints = {
        "family": [StrOptions({"auto", "gaussian", "binomial"})],
        "fit_intercept": ["boolean"],
        "prior_precision": [Interval(Real, 0, None, closed="left"), None],
        "sigma2": [Interval(Real, 0, None, closed="neither"), None],
        "alpha": [Interval(Real, 0, 1, closed="neither")],
        "radius_scale": [Interval(Real, 0, None, closed="neither")],
        "n_draws": [Interval(Integral, 1, None, closed="left")],
        "method": [StrOptions({"exact", "monte-carlo"})],  # ACC, ALC, the utility
        "test_size": [Interval(Real, 0, 1, closed="neither")],
        "standardize": ["boolean"],
        "standardize_target": ["boolean"],
        "per_object": ["boolean"],
        "threshold": [Interval(Real, 0, None, closed="neither"), None],
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        "sizes": [Interval(Integral, 2, None, closed="left"), "array-like", None],
        "threshold_mode": [StrOptions(set(THRESHOLD_MODES))],
        "decision_rule": [StrOptions(set(DECISION_RULES))],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    # The shared hyper-parameters' values for a method that does not take them.
    #: The level of the criterion; None where the method's level is its own (a test's power).
    threshold = None
    #: Levels are absolute unless the method offers the other modes.
    threshold_mode = "absolute"
    #: Definition 19: the criterion holds at every size from ``m*`` on.
    decision_rule = "all"
    #: The method's default grid.
    sizes = None
    #: One replicate: a method without a choice of replicates is deterministic.
    n_repeats = 1
    random_state = None
    n_jobs = None
    verbose = 0
    #: Working copies of the ``(R, J, q, q)`` prefix statistics a method holds at its peak.
    _stat_copies = _STAT_COPIES
    #: Set while ``_resampled_answers`` recomputes the curve on resampled replicates.
    _resampling = False
    _closed_form = False
    #: Refine the default large grid near the answer (:meth:`_refinement_sizes`): a method
    #: whose work grows with the sum of the sizes (not the largest) sets it, with a coarser
    #: ``_large_grid``.
    _refine_grid = False
    #: Sizes added inside each refined step of the coarse grid.
    _refine_points = 12
    #: Refine only where the answers (the fit's and its resamples') lie in at most this many
    #: steps of the grid: a wider spread is the replicates', which a finer grid would not narrow.
    _refine_max_steps = 2
    #: The grid the replicates' sequences are drawn for, while a refined grid is evaluated.
    _draw_grid = None

    # ----------------------------------------------------------------- hooks
    def _prepare(self, X, y):  # pragma: no cover - abstract
        raise NotImplementedError

    def _criterion(self, state, draws):  # pragma: no cover - abstract
        """Per-replicate criterion at every grid size: a :class:`CriterionResult`."""
        raise NotImplementedError

    def _closed_form_answer(self, state):  # pragma: no cover - abstract
        """A closed-form method's :class:`Forecast` (``_closed_form = True``)."""
        raise NotImplementedError

    def _curve(self, result, sizes, state):
        """Mean and standard deviation over replicates (override for other statistics)."""
        values = result.values
        if self._resampling:  # the interval loop reads the curve only
            mean = values.mean(axis=1) if np.isfinite(values).all() else np.nanmean(values, 1)
            return Curve(sizes, mean, np.zeros(len(sizes)), values)
        with np.errstate(invalid="ignore"):
            mean = np.nanmean(values, axis=1)
            std = (np.nanstd(values, axis=1, ddof=1) if values.shape[1] > 1
                   else np.zeros(len(sizes)))
        return Curve(sizes, mean, std, values)

    def _min_size(self, n_samples, n_features):
        """Smallest subsample size on which the criterion is defined."""
        return min(n_features + 2, n_samples)

    def _max_size(self, n_samples):
        return n_samples

    #: Default grid (``sizes=None``) beyond this many rows: ``_large_grid`` geometric points
    #: (50 linear points cannot tell 300 from 4,000 on 200,000 rows, and every criterion
    #: here decays like a power of 1/k, so the resolution should be proportional to k).
    _large_n = 2000
    _large_grid = 100

    def _size_grid(self, n_samples, n_features):
        sizes = self.sizes
        lo, hi = self._min_size(n_samples, n_features), self._max_size(n_samples)
        if sizes is None and n_samples > self._large_n:
            return make_size_grid(self._large_grid, n_samples, lo, hi, spacing="geometric")
        return make_size_grid(sizes, n_samples, lo, hi)

    def _sequence_length(self, sizes):
        """Length of each replicate's index sequence (the largest prefix read)."""
        return int(sizes[-1])

    def _binary_target(self, y):
        """Whether the fit will draw for a binary target (:meth:`_binary_labels`), read off
        the validated ``y`` before ``_prepare``, for the memory check that comes first.
        The default: False (the check after ``_prepare`` knows)."""
        return False

    def _binary_labels(self, state):
        """The {0, 1} target when the method's fits need both classes in every subsample.

        None (the default for a non-binomial state) draws plain sequences; a
        vector draws the stratified ones of the module docstring. The default
        reads a GLM state (``state.family == "binomial"``).
        """
        if getattr(state, "family", None) == "binomial":
            return np.asarray(state.y)
        return None

    def _validate_params_extra(self):
        """Subclass-specific parameter checks (raise ValueError/TypeError)."""

    def _check_xy(self, X, y):
        return validate_xy(self, X, y, y_numeric=True)

    def _decision_threshold(self):
        """``(threshold, complement)`` the threshold modes are applied with."""
        return self.threshold, self._complement

    # ----------------------------------------------------------- machinery
    def _validate_common(self):
        # what depends on several parameters: the threshold against its mode (and the
        # 1 - threshold level); each parameter alone is in _parameter_constraints
        mode = self.threshold_mode
        if self.threshold is None:
            return
        thr, complement = self._decision_threshold()
        check_threshold(thr, mode, modes=self._threshold_modes, complement=complement)

    def _draw(self, seed, length, m, strata=None, k1=2):
        """One replicate's index sequence and its generator (advanced past the draw).

        ``strata``: None for a plain sequence, or the row indices of each class
        for the stratified one (module docstring: one uniform member of each
        class and ``k1 - 2`` plain rows shuffled into the first ``k1``
        positions, the plain sequence after them). No rejection, so the
        generator's stream and the law of every prefix are fixed.
        """
        rng = np.random.default_rng(seed)
        if strata is None:
            idx = rng.integers(0, m, length) if self._replace else rng.permutation(m)[:length]
            return idx, rng
        forced = np.array([s[rng.integers(s.size)] for s in strata])
        n_forced = forced.size
        if self._replace:
            rest = rng.integers(0, m, length - n_forced)
        else:
            pool = np.delete(np.arange(m), forced)
            rest = pool[rng.permutation(m - n_forced)[:length - n_forced]]
        head = np.concatenate([forced, rest[:k1 - n_forced]])
        return np.concatenate([head[rng.permutation(k1)], rest[k1 - n_forced:]]), rng

    def _evaluate_chunk(self, state, sizes, seeds, m):
        # the batched solves are many small BLAS calls, faster (and bitwise reproducible
        # whatever n_jobs is) on one BLAS thread; parallelism comes from chunks (n_jobs)
        with threadpool_limits(limits=1, user_api="blas"):
            return self._evaluate_chunk_inner(state, sizes, seeds, m)

    def _evaluate_chunk_inner(self, state, sizes, seeds, m):
        # a refined grid's added sizes are read on the sequences drawn for the coarse grid
        grid = sizes if self._draw_grid is None else self._draw_grid
        length = self._sequence_length(grid)
        labels = self._binary_labels(state)
        # the class holding row 0 first: the draws do not depend on how the labels are coded
        strata = None if labels is None else sorted(
            (np.flatnonzero(labels == 0), np.flatnonzero(labels == 1)), key=lambda s: s[0])
        k1 = max(int(grid[0]), 2)
        drawn = [self._draw(s, length, m, strata, k1) for s in seeds]
        index = np.stack([d[0][:self._sequence_length(sizes)] for d in drawn])
        rngs = [d[1] for d in drawn]
        del drawn  # the full permutations the sequences were cut from
        draws = Draws(index=index, sizes=sizes, rngs=rngs, n_samples=m, replace=self._replace)
        return self._criterion(state, draws)

    # not skipped: a method may fit a user's estimator (cross-validation, learning curve,
    # landscape), whose own parameters its fit must still check
    @_fit_context(prefer_skip_nested_validation=False)
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
        return self._fit(X, y)

    def _fit(self, X, y):
        """The template's fit, after ``_parameter_constraints`` are checked (``_fit_context``).

        A method whose ``fit`` takes more than ``(X, y)`` (the learning curve's
        ``groups`` and routed metadata) wraps its own ``fit`` in ``_fit_context``
        and calls this, so that the parameters are checked once.
        """
        self._validate_common()
        self._validate_params_extra()
        X, y = self._check_xy(X, y)
        n_samples, n_features = X.shape
        if self._closed_form:
            self._write_forecast(self._closed_form_answer(self._prepare(X, y)), n_samples)
            return self
        n_repeats = int(self.n_repeats)
        self._check_memory(None, n_samples, n_features, n_repeats, self._binary_target(y))
        state = self._prepare(X, y)
        sizes = self._size_grid(n_samples, n_features)
        chunk = self._chunk_size(state, sizes, n_samples, n_features, n_repeats)
        # child i of a SeedSequence does not depend on how many are spawned: replicate i
        # gets child i, and the last child seeds any resampling of the curve itself
        seeds = root_seed_sequence(self.random_state).spawn(n_repeats + 1)
        self._curve_seed = seeds.pop()
        result = self._evaluate_replicates(state, sizes, seeds, chunk, n_samples)
        extra = self._refinement_sizes(result, sizes, state, n_samples)
        if extra is not None:
            # the same replicates (their sequences drawn for the coarse grid) at the added sizes
            self._draw_grid = sizes
            try:
                more = self._evaluate_replicates(state, extra, seeds, chunk, n_samples)
            finally:
                del self._draw_grid
            sizes, result = _merge_grids(sizes, result, extra, more)
        curve = self._curve(result, sizes, state)
        self._write_curve(curve)
        self.criterion_replicates_ = curve.replicates
        for name, vals in result.extras.items():
            setattr(self, f"{name}_replicates_", vals)
            setattr(self, f"{name}_", np.nanmean(vals, axis=1))
        self.n_samples_seen_ = n_samples
        self._decide()
        self._report(result, sizes, state)
        return self

    def _evaluate_replicates(self, state, sizes, seeds, chunk, n_samples):
        """The criterion of every replicate at ``sizes``: chunks of ``chunk`` seeds, in parallel."""
        tasks = [(state, sizes, seeds[i:i + chunk], n_samples)
                 for i in range(0, len(seeds), chunk)]
        return _concat_results(parallel_map(self._evaluate_chunk, tasks, n_jobs=self.n_jobs,
                                            verbose=self.verbose, desc=type(self).__name__))

    def _refinement_sizes(self, result, sizes, state, n_samples):
        """Sizes to add near the answer read off the coarse default grid, or None.

        Where ``_refine_grid`` is set and the grid is the default geometric one, ``m*``
        read off it only says that the crossing lies in ``(k_{j-1}, k_j]``. The answer is
        read on the coarse grid, and on :meth:`_resampled_answers`'s resamples of the
        replicates (the interval's); where they lie in at most ``_refine_max_steps``
        steps of the grid (else the replicates, not the grid, set the interval's width),
        each of those steps gets ``_refine_points`` sizes, geometrically spaced inside it
        (every size where the step is shorter). The same replicates are then evaluated
        at those sizes (:meth:`_fit`), so the answer and its interval are read at about
        ``ratio^(1/(_refine_points + 1))``, with ``ratio`` the grid's, for the cost of
        the added sizes, all near ``m*``.
        """
        if (not self._refine_grid or self.sizes is not None or len(sizes) < 3
                or n_samples <= self._large_n):
            return None
        self._write_curve(self._curve(result, sizes, state))
        self._decide()
        answers = [] if self.sample_size_ is None else [self.sample_size_]
        resampled = self._resampled_answers(result, sizes, state)
        if resampled is not None:
            answers.extend(resampled[np.isin(resampled, sizes)])
        steps = np.unique(np.searchsorted(sizes, np.asarray(answers, dtype=float)))
        if steps.size > self._refine_max_steps:
            return None  # the replicates, not the grid, set the interval's width
        fine = [np.unique(np.geomspace(sizes[j - 1], sizes[j], self._refine_points + 2)
                          .round().astype(int))[1:-1] for j in steps if j > 0]
        extra = np.setdiff1d(np.concatenate(fine), sizes) if fine else np.array([], int)
        return extra if extra.size else None

    def _write_curve(self, curve):
        self.sizes_ = np.asarray(curve.sizes, dtype=int)
        self.criterion_ = np.asarray(curve.criterion, dtype=float)
        self.criterion_std_ = np.asarray(curve.criterion_std, dtype=float)

    def _write_forecast(self, forecast, n_samples):
        """A closed-form method's answer as the fitted attributes (no replicates, no report)."""
        for name, value in forecast.extras.items():
            setattr(self, f"{name}_", value)
        curve = forecast.curve
        self._write_curve(curve)
        self.criterion_replicates_ = (self.criterion_[:, None] if curve.replicates is None
                                      else curve.replicates)
        self.sample_size_ = forecast.sample_size
        self.threshold_ = forecast.threshold
        _, self.criterion_holds_ = threshold_holds(self.criterion_, self.threshold_, "absolute",
                                                   self._direction)
        if (forecast.decided_off_grid and self.sample_size_ is None
                and sufficient_size(self.sizes_, self.criterion_holds_, self.decision_rule)):
            self.criterion_holds_[-1] = False
        self.n_samples_seen_ = n_samples

    def _holds(self, criterion, threshold, mode):
        thr, complement = threshold
        return threshold_holds(criterion, thr, mode, self._direction, complement)

    def _decide(self):
        """Apply the threshold mode and the decision rule to ``criterion_``."""
        self.threshold_, self.criterion_holds_ = self._holds(
            self.criterion_, self._decision_threshold(), self.threshold_mode)
        self.sample_size_ = sufficient_size(self.sizes_, self.criterion_holds_,
                                            self.decision_rule)

    def sample_size_for(self, threshold, threshold_mode=None, decision_rule=None):
        """``m*`` that another threshold would give on the fitted curve (no refit).

        Useful for the "m* against ε" curves (Figs. 4.7, 4.11).

        Parameters
        ----------
        threshold : float
            ``ε > 0``, in the role ``threshold`` has for this method (the level
            the criterion is compared with; below 1 where the level is
            ``1 - threshold``).
        threshold_mode : str, optional
            Defaults to the estimator's ``threshold_mode``.
        decision_rule : {"all", "first"}, optional
            Defaults to the estimator's ``decision_rule``.

        Returns
        -------
        int or None
        """
        return self._reread(threshold, threshold_mode, decision_rule, "threshold")

    def _reread(self, level, threshold_mode, decision_rule, name):
        """``sample_size_for``'s body: ``level`` in the role ``_decision_threshold`` gives it."""
        check_is_fitted(self, "criterion_")
        mode = self.threshold_mode if threshold_mode is None else threshold_mode
        rule = self.decision_rule if decision_rule is None else decision_rule
        _, complement = self._decision_threshold()
        level = check_threshold(level, mode, modes=self._threshold_modes, complement=complement,
                                name=name)
        _, holds = self._holds(self.criterion_, (level, complement), mode)
        return sufficient_size(self.sizes_, holds, rule)

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
        # a closed-form method has no random_state (its class default None stands for none)
        tags.non_deterministic = not self._closed_form and self.random_state is None
        return tags
