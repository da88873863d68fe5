"""
Table 4.2: statistical sample-size forecasts next to the published ones
=======================================================================

The score (Lagrange multiplier), likelihood-ratio and Wald tests forecast the sample size at which a
level-0.05 test reaches power 0.8. With the settings of Table 4.3 (z-scored ``X`` and ``y``,
shift 0.2) and the published reference implementation's conventions
(``noncentrality="shifted"``, ``published_fit=True``) we reproduce the published table for Diabetes,
Forest Fires and Servo; the text's own reading (noncentral chi-square, maximum likelihood) forecasts
larger sizes.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from skcomplexity.datasets import load_dataset
from skcomplexity.sample_size import (
    LagrangeMultiplierSampleSize,
    LikelihoodRatioSampleSize,
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
# The forecast power curve of the Wald test on Servo: power at each size, the target 0.8 and m*.
X, y = load_dataset("servo")
X = (X - X.mean(0)) / X.std(0)
y = (y - y.mean()) / y.std()
est = WaldSampleSize(sizes=np.arange(1, 200)).fit(X, y)
disp = est.plot()
disp.ax_.set_ylabel("forecast power")
plt.show()
