"""The ``skcomplexity`` command.

``skcomplexity sample-size [data.csv] --target y`` runs every sample-size
method on a CSV file (or, with no file, on the bundled Boston Housing data),
prints a table of ``m*`` with a progress bar, and writes the criterion curves to
a PNG file.

A real CSV file is prepared as follows, and every step is reported:

* string, boolean and categorical feature columns are one-hot encoded (one
  column dropped per feature, so that the dummies are not aliased with the
  intercept);
* a string target ("yes"/"no") is a classification target; a target with
  three or more classes is an error (the methods are binary or regression);
* rows with a missing value in the target or a feature column are dropped
  (other columns of the file do not count), and their number is printed;
* infinite values are an error that names the columns.

The exit status is 0 when at least one method gave a result, 1 when none did
and 2 for bad input (a missing file, an unknown column or method).
"""

import argparse
import sys
import time
import warnings

import numpy as np

from ._validation import looks_like_labels

__all__ = ["main"]

EXAMPLES = """\
examples:
  skcomplexity sample-size                       # the bundled Boston Housing data
  skcomplexity sample-size --dataset servo --methods lagrange,wald,kl-sufficiency
  skcomplexity sample-size data.csv --target churn --output curves.png
  skcomplexity sample-size data.csv --target price --columns area,rooms,district --n-repeats 20

exit status: 0 when at least one method gave a result, 1 when none did, 2 for bad input.
In the table, '—' means the data at hand never reach the criterion ('— (~N)': for an absolute
threshold, the criterion's power-law trend reaches it near N objects), and '*' marks a method
that raised a numerical warning (listed below the table).
"""


class InputError(Exception):
    """Bad input to the command: reported as ``error: ...`` with exit status 2."""


def _is_numeric(series):
    import pandas as pd

    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _read_csv(path):
    import pandas as pd

    try:
        return pd.read_csv(path)
    except FileNotFoundError:
        raise InputError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory, not a CSV file") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path} is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path} as CSV: {exc}") from None


def _prepare_frame(frame, target, columns, source):
    """Select, clean and encode a data frame; return ``X, y, notes``."""
    import pandas as pd

    notes = []
    if target not in frame.columns:
        raise InputError(
            f"--target {target!r} is not a column of {source} "
            f"(columns: {', '.join(map(str, frame.columns))})"
        )
    if columns is None:
        features = [c for c in frame.columns if c != target]
    else:
        features = [c.strip() for c in columns.split(",") if c.strip()]
        unknown = [c for c in features if c not in frame.columns]
        if unknown:
            raise InputError(f"--columns {unknown} are not columns of {source}")
        if target in features:
            raise InputError(f"--columns includes the target {target!r}")
    if not features:
        raise InputError(f"{source} has no feature columns besides the target {target!r}")
    used = frame[features + [target]]
    missing = used.isna().any(axis=1)
    if missing.any():
        worst = used.isna().sum().sort_values(ascending=False)
        worst = ", ".join(f"{c} ({n})" for c, n in worst[worst > 0].items())
        notes.append(f"dropped {int(missing.sum())} of {len(used)} rows with missing values "
                     f"in the columns used: {worst}")
        used = used.loc[~missing]
    if used.shape[0] == 0:
        raise InputError("no rows are left after dropping the rows with missing values")
    X = used[features]
    y = used[target]
    encoded = [c for c in features if not _is_numeric(X[c])]
    if encoded:
        levels = {c: X[c].astype(str).nunique() for c in encoded}
        X = pd.get_dummies(X.astype({c: str for c in encoded}), columns=encoded,
                           drop_first=True, dtype=float)
        notes.append("one-hot encoded (first level dropped): " + ", ".join(
            f"{c} ({levels[c]} levels -> {max(levels[c] - 1, 0)} columns)" for c in encoded))
    X = X.astype(float)
    constant = [str(c) for c in X.columns if X[c].nunique() <= 1]
    if constant:
        notes.append(f"constant column(s) {', '.join(constant)}: they carry no information "
                     "(aliased with the intercept) and the methods leave them out")
    inf_cols = [c for c in X.columns if np.isinf(X[c].to_numpy()).any()]
    if inf_cols:
        raise InputError(f"infinite values in column(s) {', '.join(map(str, inf_cols))}; "
                         "replace or drop them")
    if _is_numeric(y):
        yv = y.to_numpy(dtype=float)
        if np.isinf(yv).any():
            raise InputError(f"infinite values in the target {target!r}; replace or drop them")
        classes = np.unique(yv)
        if classes.size > 2 and looks_like_labels(yv):
            raise InputError(
                f"the target {target!r} looks like {classes.size} class labels "
                f"({', '.join(f'{c:g}' for c in classes[:5])}{', ...' if classes.size > 5 else ''}"
                "); the sample-size methods handle binary classification or regression only")
    else:
        yv = y.astype(str).to_numpy(dtype=object)
        classes = np.unique(yv)
        if classes.size > 2:
            raise InputError(
                f"the target {target!r} has {classes.size} classes "
                f"({', '.join(map(str, classes[:5]))}{', ...' if classes.size > 5 else ''}); "
                "the sample-size methods handle binary classification or regression only"
            )
        if classes.size == 2:
            notes.append(f"target {target!r}: classes {classes[0]!r} -> 0, {classes[1]!r} -> 1")
    return X, yv, notes


