"""Fitting and predicting with the skorch-backed estimators: BatchLoader against torch's DataLoader.

skorch hands its ``Dataset`` to torch's ``DataLoader``, which asks for one row
at a time and collates the rows; ``skcomplexity.neural`` passes a
``BatchLoader`` instead (one fancy index per mini-batch, the same random
draws, bit-identical networks). The floor is the same optimisation written as
a plain torch loop over pre-built tensors (no skorch, no callbacks). Each cell
is the fastest of ``--repeat`` interleaved runs, one torch thread::

    OMP_NUM_THREADS=1 python benchmarks/bench_neural_fit.py
"""

import argparse
import time

CASES = [  # rows, features, hidden units, epochs
    (10_000, 100, (100,), 5),
    (100_000, 20, (64,), 2),
]


def _estimator_round(X, y, hidden, epochs, loader):
    """Seconds of one fit and one predict_proba, with ``loader`` as skorch's iterator."""
    from skcomplexity.neural import MLPClassifier

    if loader is not None:
        MLPClassifier._loader = loader
    try:
        clf = MLPClassifier(hidden_units=hidden, max_epochs=epochs, batch_size=128,
                            early_stopping=False, random_state=0)
        t = time.perf_counter()
        clf.fit(X, y)
        fit = time.perf_counter() - t
        t = time.perf_counter()
        clf.predict_proba(X)
        return fit, time.perf_counter() - t
    finally:
        if loader is not None:
            del MLPClassifier._loader


def _floor_round(X, y, hidden, epochs):
    """The same optimisation as a plain torch loop over pre-built tensors."""
    import torch

    n, d = X.shape
    net = torch.nn.Sequential(torch.nn.Linear(d, hidden[0]), torch.nn.ReLU(),
                              torch.nn.Linear(hidden[0], 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    t = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n)
        for s in range(0, n, 128):
            i = perm[s:s + 128]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(Xt[i]), yt[i]).backward()
            opt.step()
    return time.perf_counter() - t


def main():
    import numpy as np
    import torch
    from torch.utils.data import DataLoader

    from skcomplexity.neural import MLPClassifier

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    MLPClassifier(hidden_units=(4,), max_epochs=1, random_state=0).fit(
        rng.normal(size=(300, 3)).astype(np.float32), rng.integers(0, 2, 300))  # warm-up
    print(f"MLPClassifier, batch_size=128, early_stopping=False, best of {args.repeat}, "
          "one torch thread")
    print(f"{'rows x features':>16} {'hidden':>7} {'epochs':>6} {'floor s':>8} {'fit s':>7} "
          f"{'DataLoader fit s':>17} {'predict s':>10} {'DataLoader predict s':>21}")
    for n, d, hidden, epochs in CASES:
        X = rng.normal(size=(n, d)).astype(np.float32)
        y = rng.integers(0, 10, n)
        best = {}
        for _ in range(args.repeat):
            rounds = {"batch": _estimator_round(X, y, hidden, epochs, None),
                      "dataloader": _estimator_round(X, y, hidden, epochs, DataLoader)}
            for name, (fit, pred) in rounds.items():
                best[f"fit {name}"] = min(best.get(f"fit {name}", float("inf")), fit)
                best[f"predict {name}"] = min(best.get(f"predict {name}", float("inf")), pred)
            best["floor"] = min(best.get("floor", float("inf")), _floor_round(X, y, hidden, epochs))
        print(f"{f'{n} x {d}':>16} {str(hidden[0]):>7} {epochs:>6} {best['floor']:>8.2f} "
              f"{best['fit batch']:>7.2f} {best['fit dataloader']:>17.2f} "
              f"{best['predict batch']:>10.3f} {best['predict dataloader']:>21.3f}", flush=True)


if __name__ == "__main__":
    main()
