"""
Table 4.6: every sample-size method on four data sets, next to the published values
===================================================================================

:func:`skcomplexity.sample_size.compare_methods` runs the nine classical
methods of Table 4.2 and the two new ones (KL- and S-sufficiency) on the same
data and tabulates ``m*``. We run it on the four regression data sets of
Table 4.6 (Boston Housing, Diabetes, Forest Fires, Servo) with z-scored ``X``
and ``y`` and print our ``m*`` next to the published value.

Settings. The paper ran the classical methods with the defaults of its
reference implementation (SampleSizeLib), so we use the package's options that
reproduce that implementation's conventions:

* Lagrange multiplier, likelihood ratio, Wald: ``noncentrality="shifted"``,
  ``published_fit=True``, no intercept (as in the Table 4.2 example);
* cross-validation ``test_size=0.5``; all Bayesian methods and CV ``sigma2=1``;
  ACC and ALC ``radius_scale=3``; thresholds of Table 4.3 (the defaults);
* ACC uses ``method="monte-carlo"`` (1000 posterior draws) instead of the exact
  Imhof integral, which is about 50 times slower (on Boston, with 30
  subsamples per size and the same seed, both gave ``m* = 201``);
* KL and S: relative threshold 0.05, every size from ``2(n + 1)`` to ``m - 1``,
  ``B = 100`` deletion paths (the §4.6.3 settings).

The stochastic classical methods use ``n_repeats=100`` subsamples per size
(as the reference implementation) on a grid of 100 sizes (it used every fifth
size from ``2n``), and a single seed; the whole script takes about 35 s on one
core. Their ``m*`` move by tens of objects from seed to seed, and the published
values also come from a single run with an unpublished seed and the "first
size where the criterion holds" rule rather than Definition 19, so only the
magnitude and the ordering of those rows are expected to agree.
"""

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from skcomplexity.datasets import load_dataset
from skcomplexity.sample_size import PUBLISHED_PARAMS, compare_methods

DATASETS = {"boston": "Boston", "diabetes": "Diabetes", "forest_fires": "Forest Fires",
            "servo": "Servo"}
# Table 4.6 of the dissertation (spec §9.3); "—": no m* on the data at hand.
PUBLISHED = {
    "lagrange": (18, 25, 44, 38),
    "likelihood-ratio": (17, 25, 43, 18),
    "wald": (66, 51, 46, 76),
    "cross-validation": (178, 441, 171, 120),
    "bootstrap": (113, 117, 86, 60),
    "apvc": (98, 167, 351, 20),
    "acc": (228, 441, 346, 65),
    "alc": (98, 267, 516, 25),
    "utility": (148, 172, 206, 105),
    "kl-sufficiency": (493, 437, 86, 165),
    "s-sufficiency": (28, 22, 26, 10),
}
N_REPEATS, N_SIZES = 100, 100
STAT = {"noncentrality": "shifted", "published_fit": True, "fit_intercept": False}
STOCH = {"n_repeats": N_REPEATS, "sizes": N_SIZES}


def params_for(n_samples, n_features):
    grid = np.arange(2 * (n_features + 1), n_samples)
    return {
        "lagrange": STAT,
        "likelihood-ratio": STAT,
        "wald": STAT,
        "cross-validation": {**STOCH, "sigma2": 1.0, "test_size": 0.5},
        "bootstrap": STOCH,
        "apvc": {**STOCH, "sigma2": 1.0},
        "acc": {**STOCH, "sigma2": 1.0, "radius_scale": 3.0, "method": "monte-carlo"},
        "alc": {**STOCH, "sigma2": 1.0, "radius_scale": 3.0},
        "utility": {**STOCH, "sigma2": 1.0},
        "kl-sufficiency": {**PUBLISHED_PARAMS, "n_repeats": 100, "sizes": grid},
        "s-sufficiency": {**PUBLISHED_PARAMS, "n_repeats": 100, "sizes": grid},
    }


ours, seconds = {}, {}
for key, label in DATASETS.items():
    X, y = load_dataset(key)
    X = (X - X.mean(0)) / X.std(0)
    y = (y - y.mean()) / y.std()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        table = compare_methods(X, y, params=params_for(*X.shape), random_state=0,
                                recommend=False)  # the table's rows only
    seconds[label] = time.perf_counter() - start
    ours[label] = table["sample_size"]
    print(f"{label}: m = {X.shape[0]}, {seconds[label]:.1f} s")


def cell(v):
    return "—" if v is None or pd.isna(v) else str(int(v))


rows = {}
for method, published in PUBLISHED.items():
    row = {}
    for (_key, label), pub in zip(DATASETS.items(), published):
        row[(label, "ours")] = cell(ours[label][method])
        row[(label, "published")] = cell(pub)
    rows[method] = row
result = pd.DataFrame(rows).T
result.columns = pd.MultiIndex.from_tuples(result.columns)
print(result.to_string())

# %%
# Ours against published, per method
# ----------------------------------
# Points on the diagonal reproduce the table. The statistical tests and S are
# close to it; KL needs almost the whole sample as published (except Forest
# Fires, see the user guide); the stochastic classical methods scatter around
# it, as expected from single runs with different seeds and grids.
fig, ax = plt.subplots(figsize=(6, 6))
for i, (method, published) in enumerate(PUBLISHED.items()):
    x = [p for p in published]
    y_ = [ours[label][method] for label in DATASETS.values()]
    pts = [(a, float(b)) for a, b in zip(x, y_) if b is not None and not pd.isna(b)]
    if pts:
        ax.scatter(*zip(*pts), label=method, marker="os^vD<>ph*X"[i])
lim = [5, 700]
ax.plot(lim, lim, color="grey", lw=1)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("published m* (Table 4.6)")
ax.set_ylabel("our m*")
ax.legend(fontsize=7)
plt.show()
