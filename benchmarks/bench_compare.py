"""compare_methods on a large regression table: seconds per method.

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/bench_compare.py \
        [--rows 100000] [--features 20] [--methods kl-neighbours d-sufficiency ...] [--profile]
        [--cpu] [--speedup ROUNDS]

Runs :func:`skcomplexity.sample_size.compare_methods` on
``make_linear_regression(rows, features, random_state=0)`` with
``random_state=0`` and prints the ``seconds`` column (each method timed by
compare_methods itself; ``--cpu``: this process's CPU seconds instead, which a
shared machine's load disturbs less), the answer ``m*`` and the total. ``--profile`` also
prints the 25 most expensive functions (cumulative time, or ``--sort tottime``) from
cProfile. ``--floor`` also prints each replicated method's floor, ``B`` full-data Gram
products of ``[1, X, y]`` (``B`` its default ``n_repeats``; one product timed as the
fastest of 5 runs of 20), and its seconds as a multiple of it.

``--speedup ROUNDS`` times the default front door instead,
``SufficientSampleSize(random_state=0, n_jobs=j).fit(X, y)`` for ``j`` = 1 and 2,
interleaved, ``ROUNDS`` times each after one warm-up each (the workers' start), and
prints every time, the fastest of each and their ratio, the load average before
and after, and whether the fitted numbers are identical. On a shared machine the
wall-clock ratio reads the other users' load too, so it also prints the CPU seconds
of each chunk of replicates (the parallel part) and of the rest of the fit (serial),
measured with ``n_jobs=1`` (one process), and the ratio two free cores would give
without the workers' overhead: ``cpu(1) / (cpu(1) - chunks + the larger of the two
workers' chunks)``.
"""

import argparse
import cProfile
import os
import pstats
import time

import numpy as np

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
    ap.add_argument("--sort", default="cumulative", help="the profile's order (pstats key)")
    ap.add_argument("--floor", action="store_true",
                    help="also print B full-data Gram products per method and the ratio to it")
    ap.add_argument("--speedup", type=int, default=0, metavar="ROUNDS")
    ap.add_argument("--cpu", action="store_true",
                    help="seconds of CPU time (this process) instead of wall-clock seconds")
    args = ap.parse_args()
    X, y = make_linear_regression(args.rows, args.features, random_state=0)
    if args.speedup:
        return speedup(X, y, args.speedup)
    if args.cpu:  # compare_methods' seconds column then reads this process's CPU time
        import types

        from skcomplexity.sample_size import facade

        facade.time = types.SimpleNamespace(perf_counter=time.process_time)
    clock = time.process_time if args.cpu else time.perf_counter
    prof = cProfile.Profile() if args.profile else None
    start = clock()
    if prof:
        prof.enable()
    table = compare_methods(X, y, args.methods, random_state=0, n_jobs=args.n_jobs,
                            errors="record", recommend=False)
    if prof:
        prof.disable()
    total = clock() - start
    print(f"compare_methods on make_linear_regression({args.rows}, {args.features}, "
          f"random_state=0), random_state=0, n_jobs={args.n_jobs}; "
          f"{'CPU' if args.cpu else 'wall-clock'} seconds; load average {os.getloadavg()[0]:.2f}")
    print(f"{'method':<18}{'m*':>10}{'seconds':>10}  error")
    for name, row in table.iterrows():
        mstar = "-" if row["sample_size"] is None or str(row["sample_size"]) == "<NA>" \
            else str(int(row["sample_size"]))
        err = "" if row["error"] is None else str(row["error"])[:60]
        print(f"{name:<18}{mstar:>10}{row['seconds']:>10.2f}  {err}")
    print(f"{'total':<18}{'':>10}{total:>10.2f}")
    if args.floor:
        floor(X, y, table, clock)
    if prof:
        pstats.Stats(prof).sort_stats(args.sort).print_stats(25)


