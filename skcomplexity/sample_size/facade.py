"""One front door to every sufficient-sample-size method: :class:`SufficientSampleSize`
and :func:`compare_methods`.

The methods live in their own modules and are imported lazily by name from
:data:`METHODS` (a plain ``{"name": "module:Class"}`` dict), so a method whose
optional dependency (e.g. torch for ``"landscape"``) is missing does not stop
the others from working.
"""

import importlib
import math
import time
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import ClassifierTags
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from ._answer import _sig2
from ._results import FORECAST_CAP, InsufficientDataWarning

__all__ = ["AUTO", "METHODS", "InsufficientDataWarning", "SufficientSampleSize", "compare_methods",
           "format_interval", "format_size", "get_method", "recommendation"]


METHODS = {
    "lagrange": "skcomplexity.sample_size.statistical:LagrangeMultiplierSampleSize",
    "likelihood-ratio": "skcomplexity.sample_size.statistical:LikelihoodRatioSampleSize",
    "wald": "skcomplexity.sample_size.statistical:WaldSampleSize",
    "cross-validation": "skcomplexity.sample_size.heuristic:CrossValidationSampleSize",
    "bootstrap": "skcomplexity.sample_size.heuristic:BootstrapSampleSize",
    "apvc": "skcomplexity.sample_size.bayesian:APVCSampleSize",
    "acc": "skcomplexity.sample_size.bayesian:ACCSampleSize",
    "alc": "skcomplexity.sample_size.bayesian:ALCSampleSize",
    "utility": "skcomplexity.sample_size.bayesian:UtilitySampleSize",
    "kl-neighbours": "skcomplexity.sample_size.bayesian:KLNeighbourSampleSize",
    "d-sufficiency": "skcomplexity.sample_size.likelihood_bootstrap:DSufficiency",
    "m-sufficiency": "skcomplexity.sample_size.likelihood_bootstrap:MSufficiency",
    "kl-sufficiency": "skcomplexity.sample_size.posterior_proximity:KLSufficiency",
    "s-sufficiency": "skcomplexity.sample_size.posterior_proximity:SSufficiency",
    "landscape": "skcomplexity.sample_size.landscape:LandscapeSufficiency",
    "learning-curve": "skcomplexity.sample_size.learning_curve:LearningCurveSampleSize",
}
"""Method name -> ``"module:Class"`` of every sample-size method of the package."""

#: The rows of Table 4.6, in its order.
TABLE_4_6_METHODS = (
    "lagrange", "likelihood-ratio", "wald", "cross-validation", "bootstrap",
    "apvc", "acc", "alc", "utility", "kl-sufficiency", "s-sufficiency",
)

#: What ``method="auto"`` (the front door's default) runs: KL-sufficiency at its defaults
#: (spelled out here): the noise variance estimated from the data, an absolute threshold in
#: nats per added object, the one-object divergence averaged over the added target
#: (no χ²₁ spikes), a median of means over B = 100 orders (no leverage spikes), and m*
#: where the law A / (k - p - 1) fitted to that curve crosses ε. In a linear-Gaussian
#: model KL(k) ≈ p / (2 (k - p - 1)) for p parameters, so m* ≈ p / (2ε) + p + 1 grows with
#: the number of parameters and does not depend on the noise level, the units or the grid.
#: It runs on the nested prefix engine, so 1,000,000 x 20 takes seconds.
AUTO = ("kl-sufficiency", {"threshold_mode": "absolute", "threshold": 0.01, "sigma2": None,
                           "divergence": "expected", "aggregate": "median-of-means",
                           "decision_rule": "trend", "track_lambda_min": False})

_FORWARDED = ("random_state", "n_jobs", "verbose")
_COMMON = ("sample_size_", "sample_size_interval_", "extrapolated_size_",
           "extrapolated_interval_", "status_", "sizes_", "criterion_", "criterion_std_",
           "threshold_", "n_samples_seen_")


def get_method(name):
    """Return the estimator class registered under ``name`` in :data:`METHODS`.

    Parameters
    ----------
    name : str
        A key of :data:`METHODS`.

    Returns
    -------
    cls : type

    Examples
    --------
    >>> from skcomplexity.sample_size.facade import get_method
    >>> get_method("kl-sufficiency").__name__
    'KLSufficiency'
    """
    if name == "auto":
        name = AUTO[0]
    if not isinstance(name, str) or name not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {name!r}.")
    module, cls = METHODS[name].split(":")
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"method={name!r} needs {module}, which could not be imported ({exc}). "
            + ("It needs torch: pip install 'skcomplexity[torch]'." if name == "landscape" else "")
        ) from exc
    try:
        return getattr(mod, cls)
    except AttributeError:
        raise ImportError(f"method={name!r}: {module} has no class {cls}.") from None


