"""R4: Rademacher complexity by random-label refitting (the protocol of §6.4.1), and the scorer."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context, clone, is_classifier, is_regressor
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted, validate_data

from .._parallel import parallel_map, root_seed_sequence
from ..landscape import is_skorch as _is_skorch
from ._empirical import linear_head_rademacher

__all__ = ["RandomLabelRademacher", "rademacher_complexity"]

_RESPONSES = ("auto", "decision_function", "predict_proba", "logit", "predict")


def _skorch_kind(est):
    names = {c.__name__ for c in type(est).__mro__}
    if "NeuralNetBinaryClassifier" in names:
        return "binary"
    if "NeuralNetClassifier" in names:
        return "classifier"
    return "regressor"


def _resolve_response(estimator, response_method):
    if response_method not in _RESPONSES:
        raise ValueError(f"response_method must be one of {_RESPONSES}, got {response_method!r}.")
    name = type(estimator).__name__
    if response_method != "auto":
        needed = "predict_proba" if response_method == "logit" else response_method
        if not hasattr(estimator, needed):
            raise ValueError(
                f"response_method={response_method!r} needs {name}.{needed}, which it does not "
                "have (with these hyper-parameters)."
            )
        return response_method
    if _is_skorch(estimator):
        return "predict" if _skorch_kind(estimator) == "regressor" else "predict_proba"
    if is_regressor(estimator):
        return "predict"
    # a classifier's score must lie in [-1, 1] so that the correlation with the
    # signs cannot exceed 1: 2 p(+1) - 1, else the predicted label itself
    if hasattr(estimator, "predict_proba"):
        return "predict_proba"
    if is_classifier(estimator) and hasattr(estimator, "predict"):
        return "predict"
    raise ValueError(
        f"RandomLabelRademacher needs a score f(x) from the estimator: {name} is neither a "
        "regressor nor a classifier with predict_proba or predict. Pass "
        "response_method='decision_function' or 'predict' explicitly."
    )


def _labels_for(est, sigma):
    """Random ±1 labels in the form the estimator's fit expects."""
    if _is_skorch(est):
        kind = _skorch_kind(est)
        if kind == "binary":
            return ((sigma + 1) // 2).astype(np.float32)
        if kind == "classifier":
            return ((sigma + 1) // 2).astype(np.int64)
        return sigma.astype(np.float32).reshape(-1, 1)
    if is_classifier(est):
        return sigma.astype(np.int64)
    return sigma.astype(np.float64)


def _scores(est, X, response):
    """Scalar scores f(x_i) whose correlation with the ±1 labels is measured."""
    if response == "predict":
        s = np.asarray(est.predict(X), dtype=np.float64)
        if s.ndim == 2 and s.shape[1] == 1:
            s = s[:, 0]
        if _is_skorch(est) and _skorch_kind(est) != "regressor":
            s = 2.0 * s - 1.0  # skorch classifiers were fitted on 0/1 labels
    elif response == "decision_function":
        s = np.asarray(est.decision_function(X), dtype=np.float64)
    else:
        proba = np.asarray(est.predict_proba(X), dtype=np.float64)
        p1 = proba[:, -1] if proba.ndim == 2 else proba
        if response == "predict_proba":
            s = 2.0 * p1 - 1.0
        else:  # logit: log p(+1) - log p(-1), the logit difference of a softmax head
            with np.errstate(divide="ignore"):
                s = np.log(p1) - np.log1p(-p1)
            if not np.isfinite(s).all():
                raise ValueError(
                    "response_method='logit' met probabilities of exactly 0 or 1; "
                    "use response_method='predict_proba' for this estimator."
                )
    if s.ndim != 1:
        raise ValueError(
            f"the score of {type(est).__name__} via {response} has shape {s.shape}; a scalar "
            "score per sample is needed (one output, or a binary classifier)."
        )
    return s


def _one_replicate(estimator, X, response, seed_seq, fit_params):
    rng = np.random.default_rng(seed_seq)
    n = X.shape[0]
    sigma = 1 - 2 * rng.integers(0, 2, size=n)
    while n > 1 and np.all(sigma == sigma[0]):  # a classifier needs both labels
        sigma = 1 - 2 * rng.integers(0, 2, size=n)
    est = clone(estimator)
    seed = int(rng.integers(np.iinfo(np.int32).max))
    params = est.get_params(deep=False)
    if "random_state" in params:
        est.set_params(random_state=seed)
    if _is_skorch(est):
        from ..neural import SeededFit, resolve_device

        # skorch initialises and shuffles with torch's global RNG: seed it inside a fork
        # (the package's one seeded-fit convention, which forks only the net's CUDA device)
        with SeededFit(seed, resolve_device(est.device)):
            est.fit(X.astype(np.float32), _labels_for(est, sigma), **fit_params)
        Xf = X.astype(np.float32)
    else:
        Xf = X
        est.fit(Xf, _labels_for(est, sigma), **fit_params)
    s = _scores(est, Xf, response)
    return float(np.mean(sigma * s)), sigma.astype(np.int8)


class RandomLabelRademacher(BaseEstimator):
    """R4: empirical Rademacher complexity by fitting random ±1 labels (§6.4.1).

    For each of ``n_repeats`` independent replicates: draw
    :math:`\\sigma\\in\\{-1,+1\\}^n` uniformly, fit a clone of ``estimator`` on
    ``(X, sigma)``, and measure the correlation of its scores with the labels on
    the same points, :math:`c_k=\\frac1n\\sum_i\\sigma_if(x_i)`. The estimate is
    the mean of :math:`c_k` (``complexity_``), reported with its standard
    deviation over replicates (``complexity_std_``), the "mean ± std" of the
    text's Table 6.3.

    Scale: for a classifier the default score lies in ``[-1, 1]``
    (:math:`2p_{+1}-1`, or the predicted label :math:`\\pm1`), so
    :math:`c_k\\le1` with equality when the labels are fitted exactly; for
    :math:`\\pm1` predictions :math:`c_k=1-2\\,\\mathrm{err}_k` (training
    error on the random labels), the usual Rademacher complexity of a
    binary class (the loss class :math:`\\{(x,y)\\mapsto[h(x)\\ne y]\\}` has
    half of it). ``decision_function`` (margins) and ``"logit"`` are
    unbounded and must be asked for: they measure a *norm-constrained* class
    as in the text's Algorithm 1, and exceed 1 on an unconstrained one.

    Fitting approximates the supremum of Def. 8 from below (a finite training
    budget, a surrogate loss), so this *under-estimates*
    :math:`\\hat{\\mathfrak R}_D` of the class the estimator searches; it grows
    towards it with the training budget. Scores are unbounded for
    unconstrained models (``decision_function`` of an unregularised linear
    model), so constrain the class (regularisation, or the norm-ball
    callbacks of :mod:`skcomplexity.neural.callbacks`) to get a finite
    capacity, as Algorithm 1 of the text does.

    Parameters
    ----------
    estimator : estimator, default=None
        A scikit-learn or skorch classifier or regressor; ``None`` means
        ``LogisticRegression()``. It is cloned for every replicate, and a
        ``random_state`` parameter, if it has one, is set from the replicate's
        seed.
    n_repeats : int, default=5
        Number of random labellings :math:`K`.
    response_method : {"auto", "decision_function", "predict_proba", "logit", "predict"}, \
default="auto"
        How the scalar score :math:`f(x)` is read. ``"auto"``: ``predict`` for
        regressors (and skorch regressors / ``NeuralNet``); for classifiers
        ``predict_proba`` as :math:`2p_{+1}-1` when present, else ``predict``
        (the label :math:`\\pm1`): both in ``[-1, 1]``. ``"decision_function"``
        is the raw margin and ``"logit"`` is :math:`\\log p_{+1}-\\log p_{-1}`,
        the logit difference of a two-logit softmax head: unbounded, for
        norm-constrained classes only.
    n_jobs : int, default=None
        Replicates run in parallel through joblib; the result does not depend
        on ``n_jobs`` (one child seed per replicate).
    random_state : int, RandomState instance or None, default=None
        Seeds the labels and the clones.
    verbose : int, default=0
        Progress bar over replicates when > 0.

    Attributes
    ----------
    complexity_ : float
        Mean correlation over replicates, the estimate.
    complexity_std_ : float
        Standard deviation over replicates (``ddof=1``; 0 for one replicate).
    correlations_ : ndarray of shape (n_repeats,)
        :math:`c_k` per replicate.
    signs_ : ndarray of shape (n_repeats, n_samples), dtype int8
        The random labels used, to compare with R1–R3 on the same draws.
    response_method_ : str
        The resolved response method.
    n_features_in_ : int
        Number of features of ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skcomplexity.rademacher import RandomLabelRademacher
    >>> X = np.random.default_rng(0).normal(size=(60, 3))
    >>> rl = RandomLabelRademacher(LogisticRegression(C=0.1), n_repeats=4, random_state=0).fit(X)
    >>> rl.correlations_.shape
    (4,)
    >>> 0 < rl.complexity_ < 1
    True
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit"]), None],
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        "response_method": [StrOptions(set(_RESPONSES))],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        n_repeats=5,
        response_method="auto",
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.n_repeats = n_repeats
        self.response_method = response_method
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        return tags

    def _estimator(self):
        if self.estimator is None:
            from sklearn.linear_model import LogisticRegression

            return LogisticRegression()
        return self.estimator

    @_fit_context(prefer_skip_nested_validation=False)  # the estimator's clones validate theirs
    def fit(self, X, y=None, **fit_params):
        """Fit ``n_repeats`` clones on random ±1 labels and record the correlations.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The sample :math:`S`, at least 2 points.
        y : ignored
            The true labels play no part (the labels are replaced by noise).
        **fit_params : dict
            Passed to the estimator's ``fit``.

        Returns
        -------
        self : RandomLabelRademacher
        """
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        estimator = self._estimator()
        response = _resolve_response(estimator, self.response_method)
        children = root_seed_sequence(self.random_state).spawn(self.n_repeats)
        results = parallel_map(
            _one_replicate,
            [(estimator, X, response, c, fit_params) for c in children],
            n_jobs=self.n_jobs,
            verbose=self.verbose,
            desc="random-label refits",
        )
        self.correlations_ = np.array([r[0] for r in results])
        self.signs_ = np.stack([r[1] for r in results])
        self.complexity_ = float(self.correlations_.mean())
        self.complexity_std_ = (
            float(self.correlations_.std(ddof=1)) if self.n_repeats > 1 else 0.0
        )
        self.response_method_ = response
        return self

    def __float__(self):
        check_is_fitted(self, "complexity_")
        return self.complexity_


@validate_params(
    {
        "estimator": [HasMethods(["fit"])],
        "method": [StrOptions({"random-label", "linear-head"})],
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        "response_method": [StrOptions(set(_RESPONSES))],
        "radius": [Interval(Real, 0, None, closed="left"), StrOptions({"fitted"})],
        "n_draws": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    },
    prefer_skip_nested_validation=False,
)
def rademacher_complexity(
    estimator,
    X,
    y=None,
    *,
    method="random-label",
    n_repeats=5,
    response_method="auto",
    radius="fitted",
    n_draws=1000,
    n_jobs=None,
    random_state=0,
    verbose=0,
):
    """Rademacher complexity of an estimator on the points ``X`` (the scorer's function).

    Two measures, chosen by ``method``:

    * ``"random-label"`` (default, R4): the capacity of the *class the
      estimator's hyper-parameters define*, on the points ``X``. The fitted
      state is not used: :class:`RandomLabelRademacher` refits ``n_repeats``
      clones on random ±1 labels of ``X`` and returns the mean correlation
      :math:`\\frac1n\\sum_i\\sigma_if(x_i)`. Works for any scikit-learn or
      skorch classifier with ``decision_function``/``predict_proba`` and any
      regressor. In ``cross_validate``/``GridSearchCV``, ``X`` is the test fold.
    * ``"linear-head"`` (R3): the complexity of a linear head on the fitted
      model's own features :math:`\\phi(X)` (the penultimate layer of a network,
      ``X`` for a linear model), in a ball of radius ``radius`` (by default the
      norm of the fitted head). Cheap (no refits), but needs a model with an
      extractable linear head (:func:`extract_features`).

    ``y`` is ignored by both (the labels are replaced by noise). The default
    ``random_state=0`` uses the same sign vectors for every candidate of a
    grid search (common random numbers), so differences between candidates
    are not Monte Carlo noise.

    Parameters
    ----------
    estimator : estimator
        Fitted (``"linear-head"``) or not (``"random-label"``: only its
        hyper-parameters matter).
    X : array-like of shape (n_samples, n_features)
    y : ignored
    method : {"random-label", "linear-head"}, default="random-label"
    n_repeats : int, default=5
        Random labellings (``"random-label"``).
    response_method : str, default="auto"
        See :class:`RandomLabelRademacher`.
    radius : float or "fitted", default="fitted"
        Head radius (``"linear-head"``).
    n_draws : int, default=1000
        Sign draws (``"linear-head"``).
    n_jobs : int, default=None
        Parallel refits (``"random-label"``).
    random_state : int, RandomState instance or None, default=0
    verbose : int, default=0

    Returns
    -------
    complexity : float
        Non-negative in expectation; the scorer
        :data:`skcomplexity.metrics.rademacher_scorer` returns its negative.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skcomplexity.rademacher import rademacher_complexity
    >>> X = np.random.default_rng(0).normal(size=(80, 2))
    >>> shallow = rademacher_complexity(DecisionTreeClassifier(max_depth=1), X)
    >>> deep = rademacher_complexity(DecisionTreeClassifier(max_depth=8), X)
    >>> shallow < deep
    True
    """
    if method == "random-label":
        est = RandomLabelRademacher(
            estimator,
            n_repeats=n_repeats,
            response_method=response_method,
            n_jobs=n_jobs,
            random_state=random_state,
            verbose=verbose,
        )
        return est.fit(X).complexity_
    if method == "linear-head":
        return linear_head_rademacher(
            estimator, X, radius=radius, n_draws=n_draws, random_state=random_state
        ).complexity
    raise ValueError(f"method must be 'random-label' or 'linear-head', got {method!r}.")
