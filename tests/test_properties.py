"""Property-based tests: every public front door on generated real-world-ish data.

Each sample-size estimator, :class:`SufficientSampleSize`, :func:`compare_methods`
and the command line get generated data of the kinds real data bring (NaN, inf,
strings, constant and duplicated columns, separable classes, tiny samples,
three-class and string targets) and generated settings (valid and invalid), and
must answer with either

* a ``ValueError``/``TypeError`` whose message names the problem, or
* a finite, sane result (``m*`` None or a positive integer of sane size, a
  finite criterion curve on an increasing grid),

never another exception type (IndexError, LinAlgError, UFuncTypeError, ...)
and never an absurd number. The command line exits non-zero when nothing
could be computed.

Kept small (few examples, small data, a fixed derandomised search) so that the
whole file runs in well under two minutes on two cores.
"""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skcomplexity.cli import main
from skcomplexity.sample_size.facade import (
    METHODS,
    SufficientSampleSize,
    compare_methods,
    get_method,
)

SETTINGS = settings(max_examples=8, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])

#: landscape trains a network and learning-curve a user's estimator (their own tests cover
#: their input errors: tests/sample_size/test_landscape.py, test_learning_curve.py)
NUMPY_METHODS = sorted(m for m in METHODS if m not in ("landscape", "learning-curve"))
STATISTICAL = ("lagrange", "likelihood-ratio", "wald")
#: A forecast this large is not an answer but an overflow of an unidentifiable fit.
ABSURD = 10**7

#: data category -> regex the error message must match; None: an answer is expected
CATEGORIES = {
    "clean": None,
    "binary": None,
    "string-binary": None,
    "constant-column": None,
    "duplicated-column": None,
    "separable": None,
    "smallest-n": None,
    "nan": r"NaN",
    "inf": r"[Ii]nfinity|inf",
    "string-column": r"could not convert|string|numeric",
    "too-few-rows": r"samples|too few|at least",
    "three-class": r"3 classes",
    "string-three-class": r"3 classes",
    "constant-target": r"constant|single class",
}
#: where an answer is expected, the clear errors that are still acceptable
ACCEPTABLE = {
    # too few objects for a grid, or for the model on a subsample
    "smallest-n": r"samples|too few|at least|subsample|grid",
    # with one feature which is constant, nothing is left to test or fit
    "constant-column": r"identifiable|aliased|constant",
}


def _small_params(name):
    """Cheap settings of a method (few replicates, a coarse grid)."""
    params = get_method(name)().get_params()
    wanted = {"n_repeats": 2, "sizes": 3, "random_state": 0, "method": "monte-carlo",
              "n_draws": 100}
    out = {k: v for k, v in wanted.items() if k in params}
    if name != "acc":  # ACC by Monte Carlo: its exact Imhof route takes ~30 s on tiny data
        out.pop("method", None)
        out.pop("n_draws", None)
    return out


def make_data(category, n, p, seed):
    """Generated ``X, y`` of one category (numpy arrays; object arrays for strings)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    w = rng.normal(size=p) + 0.5
    y = X @ w + rng.normal(size=n)
    if category == "binary":
        y = (y > np.median(y)).astype(float)
    elif category == "string-binary":
        y = np.where(y > np.median(y), "yes", "no").astype(object)
    elif category == "constant-column":
        X[:, rng.integers(p)] = 3.0
    elif category == "duplicated-column":
        X = np.c_[X, X[:, rng.integers(p)]]
    elif category == "separable":
        y = (X[:, 0] > 0).astype(float)
        y[np.argmin(X[:, 0])], y[np.argmax(X[:, 0])] = 0.0, 1.0  # both classes present
    elif category == "smallest-n":
        X, y = X[: p + 2], y[: p + 2]
    elif category == "nan":
        X[rng.integers(n), rng.integers(p)] = np.nan
    elif category == "inf":
        X[rng.integers(n), rng.integers(p)] = np.inf
    elif category == "string-column":
        X = X.astype(object)
        X[:, 0] = rng.choice(["red", "green"], n)
    elif category == "too-few-rows":
        X, y = X[: p + 1], y[: p + 1]
    elif category == "three-class":
        y = np.arange(n) % 3
    elif category == "string-three-class":
        y = np.array(["low", "mid", "high"], dtype=object)[np.arange(n) % 3]
    elif category == "constant-target":
        y = np.full(n, 1.5)
    return X, y


def check_answer(est, name, n):
    """A fitted front door's result is finite and sane."""
    m_star = est.sample_size_
    assert m_star is None or (isinstance(m_star, (int, np.integer)) and 1 <= m_star < ABSURD), \
        f"{name}: absurd m* = {m_star!r}"
    if name not in STATISTICAL and m_star is not None:
        assert m_star <= n, f"{name}: m* = {m_star} exceeds the {n} objects it looked at"
    sizes = np.asarray(est.sizes_)
    assert sizes.ndim == 1 and sizes.size >= 1 and np.all(np.diff(sizes) > 0)
    crit = np.asarray(est.criterion_, dtype=float)
    assert crit.shape == sizes.shape
    if m_star is not None:
        at = crit[sizes >= m_star]
        assert np.all(np.isfinite(at)), f"{name}: non-finite criterion where m* was read"


