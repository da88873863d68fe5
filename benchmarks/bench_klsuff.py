"""KL/S along deletion paths: rank-one (Sherman–Morrison) updates vs refitting each size.

Both compute KL(p_k || p_{k+1}) and s-score(p_k, p_{k+1}) at every k of B random
deletion paths of the conjugate linear regression (prior N(0, I), sigma2 = 1)
on standardised Boston; the refit path computes both posteriors from scratch
(Gram matrix + Cholesky) at each k. The refit is timed on fewer paths and
extrapolated linearly, and the two are checked to agree.

    python benchmarks/bench_klsuff.py [--paths 100] [--refit-paths 5]
"""

import argparse
import time

import numpy as np

from skcomplexity.datasets import load_boston
from skcomplexity.models.posterior import (
    conjugate_posterior,
    deletion_path,
    gaussian_kl,
    gaussian_s_score,
)


def refit_path(X, y, order, min_size):
    m = X.shape[0]
    kl = np.empty(m - min_size)
    s = np.empty(m - min_size)
    for j, k in enumerate(range(min_size, m)):
        m1, c1 = conjugate_posterior(X[order[:k]], y[order[:k]])
        m2, c2 = conjugate_posterior(X[order[:k + 1]], y[order[:k + 1]])
        kl[j] = gaussian_kl(m1, c1, m2, c2)
        s[j] = gaussian_s_score(m1, c1, m2, c2)
    return kl, s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=100)
    ap.add_argument("--refit-paths", type=int, default=5)
    args = ap.parse_args()
    X, y = load_boston(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    X = np.hstack([np.ones((X.shape[0], 1)), X])
    y = (y - y.mean()) / y.std()
    m, p = X.shape
    rng = np.random.default_rng(0)
    orders = np.array([rng.permutation(m) for _ in range(args.paths)])
    min_size = p + 1

    t = time.perf_counter()
    _, kl, s, _ = deletion_path(X, y, orders, min_size=min_size, lambda_min=False)
    t_rank1 = time.perf_counter() - t
    t = time.perf_counter()
    deletion_path(X, y, orders, min_size=min_size, lambda_min=True)
    t_rank1_lam = time.perf_counter() - t

    t = time.perf_counter()
    ref = [refit_path(X, y, orders[b], min_size) for b in range(args.refit_paths)]
    t_refit_small = time.perf_counter() - t
    t_refit = t_refit_small * args.paths / args.refit_paths
    err_kl = max(np.max(np.abs(kl[b] - ref[b][0])) for b in range(args.refit_paths))
    err_s = max(np.max(np.abs(s[b] - ref[b][1])) for b in range(args.refit_paths))

    print(f"Boston 506x14 (standardised + intercept), KL and S at every k in [{min_size}, {m - 1}],"
          f" B={args.paths} deletion paths")
    print(f"{'method':<36}{'paths':>7}{'seconds':>10}{'ratio':>9}")
    print(f"{'rank-one updates (batched)':<36}{args.paths:>7}{t_rank1:>10.3f}{1.0:>9.1f}")
    print(f"{'rank-one + lambda_min per step':<36}{args.paths:>7}{t_rank1_lam:>10.3f}"
          f"{t_rank1_lam / t_rank1:>9.1f}")
    print(f"{'refit each size, measured':<36}{args.refit_paths:>7}{t_refit_small:>10.3f}")
    print(f"{'refit each size, extrapolated':<36}{args.paths:>7}{t_refit:>10.3f}"
          f"{t_refit / t_rank1:>9.1f}")
    print(f"max |difference| rank-one vs refit: KL {err_kl:.1e}, S {err_s:.1e}")


if __name__ == "__main__":
    main()
