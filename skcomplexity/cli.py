"""The ``skcomplexity`` command.

``skcomplexity sample-size [data.csv] --target y`` runs every sample-size
method on a CSV file (or, with no file, on the bundled Boston Housing data),
prints a table of ``m*`` with a progress bar, and writes the criterion curves to
a PNG file.
"""

import argparse
import sys
import time

import numpy as np

__all__ = ["main"]


def _load(args):
    import pandas as pd

    from .datasets import load_dataset

    if args.data is None:
        X, y = load_dataset(args.dataset, as_frame=True)
        return X, y, f"bundled data set '{args.dataset}'"
    frame = pd.read_csv(args.data)
    target = args.target if args.target is not None else frame.columns[-1]
    if target not in frame.columns:
        raise SystemExit(
            f"error: --target {target!r} is not a column of {args.data} "
            f"(columns: {', '.join(map(str, frame.columns))})"
        )
    frame = frame.dropna()
    X = frame.drop(columns=[target])
    non_numeric = [c for c in X.columns if not np.issubdtype(X[c].dtype, np.number)]
    if non_numeric:
        X = pd.get_dummies(X, columns=non_numeric, drop_first=True, dtype=float)
    return X, frame[target], f"{args.data} (target {target!r})"


def _standardize(X, y, binary):
    Xs = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    ys = y if binary else (y - y.mean()) / (y.std() if y.std() > 0 else 1.0)
    return Xs, ys


def sample_size(args):
    """Run the sample-size methods and print/plot the results."""
    from .sample_size.facade import METHODS, TABLE_4_6_METHODS, compare_methods

    X, y, source = _load(args)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    binary = np.unique(y).size == 2
    if not args.no_standardize:
        X, y = _standardize(X, y.astype(float), binary)
    methods = TABLE_4_6_METHODS if args.methods is None else tuple(args.methods.split(","))
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise SystemExit(f"error: unknown method(s) {unknown}; choose from {sorted(METHODS)}")
    params = {}
    if args.n_repeats is not None:
        from .sample_size.facade import get_method

        for m in methods:
            if "n_repeats" in get_method(m)().get_params():
                params[m] = {"n_repeats": args.n_repeats}
    print(f"skcomplexity sample-size: {len(methods)} methods on {source}, "
          f"{X.shape[0]} objects x {X.shape[1]} features"
          f"{'' if args.no_standardize else ' (standardised)'}")
    start = time.perf_counter()
    table, fitted = compare_methods(
        X, y, list(methods), params=params, random_state=args.random_state, n_jobs=args.n_jobs,
        verbose=0, errors="record", return_estimators=True, progress=not args.quiet,
    )
    shown = table[["sample_size", "threshold", "seconds"]].copy()
    shown["sample_size"] = shown["sample_size"].astype(object).where(
        shown["sample_size"].notna(), "—")
    if table["error"].notna().any():
        shown["error"] = table["error"].fillna("")
    print(shown.to_string(float_format=lambda v: f"{v:.3g}"))
    print(f"('—': the data at hand never reach the criterion; total {time.perf_counter() - start:.1f} s)")
    if args.output != "none" and fitted:
        _plot(fitted, args.output)
        print(f"curves written to {args.output}")
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
        prog="skcomplexity", description="Model and data complexity for scikit-learn users."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser(
        "sample-size",
        help="sufficient sample size of a data set by every method",
        description="Run the sufficient-sample-size methods on a CSV file (or a bundled data "
        "set), print m* per method and write the criterion curves to a PNG file.",
    )
    p.add_argument("data", nargs="?", help="CSV file; omit to use a bundled data set")
    p.add_argument("--target", help="target column of the CSV file (default: the last column)")
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
    """Entry point of the ``skcomplexity`` command."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
