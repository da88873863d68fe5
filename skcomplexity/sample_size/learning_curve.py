"""How many rows does *my* estimator or pipeline need to reach *my* score?

:class:`LearningCurveSampleSize` measures the learning curve of any
scikit-learn estimator (or ``Pipeline``) under any scorer on nested training
prefixes with a held-out test part per replicate, fits parametric curve
families to every replicate, and reads off the training rows at which the
curve reaches a target score (or comes within ``delta`` of its asymptote),
inside the data or past them, with an interval (95 % by default); :meth:`predict_score` and
:meth:`assurance` answer "what score at ``n`` rows, and how likely is the
target?". The closed-form planning sizes before any data exist (Riley et al.)
are in :mod:`skcomplexity.sample_size.planning`.

It is a method of the template (:mod:`skcomplexity.sample_size._base`): one
random order of the rows per replicate (one ``SeedSequence`` child each, so
the answer does not depend on ``n_jobs``); the **last** ``n_test`` rows of the
order are the replicate's test part and the training set of size ``k`` is the
first ``k`` rows (nested prefixes, the same test part at every size, as
scikit-learn #23817 asks for). The criterion is the held-out score per size
and replicate, and the intervals come from the template's resampling of the
replicates. Its ``fit`` is its own only because it takes ``groups`` and
routed per-sample metadata besides ``(X, y)``; it keeps them for ``_prepare``
and runs the template's body, which writes every result attribute.
"""

import math
import warnings
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context, clone, is_classifier
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.utils import ClassifierTags, _safe_indexing, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.validation import check_consistent_length, validate_data

from .._validation import looks_like_labels
from ._base import (
    CriterionResult,
    Draws,
    InsufficientDataWarning,
    SampleSizeEstimator,
)
from ._curve_families import FAMILIES
from ._learning_curve_fit import (
    N_DENSE,
    FittedCurveMixin,
    crossing,
    curve_flags,
)

__all__ = ["IllBehavedCurveWarning", "LearningCurveSampleSize"]

#: Default ``delta``: this fraction of the rise from the smallest size to the asymptote.
_DEFAULT_DELTA_FRACTION = 0.02


class IllBehavedCurveWarning(InsufficientDataWarning):
    """The measured learning curve is not the smooth rising curve the families assume.

    Raised for a significant drop of the score with more rows (non-monotone), a curve that
    has stopped rising short of the target (plateau), or fitted families that disagree on
    the answer by more than a factor of two or on whether the target is reached at all
    (crossing). ``curve_flags_`` says which; the answer is then not a number to act on.
    """


@dataclass
class _State:
    estimator: object
    scorer: object
    X: object
    y: np.ndarray
    groups: np.ndarray
    fit_params: dict
    score_params: dict
    n_test: int
    strata: list
    families: tuple
    error_score: object
    seeded: list
    warm: list



def _take(params, rows, n):
    """Per-sample entries of ``params`` (length ``n``) indexed by ``rows``; others as they are."""
    return {k: (_safe_indexing(v, rows) if hasattr(v, "__len__") and not isinstance(v, str)
                and len(v) == n else v) for k, v in params.items()}


# Estimators whose ``warm_start`` only moves the solver's starting point: their loss is
# convex, so a fit started from the previous size's coefficients reaches the same optimum
# (to the solver's tolerance) in fewer iterations. Others (boosting, networks, SGD) would
# continue training the previous model, which is not the fresh fit the curve measures.
def _convex_warm_classes():
    from sklearn import linear_model as lm

    return (lm.LogisticRegression, lm.ElasticNet, lm.MultiTaskElasticNet,
            lm.PoissonRegressor, lm.GammaRegressor, lm.TweedieRegressor, lm.HuberRegressor)


