"""The ``skcomplexity sample-size`` command: the recommendation, the table, the JSON/CSV
output, input handling by column name, files, exit codes and signals (issue 20)."""

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LinearRegression

from skcomplexity.cli import _command, build_parser, main
from skcomplexity.cli._errors import InputError
from skcomplexity.cli._estimators import resolve
from skcomplexity.cli._files import check_output
from skcomplexity.datasets import load_servo
from skcomplexity.models._identifiability import IdentifiabilityWarning
from skcomplexity.sample_size import (
    APVCSampleSize,
    LagrangeMultiplierSampleSize,
    LearningCurveSampleSize,
    SufficientSampleSize,
    WaldSampleSize,
)

REPO = Path(__file__).resolve().parents[1]


def _json(capsys, argv):
    rc = main(["sample-size", *argv, "--format", "json", "--quiet"])
    out = capsys.readouterr().out
    assert rc == 0, out
    doc = json.loads(out)
    return doc, {m["method"]: m for m in doc["methods"]}


def _csv(tmp_path, frame, name="d.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


def _mixed_frame(n=80, seed=0):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    city = rng.choice(["north", "south", "west"], n)
    logit = 1.2 * a - 0.8 * b + (city == "west")
    y = np.where(rng.uniform(size=n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return pd.DataFrame({"a": a, "b": b, "city": pd.array(city, dtype="string"), "y": y})


def _linear_frame(n=150, p=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = X @ np.linspace(1.0, 0.3, p) + rng.normal(size=n)
    return pd.DataFrame(X, columns=[f"x{j}" for j in range(p)]).assign(y=y)


@pytest.fixture
def no_methods(monkeypatch):
    """Fail the test if any method runs: the refusals must come before the work."""
    def boom(*args, **kwargs):
        raise AssertionError("a method ran")

    monkeypatch.setattr(_command, "run_methods", boom)


# ------------------------------------------------------------------ the answer
def test_first_line_is_one_recommendation_and_json_round_trips(tmp_path, capsys):
    frame = _linear_frame()
    path = _csv(tmp_path, frame)
    rc = main(["sample-size", path, "--target", "y", "--methods", "auto,wald", "--quiet",
               "--output", "none", "--n-repeats", "20"])
    text = capsys.readouterr().out
    assert rc == 0
    first = text.splitlines()[0]
    assert first.startswith("Recommended sample size:") and "95% interval" in first
    assert "rows per parameter (4 parameters)" in first
    assert "nats per added row" in text and "stated power" in text  # units and questions
    doc, rows = _json(capsys, [path, "--target", "y", "--methods", "auto,wald",
                               "--n-repeats", "20"])
    assert list(rows) == ["auto", "wald"]
    est = SufficientSampleSize(random_state=0, params={"n_repeats": 20}).fit(
        frame[["x0", "x1", "x2"]], frame["y"])
    rec = doc["recommendation"]
    assert rec["sample_size"] == est.sample_size_ and rec["status"] == est.status_
    lo, hi = est.sample_size_interval_ or est.extrapolated_interval_
    assert rec["low"] == pytest.approx(lo) and rec["high"] == (hi if np.isfinite(hi) else None)
    assert rec["n_parameters"] == 4 and rec["n_rows"] == 150
    assert rec["enough"] is (est.status_ in ("enough", "edge"))
    assert rows["wald"]["sample_size"] == WaldSampleSize().fit(
        frame[["x0", "x1", "x2"]], frame["y"]).sample_size_
    assert rows["wald"]["threshold_unit"] == "power" and rows["wald"]["detail"]


def test_csv_format_has_the_same_numbers(tmp_path, capsys):
    path = _csv(tmp_path, _linear_frame())
    _, rows = _json(capsys, [path, "--methods", "auto,apvc", "--n-repeats", "5"])
    assert main(["sample-size", path, "--methods", "auto,apvc", "--n-repeats", "5",
                 "--format", "csv", "--quiet"]) == 0
    from io import StringIO

    table = pd.read_csv(StringIO(capsys.readouterr().out)).set_index("method")
    for name in ("auto", "apvc"):
        for key in ("sample_size", "low", "threshold"):
            a, b = rows[name][key], table.loc[name, key]
            assert (a is None and pd.isna(b)) or a == pytest.approx(b)


def test_bundled_dataset_matches_estimators_and_draws_the_comparison(tmp_path, capsys):
    out = tmp_path / "curves.png"
    rc = main(["sample-size", "--dataset", "servo", "--methods", "lagrange,wald",
               "--n-repeats", "5", "--output", str(out), "--quiet"])
    assert rc == 0
    assert f"figure written to {out}" in capsys.readouterr().out
    _, rows = _json(capsys, ["--dataset", "servo", "--methods", "lagrange,wald",
                             "--n-repeats", "5"])
    X, y = load_servo(return_X_y=True)
    assert rows["lagrange"]["sample_size"] == LagrangeMultiplierSampleSize().fit(X, y).sample_size_
    assert rows["wald"]["sample_size"] == WaldSampleSize().fit(X, y).sample_size_
    import matplotlib.image as mpimg

    image = mpimg.imread(out)
    assert image.shape[1] == 1500  # three 5-inch columns of curves at 100 dpi


def test_no_file_runs_on_boston_and_methods_auto_works(capsys):
    rc = main(["sample-size", "--methods", "auto", "--quiet", "--output", "none",
               "--n-repeats", "10"])
    out = capsys.readouterr().out
    assert rc == 0 and "bundled data set 'boston'" in out
    assert out.startswith("Recommended sample size:")


def test_forecast_is_shown_when_the_data_fall_short(capsys):
    from skcomplexity.datasets import load_boston

    _, rows = _json(capsys, ["--methods", "cross-validation"])
    X, y = load_boston(return_X_y=True)
    with pytest.warns(UserWarning, match="more objects of the same kind"):
        est = SufficientSampleSize("cross-validation", random_state=0).fit(X, y)
    assert est.sample_size_ is None and est.extrapolated_size_ > len(y)
    row = rows["cross-validation"]
    assert row["sample_size"] is None and row["extrapolated"] == pytest.approx(
        est.extrapolated_size_)
    assert row["status"] == "more data" and row["warnings"] == [] and row["messages"]


def test_string_columns_one_hot_and_string_target(tmp_path, capsys):
    frame = _mixed_frame()
    path = _csv(tmp_path, frame)
    rc = main(["sample-size", path, "--target", "y", "--methods", "lagrange", "--output",
               "none", "--quiet", "--n-repeats", "5"])
    text = capsys.readouterr().out
    assert rc == 0
    assert "one-hot encoded (first level dropped): city (3 levels -> 2 columns)" in text
    assert "classes 'no' -> 0, 'yes' -> 1" in text and "80 rows x 4 feature columns" in text
    _, rows = _json(capsys, [path, "--target", "y", "--methods", "lagrange", "--n-repeats", "5"])
    X = np.c_[frame[["a", "b"]].to_numpy(), frame["city"] == "south", frame["city"] == "west"]
    expected = LagrangeMultiplierSampleSize().fit(X, frame["y"] == "yes").sample_size_
    assert rows["lagrange"]["sample_size"] == expected


def test_duplicated_column_marks_the_rows_that_warned(tmp_path, capsys):
    frame = _linear_frame(120)
    frame.insert(1, "x0_copy", frame["x0"])
    path = _csv(tmp_path, frame)
    _, rows = _json(capsys, [path, "--methods", "wald,lagrange"])
    assert any("Aliased columns" in w for w in rows["wald"]["warnings"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expected = WaldSampleSize(test_index=[0]).fit(frame[["x0", "x1", "x2"]],
                                                      frame["y"]).sample_size_
    assert rows["wald"]["sample_size"] == expected


def test_apvc_with_a_constant_column_is_finite(tmp_path, capsys):
    frame = _linear_frame(150, seed=2).assign(k=5.0)
    frame = frame[["x0", "x1", "x2", "k", "y"]]
    path = _csv(tmp_path, frame)
    doc, rows = _json(capsys, [path, "--methods", "apvc", "--n-repeats", "5"])
    assert any("constant column(s) k" in n for n in doc["data"]["notes"])
    with pytest.warns(IdentifiabilityWarning, match="column 3 is constant"):
        expected = APVCSampleSize(n_repeats=5, random_state=0).fit(
            frame.drop(columns="y").to_numpy(), frame["y"]).sample_size_
    assert expected is not None and rows["apvc"]["sample_size"] == expected


def test_answers_set_by_construction_are_marked(tmp_path, capsys):
    # a strong effect: the power is reached below the number of parameters
    frame = _linear_frame(200, p=8)
    frame["y"] = frame["x0"] * 5 + 0.1 * np.random.default_rng(0).normal(size=200)
    path = _csv(tmp_path, frame)
    _, rows = _json(capsys, [path, "--methods", "wald"])
    assert rows["wald"]["sample_size"] == 10
    assert "least size at which the model can be fitted" in rows["wald"]["by_construction"]


# ------------------------------------------------------------------ steering
def test_three_classes_get_a_hint_and_positive_class_runs(tmp_path, capsys):
    frame = _mixed_frame()
    frame["y"] = np.array(["p", "q", "r"])[np.arange(len(frame)) % 3]
    path = _csv(tmp_path, frame)
    assert main(["sample-size", path, "--quiet", "--output", "none"]) == 2
    err = capsys.readouterr().err
    assert "has 3 classes (p, q, r)" in err and "--positive-class r" in err
    doc, rows = _json(capsys, [path, "--positive-class", "q", "--methods", "wald"])
    assert rows["wald"]["sample_size"] is not None
    assert any("'q' -> 1" in n for n in doc["data"]["notes"])


def test_a_count_target_is_refused_with_a_hint_and_runs_with_family_gaussian(tmp_path, capsys):
    frame = _linear_frame(150)
    frame["y"] = np.clip(np.round(frame["y"] + 2), 0, 5).astype(int)
    path = _csv(tmp_path, frame)
    assert main(["sample-size", path, "--quiet", "--output", "none"]) == 2
    assert "--family gaussian" in capsys.readouterr().err
    _, rows = _json(capsys, [path, "--family", "gaussian", "--methods", "wald"])
    assert rows["wald"]["sample_size"] == WaldSampleSize(family="gaussian").fit(
        frame[["x0", "x1", "x2"]], frame["y"]).sample_size_


def test_param_sets_one_methods_parameter(tmp_path, capsys):
    path = _csv(tmp_path, _linear_frame())
    _, rows = _json(capsys, [path, "--methods", "bootstrap", "--n-repeats", "10",
                             "--param", "bootstrap.threshold=0.3"])
    assert rows["bootstrap"]["threshold"] == 0.3
    assert rows["auto"]["threshold"] == 0.01


@pytest.mark.parametrize("argv, message", [
    (["--methods", "magic"], "unknown method(s) ['magic']"),
    (["--methods", ","], "names no method"),
    (["--methods", "landscape"], "--param landscape.threshold="),
    (["--param", "kl-neighbours.threshold=0.3"], "'kl-neighbours' is not among the methods run"),
    (["--methods", "wald", "--param", "wald.nope=1"], "wald takes no 'nope'"),
    (["--methods", "wald", "--param", "wald"], "write METHOD.NAME=VALUE"),
    (["--n-repeats", "0"], "--n-repeats must be at least 1"),
    (["--n-repeats", "1000000"], "pass --force"),
    (["--target", "nope"], "--target 'nope' is not a column"),
    (["--columns", "x0,zz"], "--columns zz: not column(s)"),
    (["--family", "binomial"], "--family binomial needs a two-class target"),
    (["--output", "."], "is a directory"),
    (["--output", "no/such/dir/x.png"], "does not exist"),
    (["--output", "x.txt"], "matplotlib cannot write '.txt'"),
    (["--output", "x"], "without an extension"),
])
def test_bad_input_exits_2_before_any_method_runs(tmp_path, capsys, monkeypatch, no_methods,
                                                  argv, message):
    monkeypatch.chdir(tmp_path)
    path = _csv(tmp_path, _linear_frame())
    assert main(["sample-size", path, *argv, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err


# ------------------------------------------------------------------ input
def test_a_stray_question_mark_is_missing_not_98_dummies(tmp_path, capsys):
    frame = _linear_frame(120).astype({"x1": object, "x2": object})
    frame.loc[4, "x1"] = "?"
    frame.loc[7, "x2"] = "abc"
    path = _csv(tmp_path, frame)
    doc, rows = _json(capsys, [path, "--methods", "wald"])
    assert doc["data"]["n_features"] == 3 and doc["data"]["n_rows"] == 118
    notes = " | ".join(doc["data"]["notes"])
    assert "column 'x2': 1 non-numeric cell(s) ('abc') read as missing" in notes
    assert "x1 (1)" in notes and "x2 (1)" in notes  # the dropped rows, by column


def test_identifier_row_number_and_empty_columns_are_dropped_by_name(tmp_path, capsys):
    frame = _linear_frame(120)
    frame.insert(0, "rownames", np.arange(1, 121))
    frame["store_id"] = [f"s{i}" for i in range(120)]
    frame["empty"] = np.nan
    path = _csv(tmp_path, frame)
    doc, _ = _json(capsys, [path, "--target", "y", "--methods", "wald"])
    notes = " | ".join(doc["data"]["notes"])
    assert "column 'rownames' dropped: a row number" in notes
    assert "column 'store_id' dropped: an identifier (120 distinct values in 120 rows)" in notes
    assert "column 'empty' dropped: empty" in notes
    assert doc["data"]["features"] == ["x0", "x1", "x2"]


def test_header_only_file_and_all_missing_rows_are_named(tmp_path, capsys, no_methods):
    path = _csv(tmp_path, _linear_frame().iloc[:0])
    assert main(["sample-size", path, "--quiet"]) == 2
    assert "has a header (x0, x1, x2, y) but no rows" in capsys.readouterr().err
    frame = _linear_frame(30)
    frame.loc[::2, "x0"] = np.nan
    frame.loc[1::2, "x1"] = np.nan
    path = _csv(tmp_path, frame, "holes.csv")
    assert main(["sample-size", path, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "every row has a missing value" in err and "x0 (15)" in err


def test_drops_missing_rows_only_in_the_columns_used(tmp_path, capsys):
    frame = _mixed_frame()
    frame["notes"] = np.where(np.arange(80) < 60, np.nan, 1.0)
    frame.loc[[3, 7], "a"] = np.nan
    path = _csv(tmp_path, frame)
    doc, _ = _json(capsys, [path, "--target", "y", "--columns", "a,b", "--methods", "wald"])
    assert "dropped 2 of 80 rows with missing values in the columns used: a (2)" in \
        doc["data"]["notes"]
    assert doc["data"]["n_rows"] == 78


def test_inf_and_constant_target_are_bad_input(tmp_path, capsys, no_methods):
    frame = _mixed_frame()
    frame.loc[5, "b"] = np.inf
    assert main(["sample-size", _csv(tmp_path, frame), "--quiet", "--output", "none"]) == 2
    assert "infinite values in column(s) b" in capsys.readouterr().err
    frame = _linear_frame(20).assign(y=3.0)
    assert main(["sample-size", _csv(tmp_path, frame, "c.csv"), "--quiet"]) == 2
    assert "the target 'y' is constant" in capsys.readouterr().err


def test_missing_file_is_bad_input(tmp_path, capsys):
    assert main(["sample-size", str(tmp_path / "nope.csv"), "--quiet"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_exit_1_when_no_method_could_be_computed(tmp_path, capsys, monkeypatch):
    path = _csv(tmp_path, _linear_frame())
    from skcomplexity.sample_size.statistical import WaldSampleSize as Wald

    def broken(self, X, y):
        raise ValueError("broken on purpose")

    monkeypatch.setattr(Wald, "fit", broken)
    monkeypatch.setattr(_command, "parse_methods", lambda text, table: ("wald",))
    rc = main(["sample-size", path, "--methods", "wald", "--quiet", "--output", "none"])
    captured = capsys.readouterr()
    assert rc == 1 and "no method could be computed" in captured.err
    assert captured.out.startswith("No recommendation") and "broken on purpose" in captured.out


# ------------------------------------------------------------------ files
def test_never_overwrites_without_force_and_never_the_input(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = _csv(tmp_path, _linear_frame())
    existing = tmp_path / "mine.png"
    existing.write_bytes(b"precious")
    with pytest.raises(Exception, match="exists; pass --force"):
        check_output(str(existing))
    assert check_output(str(existing), force=True)[0] == str(existing)
    with pytest.raises(Exception, match="is the input file"):
        check_output(data.replace(".csv", ".png"), data=data.replace(".csv", ".png")) \
            if Path(data.replace(".csv", ".png")).write_bytes(b"x") else None
    (tmp_path / "sample_size.png").write_bytes(b"old")
    path, notes = check_output(None)
    assert path == "sample_size-1.png" and "is kept" in notes[0]
    assert existing.read_bytes() == b"precious"


def test_a_symlink_out_of_the_working_directory_is_not_followed(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    target = tmp_path / "outside.png"
    target.write_bytes(b"keep")
    (work / "fig.png").symlink_to(target)
    monkeypatch.chdir(work)
    with pytest.raises(Exception, match="symbolic link"):
        check_output("fig.png", force=True)
    assert target.read_bytes() == b"keep"


def test_refused_output_exits_2_before_work(tmp_path, capsys, monkeypatch, no_methods):
    monkeypatch.chdir(tmp_path)
    path = _csv(tmp_path, _linear_frame())
    (tmp_path / "out.png").write_bytes(b"x")
    assert main(["sample-size", path, "--output", "out.png", "--quiet"]) == 2
    assert "pass --force" in capsys.readouterr().err


def test_help_has_examples_and_exit_codes():
    sub = build_parser()._subparsers._group_actions[0].choices["sample-size"]
    text = sub.format_help()
    assert "examples:" in text and "--positive-class virginica" in text
    assert "130 on Ctrl-C" in text and "how to read it" in text


# ------------------------------------------------------------------ signals
def _long_run(tmp_path, *extra):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 8))
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(8)]).assign(y=X.sum(1))
    path = _csv(tmp_path, frame)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "skcomplexity.cli", "sample-size", path, "--methods",
         "bootstrap,cross-validation", "--n-repeats", "3000", "--force", "--output", "none",
         "--quiet", *extra], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)


def test_ctrl_c_is_one_line_and_exit_130(tmp_path):
    proc = _long_run(tmp_path)
    assert "--n-repeats" in proc.stderr.readline()  # main() runs: past the imports
    time.sleep(1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "Traceback" not in err and err.strip().splitlines()[-1] == "interrupted"


def test_sigterm_with_n_jobs_leaves_no_workers(tmp_path):
    psutil = pytest.importorskip("psutil")
    proc = _long_run(tmp_path, "--n-jobs", "2")
    assert "--n-repeats" in proc.stderr.readline()
    parent = psutil.Process(proc.pid)
    workers = []
    deadline = time.time() + 30
    while time.time() < deadline and len(workers) < 2:
        time.sleep(0.5)
        workers = [c for c in parent.children(recursive=True) if "python" in c.name().lower()]
    assert workers, "no worker processes started"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143 and "Traceback" not in err
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == []


# ------------------------------------------------------------------ --estimator: the learning curve
# (issue 21, item 5): with --estimator, --scoring, --target-score or --delta the headline is
# LearningCurveSampleSize's answer: training rows for the target score, with its interval


def _binary_frame(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    p = 1 / (1 + np.exp(-(1.5 * X[:, 0] - X[:, 1])))
    return pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=(rng.random(n) < p).astype(int))


def test_headline_is_the_learning_curve_answer_of_the_estimator(tmp_path, capsys):
    frame = _linear_frame(200)
    path = _csv(tmp_path, frame)
    doc, _ = _json(capsys, [path, "--target", "y", "--estimator", "linear", "--scoring",
                            "neg_mean_squared_error", "--target-score", "-1.3", "--n-repeats",
                            "6", "--output", "none"])
    rec = doc["recommendation"]
    assert rec["method"] == "learning-curve" and rec["estimator"] == "LinearRegression"
    assert [m["method"] for m in doc["methods"]] == ["learning-curve", "auto"]
    # the same numbers as the estimator with the same settings and seed
    est = LearningCurveSampleSize(LinearRegression(), scoring="neg_mean_squared_error",
                                  target_score=-1.3, n_repeats=6, random_state=0)
    est.fit(frame[["x0", "x1", "x2"]], frame["y"])
    assert rec["sample_size"] == est.sample_size_ and rec["status"] == est.status_
    lo, hi = est.sample_size_interval_ or est.extrapolated_interval_
    assert rec["low"] == pytest.approx(lo) and rec["high"] == pytest.approx(hi)
    assert rec["target_score"] == -1.3 and rec["training_rows"] == est.sizes_[-1]
    # least squares: MSE(n) = 1 + p / (n - p - 1) = 1.3 at n = 14; the answer is near it
    size = rec["sample_size"] or rec["extrapolated"]
    assert 7 <= size <= 40


def test_table_output_leads_with_rows_and_interval(tmp_path, capsys):
    path = _csv(tmp_path, _binary_frame())
    rc = main(["sample-size", path, "--target", "y", "--estimator", "logistic", "--scoring",
               "roc_auc", "--target-score", "0.75", "--n-repeats", "5", "--quiet", "--output",
               "none"])
    out = capsys.readouterr().out
    assert rc == 0
    first = out.splitlines()[0]
    assert first.startswith("Recommended training size for StandardScaler + LogisticRegression "
                            "to reach roc_auc 0.75:")
    assert "95% interval" in first and "expected roc_auc" in first
    assert "learning-curve" in out.splitlines()[4]


def test_harder_target_needs_more_rows(tmp_path, capsys):
    path = _csv(tmp_path, _binary_frame())
    sizes = []
    for target in ("0.70", "0.78"):
        rec = _json(capsys, [path, "--target", "y", "--estimator", "ridge", "--scoring",
                             "roc_auc", "--target-score", target, "--n-repeats", "5",
                             "--methods", "auto", "--output", "none"])[0]["recommendation"]
        sizes.append(rec["sample_size"] or rec["extrapolated"] or np.inf)
    assert sizes[0] < sizes[1]


def test_delta_and_an_importable_estimator(tmp_path, capsys):
    path = _csv(tmp_path, _linear_frame(200))
    doc, _ = _json(capsys, [path, "--target", "y", "--estimator", "sklearn.linear_model:Ridge",
                            "--delta", "0.05", "--n-repeats", "5", "--output", "none"])
    rec = doc["recommendation"]
    assert rec["estimator"] == "Ridge"
    assert rec["target_score"] == pytest.approx(rec["asymptote"] - 0.05)


def test_named_estimators_match_the_target():
    assert isinstance(resolve("hgb", True), HistGradientBoostingClassifier)
    assert type(resolve("rf", False)).__name__ == "RandomForestRegressor"
    assert resolve("sklearn.svm.SVR", False).__class__.__name__ == "SVR"
    assert resolve(None, True) is None
    with pytest.raises(InputError, match="needs a binary target"):
        resolve("logistic", False)


@pytest.mark.parametrize("argv, message", [
    (["--estimator", "xgb"], "unknown --estimator 'xgb'"),
    (["--estimator", "nosuchmodule:Thing"], "cannot be imported"),
    (["--estimator", "json:dumps"], "no fit method"),
    (["--scoring", "roc-auc"], "did you mean roc_auc"),
    (["--target-score", "0.8", "--delta", "0.1"], "not both"),
    (["--delta", "-1"], "--delta must be a positive"),
])
def test_bad_options_exit_2_before_any_fit(tmp_path, capsys, no_methods, argv, message):
    path = _csv(tmp_path, _binary_frame(60))
    assert main(["sample-size", path, "--target", "y", *argv, "--quiet", "--output",
                 "none"]) == 2
    assert message in capsys.readouterr().err
