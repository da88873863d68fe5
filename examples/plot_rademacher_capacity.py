"""
=====================================================
Rademacher complexity of models of growing capacity
=====================================================

How much can a model fit pure noise? The random-label protocol (R4) refits
an estimator on random ±1 labels and measures how well its scores correlate
with them; that correlation estimates the empirical Rademacher complexity of
the class the hyper-parameters define. Here it is used as a scikit-learn
scorer, :data:`skcomplexity.metrics.rademacher_scorer`, next to accuracy:

* in :func:`~sklearn.model_selection.cross_validate` for decision trees of
  growing depth;
* in :class:`~sklearn.model_selection.GridSearchCV` over the regularisation of
  a logistic regression, where capacity rises with ``C``,

and finally the closed-form linear class (R2) is compared with its two
analytic bounds.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skcomplexity.metrics import make_rademacher_scorer
from skcomplexity.rademacher import linear_rademacher

X, y = make_classification(
    n_samples=400, n_features=8, n_informative=4, flip_y=0.1, random_state=0
)
# +C rather than the scorer's -C, for plotting
rademacher = make_rademacher_scorer(greater_is_better=True, n_repeats=5)

# %%
# Trees of growing depth
# ----------------------
# A depth-``d`` tree has up to ``2**d`` leaves; with enough leaves it fits any
# labelling of the test fold, and the complexity reaches 1.
depths = [1, 2, 3, 4, 6, 8, 12]
acc, rad, rad_sd = [], [], []
for d in depths:
    cv = cross_validate(
        DecisionTreeClassifier(max_depth=d, random_state=0), X, y, cv=5,
        scoring={"accuracy": "accuracy", "rademacher": rademacher},
    )
    acc.append(cv["test_accuracy"].mean())
    rad.append(cv["test_rademacher"].mean())
    rad_sd.append(cv["test_rademacher"].std())
    print(f"max_depth={d:>2}  accuracy={acc[-1]:.3f}  Rademacher={rad[-1]:.3f}")

fig, ax = plt.subplots(figsize=(6, 4))
ax.errorbar(depths, rad, yerr=rad_sd, marker="o", label="Rademacher (random labels)")
ax.plot(depths, acc, marker="s", label="test accuracy")
ax.set_xlabel("max_depth")
ax.set_ylabel("value")
ax.set_title("Decision trees: capacity vs accuracy")
ax.legend()

# %%
# Grid search over regularisation
# -------------------------------
# With ``refit="accuracy"`` the grid search still picks by accuracy, while the
# Rademacher scorer reports the capacity of every candidate; with
# ``refit="rademacher"`` it would pick the least complex model.
Cs = np.logspace(-3, 2, 6)
gs = GridSearchCV(
    make_pipeline(StandardScaler(), LogisticRegression()),
    {"logisticregression__C": Cs},
    cv=5,
    scoring={"accuracy": "accuracy", "rademacher": rademacher},
    refit="accuracy",
).fit(X, y)
res = gs.cv_results_
for C, a, r in zip(Cs, res["mean_test_accuracy"], res["mean_test_rademacher"], strict=True):
    print(f"C={C:8.3f}  accuracy={a:.3f}  Rademacher={r:.3f}")
print("chosen by accuracy:", gs.best_params_)

fig, ax = plt.subplots(figsize=(6, 4))
ax.semilogx(Cs, res["mean_test_rademacher"], marker="o", label="Rademacher (random labels)")
ax.semilogx(Cs, res["mean_test_accuracy"], marker="s", label="test accuracy")
ax.set_xlabel("C (inverse regularisation)")
ax.set_title("Logistic regression: capacity grows with C")
ax.legend()

# %%
# The linear class in an ℓ2 ball: estimate and bounds
# ---------------------------------------------------
# For :math:`\{x\mapsto\langle w,x\rangle:\|w\|_2\le B\}` the supremum is
# closed-form, so only the expectation over sign vectors is estimated (R2). It
# lies below the Khintchine bound :math:`B\|X\|_F/m`, itself below
# :math:`BR/\sqrt m`, and all three fall as :math:`1/\sqrt m`.
Xs = StandardScaler().fit_transform(X)
sizes = [25, 50, 100, 200, 400]
est, kh, br = [], [], []
for m in sizes:
    r = linear_rademacher(Xs[:m], radius=1.0, n_draws=2000, random_state=0)
    est.append(r.complexity)
    kh.append(r.bounds["khintchine"])
    br.append(r.bounds["BR/sqrt(m)"])

fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(sizes, est, marker="o", label="R2 estimate")
ax.loglog(sizes, kh, "--", label=r"$B\|X\|_F/m$")
ax.loglog(sizes, br, ":", label=r"$BR/\sqrt{m}$")
ax.set_xlabel("m (points)")
ax.set_ylabel("empirical Rademacher complexity")
ax.legend()
plt.show()