def format_size(value):
    """A number of rows as people read it: two significant figures with thousands
    separators, ``"beyond"`` for an unbounded (or missing) end.

    >>> from skcomplexity.sample_size.facade import format_size
    >>> format_size(12345.0), format_size(float("inf"))
    ('12,000', 'beyond')
    """
    if value is None or not np.isfinite(value):
        return "beyond"
    return _sig2(value)


def format_interval(low, high, *, rounded=False):
    """``"low-high"`` in rows (whole rows, or two significant figures when ``rounded``),
    ``"low-beyond"`` for an unbounded upper end, ``"-"`` when there is no interval.

    >>> from skcomplexity.sample_size.facade import format_interval
    >>> format_interval(101.2, 140.5), format_interval(1234.0, float("inf"), rounded=True)
    ('101-141', '1,200-beyond')
    """
    if _missing(low):
        return "-"
    fmt = format_size if rounded else (lambda v: f"{math.floor(v):,.0f}")
    if _missing(high) or not np.isfinite(high):
        return f"{fmt(low)}-beyond"
    return f"{fmt(low)}-{format_size(high) if rounded else f'{math.ceil(high):,.0f}'}"


def _missing(value):
    try:
        return value is None or bool(np.isnan(value))
    except TypeError:  # pandas.NA and other non-numbers
        import pandas as pd

        return bool(pd.isna(value))


