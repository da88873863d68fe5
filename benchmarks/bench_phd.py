"""PHD on point clouds of known intrinsic dimension, next to scikit-dimension's TwoNN and MLE.

Uniform samples of the unit d-cube and of the unit d-sphere (in R^(d+1)), both
rotated at random into R^20, for d = 1..10. Each cell is the mean (and std)
over ``--seeds`` clouds of ``--n`` points. scikit-dimension (``pip install
scikit-dimension``; it pulls numba, not torch) is a peer here, not a
dependency. Run:

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/bench_phd.py

Options: --n 2000 --seeds 3 --ambient 20 --dims 1-10
"""

import argparse
import time

import numpy as np

from skcomplexity.data_quality import phd


def cube(d, n, rng):
    return rng.random((n, d))


def sphere(d, n, rng):
    Z = rng.normal(size=(n, d + 1))
    return Z / np.linalg.norm(Z, axis=1, keepdims=True)


def embed(Z, ambient, rng):
    Q = np.linalg.qr(rng.normal(size=(ambient, ambient)))[0][: Z.shape[1]]
    return Z @ Q


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--ambient", type=int, default=20)
    ap.add_argument("--dims", default="1-10")
    args = ap.parse_args()
    lo, hi = (int(v) for v in args.dims.split("-"))
    try:
        import skdim
    except ImportError:  # pragma: no cover
        skdim = None
        print("scikit-dimension is not installed: the TwoNN and MLE columns are empty")

    def fmt(vals):
        return f"{np.mean(vals):5.2f} ± {np.std(vals):4.2f}" if vals else "      -     "

    print(f"n={args.n} points per cloud, ambient dimension {args.ambient}, mean ± std over "
          f"{args.seeds} clouds; PHD defaults (alpha=1, sizes n/4..n in 8 steps, 3 repeats)")
    head = f"{'shape':<7}{'d':>3}  {'PHD':^12}  {'TwoNN':^12}  {'MLE':^12}  {'PHD s':>6}"
    print(head)
    print("-" * len(head))
    for name, sampler in (("cube", cube), ("sphere", sphere)):
        for d in range(lo, hi + 1):
            ours, twonn, mle, secs = [], [], [], []
            for seed in range(args.seeds):
                rng = np.random.default_rng(1000 * d + seed)
                X = embed(sampler(d, args.n, rng), args.ambient, rng)
                t = time.perf_counter()
                ours.append(phd(X, random_state=seed))
                secs.append(time.perf_counter() - t)
                if skdim is not None:
                    twonn.append(skdim.id.TwoNN().fit(X).dimension_)
                    mle.append(skdim.id.MLE().fit(X).dimension_)
            print(f"{name:<7}{d:>3}  {fmt(ours)}  {fmt(twonn)}  {fmt(mle)}  {np.mean(secs):6.2f}")


if __name__ == "__main__":
    main()