def _load(args):
    from .datasets import load_dataset

    if args.data is None:
        try:
            X, y = load_dataset(args.dataset, as_frame=True)
        except (KeyError, ValueError) as exc:
            raise InputError(str(exc).strip("'\"")) from None
        frame = X.assign(**{"__target__": y})
        X, y, notes = _prepare_frame(frame, "__target__", args.columns, args.dataset)
        return X, y, f"bundled data set '{args.dataset}'", notes
    frame = _read_csv(args.data)
    target = args.target if args.target is not None else frame.columns[-1]
    X, y, notes = _prepare_frame(frame, target, args.columns, args.data)
    return X, y, f"{args.data} (target {target!r})", notes


def _standardize(X, y, binary):
    sd = X.std(0)
    Xs = (X - X.mean(0)) / np.where(sd > 0, sd, 1.0)
    if binary:
        return Xs, y
    sy = y.std()
    return Xs, (y - y.mean()) / (sy if sy > 0 else 1.0)


def _short(message, limit=160):
    message = " ".join(str(message).split())
    return message if len(message) <= limit else message[: limit - 3] + "..."


def _interval_text(lo, hi):
    """``lo–hi`` in whole rows; ``lo–beyond`` where the upper end is unbounded."""
    if lo is None or np.isnan(lo):
        return ""
    if not np.isfinite(hi):
        return f"{np.floor(lo):,.0f}–beyond"
    return f"{np.floor(lo):,.0f}–{np.ceil(hi):,.0f}"


