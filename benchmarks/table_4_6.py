"""Table 4.6, KL and S rows: our m* next to the published ones.

Settings of §4.6.3 / Table 4.6: conjugate linear regression, prior N(0, I),
sigma2 = 1, standardised features (and target), B = 100 random deletion
paths, relative threshold 0.05 against the value at k = m - 1, grid of every
size from 2(n + 1) (the published S row equals that start, see spec §9.3).

    python benchmarks/table_4_6.py [--repeats 100] [--seed 0]
"""

import argparse
import time

import numpy as np

from skcomplexity.datasets import load_dataset
from skcomplexity.sample_size.sufficiency import PUBLISHED_PARAMS, KLSufficiency, SSufficiency

PUBLISHED = {
    "KL": {"boston": 493, "diabetes": 437, "forest_fires": 86, "servo": 165},
    "S": {"boston": 28, "diabetes": 22, "forest_fires": 26, "servo": 10},
}
NAMES = {"boston": "Boston", "diabetes": "Diabetes", "forest_fires": "Forest Fires",
         "servo": "Servo"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rows = []
    for key in NAMES:
        X, y = load_dataset(key)
        m, n = X.shape
        grid = np.arange(2 * (n + 1), m)
        for label, cls in (("KL", KLSufficiency), ("S", SSufficiency)):
            t = time.perf_counter()
            est = cls(n_repeats=args.repeats, sizes=grid, random_state=args.seed,
                      **PUBLISHED_PARAMS).fit(X, y)
            rows.append((label, key, m, est.sample_size_, PUBLISHED[label][key],
                         time.perf_counter() - t))
    print(f"Table 4.6 (KL/S rows), B={args.repeats}, relative eps=0.05, seed={args.seed}")
    print(f"{'method':<8}{'data set':<14}{'m':>5}{'ours':>7}{'published':>11}{'seconds':>9}")
    for label, key, m, ours, pub, sec in rows:
        print(f"{label:<8}{NAMES[key]:<14}{m:>5}{str(ours):>7}{pub:>11}{sec:>9.2f}")


if __name__ == "__main__":
    main()