def floor(X, y, table, clock):
    """Each replicated method's B full-data Gram products and its seconds as a multiple."""
    import skcomplexity.sample_size as ss

    A = np.hstack([np.ones((X.shape[0], 1)), X, y[:, None]])
    runs = []
    for _ in range(5):
        start = clock()
        for _ in range(20):
            A.T @ A
        runs.append((clock() - start) / 20)
    gram = min(runs)
    print(f"floor: one full-data Gram product of [1, X, y] ({A.shape[0]:,} x {A.shape[1]}) "
          f"{gram * 1e3:.2f} ms")
    print(f"{'method':<18}{'B':>6}{'floor s':>10}{'x floor':>10}")
    for name, row in table.iterrows():
        B = getattr(getattr(ss, str(row["estimator"]), None), "__init__", None)
        B = None if B is None else B.__kwdefaults__ and B.__kwdefaults__.get("n_repeats")
        if B:
            print(f"{name:<18}{B:>6}{B * gram:>10.2f}{row['seconds'] / (B * gram):>10.1f}")


class _Timed:
    """``func`` that also returns the CPU seconds it took (in whichever process runs it)."""

    def __init__(self, func):
        self.func = func

    def __call__(self, *args):
        start = time.process_time()
        out = self.func(*args)
        return out, time.process_time() - start


def _chunk_cpu_times(X, y):
    """CPU seconds of one n_jobs=1 fit (one process) and of each of its chunks."""
    import skcomplexity.sample_size._base as base
    from skcomplexity import SufficientSampleSize

    original, cpu = base.parallel_map, []

    def timed_map(func, tasks, **kwargs):
        out = original(_Timed(func), tasks, **kwargs)
        cpu.extend(c for _, c in out)
        return [r for r, _ in out]

    base.parallel_map = timed_map
    try:
        start = time.process_time()
        SufficientSampleSize(random_state=0, n_jobs=1).fit(X, y)
        wall = time.process_time() - start
    finally:
        base.parallel_map = original
    return wall, cpu


def speedup(X, y, rounds):
    from skcomplexity import SufficientSampleSize

    load = os.getloadavg()[0]
    times, fits = {1: [], 2: []}, {}
    for r in range(rounds + 1):
        for n_jobs in (1, 2):
            start = time.perf_counter()
            fits[n_jobs] = SufficientSampleSize(random_state=0, n_jobs=n_jobs).fit(X, y)
            if r:  # round 0 is the warm-up (it starts the workers)
                times[n_jobs].append(time.perf_counter() - start)
    same = all(np.array_equal(getattr(fits[1].estimator_, a), getattr(fits[2].estimator_, a))
               for a in ("criterion_", "criterion_replicates_", "criterion_std_"))
    same = same and fits[1].sample_size_ == fits[2].sample_size_
    print(f"SufficientSampleSize(random_state=0, n_jobs=j).fit on {X.shape[0]:,} x {X.shape[1]}, "
          f"{rounds} rounds after a warm-up; load average {load:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after")
    for n_jobs, ts in times.items():
        print(f"n_jobs={n_jobs}: min {min(ts):.3f} s  all {' '.join(f'{t:.2f}' for t in ts)}")
    print(f"speed-up (min / min): {min(times[1]) / min(times[2]):.2f}x; identical numbers: {same}")
    best = min((_chunk_cpu_times(X, y) for _ in range(rounds)), key=lambda t: t[0])
    wall, cpu = best
    half = -(-len(cpu) // 2)  # parallel_map gives each of 2 workers one batch of tasks
    two = wall - sum(cpu) + max(sum(cpu[:half]), sum(cpu[half:]))
    print(f"n_jobs=1 fastest of {rounds}: {wall:.3f} CPU s, {len(cpu)} chunks of "
          f"{' '.join(f'{c:.3f}' for c in cpu)} CPU s, the rest {wall - sum(cpu):.3f} s; "
          f"on two free cores: {two:.3f} s, {wall / two:.2f}x")


if __name__ == "__main__":
    main()
