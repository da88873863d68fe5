"""Turn a table as people keep it (a CSV file, a pandas DataFrame) into numbers.

:class:`TableEncoder` is the encoding the ``skcomplexity sample-size`` command
does, as a scikit-learn transformer, so that the Python API can do the same::

    from sklearn.pipeline import make_pipeline
    X_num = TableEncoder().fit_transform(frame.drop(columns="y"))
    SufficientSampleSize().fit(X_num.dropna(), y[X_num.notna().all(axis=1)])

Every decision it takes is reported by column name in ``notes_`` (and, from
``fit``, as a :class:`TableEncodingWarning`).
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ._validation import warn_at_caller

__all__ = ["NA_VALUES", "TableEncoder", "TableEncodingWarning", "to_numeric_column"]

#: Cell texts read as a missing value (after stripping blanks), besides a real NaN.
NA_VALUES = ("", "?", "NA", "N/A", "na", "n/a", "NaN", "nan", "null", "NULL", "None", "none",
             ".", "-", "--", "#N/A")


class TableEncodingWarning(UserWarning):
    """A column was read differently from its raw cells (coerced, dropped); see ``notes_``."""


def _is_numeric(series):
    import pandas as pd

    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _examples(values, limit=3):
    shown = ", ".join(repr(v) for v in list(dict.fromkeys(values))[:limit])
    return shown + (", ..." if len(set(values)) > limit else "")


def _read_missing(series, na_values):
    """Placeholders (``"?"``, ``"NA"``, ...) in a text column -> NaN; returns (series, count)."""
    if _is_numeric(series) or series.dtype == bool:
        return series, 0
    text = series.astype("string").str.strip()
    placeholder = text.isin(list(na_values)) & series.notna()
    if not placeholder.any():
        return series, 0
    return series.mask(placeholder), int(placeholder.sum())


def to_numeric_column(series, *, na_values=NA_VALUES, max_non_numeric=0.05):
    """Read a column as numbers when it mostly holds numbers.

    Parameters
    ----------
    series : pandas.Series
    na_values : sequence of str, default=NA_VALUES
        Cell texts read as missing.
    max_non_numeric : float in [0, 1), default=0.05
        The largest fraction of the present cells that may fail to parse as a
        number for the column still to be read as numeric (those cells become
        missing values and are reported).

    Returns
    -------
    series : pandas.Series
        Float values where the column is numeric, else the column with its
        placeholders set to missing.
    numeric : bool
    note : str or None
        What was changed, naming the column, or None.

    Examples
    --------
    >>> import pandas as pd
    >>> from skcomplexity.preprocessing import to_numeric_column
    >>> s, numeric, note = to_numeric_column(pd.Series(["1.5", "2", "?", "x3"] + ["4"] * 20,
    ...                                                name="income"))
    >>> numeric, int(s.isna().sum())
    (True, 2)
    >>> note
    "column 'income': 1 missing-value placeholder(s) ('?') and 1 non-numeric cell(s) ('x3') read as missing"
    """
    import pandas as pd

    name = series.name
    if series.dtype == bool or pd.api.types.is_bool_dtype(series):
        return series.astype(float), True, None
    if _is_numeric(series):
        return series.astype(float), True, None
    raw = series
    series, n_placeholders = _read_missing(series, na_values)
    present = series.notna()
    parsed = pd.to_numeric(series.astype("string").str.strip().where(present), errors="coerce")
    bad = present & parsed.isna()
    n_present = int(present.sum())
    placeholders = raw[raw.notna() & series.isna()].astype(str).str.strip().tolist()
    missing = (f"{n_placeholders} missing-value placeholder(s) ({_examples(placeholders)})"
               if n_placeholders else "")
    if n_present and bad.sum() <= max_non_numeric * n_present and bad.sum() < n_present:
        note = None
        if bad.any() or n_placeholders:
            parts = [missing] if missing else []
            if bad.any():
                parts.append(f"{int(bad.sum())} non-numeric cell(s) "
                             f"({_examples(series[bad].astype(str).tolist())})")
            note = f"column {name!r}: {' and '.join(parts)} read as missing"
        return parsed.astype(float), True, note
    note = f"column {name!r}: {missing} read as missing" if missing else None
    return series, False, note


class TableEncoder(TransformerMixin, BaseEstimator):
    """Encode a table's columns as numbers, reporting every decision by column name.

    The encoding the ``skcomplexity sample-size`` command applies to a CSV
    file; use it before any estimator of the package when ``X`` is a
    DataFrame with text, boolean or messy columns:

    * cells such as ``"?"``, ``"NA"``, ``""`` (:data:`NA_VALUES`) are missing;
    * a column of numbers with a few non-numeric cells (at most
      ``max_non_numeric`` of them) is numeric, those cells missing, rather
      than a text column one-hot encoded into one column per distinct number;
    * a text column with more than ``max_levels`` distinct values, or with one
      distinct value per row, is an identifier and dropped, and so is an
      integer column that numbers the rows (distinct consecutive integers);
    * an entirely missing column is dropped;
    * the other text, boolean and categorical columns are one-hot encoded,
      the first (sorted) level dropped so that the dummies are not aliased
      with an intercept; a missing cell stays missing in its dummies.

    ``transform`` returns a float DataFrame that keeps missing values as NaN
    (drop those rows, as the command does, or impute them).

    Parameters
    ----------
    na_values : tuple of str, default=NA_VALUES
        Cell texts read as missing values.
    max_non_numeric : float in [0, 1), default=0.05
        See :func:`to_numeric_column`.
    max_levels : int, default=50
        A text column with more distinct values is dropped as an identifier.
    drop_row_numbers : bool, default=True
        Drop integer columns that number the rows (all distinct and consecutive,
        e.g. an exported index such as ``rownames`` or ``Unnamed: 0``).

    Attributes
    ----------
    feature_names_in_ : ndarray of str
    numeric_columns_ : list of str
    categories_ : dict of {str: list}
        The levels of each one-hot encoded column; the first is dropped.
    dropped_columns_ : dict of {str: str}
        Dropped column -> why.
    notes_ : list of str
        Every decision, in words, naming the columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from skcomplexity.preprocessing import TableEncoder
    >>> frame = pd.DataFrame({"id": ["a1", "a2", "a3", "a4"], "city": ["N", "S", "N", "W"],
    ...                       "income": ["10", "12", "?", "9"]})
    >>> enc = TableEncoder(max_levels=3)
    >>> enc.fit_transform(frame).columns.tolist()
    ['city_S', 'city_W', 'income']
    >>> enc.dropped_columns_
    {'id': 'an identifier (4 distinct values in 4 rows)'}
    """

    _parameter_constraints = {
        "na_values": [tuple, list],
        "max_non_numeric": [Interval(Real, 0, 1, closed="left")],
        "max_levels": [Interval(Integral, 1, None, closed="left")],
        "drop_row_numbers": ["boolean"],
    }

    def __init__(self, na_values=NA_VALUES, max_non_numeric=0.05, max_levels=50,
                 drop_row_numbers=True):
        self.na_values = na_values
        self.max_non_numeric = max_non_numeric
        self.max_levels = max_levels
        self.drop_row_numbers = drop_row_numbers

    @staticmethod
    def _frame(X):
        import pandas as pd
        import scipy.sparse as sp

        if sp.issparse(X):
            raise TypeError("TableEncoder does not support sparse input; pass a DataFrame or a "
                            "dense array.")
        if not isinstance(X, pd.DataFrame):
            X = np.asarray(X, dtype=object)
            if X.ndim != 2:
                raise ValueError(f"X must be 2-dimensional, got shape {X.shape}. Reshape your "
                                 "data with X.reshape(-1, 1) for a single column.")
            X = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
        if X.shape[0] == 0:
            raise ValueError(f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of "
                             "1 is required.")
        if X.shape[1] == 0:
            raise ValueError(f"Found array with 0 feature(s) (shape={X.shape}) while a minimum "
                             "of 1 is required.")
        if any(pd.api.types.is_complex_dtype(d) for d in X.dtypes) or any(
                isinstance(v, complex) for v in X.iloc[0].tolist()):
            raise ValueError("Complex data not supported.")
        return X

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Decide how each column is read.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self : object
        """
        frame = self._frame(X).rename(columns=str)
        self.feature_names_in_ = np.asarray([str(c) for c in frame.columns], dtype=object)
        self.n_features_in_ = frame.shape[1]
        self.numeric_columns_, self.categories_, self.dropped_columns_ = [], {}, {}
        self.notes_ = []
        n = len(frame)
        for col in frame.columns:
            values, numeric, note = to_numeric_column(
                frame[col], na_values=self.na_values, max_non_numeric=self.max_non_numeric)
            if note:
                self.notes_.append(note)
            present = values.dropna()
            if present.empty:
                self.dropped_columns_[str(col)] = "empty (every cell missing)"
                continue
            if numeric:
                v = present.to_numpy(dtype=float)
                if (self.drop_row_numbers and v.size > 2 and np.all(v == np.round(v))
                        and np.unique(v).size == v.size and v.max() - v.min() == v.size - 1):
                    self.dropped_columns_[str(col)] = (
                        f"a row number ({v.size} distinct consecutive integers)")
                    continue
                self.numeric_columns_.append(col)
                continue
            levels = sorted(present.astype(str).unique())
            if len(levels) > self.max_levels or (len(levels) == len(present) and n > 3):
                self.dropped_columns_[str(col)] = (
                    f"an identifier ({len(levels)} distinct values in {len(present)} rows)")
                continue
            self.categories_[col] = levels
        for col, why in self.dropped_columns_.items():
            self.notes_.append(f"column {col!r} dropped: {why}")
        if self.categories_:
            self.notes_.append("one-hot encoded (first level dropped): " + ", ".join(
                f"{c} ({len(v)} levels -> {max(len(v) - 1, 0)} "
                f"column{'' if len(v) == 2 else 's'})"
                for c, v in self.categories_.items()))
        if self.notes_:
            warn_at_caller("; ".join(self.notes_), TableEncodingWarning)
        return self

    def transform(self, X):
        """Encode ``X`` as decided in ``fit``.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        X_new : DataFrame of float
            NaN where a cell is missing (or unreadable as a number).
        """
        import pandas as pd

        check_is_fitted(self, "notes_")
        frame = self._frame(X)
        if frame.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {frame.shape[1]} features, but TableEncoder is expecting "
                             f"{self.n_features_in_} features as input.")
        absent = [c for c in self.feature_names_in_ if c not in map(str, frame.columns)]
        if absent:
            raise ValueError(f"X lacks the column(s) {absent} seen in fit.")
        frame = frame.rename(columns=str)
        out = {}
        for col in frame.columns:
            if col in self.numeric_columns_:
                out[col] = to_numeric_column(frame[col], na_values=self.na_values,
                                             max_non_numeric=1.0)[0].astype(float)
            elif col in self.categories_:
                values, _ = _read_missing(frame[col], self.na_values)
                text = values.astype("string").str.strip()
                for level in self.categories_[col][1:]:
                    out[f"{col}_{level}"] = (text == level).astype(float).where(values.notna())
        return pd.DataFrame(out, index=frame.index, dtype=float)

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns (``column_level`` for a dummy)."""
        check_is_fitted(self, "notes_")
        names = []
        for col in self.feature_names_in_:
            if col in self.numeric_columns_:
                names.append(col)
            elif col in self.categories_:
                names.extend(f"{col}_{level}" for level in self.categories_[col][1:])
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = []
        return tags
