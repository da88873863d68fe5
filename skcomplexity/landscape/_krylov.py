"""Batched Lanczos recurrence: the eigenvalue engine of :mod:`skcomplexity.landscape.hessian`.

The recurrence runs on the operator's device and keeps its coefficients
(``α_j``, ``β_j``) there; the host reads them, all new ones in one transfer,
only at a *check* (see :func:`_check_steps`), and there replays the stopping
rule step by step. On a GPU the device then runs several steps ahead of the
host instead of draining its queue at every step.
"""

import math

import numpy as np

_REORTH_BYTES = 2 ** 28  # a Krylov basis up to this size is kept (re-orthogonalisation)
_GAP_SAFETY = 3.0  # the Ritz-value gap overestimates the spectral gap: be conservative
#: steps between two host reads of the coefficients on an accelerator (on the CPU a read
#: costs nothing and the rule is checked after every step)
_CHECK_EVERY = 5
#: checks the host may add, per run, at the step where the error estimate's geometric
#: extrapolation puts convergence (they cut the products past it; at most this many, so
#: a run of N steps reads at most ceil(N / k) + _EXTRA_CHECKS times)
_EXTRA_CHECKS = 2


class _LanczosResult:
    """Per-operator results of :func:`_lanczos` (arrays over the ``b`` operators).

    ``steps`` is the number of steps run (products per operator); ``settled``
    the step at which the stopping rule held for the last operator (``steps``
    when some never did); ``checks`` the number of host reads of the coefficients.
    """

    __slots__ = ("values", "vectors", "errors", "steps", "converged", "settled", "checks")

    def __init__(self, values, vectors, errors, steps, converged, settled, checks):
        self.values, self.vectors, self.errors = values, vectors, errors
        self.steps, self.converged = steps, converged
        self.settled, self.checks = settled, checks


def _host(t):
    """The one host read of :func:`_lanczos`: a device tensor as a float64 numpy array."""
    return t.double().cpu().numpy()


def _ritz(A, Bt, tol):
    """The stopping rule after ``j`` steps, on the host, for ``b`` operators.

    ``A``, ``Bt``: (b, j) coefficients. Returns the extreme Ritz value ``θ``,
    its error estimate, the tridiagonal eigenvector and whether the rule holds.
    """
    b, j = A.shape
    T = np.zeros((b, j, j))
    T[:, np.arange(j), np.arange(j)] = A
    T[:, np.arange(j - 1), np.arange(1, j)] = Bt[:, :-1]
    T[:, np.arange(1, j), np.arange(j - 1)] = Bt[:, :-1]
    evals, S = np.linalg.eigh(T)
    k = np.argmax(np.abs(evals), axis=1)
    rows = np.arange(b)
    theta = evals[rows, k]
    r = Bt[:, -1] * np.abs(S[rows, -1, k])
    err = r.copy()
    if j >= 3:
        others = np.abs(evals - theta[:, None])
        others[rows, k] = np.inf
        delta = others.min(axis=1)
        pos = delta > 0
        err[pos] = np.minimum(r[pos], _GAP_SAFETY * r[pos] ** 2 / delta[pos])
    scale = np.maximum(np.abs(theta), 1e-300)
    settled = (err <= tol * scale) | (Bt[:, -1] <= 1e-12 * scale)
    return theta, err, S[rows, :, k], settled


def _check_steps(every, history, tol, extra_left):
    """How many steps to run before the next check.

    ``every`` steps, or fewer when the live operators' error estimates
    (``history``: relative errors at the last steps, the slowest operator's),
    extrapolated geometrically, say the rule will hold sooner and an extra
    check is left (``extra_left``). Returns (steps, whether it is an extra check).
    """
    if every <= 1 or extra_left <= 0 or len(history) < 2:
        return every, False
    prev, last = history[-2], history[-1]
    if not (0 < last < prev) or not np.isfinite(prev):
        return every, False
    need = math.log(tol / last) / math.log(last / prev)  # steps at the last rate
    ahead = max(1, math.ceil(need))
    return (ahead, True) if ahead < every else (every, False)


def _default_check_every(device):
    """Steps between host reads on ``device``: 1 on the CPU, where a read costs nothing
    (so the products are exactly those of a check after every step), else :data:`_CHECK_EVERY`."""
    return 1 if device.type == "cpu" else _CHECK_EVERY


