import numpy as np
import pandas as pd

from skcomplexity.cli import main
from skcomplexity.datasets import load_servo


def test_cli_bundled_dataset_prints_table_and_writes_plot(tmp_path, capsys):
    out = tmp_path / "curves.png"
    rc = main(["sample-size", "--dataset", "servo", "--methods", "lagrange,wald,kl-sufficiency",
               "--n-repeats", "5", "--output", str(out), "--quiet"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "lagrange" in text and "kl-sufficiency" in text and "servo" in text
    assert out.exists() and out.stat().st_size > 0


def test_cli_csv_with_target_matches_the_estimator(tmp_path, capsys):
    X, y = load_servo(return_X_y=True, as_frame=True)
    frame = X.assign(label=y)
    path = tmp_path / "servo.csv"
    frame.to_csv(path, index=False)
    main(["sample-size", str(path), "--target", "label", "--methods", "wald", "--output", "none",
          "--quiet", "--no-standardize"])
    text = capsys.readouterr().out
    from skcomplexity.sample_size import WaldSampleSize

    expected = WaldSampleSize().fit(X.to_numpy(), y.to_numpy()).sample_size_
    row = next(line for line in text.splitlines() if line.startswith("wald"))
    assert int(row.split()[1]) == expected


def test_cli_errors(tmp_path, capsys):
    path = tmp_path / "d.csv"
    pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0) ** 2}).to_csv(path, index=False)
    import pytest

    with pytest.raises(SystemExit, match="--target"):
        main(["sample-size", str(path), "--target", "nope"])
    with pytest.raises(SystemExit, match="unknown method"):
        main(["sample-size", str(path), "--methods", "magic"])
