"""Sample-size methods at real scale: seconds, peak memory and m* on n x 20 regressions.

Every cell runs in a fresh subprocess (so its peak resident memory is its own),
with one BLAS thread, on ``make_linear_regression(n, 20, random_state=0)``. The
"floor" rows are the work a bootstrap of full-data likelihoods cannot avoid:
``B`` full-data Gram products ``DᵀD`` (``D = [1, X]``), timed in the same run for
``B = 100`` (the default front door's ``n_repeats``: KL-sufficiency, 100 orders)
and extrapolated x10 for ``B = 1000`` (D- and M-sufficiency's ``n_repeats``); the
"/ floor" rows print each method's time as a multiple of its floor.

Run (about 10 minutes on 2 cores)::

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/bench_scaling.py

Options: ``--sizes 1000 10000`` and ``--methods default d-sufficiency`` restrict the
table; ``--timeout`` caps one cell (seconds).

``--grid`` prints the shape table instead: the default front door
(``SufficientSampleSize(random_state=0)``) on every cell of ``--sizes`` x ``--features``
(default 20 100 300) x ``--targets`` (regression: ``make_linear_regression``; binary:
``make_logistic_regression``), each with its own floor (100 Gram products of
``[1, X]``, timed in the cell's process), seconds, CPU seconds, x floor (CPU) and peak
memory against the data's own size::

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_scaling.py --grid --sizes 1000 10000 \
        --features 20 --targets regression binary --timeout 300
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get("BENCH_ROOT", os.path.dirname(HERE))  # another checkout: before/after

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
    for _ in range(100):
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

GRID_CELL = r"""
import json, resource, sys, time, warnings
import numpy as np
sys.path.insert(0, {root!r})
from skcomplexity.datasets import make_linear_regression, make_logistic_regression
from skcomplexity import SufficientSampleSize
n, d, target = {n}, {d}, {target!r}
make = make_logistic_regression if target == "binary" else make_linear_regression
X, y = make(n, d, random_state=0)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
D = np.hstack([np.ones((n, 1)), X])
c = time.process_time()
for _ in range(100):
    D.T @ D
floor = time.process_time() - c
del D
t, c = time.perf_counter(), time.process_time()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    m_star = SufficientSampleSize(random_state=0).fit(X, y).sample_size_
dt, cpu = time.perf_counter() - t, time.process_time() - c
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": dt, "cpu": cpu, "floor": floor, "peak_mib": peak / 1024,
                  "data_mib": X.nbytes / 2**20, "m_star": m_star}}))
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


def run_cell(n, method, timeout, code=None):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    code = CELL.format(root=ROOT, n=n, method=method) if code is None else code
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
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--grid", action="store_true", help="the shape table (docstring)")
    parser.add_argument("--features", type=int, nargs="+", default=[20, 100, 300])
    parser.add_argument("--targets", nargs="+", default=["regression", "binary"],
                        choices=["regression", "binary"])
    args = parser.parse_args()
    if args.grid:
        return shape_grid(args)
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
                print(f"{'floor B=100':<18}{n:>9}{res['seconds']:>10.2f}{res['peak_mib']:>10.0f}")
                print(f"{'floor B=1000 (x10)':<18}{n:>9}{10 * res['seconds']:>10.2f}", flush=True)
                continue
            print(f"{method:<18}{n:>9}{res['seconds']:>10.2f}{res['peak_mib']:>10.0f}"
                  f"{m_star:>9}", flush=True)
            scale = {"default": 1, "kl-sufficiency": 1, "s-sufficiency": 1,
                     "d-sufficiency": 10, "m-sufficiency": 10}.get(method)
            if scale and n in floors:
                ratio = res["seconds"] / (scale * floors[n])
                print(f"{'  / floor B=' + str(100 * scale):<18}{n:>9}{ratio:>9.2f}x", flush=True)
    print(f"total {time.perf_counter() - start:.0f} s")


def shape_grid(args):
    """The default front door on every n x d x target cell: seconds, x floor, peak memory."""
    print(f"{'n':>9}{'d':>5}{'target':>12}{'seconds':>9}{'cpu s':>8}{'floor s':>9}"
          f"{'x floor':>9}{'peak MiB':>10}{'data MiB':>10}{'m*':>8}")
    start = time.perf_counter()
    for target in args.targets:
        for n in args.sizes:
            for d in args.features:
                code = GRID_CELL.format(root=ROOT, n=n, d=d, target=target)
                res = run_cell(n, None, args.timeout, code=code)
                head = f"{n:>9}{d:>5}{target:>12}"
                if "error" in res:
                    print(f"{head}  not run / failed: {res['error']}", flush=True)
                    continue
                m_star = "-" if res["m_star"] is None else str(res["m_star"])
                print(f"{head}{res['seconds']:>9.2f}{res['cpu']:>8.2f}{res['floor']:>9.3f}"
                      f"{res['cpu'] / res['floor']:>8.1f}x{res['peak_mib']:>10.0f}"
                      f"{res['data_mib']:>10.1f}{m_star:>8}", flush=True)
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