def _lanczos(apply, V0, tol, maxiter, *, signed=True, want_vectors=False, reorth_bytes=None,
             check_every=None):
    """Largest-magnitude eigenvalues of ``b`` symmetric operators by batched Lanczos.

    ``apply(V)`` maps a batch ``V`` (b, P) to ``(B_j v_j)_j``; every operator
    runs its own recurrence, started from its row of ``V0``. Fully
    re-orthogonalised while the bases fit in ``reorth_bytes`` (then the Ritz
    vectors are available); otherwise the three-term recurrence. An operator
    is settled on the error estimate ``min(r, 3r²/δ) ≤ tol·|θ|`` described in
    :func:`top_eigenvalue` (``δ`` from the third step on), or on an invariant
    subspace (``β = 0``: the Ritz value is exact); its value is then frozen.
    ``signed=False`` returns ``|θ|`` (spectral norms).

    The coefficients stay on the device; the host reads them every
    ``check_every`` steps (None: 1 on the CPU, :data:`_CHECK_EVERY` on an
    accelerator), plus at most :data:`_EXTRA_CHECKS` reads where the error
    estimate predicts convergence, and then applies the rule to every step
    since the last read. So the values, errors and Ritz vectors are those of
    a check after every step; only up to ``check_every − 1`` products more are
    run past the step where the last operator settled (``settled``).

    The kept basis lives in one buffer allocated up front (its pages are only
    touched as it fills) and the recurrence updates ``w`` in place: at 10⁶
    parameters the vector work is then a few percent of a Hessian product.
    """
    import torch

    b, P = V0.shape
    steps = min(int(maxiter), P)
    if check_every is None:
        check_every = _default_check_every(V0.device)
    budget = _REORTH_BYTES if reorth_bytes is None else reorth_bytes
    keep = b * steps * P * V0.element_size() <= budget
    q = V0 / V0.norm(dim=1, keepdim=True)
    if keep:
        Q = torch.empty((b, steps, P), dtype=V0.dtype, device=V0.device)
        Q[:, 0] = q
        q = Q[:, 0]
    coef = torch.zeros((2, b, steps), dtype=V0.dtype, device=V0.device)  # α, β on the device
    AB = np.zeros((2, b, steps))  # the host's copy, filled at the checks
    q_prev, beta_prev = None, None
    values = np.full(b, np.nan)
    errors = np.full(b, np.inf)
    ritz = [None] * b  # the tridiagonal eigenvector of each settled operator
    done = np.zeros(b, dtype=bool)
    read = settled_at = checks = 0  # steps read by the host; step the last settled; reads
    history = []  # the slowest live operator's relative error, per step
    extra_left = _EXTRA_CHECKS
    next_check = check_every
    j = 0
    with torch.no_grad():
        for j in range(1, steps + 1):
            w = apply(q)
            # out of place once (``apply`` may hand back storage it keeps), then in place
            w = w - beta_prev.unsqueeze(1) * q_prev if q_prev is not None else w.clone()
            alpha = torch.linalg.vecdot(w, q)
            w.addcmul_(alpha.unsqueeze(1), q, value=-1)
            if keep:
                Qj = Q[:, :j]  # (b, j, P), a view
                w -= torch.bmm(torch.bmm(Qj, w.unsqueeze(2)).transpose(1, 2), Qj).squeeze(1)
            beta = w.norm(dim=1)
            coef[0, :, j - 1], coef[1, :, j - 1] = alpha, beta
            if j == next_check or j == steps:
                AB[:, :, read:j] = _host(coef[:, :, read:j])  # one transfer per check
                checks += 1
                for i in range(read + 1, j + 1):  # the rule at every step since the last read
                    theta, err, S, settled = _ritz(AB[0, :, :i], AB[1, :, :i], tol)
                    live = ~done
                    values[live], errors[live] = theta[live], err[live]
                    for o in np.flatnonzero(live):
                        ritz[o] = S[o]
                    history.append(np.max(err[live & ~settled] / np.maximum(
                        np.abs(theta[live & ~settled]), 1e-300), initial=0.0))
                    done |= settled
                    if done.all():
                        settled_at = i
                        break
                read = j
                if done.all() or j == steps:
                    break
                ahead, extra = _check_steps(check_every, history, tol, extra_left)
                next_check, extra_left = j + ahead, extra_left - extra
            # a zero β (invariant subspace): that operator's next q is 0 (decided on the device)
            nonzero = beta > 0
            safe = torch.where(nonzero, beta, torch.ones_like(beta)).unsqueeze(1)
            q_prev, beta_prev = q, beta
            q = torch.div(w, safe, out=Q[:, j]) if keep else w.div_(safe)
            q.mul_(nonzero.unsqueeze(1))
    vectors = None
    if want_vectors and keep:
        vectors = torch.stack([
            torch.as_tensor(s_i, dtype=Q.dtype, device=Q.device) @ Q[i, :len(s_i)]
            for i, s_i in enumerate(ritz)])
        vectors = vectors / vectors.norm(dim=1, keepdim=True)
    if not signed:
        values = np.abs(values)
    return _LanczosResult(values, vectors, errors, j, done, settled_at or j, checks)
