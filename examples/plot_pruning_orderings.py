"""
Parameter orderings for pruning: the §5.4.1 experiment on a CPU
===============================================================

The dissertation's §5.4.1 trains small networks on Wine (13-13-3), Boston
Housing (13-39-1) and a synthetic linear regression (100 inputs, target = the
first feature), removes parameters in the order given by several rules and
plots quality against the percentage removed. It claims that the Belsley
ordering is the most robust and that about 80 % of the parameters can be
removed without a significant loss.

Here every ordering prunes **the same trained network** (wrapped in ``FrozenEstimator``),
without fine-tuning, as the text describes; the split is 80/20. The synthetic
set is scaled down from 10 000 to 2 000 objects. "No significant loss" is read
as: test accuracy within 0.03 (one test object of 36) of the unpruned network,
or test MSE within 10 % of it, at every smaller grid fraction. Training and the
eigendecompositions run on one thread, so the printed table is the same on
every run (the user guide shows it verbatim).

Belsley appears twice: with its default rule (near-dependences by
Belsley–Kuh–Welsch's threshold first, then the parameters that are not
collinear by posterior z-score) and with the text's rule
(``selection="proportion"``: the largest variance proportion on the largest
condition index, whatever its size), which destroys the trained networks.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from sklearn.datasets import load_wine
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skcomplexity.datasets import load_dataset
from skcomplexity.neural import MLPClassifier, MLPRegressor
from skcomplexity.pruning import (
    BelsleyPruner,
    GradientCovariancePruner,
    MagnitudePruner,
    OBDPruner,
    PosteriorRatioPruner,
    PruningCurveDisplay,
    RandomPruner,
)

# one thread: multi-threaded reductions change the last bits, and with them ties in the orderings
torch.set_num_threads(1)
threadpool_limits(1)
FRACTIONS = np.round(np.linspace(0, 0.95, 20), 2)


def split_scale(X, y, regression):
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=0,
                                          stratify=None if regression else y)
    sx = StandardScaler().fit(Xtr)
    Xtr, Xte = sx.transform(Xtr), sx.transform(Xte)
    if regression:
        mu, sd = ytr.mean(), ytr.std()
        ytr, yte = (ytr - mu) / sd, (yte - mu) / sd
    return Xtr, Xte, ytr, yte


def synthetic(n=2000, p=100, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(1.0, 1.0, size=(n, p))
    return X, X[:, 0].copy()


def a_synthetic(p=100):
    A = np.full((p, p), 0.95)
    np.fill_diagonal(A, 1.0)
    A[0, 1:] = A[1:, 0] = 1e-3
    return A


wine = load_wine(return_X_y=True)
boston = load_dataset("boston")
experiments = {
    "Wine (13-13-3)": (
        split_scale(*wine, regression=False),
        MLPClassifier(hidden_units=(13,), max_epochs=80, lr=0.02, batch_size=64,
                      device="cpu", random_state=0),
        None,
    ),
    "Boston (13-39-1)": (
        split_scale(*boston, regression=True),
        MLPRegressor(hidden_units=(39,), max_epochs=100, lr=0.01, batch_size=128,
                     device="cpu", random_state=0),
        "neg_mean_squared_error",
    ),
    "Synthetic (100-1, linear)": (
        # the text's linear network has no bias: p = 100, the size of A_synthetic
        split_scale(*synthetic(), regression=True),
        MLPRegressor(hidden_units=(), bias=False, max_epochs=40, lr=0.05, batch_size=256,
                     device="cpu", random_state=0),
        "neg_mean_squared_error",
    ),
}


def orderings(name):
    out = {
        # the default rule: near-dependences (classical index > 30) first, then z-scores
        "Belsley (Laplace cov.)": (BelsleyPruner, {"covariance": "laplace"}),
        "Belsley (gradient cov.)": (BelsleyPruner, {"covariance": "gradient"}),
        # the text's rule: largest proportion on the largest index, ceil(p / 25) per step
        "Belsley, text rule (Laplace)": (BelsleyPruner, {"covariance": "laplace",
                                                         "selection": "proportion"}),
        "gradient covariance": (GradientCovariancePruner, {}),
        "OBD": (OBDPruner, {}),
        "posterior ratio": (PosteriorRatioPruner, {}),
        "magnitude (extra)": (MagnitudePruner, {}),
        "random": (RandomPruner, {}),
    }
    if name.startswith("Synthetic"):
        out["Belsley (A_synthetic)"] = (BelsleyPruner, {"covariance": a_synthetic()})
        out["Belsley, text rule (A_synth.)"] = (BelsleyPruner, {"covariance": a_synthetic(),
                                                                "selection": "proportion"})
    return out


rows, curves = [], {}
for name, ((Xtr, Xte, ytr, yte), net, scoring) in experiments.items():
    net.fit(Xtr, ytr)
    for label, (cls, kw) in orderings(name).items():
        scores = []
        seeds = range(3) if cls is RandomPruner else [0]
        for seed in seeds:
            pruner = cls(FrozenEstimator(net), random_state=seed, **kw).fit(Xtr, ytr)
            scores.append(pruner.pruning_curve(Xte, yte, FRACTIONS, scoring=scoring).scores)
        disp = PruningCurveDisplay(FRACTIONS, np.array(scores).T, name=label,
                                   n_params=pruner.n_params_)
        curves[name, label] = disp
        ref = disp.mean_scores[0]
        tol = 0.03 if scoring is None else 0.10 * abs(ref)
        metric = disp.mean_scores if scoring is None else -disp.mean_scores
        rows.append({
            "data": name, "ordering": label, "p": pruner.n_params_,
            "unpruned": round(float(metric[0]), 3),
            "at 50%": round(float(metric[FRACTIONS == 0.5][0]), 3),
            "at 80%": round(float(metric[FRACTIONS == 0.8][0]), 3),
            "at 90%": round(float(metric[FRACTIONS == 0.9][0]), 3),
            "max removable %": round(100 * disp.max_fraction_within(tol)),
        })

table = pd.DataFrame(rows)
with pd.option_context("display.width", 160, "display.max_columns", 20):
    print(table.to_string(index=False))

# %%
# Curves: accuracy (Wine) and test MSE on the standardised target (regressions)
fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
for ax, name in zip(axes, experiments, strict=True):
    for (dname, _), disp in curves.items():
        if dname == name:
            if experiments[name][2] is not None:
                disp.scores = -disp.scores
                disp.score_name = "test MSE (standardised y)"
            else:
                disp.score_name = "test accuracy"
            disp.plot(ax=ax)
    ax.set_title(name)
    if experiments[name][2] is not None:
        ax.set_yscale("log")
    ax.legend(fontsize=7)
fig.tight_layout()