def _warm_start_params(estimator, mode):
    """The (nested) ``warm_start`` parameters to switch on for nested training prefixes.

    ``mode`` "auto": those of the estimators of :func:`_convex_warm_classes` and their
    subclasses (``Lasso`` included; same optimum, fewer iterations); True: every one;
    False: none.
    """
    if mode is False:
        return []
    params = estimator.get_params(deep=True)
    keys = [k for k in params if k == "warm_start" or k.endswith("__warm_start")]
    if mode is True:
        return keys
    owner = {k: estimator if k == "warm_start" else params[k[: -len("__warm_start")]]
             for k in keys}
    return [k for k in keys if isinstance(owner[k], _convex_warm_classes())]


def _random_state_params(estimator):
    """Names of the (nested) ``random_state`` parameters left at None."""
    return [k for k, v in estimator.get_params(deep=True).items()
            if (k == "random_state" or k.endswith("__random_state")) and v is None]


class LearningCurveSampleSize(FittedCurveMixin, SampleSizeEstimator):
    """Training rows an estimator needs to reach a target score, with an interval.

    For ``n_repeats`` replicates, the rows are put in a random order (whole
    groups together when ``groups`` is given to :meth:`fit`); the last
    ``test_size`` rows are the replicate's test part and ``estimator`` is
    fitted on the first ``k`` rows for every grid size ``k`` and scored on the
    test part. Four curve families (``pow3``, ``pow4``, ``mmf4``, ``exp3``)
    are fitted to the mean score over the replicates (from the first size at
    which the scores vary: a model too small to learn scores a constant);
    each family is also fitted to the lower two thirds of the grid and scored
    on the upper third, and the families whose held-out error is within a
    factor of two of the best are averaged with weights inversely
    proportional to it. The answer is the smallest training size from which
    the averaged curve stays at or above the level: ``target_score``, or the
    fitted asymptote minus ``delta``. Its interval refits the same families
    to resamples of the replicates (see Notes), so the uncertainty of the
    asymptote reaches the size: a level within it of the asymptote gives an
    interval that runs to beyond the cap (``inf``), not a confident number.

    Parameters
    ----------
    estimator : estimator or None, default=None
        Any scikit-learn estimator or ``Pipeline``; it is cloned for every
        fit. None: ``LinearRegression`` for a continuous target,
        ``LogisticRegression(max_iter=1000)`` for class labels.
    scoring : str, callable or None, default=None
        A scorer name or ``scorer(estimator, X, y)`` (greater is better, as in
        scikit-learn; use ``"neg_mean_squared_error"`` for an error). None:
        ``estimator.score`` (R² or accuracy).
    target_score : float or None, default=None
        The score to reach, in the scorer's units (e.g. ``-1.2`` for an MSE of
        1.2 with ``"neg_mean_squared_error"``).
    delta : float or None, default=None
        Instead of ``target_score``: the rows at which the curve comes within
        ``delta`` of its fitted asymptote. With both None, ``delta`` is 2 % of
        the fitted rise from the smallest grid size to the asymptote.
    test_size : float or int, default=0.2
        The held-out part of every replicate: a fraction of the rows or a
        number of rows. The training sizes run up to the rest.
    sizes : None, int or array-like of int, default=None
        Training sizes: None (10 geometrically spaced sizes from
        ``min(n_features + 2, half the training rows)`` to all training
        rows), a number of geometrically spaced sizes, or explicit sizes. At
        least 4 sizes; 8 or more let the four-parameter families be checked
        on held-out sizes.
    n_repeats : int, default=20
        Replicates (random orders, test parts and estimator seeds).
    families : tuple of str, default=("pow3", "pow4", "mmf4", "exp3")
        The curve families fitted per replicate.
    warm_start : "auto" or bool, default="auto"
        Fit the sizes of a replicate in increasing order on one estimator
        with its ``warm_start`` on, each fit starting from the previous
        size's solution. "auto": only for estimators with a convex loss
        (``LogisticRegression``, ``ElasticNet``, ``Lasso``, the GLM
        regressors, ``HuberRegressor``; also as a step of a ``Pipeline``),
        where the start changes the iterations, not the optimum; True: every
        ``warm_start`` parameter of the estimator (boosting or a network then
        *continues* training, a different curve); False: a fresh fit at every
        size.
    confidence : float in (0, 1), default=0.95
        The confidence of every interval: ``sample_size_interval_``,
        ``extrapolated_interval_`` and ``predict_score(...,
        return_interval=True)`` (``confidence_`` after the fit).
    error_score : "raise" or float, default="raise"
        What a failing fit gives: "raise" re-raises the estimator's error;
        a number (e.g. ``numpy.nan``) records it as that score with a warning
        (as in :func:`sklearn.model_selection.learning_curve`).
    random_state : int, RandomState instance or None, default=None
        Seeds the orders and every ``random_state`` of the estimator left at
        None (one seed per replicate), so the same seed gives the same answer.
    n_jobs : int or None, default=None
        Replicates fitted in parallel with joblib (the answer does not depend
        on it).
    verbose : int, default=0
        Progress bar when > 0.

    Attributes
    ----------
    sample_size_ : int or None
        Training rows at which the fitted curve reaches the level, when that
        lies within the data's training sizes; None otherwise.
    sample_size_interval_ : (float, float) or None
        Its interval at ``confidence`` from resampling the replicates (see
        Notes); the upper end is ``inf`` when more than (1 - ``confidence``) / 2
        of the resamples do not reach the level within 100 times the data.
    extrapolated_size_ : float or None
        When the level lies past the data: the size the fitted curve reaches
        it at (None past 100 times the data, ``status_ == "beyond cap"``).
    extrapolated_interval_ : (float, float) or None
        Its interval at ``confidence``: the resampled answers, widened to the
        range of the answers of the individual families that enter the average. Also set
        when ``status_ == "beyond cap"``: its lower end is then the fewest
        rows the data allow, and its upper end is usually ``inf``.
    status_ : str
        "enough", "edge", "more data", "beyond cap" or "undetermined" (see
        :class:`~skcomplexity.sample_size.SampleSizeEstimator`).
    sizes_ : ndarray of int
        Training sizes.
    criterion_, criterion_std_ : ndarray
        Mean and standard deviation over replicates of the held-out score.
    criterion_replicates_ : ndarray of shape (n_sizes, n_repeats)
        Every replicate's held-out score.
    threshold_ : float
        The level in the scorer's units (``target_score`` or asymptote − delta).
    asymptote_ : float
        The fitted curve's limit (families fitted to the mean over replicates).
    family_weights_ : dict of str -> float
        Weight of each family in the averaged curve.
    family_errors_ : dict of str -> float
        Held-out error of each family on the mean curve (upper third of the
        grid, in units of the replicates' spread).
    curve_flags_ : dict of str -> bool
        ``non_monotone``, ``plateau``, ``crossing`` (see
        :class:`IllBehavedCurveWarning`).
    curve_params_ : dict of str -> ndarray of shape (n_repeats, 4)
        Every replicate's own fitted parameters per family (the assurance).
    n_test_ : int
        Rows of each replicate's test part.
    estimator_kind_ : str
        Class name of the estimator fitted.
    n_samples_seen_, n_features_in_ : int

    Notes
    -----
    Unlike :func:`sklearn.model_selection.learning_curve`, the test part of a
    replicate is the same at every training size (differences between sizes
    are then paired), and every replicate draws a new one, so the interval
    holds the test-set noise too. The replicates share the data's rows: their
    test parts hold about ``m / n_test`` independent ones (``n_eff``), so the
    interval resamples that many replicates (an m-out-of-n bootstrap), widens
    each resample's deviation from the mean curve to a Student interval on
    ``n_eff - 1`` degrees of freedom (x1.5 for the default ``test_size=0.2``),
    refits the families and reads the answer off each.
    ``sample_weight`` and other per-sample fit
    arguments are passed to :meth:`fit`: with
    ``sklearn.set_config(enable_metadata_routing=True)`` they are routed as
    the estimator and scorer request them; otherwise they go to the
    estimator's ``fit`` only (scikit-learn's legacy behaviour). Warm starts
    are not used: every size is a fresh fit. A classifier's replicates hold
    one row of every class among their first rows (the template's stratified
    draw), so no training prefix misses a class; with ``groups`` the orders
    are of whole groups, the test part is whole groups and no group is split
    between training and test.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from skcomplexity.sample_size import LearningCurveSampleSize
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(600, 10)); y = X @ np.ones(10) + rng.normal(size=600)
    >>> est = LearningCurveSampleSize(LinearRegression(), scoring="neg_mean_squared_error",
    ...                               target_score=-1.2, n_repeats=10, random_state=0)
    >>> est = est.fit(X, y)
    >>> 40 <= est.sample_size_ <= 80  # closed form: 1 + 10 / (n - 11) = 1.2 at n = 61
    True
    >>> bool(est.predict_score(1000) > -1.05)
    True
    """

    question = ("How many rows does the estimator need for its cross-validated score to reach the "
                "target score (or come within delta of its plateau)?")
    threshold_unit = "score (the scorer's units)"
    criterion_label = "test score (the scorer's units)"

    _direction = "above"
    _replace = False
    _threshold_is_level = True
    _parameter_constraints = {
        **SampleSizeEstimator._parameter_constraints,
        "estimator": [HasMethods(["fit"]), None],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "target_score": [Real, None],
        "delta": [Interval(Real, 0, None, closed="neither"), None],
        "test_size": [Interval(Real, 0, 1, closed="neither"),
                      Interval(Integral, 1, None, closed="left")],
        "families": [list, tuple],
        "error_score": [StrOptions({"raise"}), Real],
        "warm_start": [StrOptions({"auto"}), "boolean"],
        "confidence": [Interval(Real, 0, 1, closed="neither")],
    }

    def __init__(self, estimator=None, *, scoring=None, target_score=None, delta=None,
                 test_size=0.2, sizes=None, n_repeats=20, families=FAMILIES,
                 warm_start="auto", confidence=0.95, error_score="raise", random_state=None,
                 n_jobs=None, verbose=0):
        self.estimator = estimator
        self.scoring = scoring
        self.target_score = target_score
        self.delta = delta
        self.test_size = test_size
        self.sizes = sizes
        self.n_repeats = n_repeats
        self.families = families
        self.warm_start = warm_start
        self.confidence = confidence
        self.error_score = error_score
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    # ------------------------------------------------------------ fit
    # Its own fit, because the template's takes (X, y) only: this one also takes ``groups``
    # and the per-sample metadata routed to the estimator and the scorer. It keeps them for
    # _prepare and runs the template's body (``_fit``), so the parameters are checked once
    # (here, by _fit_context; not skipped inside: the user's estimator is fitted there) and
    # every result attribute is written by the template's hooks.
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, groups=None, **params):
        """Measure the learning curve, fit its families and find the rows needed.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Passed to the estimator as given (a DataFrame stays one, so a
            ``ColumnTransformer`` sees its column names).
        y : array-like of shape (n_samples,)
        groups : array-like of shape (n_samples,) or None, default=None
            Group labels (e.g. patients): a group's rows are ordered together,
            and the test part is made of whole groups.
        **params : dict
            Per-sample fit arguments such as ``sample_weight`` (see Notes).

        Returns
        -------
        self : object
        """
        self._fit_groups, self._fit_extra = groups, params
        # read by the grid before _prepare runs (the template's memory check)
        self._n_groupmax = 1 if groups is None else int(
            np.unique(np.asarray(groups), return_counts=True)[1].max())
        self._n_classes = 0
        self._fits = None
        try:
            self._fit(X, y)
        finally:
            del self._fit_groups, self._fit_extra, self._fits
        return self

    def _validate_params_extra(self):
        bad = [f for f in self.families if f not in FAMILIES]
        if bad or len(self.families) == 0:
            raise ValueError(f"families must be a non-empty subset of {FAMILIES}, got "
                             f"{tuple(self.families)!r}.")
        if self.target_score is not None and self.delta is not None:
            raise ValueError("Pass target_score or delta, not both: the answer is the rows "
                             "needed to reach target_score, or to come within delta of the "
                             "curve's asymptote.")
        if self.target_score is not None and not np.isfinite(self.target_score):
            raise ValueError(f"target_score must be finite, got {self.target_score!r}.")

    def _resolve_estimator(self, y):
        if self.estimator is not None:
            return self.estimator
        from sklearn.linear_model import LinearRegression, LogisticRegression

        return LogisticRegression(max_iter=1000) if looks_like_labels(y) else LinearRegression()

    def _check_xy(self, X, y):
        tags = self.__sklearn_tags__().input_tags
        if hasattr(X, "iloc"):  # a DataFrame goes to the pipeline as it is
            validate_data(self, X, y, skip_check_array=True)
            y = np.asarray(y)
            check_consistent_length(X, y)
        else:
            X, y = validate_data(self, X, y, accept_sparse=["csr"] if tags.sparse else False,
                                 ensure_all_finite="allow-nan" if tags.allow_nan else True,
                                 ensure_min_samples=1, y_numeric=False)
        n = X.shape[0]
        if n < 8:
            raise ValueError(f"{type(self).__name__} needs at least 8 rows (a test part and "
                             f"four training sizes), got n_samples={n}.")
        if np.asarray(y).ndim != 1:
            raise ValueError(f"y must be 1-D, got shape {np.asarray(y).shape}.")
        return X, y

    def _n_test(self, n):
        t = self.test_size
        t = int(t) if isinstance(t, Integral) else int(math.ceil(t * n))
        if not 1 <= t <= n - 4:
            raise ValueError(f"test_size={self.test_size!r} leaves {n - t} of {n} rows for "
                             "training; at least 4 are needed (four training sizes).")
        return t

    def _prepare(self, X, y):
        est = self._resolve_estimator(y)
        n = X.shape[0]
        groups = self._fit_groups
        if groups is not None:
            groups = np.asarray(groups)
            check_consistent_length(X, groups)
            groups = np.unique(groups, return_inverse=True)[1].ravel()
        if _routing_enabled():
            routed = process_routing(self, "fit", **self._fit_extra)
            fit_params, score_params = dict(routed.estimator.fit), dict(routed.scorer.score)
        else:
            fit_params, score_params = dict(self._fit_extra), {}
        for k, v in {**fit_params, **score_params}.items():
            if hasattr(v, "__len__") and not isinstance(v, str) and len(v) != n:
                raise ValueError(f"{k} has {len(v)} entries for {n} rows.")
        strata = None
        if is_classifier(est) and groups is None:
            classes, codes = np.unique(y, return_inverse=True)
            counts = np.bincount(codes)
            if classes.size < 2:
                raise ValueError(f"y has one class ({classes[0]!r}); a classifier needs 2.")
            rare = classes[np.argmin(counts)]
            if counts.min() < 2:
                raise ValueError(f"class {rare!r} has one row in {n}: every training set and "
                                 "test part cannot both hold it; collect more rows of it.")
            strata = [np.flatnonzero(codes == c) for c in range(classes.size)]
            self._n_classes = classes.size
        n_test = self._n_test(n)
        self.n_test_ = n_test
        self.estimator_kind_ = type(est).__name__
        scorer = check_scoring(est, scoring=self.scoring)
        return _State(estimator=est, scorer=scorer, X=X, y=np.asarray(y), groups=groups,
                      fit_params=fit_params, score_params=score_params, n_test=n_test,
                      strata=strata, families=tuple(self.families), error_score=self.error_score, seeded=_random_state_params(est),
                      warm=_warm_start_params(est, self.warm_start))

    def get_metadata_routing(self):
        """Routing of ``fit``'s per-sample arguments to the estimator's ``fit`` and the scorer.

        Returns
        -------
        routing : MetadataRouter
        """
        from sklearn.linear_model import LinearRegression

        est = LinearRegression() if self.estimator is None else self.estimator
        return (MetadataRouter(owner=type(self).__name__)
                .add(estimator=est, method_mapping=MethodMapping().add(caller="fit",
                                                                        callee="fit"))
                .add(scorer=check_scoring(est, scoring=self.scoring),
                     method_mapping=MethodMapping().add(caller="fit", callee="score")))

    # ------------------------------------------------------------ the grid and the draws
    def _min_size(self, n_samples, n_features):
        n_train = n_samples - self._n_test(n_samples)
        # a classifier's first rows hold one row of every class (the stratified draw)
        return max(3, getattr(self, "_n_classes", 0), min(n_features + 2, n_train // 2))

    def _max_size(self, n_samples):
        # with groups, a replicate's test part is whole groups: at most (largest group - 1)
        # rows more than n_test, so every replicate has this many training rows
        return n_samples - self._n_test(n_samples) - (getattr(self, "_n_groupmax", 1) - 1)

    def _size_grid(self, n_samples, n_features):
        from .._decision import make_size_grid

        lo, hi = self._min_size(n_samples, n_features), self._max_size(n_samples)
        sizes = 10 if self.sizes is None else self.sizes
        grid = make_size_grid(sizes, n_samples, lo, hi, spacing="geometric")
        if grid.size < 4:
            raise ValueError(f"{type(self).__name__} needs at least 4 training sizes to fit a "
                             f"curve, got {grid.tolist()} (sizes={self.sizes!r}).")
        return grid

    def _memory_estimate(self, sizes, n_samples, n_features, n_repeats, binary):
        # one order of the rows per replicate, the scores and the fitted curves; the
        # estimator's own memory is the estimator's business
        per = 8 * (2 * n_samples + len(sizes) + len(FAMILIES) * (N_DENSE + 6)) + 4096
        return 8 * n_samples, per

    def _chunk_size(self, state, sizes, n_samples, n_features, n_repeats):
        super()._chunk_size(state, sizes, n_samples, n_features, n_repeats)
        return 1  # every replicate is many estimator fits: one task each

    def _binary_labels(self, state):
        return None  # stratification is by the estimator's classes (_evaluate_chunk_inner)

    def _evaluate_chunk(self, state, sizes, seeds, m):
        # no BLAS thread limit: the user's estimator decides its own threads
        return self._evaluate_chunk_inner(state, sizes, seeds, m)

    def _evaluate_chunk_inner(self, state, sizes, seeds, m):
        orders, rngs = [], []
        for seed in seeds:
            if state.groups is None:
                idx, rng = self._draw(seed, m, m, state.strata, max(int(sizes[0]), 2))
            else:
                rng = np.random.default_rng(seed)
                perm = rng.permutation(state.groups.max() + 1)
                rank = np.empty_like(perm)
                rank[perm] = np.arange(perm.size)
                # rows of a group together, groups in random order, rows within a group too
                idx = np.lexsort((rng.random(m), rank[state.groups]))
            orders.append(idx)
            rngs.append(rng)
        draws = Draws(index=np.stack(orders), sizes=sizes, rngs=rngs, n_samples=m,
                      replace=False)
        return self._criterion(state, draws)

    # ------------------------------------------------------------ the criterion
    def _score_replicate(self, state, order, sizes, rng):
        m = order.size
        start = m - state.n_test
        if state.groups is not None:  # move the boundary down to the start of its group
            g = state.groups[order]
            while start > 0 and g[start - 1] == g[start]:
                start -= 1
        test = order[start:]
        est = clone(state.estimator)
        if state.seeded:
            est.set_params(**{k: int(rng.integers(2**31 - 1)) for k in state.seeded})
        X_test, y_test = _safe_indexing(state.X, test), state.y[test]
        score_params = _take(state.score_params, test, m)
        if state.warm:
            est.set_params(**dict.fromkeys(state.warm, True))
        out = np.empty(len(sizes))
        model = None
        for j, k in enumerate(sizes):
            rows = order[:k]
            # a warm start refits the previous size's model (sizes increase); fresh otherwise
            model = model if state.warm and model is not None else clone(est)
            try:
                model.fit(_safe_indexing(state.X, rows), state.y[rows],
                          **_take(state.fit_params, rows, m))
                out[j] = state.scorer(model, X_test, y_test, **score_params)
            except Exception:
                if state.error_score == "raise":
                    raise
                out[j] = state.error_score
                model = None  # a failed fit leaves no solution to start from
        return out

    def _criterion(self, state, draws):
        """Held-out scores per size and replicate; ``values[..., 1]`` is left for the id.

        The curve families are fitted in :meth:`_curve`, where every replicate's
        scores are at hand to weigh the sizes by their spread.
        """
        scores = np.stack([self._score_replicate(state, draws.index[r], draws.sizes,
                                                 draws.rngs[r])
                           for r in range(draws.n_replicates)], axis=1)
        return CriterionResult(np.stack([scores, np.full_like(scores, np.nan)], axis=-1))

    # ------------------------------------------------------------ the answer
    def _level(self, asymptote=None, first=None):
        """The level the curve must reach (``asymptote``, ``first``: of another curve)."""
        if self.target_score is not None:
            return float(self.target_score)
        asymptote = self.asymptote_ if asymptote is None else asymptote
        if self.delta is not None:
            return asymptote - float(self.delta)
        first = self._dense_mean[0] if first is None else first
        return asymptote - _DEFAULT_DELTA_FRACTION * abs(asymptote - first)

    def _decide(self):
        level = self._level()
        self.threshold_ = level
        self.criterion_holds_ = self.criterion_ >= level
        self._answer = crossing(self._dense_grid, self._dense_mean, level)
        inside = self._answer is not None and self._answer <= self.sizes_[-1]
        self.sample_size_ = int(math.ceil(self._answer)) if inside else None

    @property
    def _confidence(self):
        return self.confidence

    def _forecast(self):
        return None if self.sample_size_ is not None else self._answer

    def _report(self, result, sizes, state):
        super()._report(result, sizes, state)
        for name in ("sample_size_interval_", "extrapolated_interval_"):
            interval = getattr(self, name)
            if interval is not None:  # no size below the smallest one measured
                setattr(self, name, (max(interval[0], float(self.sizes_[0])), interval[1]))
        self.curve_flags_ = flags = curve_flags(
            result.values[..., 0], self.sample_size_ is not None, self._family_answers(),
            self._dense_mean, self.asymptote_)
        if any(flags.values()):
            which = ", ".join(k.replace("_", "-") for k, v in flags.items() if v)
            warnings.warn(
                f"{type(self).__name__}: the learning curve of {self.estimator_kind_} is "
                f"ill-behaved ({which}; see curve_flags_): the answer and its interval rest on "
                "curve families that do not describe it, so they are not a number to act on. "
                "Look at the curve (plot()), raise n_repeats, or use more training sizes.",
                IllBehavedCurveWarning, stacklevel=3)

    # ------------------------------------------------------------ after the fit
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags = ClassifierTags(multi_class=True)
        from sklearn.linear_model import LinearRegression

        est = LinearRegression() if self.estimator is None else self.estimator
        tags.input_tags.allow_nan = bool(get_tags(est).input_tags.allow_nan)
        tags.input_tags.sparse = bool(get_tags(est).input_tags.sparse)
        return tags

