"""R2 (linear class in an l2 ball): batched sign draws vs a per-draw loop.

Run:  python benchmarks/bench_rademacher.py [--n-samples 100000] [--n-features 100]
          [--n-draws 10000] [--loop-draws 200]

Prints one table: seconds and peak traced memory (tracemalloc) of
``linear_rademacher`` with its default chunking and with a few explicit chunk
sizes, and of a plain per-draw loop (``X.T @ sigma`` one sign vector at a
time). The loop is timed on ``--loop-draws`` draws and extrapolated linearly
to ``--n-draws`` (it is marked so in the table); ratios are against the loop.
"""

import argparse
import time
import tracemalloc

import numpy as np

from skcomplexity.rademacher import linear_rademacher


def timed(func):
    tracemalloc.start()
    t0 = time.perf_counter()
    out = func()
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, seconds, peak / 2**20


def per_draw_loop(X, n_draws, radius=1.0, seed=0):
    rng = np.random.default_rng(seed)
    m = X.shape[0]
    vals = np.empty(n_draws)
    for k in range(n_draws):
        sigma = rng.choice([-1.0, 1.0], size=m)
        vals[k] = radius / m * np.linalg.norm(X.T @ sigma)
    return vals.mean()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-samples", type=int, default=100_000)
    ap.add_argument("--n-features", type=int, default=100)
    ap.add_argument("--n-draws", type=int, default=10_000)
    ap.add_argument("--loop-draws", type=int, default=200)
    args = ap.parse_args()
    m, p, K = args.n_samples, args.n_features, args.n_draws
    X = np.random.default_rng(0).normal(size=(m, p))
    data_mib = X.nbytes / 2**20

    rows = []
    loop_val, loop_s, loop_mem = timed(lambda: per_draw_loop(X, args.loop_draws))
    loop_full = loop_s * K / args.loop_draws
    for chunk in (None, 1024):
        res, s, mem = timed(
            lambda chunk=chunk: linear_rademacher(X, n_draws=K, chunk_size=chunk, random_state=0)
        )
        label = "batched (auto chunk)" if chunk is None else f"batched (chunk={chunk})"
        rows.append((label, K, s, mem, loop_full / s, res.complexity, res.std_error))
    rows.append(
        (f"per-draw loop ({args.loop_draws} draws, x{K // args.loop_draws})", K, loop_full,
         loop_mem, 1.0, loop_val, float("nan"))
    )

    bounds = res.bounds
    print(f"R2 linear_rademacher on X {m} x {p} (float64, {data_mib:.0f} MiB), {K} sign draws")
    print(f"{'method':<34}{'draws':>7}{'seconds':>10}{'peak MiB':>10}{'speed-up':>10}"
          f"{'estimate':>11}{'std err':>10}")
    for label, k, s, mem, ratio, est, se in rows:
        print(f"{label:<34}{k:>7}{s:>10.2f}{mem:>10.1f}{ratio:>10.1f}{est:>11.5f}{se:>10.2e}")
    print(f"bounds: khintchine B||X||_F/m = {bounds['khintchine']:.5f}, "
          f"BR/sqrt(m) = {bounds['BR/sqrt(m)']:.5f}")


if __name__ == "__main__":
    main()
