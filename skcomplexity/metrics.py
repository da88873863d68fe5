"""Scorers for ``GridSearchCV`` and ``cross_validate``.

scikit-learn maximises scores, so a complexity ``C`` is returned as ``-C``
(like ``neg_mean_squared_error``): the less complex model scores higher. Use
``make_*_scorer(greater_is_better=True)`` to get ``+C`` instead (e.g. to
report it). torch-based measures are imported only when a scorer is called.
"""

__all__ = [
    "landscape_scorer",
    "make_landscape_scorer",
    "make_rademacher_scorer",
    "normalized_landscape_scorer",
    "rademacher_scorer",
]


# Settings sized for scoring (what a scorer uses unless told otherwise): a scorer should cost
# no more than fitting the model it scores (benchmarks/bench_scorers.py measures it).
SCORING_DEFAULTS = {
    # landscape measure (2.8) of a torch model: 8 objects, the mean Hessian on 256 objects,
    # norms to 1% in at most 30 Lanczos steps
    "hessian_spread": dict(n_objects=8, reference_size=256, tol=1e-2, maxiter=30),
    # random-label Rademacher complexity: two refits on the scored points
    "random-label": dict(n_repeats=2),
}


def _scoring_defaults(func_path, estimator, kwargs):
    if func_path.endswith("landscape_measure"):
        from .landscape import is_torch_model

        if kwargs.get("measure", "auto") in ("auto", "hessian_spread") \
                and is_torch_model(estimator):
            return SCORING_DEFAULTS["hessian_spread"]
        return {}
    if kwargs.get("method", "random-label") == "random-label":
        return SCORING_DEFAULTS["random-label"]
    return {}


class _ComplexityScorer:
    """Callable ``scorer(estimator, X, y)`` returning the signed complexity."""

    def __init__(self, func_path, sign, kwargs):
        self._func_path = func_path
        self._sign = sign
        self._kwargs = kwargs

    def _func(self):
        from importlib import import_module

        module, name = self._func_path.rsplit(".", 1)
        return getattr(import_module(module), name)

    def __call__(self, estimator, X, y=None, **kwargs):
        merged = {**self._kwargs, **kwargs}
        merged = {**_scoring_defaults(self._func_path, estimator, merged), **merged}
        return self._sign * float(self._func()(estimator, X, y, **merged))

    def __repr__(self):
        name = self._func_path.rsplit(".", 1)[1]
        sign = "" if self._sign > 0 else ", greater_is_better=False"
        return f"make_scorer({name}{sign}, {self._kwargs})"


def make_landscape_scorer(*, greater_is_better=False, **kwargs):
    """Scorer from :func:`skcomplexity.landscape.landscape_measure` (kwargs passed through).

    The measure is the landscape complexity (2.8) of the fitted model,
    ``mu_f = E_i ||H_i - H_bar||_2`` over the scored objects, for torch/skorch
    models, and the loss-change constant ``mean_k (k + 1) |L_{k+1} - L_k|``
    for other fitted scikit-learn models (``measure=`` selects another one,
    e.g. ``"top_eigenvalue"``). For torch models the measure runs with the
    settings of ``skcomplexity.metrics.SCORING_DEFAULTS`` unless given (8 objects, the mean
    Hessian on 256 objects, 1% tolerance, 30 Lanczos steps), so that scoring
    costs less than fitting. Larger = more complex, so the scorer returns
    its negative unless ``greater_is_better=True``. ``normalize=True`` divides
    by the loss of the best constant prediction on the scored fold
    (``Var(y)`` for regressors, the class entropy for classifiers), which
    makes a regressor's measure independent of the units of ``y``; the
    ready-made ``normalized_landscape_scorer`` does that.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skcomplexity.metrics import make_landscape_scorer
    >>> X, y = load_iris(return_X_y=True)
    >>> scorer = make_landscape_scorer(measure="curve", n_permutations=5)
    >>> scorer(LogisticRegression(max_iter=500).fit(X, y), X, y) < 0
    True
    """
    return _ComplexityScorer(
        "skcomplexity.landscape.landscape_measure", 1 if greater_is_better else -1, kwargs
    )


def make_rademacher_scorer(*, greater_is_better=False, **kwargs):
    """Scorer from :func:`skcomplexity.rademacher.rademacher_complexity` (kwargs passed through).

    ``scorer(estimator, X, y)`` returns ``-C`` (``+C`` with
    ``greater_is_better=True``), where by default ``C`` is the random-label
    (R4) Rademacher complexity of the class defined by the estimator's
    hyper-parameters on the scored points ``X``: clones are refitted on random
    ±1 labels and the mean correlation of their scores with the labels is
    returned; ``y`` and the fitted weights are not used. Pass
    ``method="linear-head"`` to measure instead a linear head on the fitted
    model's own features (R3), and ``n_repeats`` (2 refits unless given,
    ``skcomplexity.metrics.SCORING_DEFAULTS``), ``response_method``,
    ``random_state`` (default 0: the same sign vectors for every candidate),
    ``n_jobs`` to tune it.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skcomplexity.metrics import make_rademacher_scorer
    >>> X = np.random.default_rng(0).normal(size=(90, 2)); y = (X[:, 0] > 0).astype(int)
    >>> scorer = make_rademacher_scorer(n_repeats=3)
    >>> s = cross_val_score(DecisionTreeClassifier(max_depth=2), X, y, cv=3, scoring=scorer)
    >>> bool((s < 0).all())
    True
    """
    return _ComplexityScorer(
        "skcomplexity.rademacher.rademacher_complexity", 1 if greater_is_better else -1, kwargs
    )


landscape_scorer = make_landscape_scorer()
normalized_landscape_scorer = make_landscape_scorer(normalize=True)
rademacher_scorer = make_rademacher_scorer()
