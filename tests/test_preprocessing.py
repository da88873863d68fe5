"""TableEncoder: the command line's table encoding as a public transformer (issue 20)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from skcomplexity.preprocessing import TableEncoder, TableEncodingWarning, to_numeric_column


def _frame(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "rownames": np.arange(1, n + 1),
        "income": rng.normal(50, 10, n).round(2).astype(str).astype(object),
        "city": rng.choice(["north", "south", "west"], n),
        "store_id": [f"s{i}" for i in range(n)],
        "empty": np.nan,
        "flag": rng.uniform(size=n) < 0.5,
    })


def test_encoder_reads_placeholders_coerces_and_drops_by_name():
    frame = _frame()
    frame.loc[3, "income"] = "?"
    frame.loc[5, "income"] = "n/a "
    frame.loc[8, "income"] = "oops"
    frame.loc[9, "city"] = "NA"
    with pytest.warns(TableEncodingWarning, match="income") as record:
        enc = TableEncoder()
        out = enc.fit_transform(frame)
    # the warning points at this file, not at scikit-learn or the package
    assert record[0].filename == __file__
    assert list(out.columns) == ["income", "city_south", "city_west", "flag"]
    assert enc.dropped_columns_ == {
        "rownames": "a row number (60 distinct consecutive integers)",
        "store_id": "an identifier (60 distinct values in 60 rows)",
        "empty": "empty (every cell missing)"}
    assert out["income"].isna().sum() == 3 and out.loc[9, ["city_south", "city_west"]].isna().all()
    assert ("column 'income': 2 missing-value placeholder(s) ('?', 'n/a') and 1 non-numeric "
            "cell(s) ('oops') read as missing") in enc.notes_
    np.testing.assert_array_equal(out["city_west"].dropna(), (frame["city"] == "west")[
        out["city_west"].notna()].astype(float))
    assert list(enc.get_feature_names_out()) == list(out.columns)
    # transform on new rows uses the levels learnt in fit
    again = enc.transform(frame.iloc[:5])
    assert list(again.columns) == list(out.columns)


def test_a_mostly_text_column_is_not_coerced():
    s, numeric, _ = to_numeric_column(pd.Series(["a", "b", "1", "c"] * 5, name="code"))
    assert not numeric and s.iloc[0] == "a"


def test_many_levels_is_an_identifier_but_a_few_repeated_levels_are_not():
    frame = pd.DataFrame({"shop": [f"s{i % 60}" for i in range(300)],
                          "size": [f"s{i % 4}" for i in range(300)]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        enc = TableEncoder(max_levels=50).fit(frame)
    assert "shop" in enc.dropped_columns_ and enc.categories_ == {"size": ["s0", "s1", "s2", "s3"]}


def test_the_api_error_for_a_text_column_names_it_and_points_to_the_encoder():
    from skcomplexity.sample_size import SufficientSampleSize

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=40), "quality": rng.choice(["Bad", "Good"], 40)})
    y = rng.normal(size=40)
    with pytest.raises(ValueError, match=r"non-numeric column\(s\) \('quality'\).*TableEncoder"):
        SufficientSampleSize().fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Xn = TableEncoder().fit_transform(X)
    assert list(Xn.columns) == ["a", "quality_Good"]
    assert SufficientSampleSize(params={"n_repeats": 5}, random_state=0).fit(Xn, y).status_


def test_scikit_learn_estimator_checks():
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        failures = check_estimator(TableEncoder(drop_row_numbers=False, max_levels=10_000),
                                   on_fail=None)
    failed = [f for f in failures if f["status"] == "failed"]
    assert failed == [], [(f["check_name"], str(f["exception"])[:200]) for f in failed]


def test_the_encoding_note_counts_columns_in_the_singular_and_plural():
    frame = pd.DataFrame({"urban": ["yes", "no"] * 20, "shelf": ["bad", "good", "medium", "bad"] * 10})
    with pytest.warns(TableEncodingWarning) as record:
        enc = TableEncoder().fit(frame)
    note = "one-hot encoded (first level dropped): urban (2 levels -> 1 column), shelf (3 levels -> 2 columns)"
    assert note in enc.notes_ and note in str(record[0].message)
