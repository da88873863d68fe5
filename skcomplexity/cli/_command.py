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

    lc = learning_curve_mode(args)
    # with the learning curve leading, the table adds only 'auto' unless --methods says more
    methods = parse_methods("auto" if lc and args.methods is None else args.methods, METHODS)
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
    if lc:
        check_learning_curve(args)
        # the learning curve is the recommendation; 'auto' (or --methods) is the table's rest
        methods = ("learning-curve",) + tuple(m for m in methods if m != "learning-curve")
    return methods


def learning_curve_mode(args):
    """Whether the learning-curve answer leads (any of its options given)."""
    return any(getattr(args, k, None) is not None
               for k in ("estimator", "scoring", "target_score", "delta"))


def check_learning_curve(args):
    """``--scoring``, ``--target-score`` and ``--delta`` before anything is read."""
    from sklearn.metrics import get_scorer_names

    if args.scoring is not None and args.scoring not in get_scorer_names():
        import difflib

        close = difflib.get_close_matches(args.scoring, get_scorer_names(), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else \
            " (e.g. r2, roc_auc, accuracy, neg_mean_squared_error)"
        raise InputError(f"--scoring {args.scoring!r} is not a scikit-learn scorer{hint}")
    if args.target_score is not None and args.delta is not None:
        raise InputError("pass --target-score or --delta, not both: the answer is the rows to "
                         "reach the target score, or to come within delta of the asymptote")
    if args.target_score is not None and not np.isfinite(args.target_score):
        raise InputError(f"--target-score must be a finite number, got {args.target_score}")
    if args.delta is not None and not (np.isfinite(args.delta) and args.delta > 0):
        raise InputError(f"--delta must be a positive number, got {args.delta}")


def learning_curve_params(params, data, args):
    """The learning-curve method's parameters from the command's options (after --param)."""
    from ._estimators import resolve

    mine = {"estimator": resolve(args.estimator, data.binary), "scoring": args.scoring,
            "target_score": args.target_score, "delta": args.delta}
    merged = dict(params)
    merged["learning-curve"] = {**{k: v for k, v in mine.items() if v is not None},
                                **params.get("learning-curve", {})}
    return merged


def _run_one(name, X, y, params, args):
    """One method through ``compare_methods``, its warnings sorted; returns a result row."""
    import pandas as pd

    from ..preprocessing import TableEncodingWarning
    from ..sample_size.facade import InsufficientDataWarning, compare_methods

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


def _context(data, methods, args, fitted=None):
    auto = params_text = ""
    from ..sample_size.facade import AUTO

    auto = f"auto: {AUTO[0]} at {AUTO[1]['threshold']:g} nats per added row"
    lc = (fitted or {}).get("learning-curve")
    if methods[0] == "learning-curve":
        inner = getattr(lc, "estimator_", None)
        from ._estimators import describe

        kind = describe(inner.estimator) if getattr(inner, "estimator", None) is not None \
            else getattr(inner, "estimator_kind_", None) or "the default estimator"
        held = getattr(inner, "n_test_", None)
        auto = (f"learning-curve: {kind}, {args.scoring or 'its score'}"
                + (f", {held:,} held-out rows per replicate" if held else ""))
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


def headline(methods, rows, fitted, data, args):
    """The recommendation: the learning curve's when it leads, the default method's otherwise."""
    from ..sample_size.facade import recommendation

    if methods[0] == "learning-curve":
        lc = fitted.get("learning-curve")
        return _report.learning_curve_recommendation(
            rows[0], getattr(lc, "estimator_", None), len(data.y), args.scoring)
    return recommendation(rows[0], len(data.y), data.X.shape[1] + 1)


def emit(methods, rec, rows, fitted, data, args, output, notes, seconds):
    """Print the report in the chosen format and write the figure."""
    if args.format == "json":
        print(_report.json_report(rec, rows, {
            "source": data.source, "target": data.target, "n_rows": len(data.y),
            "n_features": data.X.shape[1], "features": list(map(str, data.X.columns)),
            "notes": notes}))
    elif args.format == "csv":
        print(_report.csv_report(rows))
    footer = []
    if output is not None and fitted:
        plot(fitted, rows, len(data.y), output)
        footer.append(f"figure written to {output}")
    if args.format == "table":
        footer.append(f"(total {seconds():.1f} s)")
        print(_report.text_report(rec, rows, _context(data, methods, args, fitted),
                                  notes, footer))
    elif footer:
        _say(footer[0])


def sample_size(args):
    """Run the methods and report; returns the exit status."""
    methods = check_settings(args)
    default_output = None if args.format == "table" else "none"
    output, file_notes = check_output(args.output if args.output is not None else default_output,
                                      data=args.data, force=args.force)
    params = method_params(methods, args)
    data = load(args)
    if methods[0] == "learning-curve":
        params = learning_curve_params(params, data, args)
    start = time.perf_counter()
    rows, fitted = run_methods(methods, data, params, args)
    rec = headline(methods, rows, fitted, data, args)
    emit(methods, rec, rows, fitted, data, args, output, data.notes + file_notes,
         lambda: time.perf_counter() - start)
    if all(r.get("error") for r in rows):
        _say("error: no method could be computed on these data")
        return 1
    return 0