def sample_size(args):
    """Run the sample-size methods and print/plot the results; return the exit status."""
    import pandas as pd

    from .sample_size.facade import (
        METHODS,
        TABLE_4_6_METHODS,
        InsufficientDataWarning,
        compare_methods,
        get_method,
    )

    methods = TABLE_4_6_METHODS if args.methods is None else tuple(
        m.strip() for m in args.methods.split(",") if m.strip())
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise InputError(f"unknown method(s) {unknown}; choose from {sorted(METHODS)}")
    X, y, source, notes = _load(args)
    names = [str(c) for c in X.columns]
    X = X.to_numpy(dtype=float)
    binary = np.unique(y).size == 2
    if not binary and y.dtype == object:  # a single class of labels
        raise InputError(f"the target has a single class ({y[0]!r}): nothing to learn")
    if binary:
        y = (y == np.unique(y)[1]).astype(float)
    if not args.no_standardize:
        X, y = _standardize(X, y.astype(float), binary)
    params = {}
    if args.n_repeats is not None:
        for m in methods:
            if "n_repeats" in get_method(m)().get_params():
                params[m] = {"n_repeats": args.n_repeats}
    print(f"skcomplexity sample-size: {len(methods)} methods on {source}, "
          f"{X.shape[0]} objects x {X.shape[1]} features"
          f"{'' if args.no_standardize else ' (standardised)'}")
    for note in notes:
        print(f"  {note}")
    start = time.perf_counter()
    rows, fitted, warned, insufficient = [], {}, {}, {}
    iterator = methods
    if not args.quiet:
        from tqdm.auto import tqdm

        iterator = tqdm(methods, desc="sample-size methods")
    for name in iterator:
        if not args.quiet:
            iterator.set_postfix_str(name)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            table, est = compare_methods(
                pd.DataFrame(X, columns=names), y, [name], params={name: params[name]} if name in params else None,
                random_state=args.random_state, n_jobs=args.n_jobs, verbose=0,
                errors="record", return_estimators=True,
            )
        numerical = [w for w in caught if issubclass(w.category, (RuntimeWarning, UserWarning))
                     and not issubclass(w.category, InsufficientDataWarning)]
        short = [w for w in caught if issubclass(w.category, InsufficientDataWarning)]
        if short:
            insufficient[name] = _short(short[-1].message, limit=400)
        if numerical:
            seen = dict.fromkeys(_short(w.message) for w in numerical)
            warned[name] = list(seen)
        rows.append(table)
        fitted.update(est)
    table = pd.concat(rows)
    shown = pd.DataFrame(index=table.index)
    shown["sample_size"] = [
        str(int(v)) if not pd.isna(v) else "—" if pd.isna(e) else f"— (~{e:,.0f})"
        for v, e in zip(table["sample_size"], table["extrapolated"], strict=True)]
    shown["interval (95%)"] = [_interval_text(lo, hi) for lo, hi in
                               zip(table["low"], table["high"], strict=True)]
    shown["status"] = table["status"].fillna("")
    shown["threshold"] = table["threshold"]
    shown["seconds"] = table["seconds"]
    shown["warning"] = ["*" if name in warned else "" for name in table.index]
    failed = table["error"].notna()
    if failed.any():
        shown["error"] = table["error"].fillna("").map(_short)
        shown.loc[failed, "sample_size"] = "failed"
    print(shown.to_string(float_format=lambda v: f"{v:.3g}"))
    print(f"('—': the data at hand never reach the criterion; '(~N)': its trend reaches the "
          f"threshold near N objects; the interval is m*'s (or the forecast's) from resampling "
          f"the replicates, 'beyond': past the data; total "
          f"{time.perf_counter() - start:.1f} s)")
    for name, message in insufficient.items():
        print(f"— {name}: {message}")
    for name, messages in warned.items():
        for message in messages:
            print(f"* {name}: {message}")
    if args.output != "none" and fitted:
        _plot(fitted, args.output)
        print(f"curves written to {args.output}")
    if failed.all():
        print("error: no method could be computed on these data", file=sys.stderr)
        return 1
    return 0


def _plot(fitted, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(fitted)
    cols = min(4, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax, (name, est) in zip(axes.ravel(), fitted.items()):
        est.plot(ax=ax)
        ax.set_title(name)
        ax.legend(fontsize=7)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="skcomplexity", description="Model and data complexity for scikit-learn users.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser(
        "sample-size",
        help="sufficient sample size of a data set by every method",
        description="Run the sufficient-sample-size methods on a CSV file (or a bundled data "
        "set), print m* per method and write the criterion curves to a PNG file. String and "
        "categorical columns are one-hot encoded, a two-class string target is a "
        "classification target, and rows with missing values in the columns used are dropped "
        "(each step is reported).",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("data", nargs="?", help="CSV file; omit to use a bundled data set")
    p.add_argument("--target", help="target column of the CSV file (default: the last column)")
    p.add_argument("--columns",
                   help="comma-separated feature columns (default: every column but the target)")
    p.add_argument("--dataset", default="boston",
                   help="bundled data set used when no file is given (default: boston)")
    p.add_argument("--methods", help="comma-separated method names (default: those of Table 4.6)")
    p.add_argument("--n-repeats", type=int, help="replicates per size for the stochastic methods")
    p.add_argument("--random-state", type=int, default=0, help="seed (default: 0)")
    p.add_argument("--n-jobs", type=int, default=None, help="joblib workers (default: 1)")
    p.add_argument("--no-standardize", action="store_true",
                   help="do not z-score X (and a continuous y) first; the thresholds of Table 4.3 "
                   "assume z-scored data")
    p.add_argument("--output", default="sample_size.png",
                   help="PNG file for the curves, or 'none' (default: sample_size.png)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=sample_size)
    return parser


def main(argv=None):
    """Entry point of the ``skcomplexity`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    if getattr(args, "n_repeats", None) is not None and args.n_repeats < 1:
        print(f"error: --n-repeats must be >= 1, got {args.n_repeats}", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
