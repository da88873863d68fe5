"""
=====================================================
Distillation: a student with and without a teacher
=====================================================

A scaled-down CPU reproduction of the PhD-defence slides' comparison of a
student trained with and without a teacher (slides S-L358-368). The slides'
data sets (Fashion-MNIST, an undefined "Synthetic" set, Twitter sentiment)
and teachers are not specified, so we use

* **synthetic** data drawn from a known softmax model (10 features, 3
  classes; the student is a 33-parameter softmax regression, the slides'
  "33 parameters") -- the true class probabilities are known, so we can
  measure the cross-entropy *with the true probabilities*;
* scikit-learn's bundled **digits** (the student is a 650-parameter softmax
  regression, the analogue of the slides' 7850-parameter Fashion-MNIST model).

The teacher is an MLP trained on a larger sample; the student is trained on
a small sample with (``alpha=0.7, temperature=4``) or without
(``alpha=0``) the teacher. "Probability difference" is the mean gap between
the two largest predicted class probabilities (our reading of the slides'
undefined column: a smaller gap = less over-confident answers).
"""

import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skcomplexity.distillation import DistillationClassifier
from skcomplexity.neural import MLPClassifier

torch.set_num_threads(1)
start = time.time()


def metrics(model, X, y, P_true=None):
    Q = np.clip(model.predict_proba(X), 1e-12, 1)
    top2 = np.sort(Q, axis=1)[:, -2:]
    out = {
        "CE error": -np.mean(np.log(Q[np.arange(len(y)), np.searchsorted(model.classes_, y)])),
        "CE with true probabilities": np.nan if P_true is None else -np.mean(np.sum(P_true * np.log(Q), 1)),
        "probability difference": np.mean(top2[:, 1] - top2[:, 0]),
        "accuracy": np.mean(model.predict(X) == y),
    }
    return out


def student(teacher, alpha, n, seed):
    return DistillationClassifier(
        teacher=teacher, alpha=alpha, temperature=4.0, hidden_units=(), lr=5e-2,
        max_epochs=200, batch_size=n, device="cpu", random_state=seed)


rows = []
# %%
# Synthetic data from a known softmax model
# -----------------------------------------
rng = np.random.default_rng(0)
W = rng.normal(size=(10, 3))


def draw(n, rng):
    X = rng.normal(size=(n, 10)).astype(np.float32)
    P = np.asarray(torch.softmax(torch.as_tensor(X @ W), 1))
    y = np.array([rng.choice(3, p=p) for p in P])
    return X, y, P


for seed in range(5):
    rng = np.random.default_rng(100 + seed)
    X_big, y_big, _ = draw(5000, rng)
    X_small, y_small, _ = draw(60, rng)
    X_test, y_test, P_test = draw(2000, rng)
    teacher = MLPClassifier(hidden_units=(32,), lr=1e-2, max_epochs=30, batch_size=256,
                            device="cpu", random_state=seed).fit(X_big, y_big)
    for alpha, name in [(0.7, "with teacher"), (0.0, "without teacher")]:
        model = student(teacher, alpha, len(y_small), seed).fit(X_small, y_small)
        rows.append({"data": "Synthetic", "model": name, "seed": seed,
                     **metrics(model, X_test, y_test, P_test)})

# %%
# Digits
# ------
X, y = load_digits(return_X_y=True)
X = (X / 16).astype(np.float32)
for seed in range(5):
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.5, random_state=seed, stratify=y)
    teacher = MLPClassifier(hidden_units=(128,), lr=1e-2, max_epochs=40, batch_size=128,
                            device="cpu", random_state=seed).fit(X_tr, y_tr)
    small = np.random.default_rng(seed).choice(len(y_tr), 150, replace=False)
    for alpha, name in [(0.7, "with teacher"), (0.0, "without teacher")]:
        model = student(teacher, alpha, len(small), seed).fit(X_tr[small], y_tr[small])
        rows.append({"data": "Digits", "model": name, "seed": seed,
                     **metrics(model, X_te, y_te)})
    rows.append({"data": "Digits", "model": "teacher (MLP, full train half)", "seed": seed,
                 **metrics(teacher, X_te, y_te)})

# %%
# Results (mean ± std over 5 seeds)
# ---------------------------------
df = pd.DataFrame(rows)
cols = ["CE error", "CE with true probabilities", "probability difference", "accuracy"]
summary = df.groupby(["data", "model"], sort=False)[cols].agg(
    lambda s: f"{s.mean():.3f} ± {s.std():.3f}" if s.notna().any() else "–")
with pd.option_context("display.width", 200, "display.max_columns", 10):
    print(summary)
print(f"elapsed {time.time() - start:.0f} s")

fig, axes = plt.subplots(1, 3, figsize=(12, 3.5))
for ax, col in zip(axes, ["CE error", "CE with true probabilities", "accuracy"], strict=True):
    sub = df[df["model"] != "teacher (MLP, full train half)"].dropna(subset=[col])
    means = sub.groupby(["data", "model"], sort=False)[col].mean().unstack()
    stds = sub.groupby(["data", "model"], sort=False)[col].std().unstack()
    means.plot.bar(yerr=stds, ax=ax, rot=0, legend=ax is axes[0])
    ax.set_title(col)
fig.tight_layout()
plt.show()
