"""
==============================================================
Loss-landscape convergence curves over network width and depth
==============================================================

The one-object change of the empirical loss,
``|L_{k+1}(θ̂) − L_k(θ̂)|``, evaluated at the trained parameters and averaged
over random orders of the objects (Section 2.4.1 of the dissertation), for
fully connected networks of different width and depth. As in the text,
wider hidden layers give a smaller change, more layers a larger one (at a
fixed training budget), and every curve falls like ``1/k``.

The data are synthetic (no download) and the networks small, so that the
example runs in well under two minutes on a CPU.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler

from skcomplexity.landscape import landscape_curve
from skcomplexity.neural import MLPClassifier

X, y = make_classification(1000, 20, n_informative=10, n_classes=4, class_sep=1.5,
                           random_state=0)
X = StandardScaler().fit_transform(X)


def curve_for(hidden_units):
    clf = MLPClassifier(hidden_units=hidden_units, lr=1e-2, max_epochs=10, random_state=0)
    clf.fit(X, y)
    return landscape_curve(clf, X, y, n_permutations=100, ema=0.99, random_state=0)


fig, (ax_w, ax_d) = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for h in (4, 8, 16, 32, 64):
    curve_for((h,) * 2).plot(ax=ax_w, label=f"h = {h}")
ax_w.set_title("two hidden layers, width h")
ax_w.legend()
for depth in (1, 3, 5, 7):
    curve_for((16,) * depth).plot(ax=ax_d, label=f"L = {depth}")
ax_d.set_title("width 16, L hidden layers")
ax_d.legend()
fig.tight_layout()
plt.show()
