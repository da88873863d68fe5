"""D/M-sufficiency on Boston with linear regression: batched path vs clone-and-fit.

Both paths use the same bootstrap subsamples (same seed), so their full-data
log-likelihoods must agree to 1e-8 (relative). The clone-and-fit path of
scikit-learn's LinearRegression is timed on fewer replicates and extrapolated
linearly in the number of replicates (it is a plain loop over fits).

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/bench_dm.py [--repeats 1000] [--clone-repeats 50] [--rounds 3]

Every timing is the fastest of ``--rounds`` rounds, the paths interleaved, so
that a burst of load on a shared machine does not decide the ratio.
"""

import argparse
import time

import numpy as np
from sklearn.linear_model import LinearRegression

from skcomplexity.datasets import load_boston
from skcomplexity.sample_size import DSufficiency, MSufficiency


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=1000)
    ap.add_argument("--clone-repeats", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    X, y = load_boston(return_X_y=True)
    kw = dict(sizes=None, random_state=0)  # the full default grid: 50 sizes in [15, 506]

    def timed(fit):
        t = time.perf_counter()
        est = fit()
        return est, time.perf_counter() - t

    t_batched = t_clone_small = t_small_b = float("inf")
    for _ in range(args.rounds):
        d, sec = timed(lambda: DSufficiency(LinearRegression(), n_repeats=args.repeats,
                                            **kw).fit(X, y))
        t_batched = min(t_batched, sec)
        # same numbers: batched vs clone-and-fit on the same first replicates
        small_c, sec = timed(lambda: DSufficiency(LinearRegression(), n_repeats=args.clone_repeats,
                                                  batched=False, **kw).fit(X, y))
        t_clone_small = min(t_clone_small, sec)
        small_b, sec = timed(lambda: DSufficiency(LinearRegression(), n_repeats=args.clone_repeats,
                                                  **kw).fit(X, y))
        t_small_b = min(t_small_b, sec)
    m = MSufficiency(LinearRegression(), n_repeats=args.repeats, **kw).fit(X, y)
    rel = np.max(np.abs(small_b.loss_replicates_ - small_c.loss_replicates_)
                 / np.abs(small_c.loss_replicates_))
    t_clone = t_clone_small * args.repeats / args.clone_repeats

    print(f"Boston 506x13, LinearRegression, grid of {len(d.sizes_)} sizes, "
          f"B={args.repeats} bootstrap replicates per size, fastest of {args.rounds} rounds")
    print(f"{'method':<34}{'replicates':>11}{'seconds':>10}{'ratio':>9}")
    print(f"{'batched (prefix stats + Cholesky)':<34}{args.repeats:>11}{t_batched:>10.2f}"
          f"{1.0:>9.1f}")
    print(f"{'clone-and-fit, measured':<34}{args.clone_repeats:>11}{t_clone_small:>10.2f}"
          f"{'':>9}")
    print(f"{'batched, same replicates':<34}{args.clone_repeats:>11}{t_small_b:>10.2f}"
          f"{t_clone_small / t_small_b:>9.1f}")
    print(f"{'clone-and-fit, extrapolated':<34}{args.repeats:>11}{t_clone:>10.2f}"
          f"{t_clone / t_batched:>9.1f}")
    print(f"max relative difference of the log-likelihoods (batched vs clone): {rel:.2e}")
    print(f"D-sufficient m* = {d.sample_size_}, M-sufficient m* = {m.sample_size_} "
          f"(defaults: threshold_mode='per_object', sigma2 estimated)")


if __name__ == "__main__":
    main()
