"""The ``skcomplexity`` command.

``skcomplexity sample-size [data.csv] --target y`` answers "how many rows does my
model need?" on a CSV file (or, with no file, on the bundled Boston Housing
data). Its first line is ONE recommendation — the default method's ``m*`` with
its 95 % interval, rows per parameter, whether the rows at hand are enough and,
when they are not, the forecast — followed by a table of the methods, each row
with the question it answers and its threshold with the unit.

The file's columns go through :class:`skcomplexity.preprocessing.TableEncoder`
(the same public transformer the Python API can use): missing-value
placeholders are missing, a numeric column with a few stray texts stays
numeric, identifier and row-number columns are dropped, text columns are
one-hot encoded; each step is reported by column name. Rows with a missing
value in the columns used are dropped.

The exit status is 0 when at least one method gave a result, 1 when none did,
2 for bad input (found before any method runs), 130 on Ctrl-C and 143 on
SIGTERM.
"""

import argparse
import signal
import sys

from ._errors import InputError

__all__ = ["InputError", "build_parser", "main"]

EXAMPLES = """\
examples:
  skcomplexity sample-size                       # the bundled Boston Housing data
  skcomplexity sample-size data.csv --target churn --output curves.png
  skcomplexity sample-size data.csv --target price --columns area,rooms,district --n-repeats 20
  skcomplexity sample-size visits.csv --target visits --family gaussian   # a count as continuous
  skcomplexity sample-size iris.csv --target Species --positive-class virginica   # one vs rest
  skcomplexity sample-size data.csv --target y --methods auto,bootstrap \\
      --param bootstrap.threshold=0.3 --format json
  skcomplexity sample-size data.csv --target y --estimator hgb --scoring roc_auc --target-score 0.85

how to read it: the first line is the recommendation (the 'auto' method, or with --estimator,
--scoring, --target-score or --delta the learning curve's answer: training rows); each table row is one
method's m*, with its 95% interval, its status (enough, edge, more data, beyond cap,
undetermined), the question it answers and its threshold with the unit. '~N' is a forecast past
the data, '*' a method that warned, '†' an m* set by the method's construction.

exit status: 0 when at least one method gave a result, 1 when none did, 2 for bad input (checked
before any method runs), 130 on Ctrl-C, 143 on SIGTERM.
"""


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that clean-up runs."""


def _on_sigterm(signum, frame):
    raise _Terminated


def _stop_workers(args):
    """Kill joblib's worker processes (they would outlive an interrupted run)."""
    if getattr(args, "n_jobs", None) in (None, 1):
        return
    try:
        from joblib.externals.loky import get_reusable_executor

        get_reusable_executor().shutdown(wait=False, kill_workers=True)
    except Exception:  # noqa: BLE001 - best effort on the way out
        pass


def sample_size(args):
    """Run the sample-size methods and report them; returns the exit status."""
    from ._command import sample_size as run

    return run(args)


def _add_sample_size(sub):
    p = sub.add_parser(
        "sample-size",
        help="how many rows a model needs: one recommendation, then every method",
        description="How many rows does a linear or logistic model of these data need? The "
        "first line is one recommendation (the 'auto' method: KL-sufficiency); the table "
        "below it runs the other methods, each answering its own question. Text columns are "
        "one-hot encoded, identifier columns dropped, missing-value placeholders read as "
        "missing, and rows with missing values dropped; each step is reported by column.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("data", nargs="?", help="CSV file; omit to use a bundled data set")
    p.add_argument("--target", help="target column of the CSV file (default: the last column)")
    p.add_argument("--columns",
                   help="comma-separated feature columns (default: every column but the target)")
    p.add_argument("--dataset", default="boston",
                   help="bundled data set used when no file is given (default: boston)")
    p.add_argument("--methods", help="comma-separated method names, 'auto' among them "
                   "(default: auto and the eleven classical ones); 'auto' always runs first")
    p.add_argument("--family", choices=("auto", "gaussian", "binomial"), default="auto",
                   help="the model: gaussian (linear; also for a count target), binomial "
                   "(logistic), auto (binomial for two classes; default)")
    p.add_argument("--positive-class", metavar="LABEL",
                   help="for a target with several classes: LABEL against the rest")
    p.add_argument("--param", action="append", metavar="METHOD.NAME=VALUE",
                   help="a parameter of one method, e.g. bootstrap.threshold=0.3 or "
                   "landscape.threshold=0.001 (repeatable)")
    lc = p.add_argument_group(
        "learning curve: rows YOUR estimator needs for YOUR score",
        "with any of these the recommendation is the learning-curve answer "
        "(LearningCurveSampleSize) with its 95% interval; the table adds 'auto' (or --methods)")
    lc.add_argument("--estimator", metavar="NAME",
                    help="linear, ridge, logistic, hgb, rf, mlp, or any importable estimator as "
                    "module:Class, e.g. sklearn.svm:SVR (default: linear)")
    lc.add_argument("--scoring", metavar="SCORER",
                    help="a scikit-learn scorer name, e.g. roc_auc, r2, neg_mean_squared_error "
                    "(default: the estimator's score, R² or accuracy)")
    lc.add_argument("--target-score", type=float, metavar="VALUE",
                    help="the score to reach, in the scorer's units (e.g. 0.85 for roc_auc, "
                    "-1.2 for neg_mean_squared_error)")
    lc.add_argument("--delta", type=float, metavar="VALUE",
                    help="instead of --target-score: come within VALUE of the fitted curve's "
                    "asymptote (default without either: 2%% of the curve's rise)")
    p.add_argument("--n-repeats", type=int, help="replicates per size for the stochastic methods")
    p.add_argument("--random-state", type=int, default=0, help="seed (default: 0)")
    p.add_argument("--n-jobs", type=int, default=None, help="joblib workers (default: 1)")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table",
                   help="table (default), or json/csv on stdout for machines")
    p.add_argument("--output", default=None,
                   help="figure file (.png, .pdf, .svg, ...), or 'none' (default: "
                   "sample_size.png for --format table, none otherwise); an existing file is "
                   "replaced only with --force")
    p.add_argument("--force", action="store_true",
                   help="replace an existing --output file; allow a huge --n-repeats")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=sample_size)


def build_parser():
    """The command's argument parser."""
    parser = argparse.ArgumentParser(
        prog="skcomplexity", description="Model and data complexity for scikit-learn users.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_sample_size(sub)
    return parser


def main(argv=None):
    """Entry point of the ``skcomplexity`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread
        previous = None
    try:
        return args.func(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `... --format json | head`
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        _stop_workers(args)
        print("interrupted", file=sys.stderr)
        return 130
    except _Terminated:
        _stop_workers(args)
        print("terminated", file=sys.stderr)
        return 143
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
