"""Sample-size methods at real scale: seconds, peak memory and m* on n x 20 regressions.

Every cell runs in a fresh subprocess (so its peak resident memory is its own),
with one BLAS thread, on ``make_linear_regression(n, 20, random_state=0)``. The
"floor" row is the work no D-sufficiency implementation can avoid: ``B`` full-data
Gram products ``DᵀD`` (``D = [1, X]``, ``B`` = D-sufficiency's ``n_repeats``, 1000),
timed in the same run; the table also prints the default front door's time as a
multiple of that floor.

Run (about 10 minutes on 2 cores)::

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/bench_scaling.py

Options: ``--sizes 1000 10000`` and ``--methods default d-sufficiency`` restrict the
table; ``--timeout`` caps one cell (seconds).
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CELL = r"""
import json, resource, sys, time, warnings
import numpy as np
sys.path.insert(0, {root!r})
from skcomplexity.datasets import make_linear_regression
from skcomplexity import SufficientSampleSize
n, method = {n}, {method!r}
X, y = make_linear_regression(n, 20, random_state=0)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
if method == "floor":
    D = np.hstack([np.ones((n, 1)), X])
    for _ in range(1000):
        D.T @ D
    m_star = None
else:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kw = {{}} if method == "default" else {{"method": method}}
        m_star = SufficientSampleSize(random_state=0, **kw).fit(X, y).sample_size_
dt = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": dt, "peak_mib": peak / 1024, "data_mib": base / 1024,
                  "m_star": m_star}}))
"""

DEFAULT_METHODS = ["floor", "default", "d-sufficiency", "m-sufficiency", "kl-sufficiency",
                   "s-sufficiency", "lagrange", "likelihood-ratio", "wald", "cross-validation",
                   "bootstrap", "apvc", "acc", "alc", "utility", "kl-neighbours"]
# cells left out of the default run to keep it near 10 minutes (pass --sizes/--methods)
SKIP_DEFAULT = {("d-sufficiency", 1_000_000), ("m-sufficiency", 1_000_000),
                ("kl-neighbours", 1_000_000), ("kl-neighbours", 100_000),
                ("acc", 1_000_000), ("alc", 1_000_000), ("cross-validation", 1_000_000),
                ("bootstrap", 1_000_000), ("apvc", 1_000_000), ("utility", 1_000_000),
                ("s-sufficiency", 1_000_000)}


def run_cell(n, method, timeout):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    code = CELL.format(root=ROOT, n=n, method=method)
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"> {timeout} s"}
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1][:60]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+",
                        default=[1_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--methods", nargs="+", default=DEFAULT_METHODS)
    parser.add_argument("--timeout", type=float, default=240.0)
    args = parser.parse_args()
    explicit = "--sizes" in sys.argv or "--methods" in sys.argv
    print(f"{'method':<18}{'n':>9}{'seconds':>10}{'peak MiB':>10}{'m*':>9}")
    floors = {}
    start = time.perf_counter()
    for n in args.sizes:
        for method in args.methods:
            if not explicit and (method, n) in SKIP_DEFAULT:
                continue
            res = run_cell(n, method, args.timeout)
            if "error" in res:
                print(f"{method:<18}{n:>9}{res['error']:>29}", flush=True)
                continue
            m_star = "-" if res["m_star"] is None else str(res["m_star"])
            if method == "floor":
                floors[n] = res["seconds"]
                m_star = ""
            print(f"{method:<18}{n:>9}{res['seconds']:>10.2f}{res['peak_mib']:>10.0f}"
                  f"{m_star:>9}", flush=True)
            if method == "default" and n in floors:
                print(f"{'  default / floor':<18}{n:>9}{res['seconds'] / floors[n]:>10.2f}x",
                      flush=True)
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
