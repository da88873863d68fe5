"""
Table 4.2: sample-size forecasts next to the published ones
===========================================================

The score (Lagrange multiplier), likelihood-ratio and Wald tests forecast the sample size at which a
level-0.05 test reaches power 0.8. With the settings of Table 4.3 (z-scored ``X`` and ``y``,
shift 0.2) and the published reference implementation's conventions
(``noncentrality="shifted"``, ``published_fit=True``) we reproduce the published table for Diabetes,
Forest Fires and Servo, and for Boston and NBA the values the reference implementation itself gives
on the bundled copies of those data (20/19/77 and 197/120/169; the published runs used other
copies). For NBA this needs the reference's logistic pilot fit, scikit-learn's L-BFGS with an
unpenalised, discarded intercept, which stops short of the optimum on these nearly collinear
features. The text's own reading (noncentral chi-square, maximum likelihood) forecasts larger
sizes.

The second cell runs the stochastic methods of the table (cross-validation, bootstrap, APVC, ACC,
ALC, utility) with the thresholds of Table 4.3 and the reference implementation's conventions.
"""

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from skcomplexity.datasets import load_dataset
from skcomplexity.sample_size import (
    ACCSampleSize,
    ALCSampleSize,
    APVCSampleSize,
    BootstrapSampleSize,
    CrossValidationSampleSize,
    LagrangeMultiplierSampleSize,
    LikelihoodRatioSampleSize,
    UtilitySampleSize,
    WaldSampleSize,
)

PUBLISHED = {
    "boston": (18, 17, 66),
    "diabetes": (25, 25, 51),
    "forest_fires": (44, 43, 46),
    "servo": (38, 18, 76),
    "nba": (218, 110, 200),
}
TESTS = {"LM": LagrangeMultiplierSampleSize, "LR": LikelihoodRatioSampleSize,
         "Wald": WaldSampleSize}

rows = []
for name, published in PUBLISHED.items():
    X, y = load_dataset(name)
    X = (X - X.mean(0)) / X.std(0)
    if name != "nba":
        y = (y - y.mean()) / y.std()
    for (test, cls), pub in zip(TESTS.items(), published):
        quirks = cls(noncentrality="shifted", fit_intercept=False, published_fit=True).fit(X, y)
        text = cls().fit(X, y)
        rows.append({"data": name, "test": test, "published": pub,
                     "shifted + published_fit": quirks.sample_size_,
                     "text (ncx2, MLE)": text.sample_size_})

table = pd.DataFrame(rows).set_index(["data", "test"])
print(table.to_string())

# %%
# The stochastic methods
# ----------------------
# Cross-validation, bootstrap, APVC, ACC, ALC and utility maximisation on the same data, with the
# thresholds of Table 4.3 (the package defaults: CV ε = 0.05, bootstrap l = 0.5 and α = 0.05,
# APVC l = 0.5, ACC l = 0.25 and α = 0.05, ALC l = 0.5 and α = 0.05, utility c = 0.005) and the
# reference implementation's conventions: σ² = 1 on the z-scored data, CV test part 1/2, ACC/ALC
# ``radius_scale=3``. Linear regression for the four regression sets, logistic regression for NBA.
#
# To keep the example short we use ``n_repeats=50`` subsamples per size (the reference
# implementation: 100) on a grid of 50 sizes (it used every fifth size from ``2n``), one seed, and
# ACC with ``method="monte-carlo"`` (1000 posterior draws) instead of the exact, much slower Imhof
# integral. Like the reference, m* is read as the first size where the criterion holds
# (``decision_rule="first"``) rather than by Definition 19. The published values come from a single
# run with an unpublished seed, and the NBA data differ from the
# bundled set, so only the magnitude and the ordering are expected to agree. The reference also
# draws each subsample of APVC, ACC, bootstrap and utility a second time with replacement (we draw
# once). "—" means the criterion never held on the data at hand. ``benchmarks/table_4_2_stochastic.py`` runs several
# seeds and both the text's and the reference settings.
PUBLISHED_STOCHASTIC = {
    "Cross Validation": (178, 441, 172, 120, None),
    "Bootstrap": (113, 117, 86, 60, 405),
    "APVC": (98, 167, 351, 20, None),
    "ACC": (228, 441, 346, 65, None),
    "ALC": (98, 267, 516, 25, None),
    "Utility Function": (148, 172, 206, 105, 925),
}
GRID = {"n_repeats": 50, "sizes": 50, "random_state": 0}
# the reference read m* as the first size where the criterion holds (utility is an argmax)
FIRST = {**GRID, "decision_rule": "first"}
STOCHASTIC = {
    "Cross Validation": CrossValidationSampleSize(sigma2=1.0, test_size=0.5, **FIRST),
    "Bootstrap": BootstrapSampleSize(**FIRST),
    # the published thresholds (Table 4.3), explicit: the class defaults read standardised data
    "APVC": APVCSampleSize(sigma2=1.0, threshold=0.5, **FIRST),
    "ACC": ACCSampleSize(sigma2=1.0, radius_scale=3.0, threshold=0.25, method="monte-carlo",
                         **FIRST),
    "ALC": ALCSampleSize(sigma2=1.0, radius_scale=3.0, threshold=0.5, **FIRST),
    "Utility Function": UtilitySampleSize(sigma2=1.0, **GRID),
}


def _cell(v):
    return "—" if v is None else str(v)


stochastic = {method: {} for method in STOCHASTIC}
start = time.perf_counter()
for j, name in enumerate(PUBLISHED):
    X, y = load_dataset(name)
    X = (X - X.mean(0)) / X.std(0)
    if name != "nba":
        y = (y - y.mean()) / y.std()
    for method, est in STOCHASTIC.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            found = est.fit(X, y).sample_size_
        stochastic[method][(name, "ours")] = _cell(found)
        stochastic[method][(name, "published")] = _cell(PUBLISHED_STOCHASTIC[method][j])
table_stochastic = pd.DataFrame(stochastic).T
table_stochastic.columns = pd.MultiIndex.from_tuples(table_stochastic.columns)
print(table_stochastic.to_string())
print(f"({time.perf_counter() - start:.0f} s)")

# %%
# The forecast power curve of the Wald test on Servo: power at each size, the target 0.8 and m*.
X, y = load_dataset("servo")
X = (X - X.mean(0)) / X.std(0)
y = (y - y.mean()) / y.std()
est = WaldSampleSize(sizes=np.arange(1, 200)).fit(X, y)
disp = est.plot()
disp.ax_.set_ylabel("forecast power")
plt.show()
