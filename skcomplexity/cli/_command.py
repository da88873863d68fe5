"""``skcomplexity sample-size``: the steps, each a small function."""

import sys
import time
import warnings

import numpy as np

from . import _report
from ._data import load
from ._errors import InputError
from ._files import check_output
from ._methods import by_construction, detail, method_params, parse_methods

#: Replicates past which the command warns (and past ``MAX_REPEATS``, refuses without --force).
HEAVY_REPEATS, MAX_REPEATS = 1_000, 10_000


def _say(message):
    print(message, file=sys.stderr)


def check_settings(args):
    """Refuse or warn about settings before anything is read; returns the methods."""
    from ..sample_size.facade import METHODS

    methods = parse_methods(args.methods, METHODS)
    if args.n_repeats is not None:
        if args.n_repeats < 1:
            raise InputError(f"--n-repeats must be at least 1, got {args.n_repeats}")
        if args.n_repeats > MAX_REPEATS and not args.force:
            raise InputError(f"--n-repeats {args.n_repeats:,} would take about "
                             f"{args.n_repeats / 100:,.0f} times the default's time and memory; "
                             "a few hundred settle the intervals (pass --force to run it anyway)")
        if args.n_repeats > HEAVY_REPEATS:
            _say(f"warning: --n-repeats {args.n_repeats:,} takes about "
                 f"{args.n_repeats / 100:,.0f} times the default's (100) time and memory")
    if args.n_jobs is not None and args.n_jobs == 0:
        raise InputError("--n-jobs must be a positive number or -1 (all cores), got 0")
    return methods


def _run_one(name, X, y, params, args):
    """One method through ``compare_methods``, its warnings sorted; returns a result row."""
    import pandas as pd

    from ..sample_size.facade import InsufficientDataWarning, compare_methods
    from ..preprocessing import TableEncodingWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table, fitted = compare_methods(
            X, y, [name], params={name: params[name]} if name in params else None,
            random_state=args.random_state, n_jobs=args.n_jobs, verbose=0, errors="record",
            return_estimators=True, recommend=False)
    est = fitted.get(name)
    t = table.iloc[0]

    def value(key):
        v = t[key]
        if isinstance(v, str):
            return v
        return None if pd.isna(v) else float(v)

    messages = [" ".join(str(w.message).split()) for w in caught
                if issubclass(w.category, InsufficientDataWarning)]
    numerical = [" ".join(str(w.message).split()) for w in caught
                 if issubclass(w.category, (RuntimeWarning, UserWarning))
                 and not issubclass(w.category, (InsufficientDataWarning, TableEncodingWarning))]
    size = value("sample_size")
    status = value("status")
    if status is None and size is not None:  # a closed-form test: no curve, no interval
        status = "enough" if size <= len(y) else "more data"
    return {
        "method": name, "question": t["question"], "detail": detail(est),
        "threshold_unit": t["threshold_unit"], "sample_size": None if size is None else int(size),
        "extrapolated": value("extrapolated"), "low": value("low"), "high": value("high"),
        "status": status, "threshold": value("threshold"),
        "seconds": float(t["seconds"]), "error": value("error"),
        "messages": list(dict.fromkeys(messages))[-1:], "warnings": list(dict.fromkeys(numerical)),
        "by_construction": by_construction(est, len(y)),
    }, est


def run_methods(methods, data, params, args):
    """Every method on the data, with a progress bar on stderr unless ``--quiet``."""
    X, y = data.X, data.y
    rows, fitted = [], {}
    iterator = methods
    if not args.quiet:
        from tqdm.auto import tqdm

        iterator = tqdm(methods, desc="sample-size methods", file=sys.stderr)
    for name in iterator:
        if not args.quiet:
            iterator.set_postfix_str(name)
        row, est = _run_one(name, X, y, params, args)
        rows.append(row)
        if est is not None:
            fitted[name] = est
    return rows, fitted


def _context(data, methods, args):
    auto = params_text = ""
    from ..sample_size.facade import AUTO

    auto = f"auto: {AUTO[0]} at {AUTO[1]['threshold']:g} nats per added row"
    if args.family != "auto":
        params_text = f", family {args.family}"
    return (f"{auto}{params_text}; {data.source}, target {data.target!r}: {len(data.y):,} rows "
            f"x {data.X.shape[1]} feature columns, {len(methods)} method{'s' if len(methods) > 1 else ''}")


def plot(fitted, rows, n_rows, path):
    """The comparison of every method's m* and each method's curve, in one figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..plotting import SampleSizeComparisonDisplay

    curves = [(name, est) for name, est in fitted.items() if est.sizes_ is not None]
    cols = min(3, max(len(curves), 1))
    n_curve_rows = int(np.ceil(len(curves) / cols))
    fig = plt.figure(figsize=(5 * cols, 0.35 * len(rows) + 1.5 + 3.2 * n_curve_rows))
    heights = [0.35 * len(rows) + 1.0] + [3.2] * n_curve_rows
    grid = fig.add_gridspec(1 + n_curve_rows, cols, height_ratios=heights)
    SampleSizeComparisonDisplay.from_rows(rows, n_rows).plot(ax=fig.add_subplot(grid[0, :]))
    for i, (name, est) in enumerate(curves):
        ax = fig.add_subplot(grid[1 + i // cols, i % cols])
        est.plot(ax=ax, name=name)
        ax.set_title(name, fontsize=9)
        ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def sample_size(args):
    """Run the methods and report; returns the exit status."""
    from ..sample_size.facade import recommendation

    methods = check_settings(args)
    default_output = None if args.format == "table" else "none"
    output, file_notes = check_output(args.output if args.output is not None else default_output,
                                      data=args.data, force=args.force)
    params = method_params(methods, args)
    data = load(args)
    start = time.perf_counter()
    rows, fitted = run_methods(methods, data, params, args)
    n_params = data.X.shape[1] + 1
    rec = recommendation(rows[0], len(data.y), n_params)
    if args.format == "json":
        print(_report.json_report(rec, rows, {
            "source": data.source, "target": data.target, "n_rows": len(data.y),
            "n_features": data.X.shape[1], "features": list(map(str, data.X.columns)),
            "notes": data.notes + file_notes}))
    elif args.format == "csv":
        print(_report.csv_report(rows))
    footer = []
    if output is not None and fitted:
        plot(fitted, rows, len(data.y), output)
        footer.append(f"figure written to {output}")
    if args.format == "table":
        footer.append(f"(total {time.perf_counter() - start:.1f} s)")
        print(_report.text_report(rec, rows, _context(data, methods, args),
                                  data.notes + file_notes, footer))
    elif footer:
        _say(footer[0])
    if all(r.get("error") for r in rows):
        _say("error: no method could be computed on these data")
        return 1
    return 0
