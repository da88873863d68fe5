"""DeltaRidgeDecoder against scikit-learn's Ridge(fit_intercept=False) on the same pairs.

Both solve the multi-output ridge problem of §6.2 for every voxel at once. The
decoder's time includes building the pairs (frame lookup and scan differences)
from the raw recording; Ridge gets the pairs ready-made (their construction is
not timed). Run with one BLAS thread:

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/bench_fmri_ridge.py

Options: --pairs 2000 --features 512 --voxels 30000 --repeats 3
"""

import argparse
import time
import tracemalloc

import numpy as np
from sklearn.linear_model import Ridge

from skcomplexity.fmri import DeltaRidgeDecoder, make_delta_pairs


def best_of(fn, repeats):
    """Best wall time over ``repeats`` runs, and the peak memory (MB) the call allocated."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    del out
    tracemalloc.start()
    out = fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return min(times), peak, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=2000)
    ap.add_argument("--features", type=int, default=512)
    ap.add_argument("--voxels", type=int, default=30000)
    ap.add_argument("--alpha", type=float, default=1000.0)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    nu, mu, delay = 25.0, 1.64, 2.0  # Table 6.6 rates
    n_scans = args.pairs + 1 + int(np.ceil(mu * delay)) + 1
    n_frames = int(np.ceil(n_scans * nu / mu)) + 1
    rng = np.random.default_rng(0)
    frames = rng.normal(size=(n_frames, args.features))
    scans = 5.0 + rng.normal(size=(n_scans, args.voxels)).cumsum(axis=0) * 0.01
    kw = dict(delay=delay, video_fps=nu, fmri_hz=mu)
    Xp, delta, _ = make_delta_pairs(frames, scans, **kw)
    print(f"pairs {Xp.shape[0]}, features {Xp.shape[1]}, voxels {delta.shape[1]}, "
          f"alpha {args.alpha:g}; best of {args.repeats}")

    t_dec, m_dec, dec = best_of(lambda: DeltaRidgeDecoder(args.alpha, **kw).fit(frames, scans),
                                args.repeats)
    rows = [("DeltaRidgeDecoder.fit (builds the pairs)", t_dec, m_dec, None)]
    for solver in ("auto", "cholesky"):
        t, m, ref = best_of(lambda s=solver: Ridge(args.alpha, fit_intercept=False,
                                                   solver=s).fit(Xp, delta), args.repeats)
        err = np.max(np.abs(dec.coef_ - ref.coef_)) / np.max(np.abs(ref.coef_))
        rows.append((f"sklearn Ridge(fit_intercept=False, solver={solver!r})", t, m, err))

    print(f"{'method':<55} {'seconds':>8} {'ratio':>6} {'peak MB':>8} {'max rel. coef diff':>19}")
    for name, t, m, err in rows:
        e = "-" if err is None else f"{err:.1e}"
        print(f"{name:<55} {t:8.2f} {t / t_dec:6.2f} {m:8.0f} {e:>19}")
    print("peak MB: memory allocated during the call (Ridge's ready-made pairs not counted; "
          f"they take {delta.nbytes / 2**20:.0f} MB)")


if __name__ == "__main__":
    main()
