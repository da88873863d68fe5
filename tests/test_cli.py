import warnings

import numpy as np
import pandas as pd
import pytest

from skcomplexity.cli import build_parser, main
from skcomplexity.datasets import load_servo
from skcomplexity.models._identifiability import IdentifiabilityWarning
from skcomplexity.sample_size import (
    APVCSampleSize,
    LagrangeMultiplierSampleSize,
    WaldSampleSize,
)


def _rows(text):
    """The table rows printed by the command: {method: [cells...]}."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("method"))
    rows = {}
    for line in lines[start + 1:]:
        if line.startswith("("):
            break
        cells = line.split()
        rows[cells[0]] = cells[1:]
    return rows


def _zscore(X, y=None):
    X = np.asarray(X, dtype=float)
    Xs = (X - X.mean(0)) / X.std(0)
    if y is None:
        return Xs
    y = np.asarray(y, dtype=float)
    return Xs, (y - y.mean()) / y.std()


def test_cli_bundled_dataset_matches_estimators_and_draws_one_panel_per_method(tmp_path, capsys):
    out = tmp_path / "curves.png"
    rc = main(["sample-size", "--dataset", "servo", "--methods", "lagrange,wald,kl-sufficiency",
               "--n-repeats", "5", "--output", str(out), "--quiet"])
    assert rc == 0
    text = capsys.readouterr().out
    rows = _rows(text)
    assert list(rows) == ["lagrange", "wald", "kl-sufficiency"]
    X, y = _zscore(*load_servo(return_X_y=True))
    assert int(rows["lagrange"][0]) == LagrangeMultiplierSampleSize().fit(X, y).sample_size_
    assert int(rows["wald"][0]) == WaldSampleSize().fit(X, y).sample_size_
    import matplotlib.image as mpimg

    image = mpimg.imread(out)
    assert image.shape[1] == 1200  # three 4-inch panels at 100 dpi


def test_cli_csv_with_target_matches_the_estimator(tmp_path, capsys):
    X, y = load_servo(return_X_y=True, as_frame=True)
    frame = X.assign(label=y)
    path = tmp_path / "servo.csv"
    frame.to_csv(path, index=False)
    rc = main(["sample-size", str(path), "--target", "label", "--methods", "wald", "--output",
               "none", "--quiet", "--no-standardize"])
    assert rc == 0
    expected = WaldSampleSize().fit(X.to_numpy(), y.to_numpy()).sample_size_
    assert int(_rows(capsys.readouterr().out)["wald"][0]) == expected


def _mixed_frame(n=80, seed=0):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    city = rng.choice(["north", "south", "west"], n)
    logit = 1.2 * a - 0.8 * b + (city == "west")
    y = np.where(rng.uniform(size=n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    frame = pd.DataFrame({"a": a, "b": b, "city": pd.array(city, dtype="string"), "y": y})
    return frame


def test_cli_string_columns_one_hot_and_string_target(tmp_path, capsys):
    # pandas 3 reads strings as StringDtype, on which np.issubdtype used to crash, and a
    # "yes"/"no" target crashed in y.astype(float)
    frame = _mixed_frame()
    path = tmp_path / "mixed.csv"
    frame.to_csv(path, index=False)
    rc = main(["sample-size", str(path), "--target", "y", "--methods", "lagrange", "--output",
               "none", "--quiet"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "one-hot encoded (first level dropped): city (3 levels -> 2 columns)" in text
    assert "classes 'no' -> 0, 'yes' -> 1" in text
    assert "80 objects x 4 features" in text
    X = np.c_[frame[["a", "b"]].to_numpy(), frame["city"] == "south", frame["city"] == "west"]
    expected = LagrangeMultiplierSampleSize().fit(_zscore(X), frame["y"] == "yes").sample_size_
    assert int(_rows(text)["lagrange"][0]) == expected


def test_cli_drops_missing_rows_only_in_the_columns_used(tmp_path, capsys):
    frame = _mixed_frame()
    frame["notes"] = np.nan  # a mostly empty column that is not used
    frame.loc[:59, "notes"] = np.nan
    frame.loc[60:, "notes"] = 1.0
    frame.loc[[3, 7], "a"] = np.nan
    path = tmp_path / "holes.csv"
    frame.to_csv(path, index=False)
    rc = main(["sample-size", str(path), "--target", "y", "--columns", "a,b", "--methods",
               "wald", "--output", "none", "--quiet"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "dropped 2 of 80 rows with missing values in the columns used: a (2)" in text
    assert "78 objects x 2 features" in text


def test_cli_reports_inf_as_inf(tmp_path, capsys):
    frame = _mixed_frame()
    frame.loc[5, "b"] = np.inf
    path = tmp_path / "inf.csv"
    frame.to_csv(path, index=False)
    rc = main(["sample-size", str(path), "--target", "y", "--methods", "wald", "--quiet",
               "--output", "none"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "infinite values in column(s) b" in err and "NaN" not in err


@pytest.mark.parametrize("labels, message", [
    (np.array(["p", "q", "r"]), "has 3 classes (p, q, r)"),
    (np.array([0, 1, 2]), "looks like 3 class labels (0, 1, 2)"),
])
def test_cli_three_class_target_is_a_clear_error(tmp_path, capsys, labels, message):
    frame = _mixed_frame()
    frame["y"] = labels[np.arange(len(frame)) % 3]
    path = tmp_path / "three.csv"
    frame.to_csv(path, index=False)
    rc = main(["sample-size", str(path), "--methods", "wald", "--quiet", "--output", "none"])
    assert rc == 2
    assert message in capsys.readouterr().err


def test_cli_missing_file_and_bad_names(tmp_path, capsys):
    assert main(["sample-size", str(tmp_path / "nope.csv"), "--quiet"]) == 2
    assert "no such file" in capsys.readouterr().err
    path = tmp_path / "d.csv"
    pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0) ** 2}).to_csv(path, index=False)
    assert main(["sample-size", str(path), "--target", "nope"]) == 2
    assert "--target 'nope' is not a column" in capsys.readouterr().err
    assert main(["sample-size", str(path), "--methods", "magic"]) == 2
    assert "unknown method(s) ['magic']" in capsys.readouterr().err


def test_cli_nonzero_exit_when_nothing_could_be_computed(tmp_path, capsys):
    # a constant target: every method fails with a clear message, and the command says so
    frame = pd.DataFrame({"a": np.arange(20.0), "b": np.sin(np.arange(20.0)), "y": 3.0})
    path = tmp_path / "const.csv"
    frame.to_csv(path, index=False)
    rc = main(["sample-size", str(path), "--methods", "lagrange,apvc", "--quiet", "--output",
               "none", "--n-repeats", "3"])
    assert rc == 1
    captured = capsys.readouterr()
    rows = _rows(captured.out)
    assert rows["lagrange"][0] == "failed" and rows["apvc"][0] == "failed"
    assert "y is constant" in captured.out
    assert "no method could be computed" in captured.err


def test_cli_marks_rows_with_numerical_warnings(tmp_path, capsys):
    # a duplicated column: the statistical tests warn that it is aliased and fit the rest
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 3))
    y = X @ [1.0, -0.5, 0.3] + rng.normal(size=120)
    frame = pd.DataFrame({"a": X[:, 0], "a_copy": X[:, 0], "b": X[:, 1], "c": X[:, 2], "y": y})
    path = tmp_path / "dup.csv"
    frame.to_csv(path, index=False)
    rc = main(["sample-size", str(path), "--methods", "wald,lagrange", "--quiet", "--output",
               "none"])
    assert rc == 0
    text = capsys.readouterr().out
    rows = _rows(text)
    assert rows["wald"][-1] == "*" and rows["lagrange"][-1] == "*"
    assert "* wald: Aliased columns" in text
    # the answer is the one on the identifiable part (the copy left out)
    Xs, ys = _zscore(frame[["a", "b", "c"]], y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expected = WaldSampleSize(test_index=[0]).fit(Xs, ys).sample_size_
    assert int(rows["wald"][0]) == expected


def test_cli_unmarked_rows_have_no_warning(capsys):
    rc = main(["sample-size", "--dataset", "servo", "--methods", "lagrange", "--quiet",
               "--output", "none"])
    assert rc == 0
    rows = _rows(capsys.readouterr().out)
    assert len(rows["lagrange"]) == 3  # sample_size, threshold, seconds: no '*' column entry


def test_cli_help_has_examples():
    parser = build_parser()
    sub = parser._subparsers._group_actions[0].choices["sample-size"]
    text = sub.format_help()
    assert "examples:" in text and "skcomplexity sample-size data.csv --target churn" in text
    assert "exit status" in text


def test_apvc_on_the_cli_data_with_a_constant_column_is_finite(tmp_path, capsys):
    # one constant column used to turn APVC into "never enough data"
    rng = np.random.default_rng(2)
    X = rng.normal(size=(150, 3))
    y = X @ [1.0, -0.5, 0.3] + rng.normal(size=150)
    frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "k": 5.0, "y": y})
    path = tmp_path / "const_col.csv"
    frame.to_csv(path, index=False)
    rc = main(["sample-size", str(path), "--methods", "apvc", "--n-repeats", "5", "--quiet",
               "--output", "none", "--random-state", "0"])
    assert rc == 0
    text = capsys.readouterr().out
    row = _rows(text)["apvc"]
    assert row[-1] == "*" and "constant column(s) k" in text
    Xs, ys = _zscore(X, y)
    Xs = np.c_[Xs, np.zeros(150)]  # the constant column after z-scoring
    with pytest.warns(IdentifiabilityWarning, match="column 3 is all zeros"):
        expected = APVCSampleSize(n_repeats=5, random_state=0).fit(Xs, ys).sample_size_
    assert expected is not None and int(row[0]) == expected


def test_cli_shows_the_extrapolated_size_when_the_data_fall_short(capsys):
    """Boston is too small for cross-validation's absolute threshold: the row says how many
    objects the trend needs (the front door's extrapolated_size_), without a warning mark."""
    from skcomplexity.datasets import load_boston
    from skcomplexity.sample_size import SufficientSampleSize

    rc = main(["sample-size", "--methods", "cross-validation", "--quiet", "--output", "none"])
    out = capsys.readouterr().out
    assert rc == 0
    row = next(line for line in out.splitlines() if line.startswith("cross-validation "))
    X, y = load_boston(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)  # the CLI standardises
    with pytest.warns(UserWarning, match="more objects of the same kind"):
        est = SufficientSampleSize("cross-validation", random_state=0).fit(X, y)
    assert est.sample_size_ is None and est.extrapolated_size_ > len(y)
    assert f"— (~{est.extrapolated_size_:,.0f})" in row
    assert "*" not in row
    assert "— cross-validation: CrossValidationSampleSize: the data (506 rows) do not reach" \
        in out
