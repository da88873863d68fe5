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
memory against the data's own size (under the default 2 GiB budget, which refuses
1,000,000 x 300 before it starts; ``--memory-budget 16GiB`` runs it)::

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_scaling.py --grid --sizes 1000 10000 \
        --features 20 --targets regression binary --timeout 300

``--device cuda`` (or ``cpu``, ``cuda:1``) prints the device table instead: the default front
door given torch float64 tensors on that device under
``sklearn.config_context(array_api_dispatch=True)`` (``SCIPY_ARRAY_API=1`` is set in the cell),
on ``--shapes`` (default ``1000000x20 10000000x50``; ``--quick``: ``20000x20 50000x50``). Each
cell (a fresh process) first fits 2,000 rows once untimed (CUDA context, cuBLAS/cuSOLVER
handles), then times the fit from tensors already on the device to the fitted answer
(synchronised), split into "prepare" (the design's upload; standardisation, identifiability
check and noise variance on the device) and "replicates" (the device's Gram prefixes and Cholesky
solves, and the host's NumPy draws, also shown alone as "draws"); the rest is the input checks on
the host, the curve and its intervals. ``--device-method d-sufficiency`` (or
``m-sufficiency``) times that method (``SufficientSampleSize(method, random_state=0)``,
1,000 bootstrap replicates) instead of the default; its difference column is then the
largest relative difference of ``criterion_`` ("max rel d"). ``--target binary`` fits
``make_logistic_regression`` instead (the default is then KL-sufficiency's Laplace one-step
path, D/M's ``LogisticRegression``; the device computes ``xᵀΣx`` exactly where NumPy reads it
to about 1e-6, so the default's difference column is relative there too).
``--baseline`` (default: cells up to 2e7 values) also fits the NumPy arrays in the same process
and prints the NumPy seconds and the largest difference of ``criterion_``. The cells raise the
memory budget to ``--memory-budget`` (default 48GiB): under the default 2 GiB the engine refuses
10,000,000 x 50 before it starts (its estimate of the host's working copies)::

    python benchmarks/bench_scaling.py --device cuda                  # on a GPU machine
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_scaling.py --device cpu --quick   # seconds
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
from skcomplexity._memory import set_memory_budget
n, d, target, budget = {n}, {d}, {target!r}, {budget!r}
if budget is not None:  # --memory-budget given: the cells the default 2 GiB refuses
    set_memory_budget(budget)
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

DEVICE_CELL = r"""
import json, os, sys, time, warnings
os.environ["SCIPY_ARRAY_API"] = "1"  # before scipy is imported: scikit-learn's dispatch needs it
import numpy as np
sys.path.insert(0, {root!r})
import sklearn, torch
from skcomplexity.datasets import make_linear_regression, make_logistic_regression
from skcomplexity import SufficientSampleSize
from skcomplexity.sample_size import DSufficiency, KLSufficiency, MSufficiency
from skcomplexity._memory import set_memory_budget
n, d, device, baseline, method = {n}, {d}, {device!r}, {baseline!r}, {method!r}
binary = {target!r} == "binary"
kw = {{}} if method == "default" else {{"method": method}}
cls = {{"default": KLSufficiency, "d-sufficiency": DSufficiency,
        "m-sufficiency": MSufficiency}}[method]
set_memory_budget({budget!r})  # 10,000,000 x 50 is refused under the default 2 GiB
cuda = device.startswith("cuda")
sync = torch.cuda.synchronize if cuda else (lambda: None)
X, y = (make_logistic_regression if binary else make_linear_regression)(n, d, random_state=0)
Xt, yt = torch.asarray(X, device=device), torch.asarray(y, device=device)
phases = dict(prepare=0.0, replicates=0.0, draws=0.0)
def timed(name, func):
    def wrapper(*args, **kwargs):
        sync(); t = time.perf_counter()
        out = func(*args, **kwargs)
        sync(); phases[name] += time.perf_counter() - t
        return out
    return wrapper
cls._prepare = timed("prepare", cls._prepare)
cls._evaluate_chunk = timed("replicates", cls._evaluate_chunk)
cls._draw = timed("draws", cls._draw)  # host NumPy, inside "replicates"
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    with sklearn.config_context(array_api_dispatch=True):  # warm-up, untimed
        SufficientSampleSize(random_state=0, **kw).fit(Xt[:2000], yt[:2000])
    phases.update(prepare=0.0, replicates=0.0, draws=0.0)
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    sync(); t = time.perf_counter()
    with sklearn.config_context(array_api_dispatch=True):
        est = SufficientSampleSize(random_state=0, **kw).fit(Xt, yt)
    sync(); dt = time.perf_counter() - t
    res = dict(seconds=dt, m_star=est.sample_size_, **phases,
               device_mib=torch.cuda.max_memory_allocated() / 2**20 if cuda else None)
    if baseline:
        t = time.perf_counter()
        ref = SufficientSampleSize(random_state=0, **kw).fit(X, y)
        diff = np.abs(ref.criterion_ - est.criterion_)
        if method != "default" or binary:  # D(k) spans orders of magnitude: relative
            diff = diff / np.abs(ref.criterion_)
        res.update(numpy_seconds=time.perf_counter() - t, numpy_m_star=ref.sample_size_,
                   max_diff=float(np.max(diff)))
print(json.dumps(res))
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
    parser.add_argument("--device", default=None,
                        help="cpu, cuda or cuda:N: the device table (docstring)")
    parser.add_argument("--shapes", nargs="+", default=None,
                        help="NxD cells of the device table (default 1000000x20 10000000x50)")
    parser.add_argument("--quick", action="store_true",
                        help="device table on 20000x20 50000x50 (the CPU check)")
    parser.add_argument("--baseline", choices=["auto", "yes", "no"], default="auto",
                        help="also time NumPy input (auto: cells up to 2e7 values)")
    parser.add_argument("--device-method", default="default",
                        choices=["default", "d-sufficiency", "m-sufficiency"],
                        help="the method the device table times (default: the front door's)")
    parser.add_argument("--target", choices=["regression", "binary"], default="regression",
                        help="the device table's data (default regression)")
    parser.add_argument("--memory-budget", default="48GiB",
                        help="host memory budget of the device cells (default 48GiB)")
    args = parser.parse_args()
    if args.device is not None:
        return device_table(args)
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
                budget = args.memory_budget if "--memory-budget" in sys.argv else None
                code = GRID_CELL.format(root=ROOT, n=n, d=d, target=target, budget=budget)
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


def device_table(args):
    """The default front door (or ``--device-method``) on torch tensors on ``--device``."""
    if args.shapes is not None:
        shapes = args.shapes
    else:
        shapes = ["20000x20", "50000x50"] if args.quick else ["1000000x20", "10000000x50"]
    timeout = args.timeout if "--timeout" in sys.argv else 600.0
    method = args.device_method
    binary = args.target == "binary"
    if method != "default" or binary:
        print(f"method: {method}, {args.target} target (max rel d: the largest relative "
              "difference of criterion_)")
    diff = "max|dKL|" if method == "default" and not binary else "max rel d"
    print(f"{'n':>10}{'d':>5}{'device':>8}{'seconds':>9}{'prepare':>9}{'replic.':>9}{'draws':>7}"
          f"{'m*':>7}{'numpy s':>9}{'numpy m*':>9}{diff:>10}{'dev MiB':>9}")
    start = time.perf_counter()
    for shape in shapes:
        n, d = (int(v) for v in shape.lower().split("x"))
        baseline = {"yes": True, "no": False}.get(args.baseline, n * d <= 2e7)
        code = DEVICE_CELL.format(root=ROOT, n=n, d=d, device=args.device, baseline=baseline,
                                  budget=args.memory_budget, method=method,
                                  target=args.target)
        res = run_cell(n, None, timeout, code=code)
        head = f"{n:>10}{d:>5}{args.device:>8}"
        if "error" in res:
            print(f"{head}  not run / failed: {res['error']}", flush=True)
            continue
        fmt = lambda v, spec: "-" if v is None else format(v, spec)  # noqa: E731
        print(f"{head}{res['seconds']:>9.2f}{res['prepare']:>9.2f}{res['replicates']:>9.2f}"
              f"{res['draws']:>7.2f}"
              f"{fmt(res['m_star'], 'd'):>7}{fmt(res.get('numpy_seconds'), '.2f'):>9}"
              f"{fmt(res.get('numpy_m_star'), 'd'):>9}{fmt(res.get('max_diff'), '.1e'):>10}"
              f"{fmt(res['device_mib'], '.0f'):>9}", flush=True)
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
