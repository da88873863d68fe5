"""``--estimator``: a named estimator (or any importable one) for the learning-curve answer."""

import importlib

from ._errors import InputError

#: name -> what it is, for the help text and the errors
NAMED = {
    "linear": "LinearRegression, or LogisticRegression for a binary target",
    "ridge": "StandardScaler + Ridge, or + LogisticRegression for a binary target",
    "logistic": "StandardScaler + LogisticRegression (binary targets)",
    "hgb": "HistGradientBoostingRegressor / HistGradientBoostingClassifier",
    "rf": "RandomForestRegressor / RandomForestClassifier",
    "mlp": "StandardScaler + skcomplexity.neural.MLPRegressor / MLPClassifier (torch, skorch)",
}


def _named(name, binary):
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if name == "linear":
        return LogisticRegression(max_iter=1000) if binary else LinearRegression()
    if name == "ridge":
        return make_pipeline(StandardScaler(),
                             LogisticRegression(max_iter=1000) if binary else Ridge())
    if name == "logistic":
        if not binary:
            raise InputError("--estimator logistic needs a binary target; this target is "
                             "continuous (use linear, ridge, hgb, rf or mlp)")
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    if name == "hgb":
        return HistGradientBoostingClassifier() if binary else HistGradientBoostingRegressor()
    if name == "rf":
        return RandomForestClassifier() if binary else RandomForestRegressor()
    try:
        from ..neural import MLPClassifier, MLPRegressor
    except ImportError as exc:
        raise InputError(f"--estimator mlp needs torch and skorch ({exc}); pip install "
                         "'skcomplexity[neural]', or choose another estimator") from None
    return make_pipeline(StandardScaler(), MLPClassifier() if binary else MLPRegressor())


def _imported(path):
    module, sep, attr = path.partition(":")
    if not sep:  # also accept a dotted path: sklearn.svm.SVR
        module, _, attr = path.rpartition(".")
    if not module or not attr:
        raise InputError(f"--estimator {path!r}: give one of {', '.join(NAMED)}, or an "
                         "importable class as module:Class (e.g. sklearn.svm:SVR)")
    try:
        cls = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise InputError(f"--estimator {path!r} cannot be imported: {exc}") from None
    try:
        est = cls() if isinstance(cls, type) else cls
    except Exception as exc:  # noqa: BLE001 - any constructor failure is bad input
        raise InputError(f"--estimator {path!r} cannot be made without arguments: "
                         f"{type(exc).__name__}: {exc}") from None
    if not hasattr(est, "fit"):
        raise InputError(f"--estimator {path!r} is not an estimator (it has no fit method)")
    return est


def resolve(name, binary):
    """The estimator ``--estimator name`` means for this target (None: the method's default)."""
    if name is None:
        return None
    key = name.strip().lower()
    if key in NAMED:
        return _named(key, binary)
    if ":" in name or "." in name:
        return _imported(name.strip())
    raise InputError(f"unknown --estimator {name!r}; choose from {', '.join(NAMED)}, or give "
                     "an importable class as module:Class (e.g. sklearn.svm:SVR)")


def describe(est):
    """A short name of an estimator: ``StandardScaler + Ridge`` for a pipeline."""
    steps = getattr(est, "steps", None)
    if steps:
        return " + ".join(type(step).__name__ for _, step in steps)
    return type(est).__name__