def clear_error(exc, category, name):
    """Whether ``exc`` is an acceptable, clear error for data of ``category``."""
    expected = CATEGORIES[category] or ACCEPTABLE.get(category)
    if expected is None:
        raise AssertionError(f"{name} on {category} data raised {exc!r}") from exc
    assert re.search(expected, str(exc)), f"{name} on {category}: unclear message {exc!r}"


def fit_or_clear_error(make, category, n, name):
    """Fit; accept only a clear ValueError/TypeError or a sane answer."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            est = make()
        except (ValueError, TypeError) as exc:
            clear_error(exc, category, name)
            return None
    assert CATEGORIES[category] is None, f"{name} accepted {category} data without an error"
    check_answer(est, name, n)
    return est


data_args = dict(n=st.integers(24, 48), p=st.integers(1, 3), seed=st.integers(0, 2**16))

def _fit_method(name, category, n, p, seed):
    X, y = make_data(category, n, p, seed)
    cls = get_method(name)
    fit_or_clear_error(lambda: cls(**_small_params(name)).fit(X, y), category, len(X), name)


@pytest.mark.parametrize("name", NUMPY_METHODS)
@settings(SETTINGS, max_examples=4)
@given(category=st.sampled_from(sorted(CATEGORIES)), **data_args)
def test_every_estimator_fit_gives_a_clear_error_or_a_sane_answer(name, category, n, p, seed):
    _fit_method(name, category, n, p, seed)


@pytest.mark.parametrize("category", sorted(CATEGORIES))
@settings(SETTINGS, max_examples=5)
@given(name=st.sampled_from(NUMPY_METHODS), **data_args)
def test_every_data_category_gives_a_clear_error_or_a_sane_answer(category, name, n, p, seed):
    _fit_method(name, category, n, p, seed)


@SETTINGS
@given(name=st.sampled_from(NUMPY_METHODS), category=st.sampled_from(sorted(CATEGORIES)),
       **data_args)
def test_sufficient_sample_size_front_door(name, category, n, p, seed):
    X, y = make_data(category, n, p, seed)
    params = {k: v for k, v in _small_params(name).items() if k != "random_state"}
    fit_or_clear_error(
        lambda: SufficientSampleSize(name, params=params, random_state=0).fit(X, y),
        category, len(X), name)


@SETTINGS
@given(names=st.lists(st.sampled_from(NUMPY_METHODS), min_size=1, max_size=2, unique=True),
       category=st.sampled_from(sorted(CATEGORIES)), **data_args)
def test_compare_methods_front_door(names, category, n, p, seed):
    X, y = make_data(category, n, p, seed)
    params = {m: {k: v for k, v in _small_params(m).items() if k != "random_state"}
              for m in names}
    expected = CATEGORIES[category]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            table = compare_methods(X, y, names, params=params, random_state=0,
                                    recommend=False)
        except (ValueError, TypeError) as exc:
            clear_error(exc, category, "compare_methods")
            return
    assert expected is None, f"compare_methods accepted {category} data"
    assert list(table.index) == names
    values = table["sample_size"].dropna().astype(int)
    assert np.all((values >= 1) & (values < ABSURD))


#: invalid settings shared by many methods: (parameter, value, regex of the message)
BAD_COMMON = [
    ("n_repeats", 0, "n_repeats"), ("n_repeats", 2.5, "n_repeats"),
    ("threshold", -1.0, "threshold"), ("threshold", np.nan, "threshold"),
    ("alpha", 1.5, "alpha"), ("alpha", 0.0, "alpha"), ("beta", -0.1, "beta"),
    ("sizes", 1, "sizes"), ("sizes", [0, 3], "sizes"), ("family", "poisson", "family"),
    ("fit_intercept", "yes", "fit_intercept"), ("prior_precision", -1.0, "prior_precision"),
    ("shift", 0.0, "shift"), ("shift", np.nan, "shift"), ("shift", 1e12, "shift"),
    ("noncentrality", "chi2", "noncentrality"), ("decision_rule", "last", "decision_rule"),
    ("threshold_mode", "percent", "threshold_mode"), ("sigma2", -2.0, "sigma2"),
]


@pytest.mark.parametrize("name, param, value, pattern", [
    (name, *bad) for name in NUMPY_METHODS for bad in BAD_COMMON
    if bad[0] in get_method(name)().get_params()
])
def test_bad_settings_are_clear_errors(name, param, value, pattern):
    cls = get_method(name)
    X, y = make_data("clean", 40, 2, 0)
    params = _small_params(name)
    params[param] = value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises((ValueError, TypeError), match=pattern):
            cls(**params).fit(X, y)


# ------------------------------------------------------------------- command line
CLI_METHODS = "lagrange,apvc"


@settings(max_examples=10, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(category=st.sampled_from(sorted(CATEGORIES) + ["categorical-column", "missing-values"]),
       n=st.integers(24, 40), seed=st.integers(0, 2**16))
def test_cli_exit_code_and_output(tmp_path, capsys, category, n, seed):
    rng = np.random.default_rng(seed)
    if category in ("categorical-column", "missing-values"):
        X, y = make_data("clean", n, 2, seed)
    else:
        X, y = make_data(category, n, 2, seed)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    if category == "categorical-column":
        frame["colour"] = rng.choice(["red", "green", "blue"], len(frame))
    if category == "missing-values":
        frame.loc[rng.choice(len(frame), 3, replace=False), "x1"] = np.nan
    frame["target"] = y
    path = tmp_path / f"{category}.csv"
    frame.to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rc = main(["sample-size", str(path), "--methods", CLI_METHODS, "--n-repeats", "2",
                   "--output", "none", "--quiet"])
    out, err = capsys.readouterr()
    assert rc in (0, 1, 2)
    if rc == 0:
        lines = out.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("method"))
        rows = [line.split() for line in lines[start + 1:]
                if line.split()[:1] and line.split()[0] in CLI_METHODS.split(",")]
        cells = [row[1].lstrip("~").replace(",", "") for row in rows]
        assert len(cells) == 2, out
        for c in cells:
            assert c in ("—", "-", "failed") or 1 <= int(c) < ABSURD, out
    else:
        assert err.startswith("error:"), err
    if category in ("nan", "inf", "three-class", "string-three-class"):
        # NaN in a feature is a missing value (dropped); the others are refused or fail
        if category != "nan":
            assert rc != 0
    if category == "missing-values":
        assert rc == 0 and "dropped 3 of" in out
    if category == "categorical-column":
        assert "colour (3 levels -> 2 columns)" in out
    if category == "constant-target":
        assert rc in (1, 2) and err.startswith("error:"), err


# ------------------------------------------------------------------------ scorers
SCORER_CATEGORIES = {
    "clean": None,
    "constant-column": None,
    "duplicated-column": None,
    "smallest-n": None,
    "nan": r"NaN",
    "inf": r"[Ii]nfinity|inf",
    "mismatched-lengths": r"different numbers|inconsistent numbers|lengths",
}


@settings(SETTINGS, max_examples=12)
@given(category=st.sampled_from(sorted(SCORER_CATEGORIES)),
       scorer=st.sampled_from(["landscape_scorer", "normalized_landscape_scorer",
                               "rademacher_scorer"]),
       task=st.sampled_from(["regression", "classification"]),
       n=st.integers(24, 40), seed=st.integers(0, 2**16))
def test_scorers_on_a_linear_model(category, scorer, task, n, seed):
    from sklearn.linear_model import LinearRegression, LogisticRegression

    from skcomplexity import metrics

    if "landscape" in scorer:
        pytest.importorskip("torch")
    data_category = {"mismatched-lengths": "clean", "smallest-n": "clean"}.get(category, category)
    X, y = make_data(data_category if data_category in CATEGORIES else "clean", n, 2, seed)
    if task == "classification":
        y = (y > np.median(y)).astype(int)
    X_fit = np.nan_to_num(np.asarray(X, dtype=float), nan=0.0, posinf=0.0)
    model = (LinearRegression() if task == "regression" else LogisticRegression()).fit(X_fit, y)
    if category == "smallest-n":
        X, y = X[:4], y[:4]
        if task == "classification":
            y = np.array([0, 1, 0, 1])
    if category == "mismatched-lengths":
        y = y[:-3]
    expected = SCORER_CATEGORIES[category]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = getattr(metrics, scorer)(model, X, y)
        except (ValueError, TypeError) as exc:
            assert expected is not None and re.search(expected, str(exc)), \
                f"{scorer} on {category}: {exc!r}"
            return
    if category == "mismatched-lengths" and scorer == "rademacher_scorer":
        expected = None  # the random-label complexity does not use y (documented)
    assert expected is None, f"{scorer} accepted {category} data"
    assert isinstance(value, float) and np.isfinite(value)
