"""Reading a CSV file (or a bundled data set) into ``X``, ``y`` for the command.

The features go through :class:`skcomplexity.preprocessing.TableEncoder` (the
public transformer the Python API can use too); the target is read here, since
what it means (a continuous value, two classes, one class against the rest)
depends on ``--family`` and ``--positive-class``.
"""

from dataclasses import dataclass, field

import numpy as np

from ..preprocessing import NA_VALUES, TableEncoder, to_numeric_column
from ._errors import InputError

#: Extra cell texts read as missing when the file is read (pandas' own list covers the rest).
CSV_NA_VALUES = ["?"]


@dataclass
class Prepared:
    """The command's data, ready for the methods."""

    X: object  # DataFrame of floats, the user's column names (dummies as column_level)
    y: np.ndarray
    source: str
    target: str
    binary: bool
    notes: list = field(default_factory=list)


def read_csv(path):
    """The file as a DataFrame; an :class:`InputError` for any file that cannot be read."""
    import pandas as pd

    try:
        frame = pd.read_csv(path, na_values=CSV_NA_VALUES, skipinitialspace=True)
    except FileNotFoundError:
        raise InputError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory, not a CSV file") from None
    except PermissionError:
        raise InputError(f"cannot read {path}: permission denied") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path} is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path} as CSV: {' '.join(str(exc).split())}") from None
    if len(frame) == 0:
        raise InputError(f"{path} has a header ({', '.join(map(str, frame.columns))}) "
                         "but no rows")
    return frame


def _features(frame, target, columns, source):
    if target not in frame.columns:
        raise InputError(f"--target {target!r} is not a column of {source} "
                         f"(columns: {', '.join(map(str, frame.columns))})")
    if columns is None:
        return [c for c in frame.columns if c != target]
    features = [c.strip() for c in columns.split(",") if c.strip()]
    unknown = [c for c in features if c not in frame.columns]
    if unknown:
        raise InputError(f"--columns {', '.join(unknown)}: not column(s) of {source} "
                         f"(columns: {', '.join(map(str, frame.columns))})")
    if target in features:
        raise InputError(f"--columns includes the target {target!r}")
    if not features:
        raise InputError("--columns names no column")
    return features


def _class_list(classes, limit=5):
    shown = ", ".join(str(c) for c in classes[:limit])
    return shown + (", ..." if len(classes) > limit else "")


def read_target(series, family, positive_class):
    """The target as numbers, and whether it is binary; notes about how it was read.

    Returns ``y`` (float; NaN where missing), ``binary`` and a list of notes.
    """
    name = series.name
    notes = []
    values, numeric, note = to_numeric_column(series, na_values=NA_VALUES)
    if note:
        notes.append(note.replace("column", "target", 1))
    present = values.dropna()
    if present.empty:
        raise InputError(f"the target {name!r} has no values (every cell is missing)")
    if positive_class is not None:
        if numeric:
            try:
                label = float(positive_class)
            except ValueError:
                raise InputError(f"--positive-class {positive_class!r} is not a number, and the "
                                 f"target {name!r} is numeric") from None
            hit = values == label
        else:
            label = positive_class
            hit = values.astype("string").str.strip() == positive_class
        if not hit.any():
            raise InputError(f"--positive-class {positive_class!r} is not a value of the target "
                             f"{name!r} (values: {_class_list(sorted(present.astype(str).unique()))})")
        notes.append(f"target {name!r}: {positive_class!r} -> 1, every other value -> 0 "
                     "(one class against the rest)")
        y = hit.astype(float).where(values.notna()).to_numpy(dtype=float)
        return y, True, notes
    if numeric:
        y = values.to_numpy(dtype=float)
        if np.isinf(y).any():
            raise InputError(f"infinite values in the target {name!r}; replace or drop them")
        classes = np.unique(y[~np.isnan(y)])
        if classes.size == 1:
            raise InputError(f"the target {name!r} is constant ({classes[0]:g}): nothing to learn")
        if family == "binomial" and classes.size != 2:
            raise InputError(f"--family binomial needs a two-class target; {name!r} has "
                             f"{classes.size} values: pick one with --positive-class")
        if family != "gaussian" and classes.size > 2:
            from .._validation import looks_like_labels

            if looks_like_labels(y[~np.isnan(y)]):
                raise InputError(
                    f"the target {name!r} looks like {classes.size} class labels "
                    f"({_class_list([f'{c:g}' for c in classes])}); the methods take two classes "
                    "or a continuous target: treat it as a continuous (count) value with "
                    f"--family gaussian, or ask about one class against the rest with "
                    f"--positive-class {classes[-1]:g}")
        return y, classes.size == 2, notes
    text = values.astype("string").str.strip()
    classes = sorted(text.dropna().unique())
    if family == "gaussian":
        raise InputError(f"--family gaussian needs a numeric target; {name!r} holds text "
                         f"({_class_list(classes)})")
    if len(classes) == 1:
        raise InputError(f"the target {name!r} has a single class ({classes[0]!r}): "
                         "nothing to learn")
    if len(classes) > 2:
        raise InputError(
            f"the target {name!r} has {len(classes)} classes ({_class_list(classes)}); the "
            "methods take two classes or a continuous target: ask about one class against the "
            f"rest with --positive-class {classes[-1]}, or merge classes into two first")
    notes.append(f"target {name!r}: classes {classes[0]!r} -> 0, {classes[1]!r} -> 1")
    y = (text == classes[1]).astype(float).where(text.notna()).to_numpy(dtype=float)
    return y, True, notes


