from importlib import resources

import numpy as np
import pandas as pd
from sklearn.utils import Bunch, check_random_state

_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

_DESCR = {
    "boston": "Boston Housing (Harrison & Rubinfeld, 1978; StatLib). 506 x 13, regression "
    "(median home value). Kept for reproducing the dissertation's tables; note the data set's "
    "known ethical problem with the 'black' column.",
    "servo": "UCI Servo (Quinlan, 1992; CC BY 4.0). 167 x 4, regression. 'motor' and 'screw' "
    "letters A-E are mapped to 1..5.",
    "forest_fires": "UCI Forest Fires (Cortez & Morais, 2007; CC BY 4.0). 517 x 12, regression "
    "(burned area). 'month' mapped to 0..11 and 'day' to 0..6.",
    "nba": "NBA rookie 5-year career (binary classification), 19 features; rows with missing "
    "values are dropped.",
    "abalone": "UCI Abalone (CC BY 4.0). 4177 x 8; the target is the sex coded 0/1/2 "
    "(three-class classification).",
}


def _read(name):
    with resources.files("skcomplexity.datasets").joinpath("data", name).open("r") as fh:
        return pd.read_csv(fh)


def _finish(frame, target, key, return_X_y, as_frame):
    X = frame.drop(columns=[target]).astype(float)
    y = frame[target]
    if return_X_y:
        return (X, y) if as_frame else (X.to_numpy(), y.to_numpy())
    return Bunch(
        data=X if as_frame else X.to_numpy(),
        target=y if as_frame else y.to_numpy(),
        frame=frame if as_frame else None,
        feature_names=list(X.columns),
        target_names=[target],
        DESCR=_DESCR[key],
    )


def load_boston(*, return_X_y=False, as_frame=False):
    """Load the Boston Housing regression data (506 x 13).

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.
    as_frame : bool, default=False
        Return pandas objects.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch` or tuple
        ``data``, ``target``, ``feature_names``, ``frame`` and ``DESCR``.

    Examples
    --------
    >>> from skcomplexity.datasets import load_boston
    >>> X, y = load_boston(return_X_y=True)
    >>> X.shape
    (506, 13)
    """
    return _finish(_read("boston.csv"), "answer", "boston", return_X_y, as_frame)


def load_servo(*, return_X_y=False, as_frame=False):
    """Load the UCI Servo regression data (167 x 4); letters A-E map to 1..5.

    Examples
    --------
    >>> from skcomplexity.datasets import load_servo
    >>> load_servo(return_X_y=True)[0].shape
    (167, 4)
    """
    frame = _read("servo.csv")
    for col in ("motor", "screw"):
        frame[col] = frame[col].map({c: i + 1 for i, c in enumerate("ABCDE")})
    return _finish(frame, "answer", "servo", return_X_y, as_frame)


def load_forest_fires(*, return_X_y=False, as_frame=False):
    """Load the UCI Forest Fires regression data (517 x 12); month/day map to integers.

    Examples
    --------
    >>> from skcomplexity.datasets import load_forest_fires
    >>> load_forest_fires(return_X_y=True)[0].shape
    (517, 12)
    """
    frame = _read("forestfires.csv")
    frame["month"] = frame["month"].map({m: i for i, m in enumerate(_MONTHS)})
    frame["day"] = frame["day"].map({d: i for i, d in enumerate(_DAYS)})
    return _finish(frame, "answer", "forest_fires", return_X_y, as_frame)


def load_nba(*, return_X_y=False, as_frame=False):
    """Load the NBA rookie binary-classification data (rows with NaN dropped).

    Examples
    --------
    >>> from skcomplexity.datasets import load_nba
    >>> X, y = load_nba(return_X_y=True)
    >>> sorted(set(y.tolist()))
    [0, 1]
    """
    frame = _read("nba.csv").dropna().reset_index(drop=True)
    frame["answer"] = frame["answer"].astype(int)
    return _finish(frame, "answer", "nba", return_X_y, as_frame)


def load_abalone(*, return_X_y=False, as_frame=False):
    """Load the UCI Abalone data (4177 x 8) with the sex (0/1/2) as target.

    Examples
    --------
    >>> from skcomplexity.datasets import load_abalone
    >>> load_abalone(return_X_y=True)[0].shape
    (4177, 8)
    """
    frame = _read("abalone.csv")
    frame["answer"] = frame["answer"].astype(int)
    return _finish(frame, "answer", "abalone", return_X_y, as_frame)


def load_diabetes(*, return_X_y=False, as_frame=False):
    """scikit-learn's Diabetes data (442 x 10), the "Diabetes" of Tables 4.2 and 4.6."""
    from sklearn.datasets import load_diabetes as _sk

    return _sk(return_X_y=return_X_y, as_frame=as_frame)


_LOADERS = {
    "boston": load_boston,
    "servo": load_servo,
    "forest_fires": load_forest_fires,
    "forestfires": load_forest_fires,
    "nba": load_nba,
    "abalone": load_abalone,
    "diabetes": load_diabetes,
}


def load_dataset(name, *, return_X_y=True, as_frame=False):
    """Load a bundled data set by name (boston, servo, forest_fires, nba, abalone, diabetes)."""
    try:
        loader = _LOADERS[name.lower().replace("-", "_").replace(" ", "_")]
    except KeyError:
        raise ValueError(
            f"Unknown data set {name!r}; choose one of {sorted(set(_LOADERS) - {'forestfires'})}."
        ) from None
    return loader(return_X_y=return_X_y, as_frame=as_frame)


def make_linear_regression(n_samples=1000, n_features=20, *, noise=1.0, prior_precision=1.0,
                           random_state=None, return_coef=False):
    """Synthetic data from the linear model of the text (§4.6).

    ``X ~ N(0, I)``, ``w ~ N(0, prior_precision^-1 I)``, ``y = X w + e`` with
    ``e ~ N(0, noise^2)``; no intercept.

    Examples
    --------
    >>> from skcomplexity.datasets import make_linear_regression
    >>> X, y = make_linear_regression(100, 5, random_state=0)
    >>> X.shape, y.shape
    ((100, 5), (100,))
    """
    rng = check_random_state(random_state)
    X = rng.standard_normal((n_samples, n_features))
    w = rng.standard_normal(n_features) / np.sqrt(prior_precision)
    y = X @ w + noise * rng.standard_normal(n_samples)
    return (X, y, w) if return_coef else (X, y)


def make_logistic_regression(n_samples=1000, n_features=20, *, prior_precision=1.0,
                             random_state=None, return_coef=False):
    """Synthetic data from the logistic model of the text (§4.6).

    ``X ~ N(0, I)``, ``w ~ N(0, prior_precision^-1 I)``, ``y ~ Bernoulli(sigmoid(X w))``
    in {0, 1}; no intercept.

    Examples
    --------
    >>> from skcomplexity.datasets import make_logistic_regression
    >>> X, y = make_logistic_regression(100, 5, random_state=0)
    >>> set(y) <= {0, 1}
    True
    """
    rng = check_random_state(random_state)
    X = rng.standard_normal((n_samples, n_features))
    w = rng.standard_normal(n_features) / np.sqrt(prior_precision)
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    y = (rng.uniform(size=n_samples) < p).astype(int)
    return (X, y, w) if return_coef else (X, y)
