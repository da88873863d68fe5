"""
D- and M-sufficiency: likelihood-bootstrap curves and m* against the threshold
===============================================================================

D-sufficiency (Definition 22) watches the variance ``D(k)`` of the full-data
log-likelihood of a model fitted on bootstrap subsamples of size ``k``;
M-sufficiency (Definition 23) watches how much the mean of that log-likelihood
still moves per added object, ``M(k)``. Theorem 28 says both tend to 0 as ``k``
grows. This example reproduces, on data available offline,

* Figs. 4.4 and 4.5 of the dissertation: ``D(k)`` and ``M(k)`` on synthetic
  linear-regression and logistic-regression data (1000 objects, 20 features,
  generated as in §4.6 by :func:`skcomplexity.datasets.make_linear_regression`
  and :func:`~skcomplexity.datasets.make_logistic_regression`);
* Fig. 4.6: the same on a real regression data set. The text uses Liver
  Disorders, which is not bundled; we use the bundled UCI Servo data
  (167 objects, 4 features), which is also a row of Table 4.4;
* Fig. 4.7: ``m*`` against the threshold ``ε``, read off the fitted curves with
  ``sample_size_for(eps, threshold_mode="absolute")`` (no refit), which must be
  non-increasing in ``ε``.

The text uses ``B = 1000`` bootstrap subsamples per size. To keep the example
fast we use ``B = 1000`` for the linear model (replicates are solved together,
a few seconds), ``B = 300`` for the logistic model (batched Newton steps are
costlier) and ``B = 100`` for the real data sets, as the authors' notebook did
for Table 4.4. Each curve has 50 grid sizes.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler

from skcomplexity.datasets import load_dataset, make_linear_regression, make_logistic_regression
from skcomplexity.sample_size import DSufficiency, MSufficiency

# The settings of the text's experiments: known σ² = 1 and Table 4.4's "value at which the
# function halves" (the package default is the per-object scale, which reads the data).
TABLE_4_4 = dict(sigma2=1.0, threshold=0.5, threshold_mode="fraction_of_max", random_state=0)

SEED = 307  # the seed of the authors' data generator

data = {
    "synthetic regression (1000x20)": make_linear_regression(1000, 20, random_state=SEED),
    "synthetic classification (1000x20)": make_logistic_regression(1000, 20, random_state=SEED),
}
X_servo, y_servo = load_dataset("servo")
data["Servo (167x4)"] = (StandardScaler().fit_transform(X_servo), y_servo)
N_REPEATS = {"synthetic regression (1000x20)": 1000, "synthetic classification (1000x20)": 300,
             "Servo (167x4)": 100}

fitted = {}
for name, (X, y) in data.items():
    start = time.perf_counter()
    d = DSufficiency(n_repeats=N_REPEATS[name], sizes=50, **TABLE_4_4).fit(X, y)
    m = MSufficiency(n_repeats=N_REPEATS[name], sizes=50, **TABLE_4_4).fit(X, y)
    fitted[name] = (d, m)
    print(f"{name}: B={N_REPEATS[name]}, D m*={d.sample_size_}, M m*={m.sample_size_} "
          f"(threshold: half the largest value), {time.perf_counter() - start:.1f} s")

# %%
# D(k) and M(k) (Figs. 4.4-4.6)
# -----------------------------
# Both curves fall towards 0 on all three data sets (log scale). The dashed line
# is the default threshold (half the largest value, Table 4.4's "decreases by
# half") and the dotted one marks the m* it gives.
fig, axes = plt.subplots(2, 3, figsize=(13, 7), constrained_layout=True)
for j, (name, (d, m)) in enumerate(fitted.items()):
    for i, (label, est) in enumerate((("D(k)", d), ("M(k)", m))):
        ax = axes[i, j]
        ax.plot(est.sizes_, est.criterion_, marker=".", ms=3)
        ax.axhline(est.threshold_, ls="--", color="grey", lw=1)
        if est.sample_size_ is not None:
            ax.axvline(est.sample_size_, ls=":", color="C3", lw=1)
        ax.set_yscale("log")
        ax.set_xlabel("sample size k")
        ax.set_ylabel(label)
        ax.set_title(f"{label}, {name}", fontsize=9)
plt.show()

# %%
# m* against the threshold (Fig. 4.7)
# -----------------------------------
# ``sample_size_for`` re-reads the curve for an absolute threshold ``ε`` without
# refitting: ``m* = min{k : T(k') <= ε for every grid size k' >= k}``. As ``ε``
# grows, m* can only decrease; a missing point means the data at hand are not
# enough for that ``ε``.
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), constrained_layout=True)
for ax, (name, (d, m)) in zip(axes, fitted.items()):
    for label, est in (("D", d), ("M", m)):
        crit = est.criterion_[np.isfinite(est.criterion_) & (est.criterion_ > 0)]
        eps = np.geomspace(crit.min() / 2, crit.max() * 2, 300)
        m_star = [est.sample_size_for(e, threshold_mode="absolute") for e in eps]
        m_star = np.array([np.nan if v is None else v for v in m_star], dtype=float)
        # non-increasing in eps ("None" = infinitely large)
        filled = np.where(np.isnan(m_star), np.inf, m_star)
        assert np.all(filled[1:] <= filled[:-1]), (name, label)
        ax.step(eps, m_star, where="post", label=label)
    ax.set_xscale("log")
    ax.set_xlabel(r"threshold $\varepsilon$")
    ax.set_ylabel("m*")
    ax.set_title(name, fontsize=9)
    ax.legend()
plt.show()

# %%
# Table 4.4 rows on the bundled data
# ----------------------------------
# Table 4.4 compares D and M on 13 UCI regression data sets with the threshold
# at which the curve has halved. Two of them are bundled: Servo and Forest
# Fires (features standardised, linear regression with intercept, B = 100, as in
# the authors' notebook). "—" means the criterion is not met on the data at
# hand. The published numbers come from a single unseeded run and an
# unpublished halving rule (spec Q11). With our reading (the curve has fallen
# to half its largest value on the grid) D and M halve within the first few
# grid sizes, so our m* are far below the published D values (9 vs 41 on
# Servo, 24 vs 208 on Forest Fires), and M is met where the text reports "—".
# A stricter threshold (e.g. ``sample_size_for(0.05, "fraction_of_max")``)
# gives larger sizes.
PUBLISHED_4_4 = {"Servo": (41, None), "Forest Fires": (208, None)}
X_ff, y_ff = load_dataset("forest_fires")
rows = []
for name, (X, y) in {"Servo": data["Servo (167x4)"],
                     "Forest Fires": (StandardScaler().fit_transform(X_ff), y_ff)}.items():
    if name == "Servo":
        d, m = fitted["Servo (167x4)"]
    else:
        d = DSufficiency(n_repeats=100, sizes=50, **TABLE_4_4).fit(X, y)
        m = MSufficiency(n_repeats=100, sizes=50, **TABLE_4_4).fit(X, y)
    pd_, pm = PUBLISHED_4_4[name]
    rows.append({"data set": name, "m": X.shape[0], "D (ours)": d.sample_size_ or "—",
                 "D (published)": pd_ or "—", "M (ours)": m.sample_size_ or "—",
                 "M (published)": pm or "—"})
print(pd.DataFrame(rows).set_index("data set").to_string())
