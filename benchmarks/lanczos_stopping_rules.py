"""How often Lanczos stopping rules overshoot their tolerance, on random spectra.

Every case is a random symmetric matrix with a known spectrum of one of five
kinds (Gaussian; uniform with a near-degenerate top pair; Cauchy; a top triple
5, 4.99, 4.9 over a uniform bulk; Hessian-like |normal|^3 decay). One Lanczos
sequence (fully re-orthogonalised, random start) is run per case and every rule
is applied to the same sequence, at tol 1e-2, 1e-3 and 1e-5. A rule "fails"
when the Ritz value it stops at is farther than ``tol`` (relative) from the
largest-magnitude eigenvalue. The rule of ``skcomplexity.landscape.top_eigenvalue``
is "KT x3": ``min(r, 3 r^2 / delta) <= tol |theta|`` (delta from the Ritz values,
from the third step on); "change" is the rule it replaced (the Ritz value moved
by less than ``tol``); "Bauer-Fike" is ``r <= tol |theta|`` (ARPACK's test).

On a GPU the host reads the coefficients only every 5 steps (plus at most two
reads where the error estimate, extrapolated, predicts convergence) and applies
the rule to every step since the last read: the same Ritz value, so the same
failures, but products run past the stopping step. The last lines give, for
that schedule, the mean products and host reads against "ours" read after
every step.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/lanczos_stopping_rules.py
"""

import numpy as np

from skcomplexity.landscape._krylov import _EXTRA_CHECKS, _check_steps
from skcomplexity.landscape.hessian import _GAP_SAFETY

KINDS = ["gaussian", "near-degenerate pair", "cauchy", "top triple", "hessian-like"]


def _spectrum(rng, kind, p):
    if kind == 0:
        return rng.normal(size=p)
    if kind == 1:
        lam = np.sort(rng.uniform(0, 1, size=p))
        lam[-1] = lam[-2] * (1 + 10 ** rng.uniform(-4, -1))
        return lam
    if kind == 2:
        return rng.standard_cauchy(size=p)
    if kind == 3:
        return np.concatenate([rng.uniform(-1, 1, p - 3), [5, 4.99, 4.9]])
    return np.sort(np.abs(rng.normal(size=p)) ** 3)[::-1]


def _lanczos_history(A, q, steps):
    """(theta, residual, distance to the nearest other Ritz value) after every step."""
    p = len(q)
    q = q / np.linalg.norm(q)
    basis, alphas, betas, out = [q], [], [], []
    q_prev, beta_prev = np.zeros(p), 0.0
    for j in range(1, steps + 1):
        w = A @ q - beta_prev * q_prev
        a = w @ q
        w = w - a * q
        Q = np.array(basis)
        for _ in range(2):
            w = w - Q.T @ (Q @ w)
        b = np.linalg.norm(w)
        alphas.append(a)
        betas.append(b)
        T = np.diag(alphas) + np.diag(betas[:-1], 1) + np.diag(betas[:-1], -1)
        ev, S = np.linalg.eigh(T)
        k = np.argmax(np.abs(ev))
        gap = np.min(np.abs(np.delete(ev, k) - ev[k])) if j > 1 else np.inf
        out.append((ev[k], b * abs(S[-1, k]), gap))
        if b < 1e-13:
            break
        q_prev, q, beta_prev = q, w / b, b
        basis.append(q)
    return out


def _kt(c):
    def rule(h, j, tol):
        th, r, gap = h[j]
        return j >= 2 and min(r, c * r * r / gap) <= tol * abs(th)
    return rule


def _read_schedule(h, stop, tol, every):
    """(products, host reads) when the host reads every ``every`` steps with the extra
    reads of ``skcomplexity.landscape._krylov`` and the rule holds first at step ``stop``."""
    history, reads, extra_left, next_read = [], 0, _EXTRA_CHECKS, every
    for i, (th, r, gap) in enumerate(h, start=1):
        err = min(r, _GAP_SAFETY * r * r / gap) if i >= 3 else r
        history.append(err / max(abs(th), 1e-300))
        if i == next_read or i == len(h):
            reads += 1
            if i >= stop or i == len(h):
                return i, reads
            ahead, extra = _check_steps(every, history, tol, extra_left)
            next_read, extra_left = i + ahead, extra_left - extra
    return len(h), reads


RULES = {
    "change": lambda h, j, tol: j >= 1 and abs(h[j][0] - h[j - 1][0]) <= tol * abs(h[j][0]),
    "Bauer-Fike": lambda h, j, tol: h[j][1] <= tol * abs(h[j][0]),
    "KT x1": _kt(1.0),
    f"KT x{_GAP_SAFETY:g} (ours)": _kt(_GAP_SAFETY),
    "KT x10": _kt(10.0),
}


def main(n_cases=150):
    fails = {(r, k): 0 for r in RULES for k in range(len(KINDS))}
    steps = {r: 0 for r in RULES}
    total = {k: 0 for k in range(len(KINDS))}
    ours, schedules = _kt(_GAP_SAFETY), {1: [0, 0], 5: [0, 0]}
    for seed in range(n_cases):
        rng = np.random.default_rng(seed)
        p = int(rng.integers(20, 150))
        Q, _ = np.linalg.qr(rng.normal(size=(p, p)))
        kind = seed % len(KINDS)
        lam = _spectrum(rng, kind, p)
        truth = lam[np.argmax(np.abs(lam))]
        hist = _lanczos_history((Q * lam) @ Q.T, rng.normal(size=p), 100)
        for tol in (1e-2, 1e-3, 1e-5):
            total[kind] += 1
            for name, rule in RULES.items():
                j = next((j for j in range(len(hist)) if rule(hist, j, tol)), len(hist) - 1)
                fails[(name, kind)] += abs(hist[j][0] - truth) > tol * abs(truth) * 1.0001
                steps[name] += j + 1
            stop = next((j for j in range(len(hist)) if ours(hist, j, tol)), len(hist) - 1) + 1
            for every, acc in schedules.items():
                products, reads = _read_schedule(hist, stop, tol, every)
                acc[0] += products
                acc[1] += reads
    n = sum(total.values())
    print(f"{n} cases (matrix, tol); failures per spectrum kind, and mean steps")
    print(f"{'rule':<16}" + "".join(f"{k:>22}" for k in KINDS) + f"{'all':>8}{'steps':>8}")
    for name in RULES:
        row = [fails[(name, k)] for k in range(len(KINDS))]
        print(f"{name:<16}" + "".join(f"{f:>19}/{total[k]}" for k, f in enumerate(row))
              + f"{sum(row):>8}{steps[name] / n:>8.1f}")
    for every, (products, reads) in schedules.items():
        print(f"ours, host read every {every} step(s)"
              + (f" (+ at most {_EXTRA_CHECKS} predicted)" if every > 1 else "")
              + f": mean products {products / n:.2f}, mean host reads {reads / n:.2f}")


if __name__ == "__main__":
    main()