def _plain(value):
    """NaN / pandas.NA -> None, numpy scalars -> Python numbers (a row of a table or a dict)."""
    if isinstance(value, str) or value is None:
        return value
    if _missing(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def recommendation(row, n_samples, n_parameters):
    """The headline answer, from the ``"auto"`` row of :func:`compare_methods`.

    Parameters
    ----------
    row : mapping
        A row of the table (or a dict) with ``sample_size``, ``extrapolated``,
        ``low``, ``high``, ``status`` and ``error``.
    n_samples : int
        The rows at hand.
    n_parameters : int
        The parameters of the model (features plus intercept).

    Returns
    -------
    recommendation : dict
        ``method``, ``n_rows``, ``n_parameters``, ``sample_size`` (m*, or None),
        ``extrapolated`` (the forecast past the data, or None), ``low`` and
        ``high`` (the 95 % interval of whichever is given), ``status``,
        ``rows_per_parameter``, ``enough`` (True, False or None when
        undetermined), ``more_rows`` (the forecast's rows beyond the data) and
        ``text``: one sentence that says all of it.

    Examples
    --------
    >>> from skcomplexity.sample_size.facade import recommendation
    >>> rec = recommendation({"sample_size": 120, "low": 101.0, "high": 140.0,
    ...                       "status": "enough"}, n_samples=500, n_parameters=4)
    >>> rec["text"]
    'Recommended sample size: 120 rows (95% interval 101-140), 30 rows per parameter (4 parameters); the 500 rows at hand are enough.'
    """
    get = {k: _plain(row.get(k)) for k in
           ("sample_size", "extrapolated", "low", "high", "status", "error")}
    rec = {"method": "auto", "n_rows": int(n_samples), "n_parameters": int(n_parameters),
           "sample_size": get["sample_size"], "extrapolated": get["extrapolated"],
           "low": get["low"], "high": get["high"], "status": get["status"],
           "rows_per_parameter": None, "enough": None, "more_rows": None}
    if rec["sample_size"] is not None:
        rec["sample_size"] = int(rec["sample_size"])
    if get["error"]:
        rec["text"] = f"No recommendation: the default method failed ({get['error']})."
        return rec
    size = rec["sample_size"] if rec["sample_size"] is not None else rec["extrapolated"]
    status = rec["status"]
    span = format_interval(rec["low"], rec["high"], rounded=status == "more data")
    per = ""
    if size is not None:
        rec["rows_per_parameter"] = size / n_parameters
        per = f"{size / n_parameters:,.0f} rows per parameter ({n_parameters} parameters)"
    if status in ("enough", "edge") and size is not None:
        rec["enough"] = True
        tail = (f"the {n_samples:,} rows at hand are enough" if status == "enough" else
                f"the {n_samples:,} rows at hand are just enough: the interval reaches past "
                "them, more rows would settle it")
        rec["text"] = (f"Recommended sample size: {size:,} rows (95% interval {span}), {per}; "
                       f"{tail}.")
    elif status == "more data" and size is not None:
        rec["enough"] = False
        rec["more_rows"] = max(size - n_samples, 0.0)
        rec["text"] = (f"Recommended sample size: about {format_size(size)} rows (95% interval "
                       f"{span}), {per}; the {n_samples:,} rows at hand are not enough: about "
                       f"{format_size(max(size - n_samples, 0))} more rows of the same kind (a "
                       "forecast).")
    elif status == "beyond cap":
        rec["enough"] = False
        rec["text"] = (f"Recommended sample size: more than {FORECAST_CAP} times the "
                       f"{n_samples:,} rows at hand (no forecast that far is a number to act "
                       "on); the rows at hand are not enough for this model and threshold.")
    else:
        rec["text"] = (f"Recommended sample size: undetermined on the {n_samples:,} rows at hand "
                       "(the criterion did not settle and its trend does not approach the "
                       "threshold; raise the replicates, n_repeats, or check the model suits "
                       "the data).")
    return rec


class SufficientSampleSize(BaseEstimator):
    """Sufficient sample size by any method of the package, chosen by name.

    A thin scikit-learn-compatible wrapper: ``fit`` builds the estimator
    registered under ``method`` (see :data:`METHODS`) with the keyword
    arguments in ``params`` plus ``random_state``, ``n_jobs`` and ``verbose``
    (forwarded where the method takes them), fits it, and copies the common
    results. ``params`` is a dict rather than ``**kwargs`` so that
    ``get_params``/``set_params``/``clone`` and grid searches keep working:
    ``set_params(params={"threshold": 0.1})``.

    Parameters
    ----------
    method : str, default="auto"
        ``"auto"``: KL-sufficiency with the noise variance estimated from the
        data, an absolute threshold of 0.01 nats per added object, a criterion
        robust to single objects and m* read off its fitted law (see
        :data:`AUTO`), chosen because its answer is set by the data rather than
        by the grid, the seed, the units or where a relative threshold sits. Otherwise one of ``"lagrange"``, ``"likelihood-ratio"``, ``"wald"``,
        ``"cross-validation"``, ``"bootstrap"``, ``"apvc"``, ``"acc"``, ``"alc"``,
        ``"utility"``, ``"kl-neighbours"``, ``"d-sufficiency"``,
        ``"m-sufficiency"``, ``"kl-sufficiency"``, ``"s-sufficiency"``,
        ``"landscape"`` (needs torch). Every built-in model resolves
        ``family="auto"`` (least squares for a continuous target, logistic
        regression for a binary one), so the default works for regression and
        binary classification without further settings.
    params : dict or None, default=None
        Hyper-parameters of the chosen method, e.g. ``{"threshold": 0.1}``.
        Must not repeat ``random_state``, ``n_jobs`` or ``verbose``.
    random_state : int, RandomState or None, default=None
    n_jobs : int or None, default=None
    verbose : int, default=0

    Attributes
    ----------
    estimator_ : estimator
        The fitted underlying method.
    sample_size_ : int or None
        ``m*``; None when the data at hand never reach the criterion.
    sizes_, criterion_, criterion_std_ : ndarray
        The curve the decision was read from (None for a method that has no
        curve, e.g. a closed-form test).
    threshold_ : float or None
    sample_size_interval_ : (float, float) or None
        The 95 % interval of ``m*`` from resampling the method's replicates
        (no refits); its upper end is ``inf`` when the data do not settle it.
    extrapolated_size_ : float or None
        Only when ``sample_size_`` is None for a criterion that must fall
        below an absolute threshold (the default): the size at which the
        criterion's fitted trend reaches the threshold (for the default, the
        law ``A / (k - p - 1)``), so that "not enough data" comes with how
        much more would do. A warning says so. None otherwise, and past 100
        times the data at hand (``status_ == "beyond cap"``).
    extrapolated_interval_ : (float, float) or None
        Its 95 % interval.
    status_ : str or None
        "enough", "edge" (m* within the data, its interval past them),
        "more data", "beyond cap" or "undetermined" (None for a method without a
        curve).
    n_samples_seen_ : int
    method_ : str

    Examples
    --------
    >>> from skcomplexity.datasets import make_linear_regression
    >>> from skcomplexity.sample_size.facade import SufficientSampleSize
    >>> X, y = make_linear_regression(200, 5, random_state=0)
    >>> sss = SufficientSampleSize("s-sufficiency", random_state=0,
    ...                            params={"n_repeats": 20}).fit(X, y)
    >>> type(sss.estimator_).__name__, sss.sample_size_ <= 200
    ('SSufficiency', True)
    """

    # the keys of ``params`` depend on the method: checked in _build, and their values by
    # the method's own _parameter_constraints when it is fitted
    _parameter_constraints = {
        "method": [StrOptions({"auto", *METHODS})],
        "params": [dict, None],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(self, method="auto", *, params=None, random_state=None, n_jobs=None,
                 verbose=0):
        self.method = method
        self.params = params
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _resolved(self):
        if self.method == "auto":
            return AUTO
        return self.method, {}

    def _build(self):
        name, defaults = self._resolved()
        cls = get_method(name)
        params = {} if self.params is None else self.params
        clash = sorted(set(params) & set(_FORWARDED))
        if clash:
            raise ValueError(
                f"params must not contain {clash}; pass them to SufficientSampleSize itself."
            )
        accepted = cls().get_params(deep=False)
        unknown = sorted(set(params) - set(accepted))
        if unknown:
            raise ValueError(
                f"params has {unknown}, which method={self.method!r} ({cls.__name__}) does not "
                f"take; it takes {sorted(accepted)}."
            )
        kwargs = {**defaults, **params}
        for name in _FORWARDED:
            if name in accepted:
                kwargs[name] = getattr(self, name)
        return cls(**kwargs)

    # not skipping nested validation: the method's parameters come from the user's params
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit the chosen method.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : object
        """
        est = self._build().fit(X, y)
        self.estimator_ = est
        self.method_ = self._resolved()[0]
        for name in _COMMON:
            setattr(self, name, getattr(est, name, None))
        # (not getattr's default: np.asarray of a CUDA tensor raises)
        self.n_features_in_ = (est.n_features_in_ if hasattr(est, "n_features_in_")
                               else np.asarray(X).shape[1])
        if hasattr(est, "feature_names_in_"):
            self.feature_names_in_ = est.feature_names_in_
        return self

    def plot(self, ax=None, **kwargs):
        """Plot the criterion curve of the underlying method (its own ``plot``)."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.plot(ax=ax, **kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        # binary classification or regression targets; three or more classes are an error
        tags.classifier_tags = ClassifierTags(multi_class=False)
        tags.non_deterministic = self.random_state is None
        return tags


def compare_methods(X, y, methods=None, *, params=None, random_state=None, n_jobs=None,
                    verbose=0, errors="raise", return_estimators=False, progress=False,
                    recommend=True):
    """Run several methods on the same data and tabulate ``m*``, the recommendation first.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    methods : list of str or None, default=None
        Names from :data:`METHODS` (or ``"auto"``); None: the eleven methods of
        the dissertation's comparison table (nine classical methods, KL- and
        S-sufficiency).
    params : dict of {str: dict} or None, default=None
        Per-method hyper-parameters, e.g. ``{"kl-sufficiency": {"n_repeats": 50}}``.
    random_state, n_jobs, verbose :
        Forwarded to every method. With the same ``random_state`` and settings,
        D- and M-sufficiency bootstrap the same replicates, so the second reuses
        the first's; likewise APVC, ACC, ALC and utility share their prepared data and posteriors,
        and KL- and S-sufficiency their neighbour criteria
        (:func:`~skcomplexity.sample_size._shared.share_computations`): the same numbers
        as fitting each alone, at the cost of one.
    errors : {"raise", "record"}, default="raise"
        "record" puts a failing method's exception text in the ``error``
        column instead of raising.
    return_estimators : bool, default=False
        Also return a dict ``{method: fitted SufficientSampleSize}``.
    progress : bool, default=False
        Show a tqdm progress bar over the methods.
    recommend : bool, default=True
        Lead with the recommended default: run ``method="auto"`` first (unless
        ``methods`` lists it already, then its row moves to the top) and put
        its answer in ``table.attrs["recommendation"]``. False: exactly the
        methods listed, in their order, and no recommendation (unless
        ``"auto"`` is among them).

    Returns
    -------
    table : pandas.DataFrame
        Indexed by method, with columns ``sample_size`` (NaN when the data at
        hand are not enough), ``extrapolated`` (then, for an absolute
        threshold, the size the criterion's trend reaches it at; see
        ``SufficientSampleSize.extrapolated_size_``), ``low`` and ``high``
        (the 95 % interval of whichever of the two is given), ``status``,
        ``threshold`` (``threshold_``: the level on the criterion's scale) with
        its ``threshold_unit``, ``question`` (what the method's ``m*`` answers), ``seconds``, ``n_sizes``, ``estimator`` (class name)
        and ``error``. ``table.attrs["recommendation"]`` is the ``"auto"`` row
        read as one answer (see :func:`recommendation`: m*, its interval,
        rows per parameter, whether the rows at hand suffice, the forecast,
        and a sentence saying so), or None.
    estimators : dict
        Only with ``return_estimators=True``: the fitted front doors by method.

    Examples
    --------
    >>> from skcomplexity.datasets import make_linear_regression
    >>> from skcomplexity.sample_size.facade import compare_methods
    >>> X, y = make_linear_regression(150, 3, random_state=0)
    >>> table = compare_methods(X, y, ["s-sufficiency"], random_state=0,
    ...                         params={"auto": {"n_repeats": 10},
    ...                                 "s-sufficiency": {"n_repeats": 10}})
    >>> list(table.index), list(table.columns[:5])
    (['auto', 's-sufficiency'], ['sample_size', 'extrapolated', 'low', 'high', 'status'])
    >>> table.attrs["recommendation"]["text"].startswith("Recommended sample size")
    True
    """
    import pandas as pd

    from ._shared import share_computations

    if errors not in ("raise", "record"):
        raise ValueError(f"errors must be 'raise' or 'record', got {errors!r}.")
    methods = list(TABLE_4_6_METHODS if methods is None else methods)
    if recommend:
        methods = ["auto"] + [m for m in methods if m != "auto"]
    params = {} if params is None else params
    unknown = sorted(set(params) - set(methods))
    if unknown:
        raise ValueError(f"params has entries for {unknown}, which are not in methods.")
    rows, fitted = [], {}
    iterator = methods
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(methods, desc="sample-size methods")
    # D and M: the same replicates, fitted once; APVC, ACC, ALC, utility and KL between
    # neighbours: the same posteriors; KL- and S-sufficiency: the same neighbour criteria
    with share_computations():
        for name in iterator:
            _compare_one(name, X, y, params, random_state, n_jobs, verbose, errors, progress,
                         iterator, rows, fitted)
    table = pd.DataFrame(rows).set_index("method")
    table["sample_size"] = table["sample_size"].astype("Int64")
    table.attrs["recommendation"] = None
    if "auto" in table.index:
        auto = fitted.get("auto")
        n_features = getattr(auto, "n_features_in_", None) or np.shape(X)[1]
        intercept = getattr(getattr(auto, "estimator_", None), "fit_intercept", True)
        table.attrs["recommendation"] = recommendation(
            table.loc["auto"].to_dict(), len(y), n_features + int(bool(intercept)))
    return (table, fitted) if return_estimators else table


def _compare_one(name, X, y, params, random_state, n_jobs, verbose, errors, progress, iterator,
                 rows, fitted):
    """Fit one method of :func:`compare_methods` and append its row."""
    if progress:
        iterator.set_postfix_str(name)
    row = {"method": name, "sample_size": np.nan, "extrapolated": np.nan, "low": np.nan,
           "high": np.nan, "status": None, "threshold": np.nan, "threshold_unit": None,
           "question": None, "seconds": np.nan, "n_sizes": np.nan, "estimator": None,
           "error": None}
    start = time.perf_counter()
    try:
        sss = SufficientSampleSize(name, params=params.get(name), random_state=random_state,
                                   n_jobs=n_jobs, verbose=verbose)
        cls = get_method(name)
        row.update(question=cls.question, threshold_unit=cls.threshold_unit)
        sss.fit(X, y)
    except Exception as exc:  # noqa: BLE001 - recorded on request
        if errors == "raise":
            raise
        row["error"] = f"{type(exc).__name__}: {exc}"
    else:
        fitted[name] = sss
        interval = sss.sample_size_interval_ or sss.extrapolated_interval_
        if interval is not None:
            row.update(low=interval[0], high=interval[1])
        row.update(
            status=sss.status_,
            sample_size=np.nan if sss.sample_size_ is None else sss.sample_size_,
            extrapolated=np.nan if sss.extrapolated_size_ is None else sss.extrapolated_size_,
            threshold=np.nan if sss.threshold_ is None else sss.threshold_,
            n_sizes=np.nan if sss.sizes_ is None else len(sss.sizes_),
            estimator=type(sss.estimator_).__name__,
        )
    row["seconds"] = time.perf_counter() - start
    rows.append(row)
