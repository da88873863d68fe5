"""Top Hessian eigenvalue of a ~1M-parameter MLP on 10k MNIST-sized inputs.

Compares :func:`skcomplexity.landscape.top_eigenvalue` (Lanczos and power
iteration on torch.func Hessian-vector products) with PyHessian's power
iteration, when PyHessian is importable. PyHessian is *not* a dependency;
install it into a scratch environment::

    python -m venv /tmp/benchvenv --system-site-packages
    /tmp/benchvenv/bin/pip install --no-deps pyhessian
    /tmp/benchvenv/bin/python benchmarks/bench_hessian.py

``-b2000`` rows split each Hessian-vector product into batches of 2000
objects (less memory). Each method runs in a fresh subprocess; "peak MB" is the growth of the
process's peak resident memory (CPU) or ``torch.cuda.max_memory_allocated``
(GPU) during the eigenvalue computation, after data and model are built.
"""

import argparse
import json
import resource
import subprocess
import sys
import time

N_SAMPLES, N_FEATURES, N_CLASSES, HIDDEN = 10_000, 784, 10, (1024, 192)


def _setup(device):
    import numpy as np
    import torch

    from skcomplexity.neural import MLPModule

    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES)).astype(np.float32)
    w = rng.normal(size=(N_FEATURES, N_CLASSES))
    y = np.argmax(X @ w + rng.normal(size=(N_SAMPLES, N_CLASSES)), axis=1)
    net = MLPModule(N_FEATURES, N_CLASSES, HIDDEN).to(device)
    # a short training run so that the point is not the random initialisation
    Xt, yt = torch.as_tensor(X, device=device), torch.as_tensor(y, device=device)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for s in range(0, N_SAMPLES, 100):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(Xt[s:s + 100]), yt[s:s + 100]).backward()
        opt.step()
    return net, X, y, Xt, yt


def _peak_mb(device):
    import torch

    if device == "cuda":
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(method, device, tol, maxiter):
    import torch
    from torch import nn

    net, X, y, Xt, yt = _setup(device)
    n_params = sum(p.numel() for p in net.parameters())
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    before = _peak_mb(device)
    t0 = time.perf_counter()
    if method.startswith("skcomplexity"):
        from skcomplexity.landscape import HessianOperator, top_eigenvalue

        parts = method.split("-")
        batch = int(parts[2][1:]) if len(parts) > 2 else None
        H = HessianOperator(net, X, y, loss=nn.CrossEntropyLoss(reduction="none"),
                            batch_size=batch)
        lam = top_eigenvalue(H, method=parts[1], tol=tol, maxiter=maxiter, random_state=0)
    else:
        from pyhessian import hessian

        comp = hessian(net, nn.CrossEntropyLoss(), data=(Xt, yt), cuda=device == "cuda")
        lam = comp.eigenvalues(maxIter=maxiter, tol=tol, top_n=1)[0][0]
    if device == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    return {"method": method, "n_params": n_params, "eigenvalue": float(lam),
            "seconds": seconds, "peak_mb": _peak_mb(device) - before}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--tol", type=float, default=1e-3)
    parser.add_argument("--maxiter", type=int, default=100)
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    from skcomplexity.neural import resolve_device

    device = resolve_device(args.device)
    if args.one:
        print(json.dumps(run_one(args.one, device, args.tol, args.maxiter)))
        return
    methods = ["skcomplexity-lanczos", "skcomplexity-lanczos-b2000", "skcomplexity-power",
               "skcomplexity-eigsh"]
    try:
        import pyhessian  # noqa: F401

        methods.append("pyhessian")
    except ImportError:
        print("PyHessian not importable: comparing the two skcomplexity methods only.")
    rows = []
    for m in methods:
        out = subprocess.run(
            [sys.executable, __file__, "--one", m, "--device", device, "--tol", str(args.tol),
             "--maxiter", str(args.maxiter)], capture_output=True, text=True, check=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    ref = rows[-1]
    print(f"device={device}  n_params={rows[0]['n_params']}  n_samples={N_SAMPLES}  "
          f"tol={args.tol}  maxiter={args.maxiter}")
    print(f"{'method':<28}{'eigenvalue':>12}{'rel.diff':>10}{'seconds':>10}{'peak MB':>10}"
          f"{'time ratio':>12}")
    for r in rows:
        rel = abs(r["eigenvalue"] - ref["eigenvalue"]) / abs(ref["eigenvalue"])
        print(f"{r['method']:<28}{r['eigenvalue']:>12.5f}{rel:>10.2e}{r['seconds']:>10.2f}"
              f"{r['peak_mb']:>10.1f}{r['seconds'] / ref['seconds']:>12.2f}")


if __name__ == "__main__":
    main()
