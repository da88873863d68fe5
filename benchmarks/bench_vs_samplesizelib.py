"""skcomplexity against the published reference implementation (samplesizelib).

samplesizelib is *not* a dependency. Install it into a scratch environment and
put this checkout on its path::

    python -m venv /tmp/ssl
    /tmp/ssl/bin/pip install numpy scipy scikit-learn statsmodels pandas joblib tqdm matplotlib
    /tmp/ssl/bin/pip install --no-deps samplesizelib
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 PYTHONPATH=. /tmp/ssl/bin/python \
        benchmarks/bench_vs_samplesizelib.py

Both run on z-scored Boston Housing with the reference's default grid (every
5th size from 2n to m-1) and 100 replicates per size; each method runs once.
The two do not compute identical numbers for the stochastic methods (different
random draws, and the reference takes the smallest size where the criterion
holds rather than the text's "for all larger sizes"), so m* is printed for both.
"""

import time
import warnings

import numpy as np

from skcomplexity.datasets import load_boston
from skcomplexity.sample_size import (
    ACCSampleSize,
    ALCSampleSize,
    APVCSampleSize,
    BootstrapSampleSize,
    CrossValidationSampleSize,
    KLNeighbourSampleSize,
    LagrangeMultiplierSampleSize,
    LikelihoodRatioSampleSize,
    UtilitySampleSize,
    WaldSampleSize,
)

warnings.filterwarnings("ignore")


def main():
    X, y = load_boston(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    y = (y - y.mean()) / y.std()
    m, n = X.shape
    sizes = np.arange(2 * n, m, 5)
    common = dict(sizes=sizes, n_repeats=100, random_state=0)
    stat = dict(noncentrality="shifted", fit_intercept=False, published_fit=True)
    ours = {
        "lagrange": lambda: LagrangeMultiplierSampleSize(**stat),
        "likelihood-ratio": lambda: LikelihoodRatioSampleSize(**stat),
        "wald": lambda: WaldSampleSize(**stat),
        "cross-validation": lambda: CrossValidationSampleSize(**common),
        "bootstrap": lambda: BootstrapSampleSize(**common),
        "apvc": lambda: APVCSampleSize(**common),
        "acc": lambda: ACCSampleSize(**common),
        "alc": lambda: ALCSampleSize(**common),
        "utility": lambda: UtilitySampleSize(**common),
        "kl-neighbours": lambda: KLNeighbourSampleSize(sizes=sizes, n_repeats=5, random_state=0),
    }
    try:
        from samplesizelib.linear import bayesian, heuristic, statistical
        from samplesizelib.linear.models import RegressionModel

        ref_kw = dict(averaging=100)
        theirs = {
            "lagrange": lambda: statistical.LagrangeEstimator(RegressionModel, epsilon=0.2,
                                                              beta=0.2),
            "likelihood-ratio": lambda: statistical.LikelihoodRatioEstimator(
                RegressionModel, epsilon=0.2, beta=0.2),
            "wald": lambda: statistical.WaldEstimator(RegressionModel, epsilon=0.2, beta=0.2),
            "cross-validation": lambda: heuristic.CrossValidationEstimator(RegressionModel,
                                                                           **ref_kw),
            "bootstrap": lambda: heuristic.BootstrapEstimator(RegressionModel, **ref_kw),
            "apvc": lambda: bayesian.APVCEstimator(RegressionModel, **ref_kw),
            "acc": lambda: bayesian.ACCEstimator(RegressionModel, **ref_kw),
            "alc": lambda: bayesian.ALCEstimator(RegressionModel, **ref_kw),
            "utility": lambda: bayesian.MaxUtilityEstimator(RegressionModel, **ref_kw),
            "kl-neighbours": lambda: bayesian.KLEstimator(RegressionModel),
        }
    except ImportError:
        theirs = {}
        print("samplesizelib not importable: timing skcomplexity only")

    print(f"Boston Housing (z-scored), {m} x {n}; grid {sizes[0]}..{sizes[-1]} step 5 "
          f"({sizes.size} sizes), 100 replicates per size")
    print(f"{'method':18s} {'ours m*':>8s} {'ours s':>8s} {'ref m*':>8s} {'ref s':>9s} "
          f"{'speed-up':>9s}")
    total_ours = total_ref = compared_ours = 0.0
    for name, make in ours.items():
        t = time.perf_counter()
        est = make().fit(X, y)
        t_ours = time.perf_counter() - t
        total_ours += t_ours
        ref_m, t_ref = "", float("nan")
        if name in theirs:
            t = time.perf_counter()
            try:
                ref_m = theirs[name]()(X, y)["m*"]
                t_ref = time.perf_counter() - t
                total_ref += t_ref
            except Exception as exc:  # the reference breaks on current numpy for some methods
                ref_m = f"fails ({type(exc).__name__})"

        ratio = t_ref / t_ours if np.isfinite(t_ref) else float("nan")
        if np.isfinite(t_ref):
            compared_ours += t_ours
        print(f"{name:18s} {est.sample_size_!s:>8s} {t_ours:8.2f} {ref_m!s:>8s} {t_ref:9.2f} "
              f"{ratio:8.1f}x", flush=True)
    if theirs:
        print(f"{'total (both ran)':18s} {'':8s} {compared_ours:8.2f} {'':8s} {total_ref:9.2f} "
              f"{total_ref / compared_ours:8.1f}x")


if __name__ == "__main__":
    main()
