"""SufficientSampleSize / compare_methods: dispatch, parameters, sklearn
compatibility, and the same answer on a local Dask cluster as with n_jobs=1."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from skcomplexity.datasets import make_linear_regression, make_logistic_regression
from skcomplexity.sample_size.facade import (
    METHODS,
    InsufficientDataWarning,
    SufficientSampleSize,
    compare_methods,
    get_method,
)
from skcomplexity.sample_size.sufficiency import KLSufficiency, SSufficiency

SMALL = {"n_repeats": 5, "sizes": 4}


def test_registry_is_plain_strings():
    assert all(isinstance(v, str) and v.count(":") == 1 for v in METHODS.values())
    assert {"d-sufficiency", "m-sufficiency", "kl-sufficiency", "s-sufficiency"} <= set(METHODS)
    with pytest.raises(ValueError, match="method must be one of"):
        get_method("nope")


@pytest.mark.parametrize("data", ["regression", "classification"])
def test_default_just_works(data):
    if data == "regression":
        X, y = make_linear_regression(150, 4, random_state=0)
    else:
        X, y = make_logistic_regression(150, 4, random_state=0)
    sss = SufficientSampleSize(random_state=0, params={"n_repeats": 50, "sizes": 8}).fit(X, y)
    assert sss.method_ == "kl-sufficiency"
    assert sss.sample_size_ is None or 6 <= sss.sample_size_ <= 150
    for name in ("sizes_", "criterion_", "criterion_std_", "threshold_"):
        np.testing.assert_array_equal(getattr(sss, name), getattr(sss.estimator_, name))
    assert sss.n_samples_seen_ == 150


def test_forwarding_and_same_result_as_direct():
    X, y = make_linear_regression(120, 3, random_state=0)
    sss = SufficientSampleSize("kl-sufficiency", random_state=3, params={"threshold": 0.1,
                                                                         "n_repeats": 10}).fit(X, y)
    direct = KLSufficiency(threshold=0.1, n_repeats=10, random_state=3).fit(X, y)
    assert sss.estimator_.random_state == 3 and sss.estimator_.threshold == 0.1
    assert sss.sample_size_ == direct.sample_size_
    np.testing.assert_array_equal(sss.criterion_, direct.criterion_)
    # clone/get_params keep working with the params dict
    c = clone(sss).set_params(params={"threshold": 0.2})
    assert c.get_params()["params"] == {"threshold": 0.2}


def test_bad_params():
    X, y = make_linear_regression(60, 3, random_state=0)
    with pytest.raises(ValueError, match="does not take"):
        SufficientSampleSize("kl-sufficiency", params={"bogus": 1}).fit(X, y)
    with pytest.raises(ValueError, match="random_state"):
        SufficientSampleSize("kl-sufficiency", params={"random_state": 1}).fit(X, y)
    with pytest.raises(TypeError, match="'params' parameter .* must be an instance of 'dict'"):
        SufficientSampleSize("kl-sufficiency", params=[1]).fit(X, y)
    with pytest.raises(ValueError, match="'method' parameter .* must be a str among"):
        SufficientSampleSize("magic").fit(X, y)


def test_plot():
    import matplotlib

    matplotlib.use("Agg")
    X, y = make_linear_regression(60, 3, random_state=0)
    sss = SufficientSampleSize("s-sufficiency", random_state=0, params=SMALL).fit(X, y)
    disp = sss.plot()
    # what is drawn is the method's own curve: the estimator fitted directly, same seed
    direct = SSufficiency(random_state=0, **SMALL).fit(X, y)
    np.testing.assert_array_equal(disp.line_.get_xdata(), direct.sizes_)
    np.testing.assert_array_equal(disp.line_.get_ydata(), direct.criterion_)
    # the threshold line at the s-score's level 1 - threshold (default threshold 0.01)
    level = [ln.get_ydata()[0] for ln in disp.ax_.lines if ln.get_label() == "threshold"]
    assert level == [pytest.approx(1 - 0.01, abs=1e-15)] and direct.threshold_ == level[0]
    # m*, where the line is drawn, is the direct fit's
    marks = [ln.get_xdata()[0] for ln in disp.ax_.lines if ln.get_label().startswith("m* =")]
    assert marks == ([] if direct.sample_size_ is None else [direct.sample_size_])
    assert sss.sample_size_ == direct.sample_size_


def test_compare_methods_table():
    X, y = make_linear_regression(100, 3, random_state=0)
    table = compare_methods(
        X, y, ["d-sufficiency", "kl-sufficiency", "s-sufficiency"], random_state=0,
        params={"d-sufficiency": SMALL, "kl-sufficiency": {"n_repeats": 5},
                "s-sufficiency": {"n_repeats": 5}}, recommend=False,
    )
    assert table.attrs["recommendation"] is None
    assert list(table.index) == ["d-sufficiency", "kl-sufficiency", "s-sufficiency"]
    assert {"sample_size", "threshold", "seconds", "estimator", "error"} <= set(table.columns)
    assert (table["seconds"] > 0).all()
    assert table.loc["kl-sufficiency", "estimator"] == "KLSufficiency"
    recorded = compare_methods(X, y, ["d-sufficiency"], params={"d-sufficiency": {"bad": 1}},
                               errors="record", recommend=False)
    assert "does not take" in recorded.loc["d-sufficiency", "error"]
    with pytest.raises(ValueError, match="not in methods"):
        compare_methods(X, y, ["d-sufficiency"], params={"s-sufficiency": {}})


def test_compare_methods_leads_with_the_recommendation():
    X, y = make_linear_regression(150, 3, random_state=0)
    table, fitted = compare_methods(X, y, ["wald", "s-sufficiency"], random_state=0,
                                    params={"auto": {"n_repeats": 10},
                                            "s-sufficiency": {"n_repeats": 5}},
                                    return_estimators=True)
    assert list(table.index) == ["auto", "wald", "s-sufficiency"]
    rec = table.attrs["recommendation"]
    auto = fitted["auto"]
    # the same numbers as the front door's default on its own
    alone = SufficientSampleSize(random_state=0, params={"n_repeats": 10}).fit(X, y)
    assert rec["sample_size"] == alone.sample_size_ == auto.sample_size_
    assert rec["status"] == alone.status_
    lo, hi = alone.sample_size_interval_ or alone.extrapolated_interval_
    assert (rec["low"], rec["high"]) == pytest.approx((lo, hi))
    assert rec["n_rows"] == 150 and rec["n_parameters"] == 4
    assert rec["enough"] is (alone.status_ in ("enough", "edge"))
    assert rec["text"].startswith("Recommended sample size")
    # every row says what it answers, with its threshold's unit, read off the classes
    from skcomplexity.sample_size import KLSufficiency, SSufficiency, WaldSampleSize

    assert table.loc["auto", "question"] == KLSufficiency.question
    assert table.loc["wald", "question"] == WaldSampleSize.question
    assert table.loc["auto", "threshold_unit"] == "nats per added row"
    assert table.loc["wald", "threshold_unit"] == "power"
    assert table.loc["s-sufficiency", "threshold_unit"] == SSufficiency.threshold_unit
    # "auto" listed later moves to the top; recommend=False keeps the order as given
    assert list(compare_methods(X, y, ["wald", "auto"], params={"auto": {"n_repeats": 5}},
                                random_state=0).index) == ["auto", "wald"]
    assert list(compare_methods(X, y, ["wald"], recommend=False).index) == ["wald"]


def test_every_method_states_its_question_and_threshold_unit():
    import importlib.util

    from skcomplexity.sample_size import LogisticZTestSampleSize
    from skcomplexity.sample_size.facade import METHODS, get_method

    torch = importlib.util.find_spec("torch") is not None
    classes = {name: get_method(name) for name in METHODS if name != "landscape" or torch}
    classes["z-test"] = LogisticZTestSampleSize
    for name, cls in classes.items():
        assert isinstance(cls.question, str) and cls.question.endswith("?"), name
        assert isinstance(cls.threshold_unit, str) and cls.threshold_unit, name
        assert cls.criterion_label != "criterion", name
    assert len({cls.question for cls in classes.values()}) == len(classes)


@pytest.mark.parametrize("processes", [False, True])
def test_dask_backend_gives_same_answer(processes):
    # processes=False uses dask's in-process transport (no socket at all; passing host= to it
    # fails in distributed 2026.x); processes=True binds the scheduler and workers to 127.0.0.1.
    pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    from joblib import parallel_config

    X, y = make_linear_regression(120, 3, random_state=0)
    params = {"n_repeats": 20, "sizes": 5}
    ref = SufficientSampleSize("d-sufficiency", random_state=0, n_jobs=1, params=params).fit(X, y)
    ref_kl = SufficientSampleSize("kl-sufficiency", random_state=0, n_jobs=1,
                                  params={"n_repeats": 40}).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        host = {"host": "127.0.0.1"} if processes else {}
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=processes,
                                      dashboard_address=None, **host) as cluster, \
                distributed.Client(cluster), parallel_config(backend="dask"):
            out = SufficientSampleSize("d-sufficiency", random_state=0, n_jobs=2,
                                       params=params).fit(X, y)
            out_kl = SufficientSampleSize("kl-sufficiency", random_state=0, n_jobs=2,
                                          params={"n_repeats": 40}).fit(X, y)
    np.testing.assert_array_equal(out.estimator_.loss_replicates_, ref.estimator_.loss_replicates_)
    assert out.sample_size_ == ref.sample_size_
    np.testing.assert_array_equal(out_kl.criterion_, ref_kl.criterion_)
    assert out_kl.sample_size_ == ref_kl.sample_size_


@parametrize_with_checks([
    SufficientSampleSize(random_state=0, params={"n_repeats": 3, "sizes": 3}),
    SufficientSampleSize("s-sufficiency", random_state=0, params={"n_repeats": 3, "sizes": 3}),
])
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        # the checks' data are tiny by design: that they are too small is what the estimator
        # should say to a user, and only noise here (test_extrapolation.py tests the warning)
        warnings.simplefilter("ignore", InsufficientDataWarning)
        check(estimator)


def test_insufficient_data_warning_points_at_the_callers_line():
    # not at sklearn/base.py (_fit_context) nor at the front door's fit: at this file
    from skcomplexity.sample_size import KLSufficiency

    X, y = make_linear_regression(60, 3, random_state=0)  # KL needs ~180 rows: a forecast
    calls = [
        lambda: KLSufficiency(n_repeats=10, random_state=0).fit(X, y),
        lambda: SufficientSampleSize(random_state=0, params={"n_repeats": 10}).fit(X, y),
        lambda: compare_methods(X, y, [], random_state=0, params={"auto": {"n_repeats": 10}}),
    ]
    for call in calls:
        with pytest.warns(InsufficientDataWarning, match="do not reach the criterion") as record:
            call()
        hits = [w for w in record if issubclass(w.category, InsufficientDataWarning)]
        assert hits and {w.filename for w in hits} == {__file__}


def test_the_readme_method_table_is_the_classes_own_words():
    from pathlib import Path

    from skcomplexity.sample_size.facade import METHODS, get_method

    readme = Path(__file__).resolve().parents[2] / "README.md"
    if not readme.exists():
        pytest.skip("no README.md in this installation")
    rows = {}
    for line in readme.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`") and cells[0].strip("`") in METHODS:
            rows[cells[0].strip("`")] = (cells[1], cells[2])
    assert set(rows) == set(METHODS)
    for name, (question, unit) in rows.items():
        if name == "landscape":
            continue  # importing it needs torch
        cls = get_method(name)
        assert (question, unit) == (cls.question, cls.threshold_unit), name
