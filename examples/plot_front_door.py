"""
The recommendation and its figures at 500 and at 200,000 rows
==============================================================

The front door answers one question first: how many rows does the model need,
and are the rows at hand enough? This example asks it of two tables of very
different size and draws the two figures a user reads:

* the default method's curve (:class:`~skcomplexity.plotting.SampleSizeDisplay`):
  a logarithmic size axis once the sizes span more than a decade, a band of
  replicate quantiles that stays inside the criterion's range, the threshold,
  the answer and, when the data do not reach the criterion, the forecast;
* every method's answer with its 95 % interval in one figure
  (:class:`~skcomplexity.plotting.SampleSizeComparisonDisplay`), a hollow dot
  where the answer is a forecast past the data.

The small table is the Boston Housing data (506 rows, 13 features, bundled);
the large one is synthetic: 200,000 rows, 30 features with heavy-tailed
(Student-t, 3 degrees of freedom) noise. On the large table the comparison
runs the methods that finish in seconds at that size.
"""

import matplotlib.pyplot as plt
import numpy as np

from skcomplexity.datasets import load_dataset
from skcomplexity.plotting import SampleSizeComparisonDisplay, SampleSizeDisplay
from skcomplexity.sample_size import SufficientSampleSize, compare_methods

X_small, y_small = load_dataset("boston")

rng = np.random.default_rng(0)
n_large, d_large = 200_000, 30
X_large = rng.standard_normal((n_large, d_large))
y_large = X_large @ rng.normal(0.0, 0.5, d_large) + rng.standard_t(3, n_large)

# %%
# The recommendation on each table
# --------------------------------
# ``SufficientSampleSize()`` with no arguments is the recommended default: its
# ``m*`` (or, past the data, its forecast), the 95 % interval and a status.

small = SufficientSampleSize(random_state=0).fit(X_small, y_small)
large = SufficientSampleSize(random_state=0).fit(X_large, y_large)
for name, est in (("506 rows", small), ("200,000 rows", large)):
    lo, hi = est.sample_size_interval_ or est.extrapolated_interval_ or (None, None)
    print(f"{name}: m* = {est.sample_size_}, forecast = {est.extrapolated_size_}, "
          f"95% interval = ({lo}, {hi}), status = {est.status_}")

# %%
# The default method's curve at both scales
# -----------------------------------------

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
SampleSizeDisplay.from_estimator(small, ax=axes[0], name="Boston, 506 rows")
SampleSizeDisplay.from_estimator(large, ax=axes[1], name="synthetic, 200,000 rows")
fig.tight_layout()

# %%
# Every method's answer in one figure
# -----------------------------------

table_small = compare_methods(X_small, y_small, random_state=0, errors="record")
# the sentence the command line prints first
print(table_small.attrs["recommendation"]["text"])
print(table_small[["sample_size", "extrapolated", "low", "high", "status"]])

fast_methods = ["lagrange", "likelihood-ratio", "wald", "cross-validation", "apvc",
                "kl-sufficiency", "d-sufficiency"]
table_large = compare_methods(X_large, y_large, fast_methods, random_state=0,
                              errors="record")
print(table_large[["sample_size", "extrapolated", "low", "high", "status"]])

fig, axes = plt.subplots(1, 2, figsize=(12, 5))
SampleSizeComparisonDisplay.from_table(table_small, len(y_small)).plot(ax=axes[0])
axes[0].set_title("Boston, 506 rows")
SampleSizeComparisonDisplay.from_table(table_large, n_large).plot(ax=axes[1])
axes[1].set_title("synthetic, 200,000 rows")
fig.tight_layout()
plt.show()
