"""compare_methods on a large regression table: seconds per method.

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/bench_compare.py \
        [--rows 100000] [--features 20] [--methods kl-neighbours d-sufficiency ...] [--profile]

Runs :func:`skcomplexity.sample_size.compare_methods` on
``make_linear_regression(rows, features, random_state=0)`` with
``random_state=0`` and prints the ``seconds`` column (each method timed by
compare_methods itself), the answer ``m*`` and the total. ``--profile`` also
prints the 25 most expensive functions (cumulative time) from cProfile.
"""

import argparse
import cProfile
import pstats
import time

from skcomplexity.datasets import make_linear_regression
from skcomplexity.sample_size.facade import METHODS, compare_methods

#: Every method that runs on a plain regression table with its defaults (landscape needs a
#: neural network, learning-curve a user's estimator and score).
ALL = tuple(m for m in METHODS if m not in ("landscape", "learning-curve"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--features", type=int, default=20)
    ap.add_argument("--methods", nargs="*", default=list(ALL))
    ap.add_argument("--n-jobs", type=int, default=None)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    X, y = make_linear_regression(args.rows, args.features, random_state=0)
    prof = cProfile.Profile() if args.profile else None
    start = time.perf_counter()
    if prof:
        prof.enable()
    table = compare_methods(X, y, args.methods, random_state=0, n_jobs=args.n_jobs,
                            errors="record", recommend=False)
    if prof:
        prof.disable()
    total = time.perf_counter() - start
    print(f"compare_methods on make_linear_regression({args.rows}, {args.features}, "
          f"random_state=0), random_state=0, n_jobs={args.n_jobs}")
    print(f"{'method':<18}{'m*':>10}{'seconds':>10}  error")
    for name, row in table.iterrows():
        mstar = "-" if row["sample_size"] is None or str(row["sample_size"]) == "<NA>" \
            else str(int(row["sample_size"]))
        err = "" if row["error"] is None else str(row["error"])[:60]
        print(f"{name:<18}{mstar:>10}{row['seconds']:>10.2f}  {err}")
    print(f"{'total':<18}{'':>10}{total:>10.2f}")
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