def prepare_frame(frame, target, columns, source, *, family="auto", positive_class=None):
    """Select, read and encode the columns of ``frame``; return a :class:`Prepared`."""
    import warnings

    import pandas as pd

    features = _features(frame, target, columns, source)
    y, binary, notes = read_target(frame[target], family, positive_class)
    encoder = TableEncoder()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X = encoder.fit_transform(frame[features])
    notes += encoder.notes_
    if X.shape[1] == 0:
        raise InputError(f"no usable feature column is left in {source} "
                         f"({'; '.join(encoder.notes_) or 'none given'})")
    inf_cols = [c for c in X.columns if np.isinf(X[c].to_numpy()).any()]
    if inf_cols:
        raise InputError(f"infinite values in column(s) {', '.join(inf_cols)}; "
                         "replace or drop them")
    missing = X.isna().any(axis=1).to_numpy() | np.isnan(y)
    if missing.any():
        counts = pd.Series(np.isnan(y), index=X.index).rename(target)
        per_column = {}
        for col in frame[features].columns:
            enc = [c for c in X.columns if c == str(col) or c.startswith(f"{col}_")]
            if enc:
                per_column[str(col)] = int(X[enc].isna().any(axis=1).sum())
        per_column[str(target)] = int(counts.sum())
        worst = ", ".join(f"{c} ({k})" for c, k in sorted(per_column.items(),
                                                          key=lambda kv: -kv[1]) if k)
        if missing.all():
            raise InputError(f"no rows are left: every row has a missing value in the columns "
                             f"used ({worst}); leave the emptiest out with --columns")
        notes.append(f"dropped {int(missing.sum())} of {len(X)} rows with missing values in "
                     f"the columns used: {worst}")
        X, y = X.loc[~missing], y[~missing]
    constant = [str(c) for c in X.columns if X[c].nunique() <= 1]
    if constant:
        notes.append(f"constant column(s) {', '.join(constant)}: they carry no information "
                     "(aliased with the intercept) and the methods leave them out")
    if np.unique(y).size < 2:
        raise InputError(f"the target {target!r} is constant on the rows left ({y[0]:g}): "
                         "nothing to learn")
    need = X.shape[1] + 2
    if len(y) < need:
        raise InputError(f"{len(y)} rows for {X.shape[1]} feature columns: the methods need at "
                         f"least {need} (columns + 2); use fewer columns (--columns)")
    return Prepared(X, y, source, str(target), binary, notes)


def load(args):
    """The data of the command's arguments: a CSV file or a bundled data set."""
    if args.data is None:
        from ..datasets import load_dataset

        try:
            X, y = load_dataset(args.dataset, as_frame=True)
        except (KeyError, ValueError) as exc:
            raise InputError(str(exc).strip("'\"")) from None
        name = y.name if isinstance(getattr(y, "name", None), str) else "target"
        frame = X.assign(**{name: y})
        return prepare_frame(frame, name, args.columns, f"bundled data set '{args.dataset}'",
                             family=args.family, positive_class=args.positive_class)
    frame = read_csv(args.data)
    target = args.target if args.target is not None else frame.columns[-1]
    return prepare_frame(frame, target, args.columns, args.data, family=args.family,
                         positive_class=args.positive_class)
