"""Logistic fits of nested replicates: count-weighted over all rows vs the gathered-rows path.

The binomial paths of the sample-size methods fit one logistic model per replicate and
grid size on the replicate's prefix. Before, each size was a count-weighted fit over all
``m`` rows (``glm.fit_glm`` / ``glm.laplace_posterior`` with ``weights=counts``); now
the paths of ``models._gathered`` evaluate the per-row work on the prefix rows only
(the same Newton core, ``glm.newton_logistic``, with ``rows`` instead of ``weights``), do
the products as GEMMs against the shared design and re-evaluate the line search only
where needed. Same replicates, same warm starts, one run, one BLAS thread::

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/bench_logistic_prefix.py
"""

import time
import warnings

import numpy as np

from skcomplexity.datasets import load_dataset, make_logistic_regression
from skcomplexity.models.glm import (
    add_intercept,
    fit_glm,
    laplace_posterior,
    laplace_rows_path,
    logistic_rows_path,
)


def _prefix_counts(index, sizes, m):
    counts = np.zeros((index.shape[0], m))
    rows = np.arange(index.shape[0])[:, None]
    prev = 0
    for k in sizes:
        seg = index[:, prev:k]
        np.add.at(counts, (np.broadcast_to(rows, seg.shape), seg), 1.0)
        prev = k
        yield counts


def laplace_counts(Z, y, index, sizes, alpha):
    init, out = None, []
    for counts in _prefix_counts(index, sizes, len(y)):
        mean, cov = laplace_posterior(Z, y, "binomial", prior_precision=alpha, weights=counts,
                                      coef_init=init)
        init = mean
        out.append(cov)
    return np.stack(out)


def laplace_gathered(Z, y, index, sizes, alpha):
    return np.stack([cov for _, cov in laplace_rows_path(Z, y, index,
                                                          [(0, int(k)) for k in sizes], alpha)])


def logistic_counts(Z, y, index, sizes, alpha):
    init, out = None, []
    for counts in _prefix_counts(index, sizes, len(y)):
        init = fit_glm(Z, y, "binomial", weights=counts, prior_precision=alpha, coef_init=init)
        out.append(init)
    return np.stack(out)


def logistic_gathered(Z, y, index, sizes, alpha):
    pen = np.full(Z.shape[1], alpha)
    return np.stack([coef for coef, _, _ in logistic_rows_path(Z, y, index,
                                                                [(0, int(k)) for k in sizes],
                                                                pen)])


def _time(fn, *args):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = fn(*args)
    return time.perf_counter() - start, out


def main():
    rng = np.random.default_rng(0)
    X, y = load_dataset("nba")
    X = (X - X.mean(0)) / X.std(0)
    Z = add_intercept(X)
    cases = []
    index = rng.integers(0, len(y), size=(50, len(y)))
    sizes = np.linspace(Z.shape[1] + 2, len(y), 50).astype(int)
    cases.append((f"Laplace posterior, NBA {X.shape[0]}x{X.shape[1]}, R=50",
                  laplace_counts, laplace_gathered, (Z, y, index, sizes, 0.01)))
    X2, y2 = make_logistic_regression(1000, 20, random_state=307)
    index2 = rng.integers(0, 1000, size=(300, 1000))
    sizes2 = np.linspace(22, 1000, 50).astype(int)
    cases.append(("penalised logistic fit, synthetic 1000x20, R=300",
                  logistic_counts, logistic_gathered, (add_intercept(X2), y2, index2, sizes2,
                                                       0.01)))
    print(f"{'case (50 prefix sizes)':50s} {'counts s':>9s} {'gathered s':>11s} {'ratio':>6s} "
          f"{'median / max rel diff':>22s}")
    for name, old, new, args in cases:
        t_old, a = _time(old, *args)
        t_new, b = _time(new, *args)
        # per fit (size x replicate), normwise: ||a - b|| / ||a||
        axes = tuple(range(2, a.ndim))
        rel = np.sqrt(np.sum((a - b) ** 2, axis=axes) / np.sum(a**2, axis=axes))
        print(f"{name:50s} {t_old:9.2f} {t_new:11.2f} {t_old / t_new:6.1f} "
              f"{np.median(rel):10.1e} / {rel.max():.1e}")
        worst = np.unravel_index(np.argmax(rel), rel.shape)
        print(f"    largest difference at prefix size {args[3][worst[0]]}, "
              f"|estimate| up to {np.abs(a[worst]).max():.3g}")


if __name__ == "__main__":
    main()
