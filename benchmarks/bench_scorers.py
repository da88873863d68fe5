"""What scoring and pruning a network costs, against fitting it.

An :class:`skcomplexity.neural.MLPClassifier` with 100 inputs and 10 classes
(hidden layers sized for about 10k, 100k and 1M parameters) is fitted on 80 %
of ``--n-objects`` synthetic objects for ``--epochs`` epochs; the scorers get
the held-out 20 %, as one fold of ``cross_validate(..., cv=5)`` would give
them. Columns: seconds of the fit, of ``landscape_scorer`` and
``rademacher_scorer`` with their default settings, and of
``BelsleyPruner(FrozenEstimator(net))`` with its defaults on the training objects;
``ratio`` is each cost over the fit's, all measured in one run with one
torch/BLAS thread; ``acc`` is the fitted net's held-out accuracy and
``pruned`` the pruned net's (half the parameters removed, the default
``fraction``, no fine-tuning)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/bench_scorers.py
"""

import argparse
import time

from sklearn.frozen import FrozenEstimator

SIZES = {"10k": (90,), "20k": (180,), "100k": (900,), "1M": (950, 950)}


def main():
    import numpy as np
    import torch

    from skcomplexity.metrics import landscape_scorer
    from skcomplexity.neural import MLPClassifier
    from skcomplexity.pruning import BelsleyPruner

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--n-objects", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--skip-pruner", action="store_true")
    parser.add_argument("--device", default="cpu", help="e.g. cuda (passed to MLPClassifier)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds per size; each column reports its fastest round")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    n = args.n_objects
    X = rng.normal(size=(n, 100)).astype(np.float32)
    y = np.argmax(X @ rng.normal(size=(100, 10)) + rng.normal(size=(n, 10)), axis=1)
    cut = int(0.8 * n)
    Xtr, ytr, Xte, yte = X[:cut], y[:cut], X[cut:], y[cut:]
    # warm-up (imports, first-call overheads of torch/skorch/torch.func), not timed
    warm = MLPClassifier(hidden_units=(8,), max_epochs=1, random_state=0).fit(Xte, yte)
    landscape_scorer(warm, Xte[:50], yte[:50])
    BelsleyPruner(FrozenEstimator(warm), random_state=0).fit(Xte[:200], yte[:200])
    print(f"objects: {cut} fit / {n - cut} scored, epochs={args.epochs}, torch threads=1, "
          f"best of {args.repeat}" + (f", device={args.device}" if args.device != "cpu" else ""))
    print(f"{'params':>9} {'fit s':>7} {'landscape s':>12} {'ratio':>6} {'rademacher s':>13} "
          f"{'ratio':>6} {'Belsley s':>10} {'ratio':>6} {'acc':>6} {'pruned':>7}")
    for size in args.sizes:
        best = {}
        for _ in range(args.repeat):  # the fastest of each column (a shared machine's load)
            for key, secs in _one_round(size, args, Xtr, ytr, Xte, yte):
                best[key] = min(best.get(key, float("inf")), secs)
        fit, land, rad, bel, p, acc = (best["fit"], best["land"], best["rad"], best["bel"],
                                       int(best["p"]), best["acc"])
        print(f"{p:>9} {fit:>7.2f} {land:>12.2f} {land / fit:>6.2f} {rad:>13.2f} {rad / fit:>6.2f} "
              f"{bel:>10.2f} {bel / fit:>6.2f} {acc:>6.3f} {best.get('pacc', float('nan')):>7.3f}",
              flush=True)


def _one_round(size, args, Xtr, ytr, Xte, yte):
    """One fit, both scorers and the pruner on it: ``(column, seconds)`` pairs."""
    from skcomplexity.metrics import landscape_scorer, rademacher_scorer
    from skcomplexity.neural import MLPClassifier
    from skcomplexity.pruning import BelsleyPruner

    clf = MLPClassifier(hidden_units=SIZES[size], max_epochs=args.epochs, batch_size=128,
                        random_state=0, device=args.device)
    t = time.perf_counter()
    clf.fit(Xtr, ytr)
    yield "fit", time.perf_counter() - t
    yield "p", sum(q.numel() for q in clf.module_.parameters())
    yield "acc", clf.score(Xte, yte)
    t = time.perf_counter()
    landscape_scorer(clf, Xte, yte)
    yield "land", time.perf_counter() - t
    t = time.perf_counter()
    rademacher_scorer(clf, Xte, yte)
    yield "rad", time.perf_counter() - t
    if args.skip_pruner:
        yield "bel", float("nan")
        return
    t = time.perf_counter()
    pruner = BelsleyPruner(FrozenEstimator(clf), random_state=0).fit(Xtr, ytr)
    yield "bel", time.perf_counter() - t
    yield "pacc", pruner.score(Xte, yte)  # half the parameters removed (the default fraction)

if __name__ == "__main__":
    main()
