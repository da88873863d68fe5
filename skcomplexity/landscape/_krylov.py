"""Batched Lanczos recurrence: the eigenvalue engine of :mod:`skcomplexity.landscape.hessian`."""

import numpy as np


_REORTH_BYTES = 2 ** 28  # a Krylov basis up to this size is kept (re-orthogonalisation)
_GAP_SAFETY = 3.0  # the Ritz-value gap overestimates the spectral gap: be conservative


class _LanczosResult:
    """Per-operator results of :func:`_lanczos` (arrays over the ``b`` operators)."""

    __slots__ = ("values", "vectors", "errors", "steps", "converged")

    def __init__(self, values, vectors, errors, steps, converged):
        self.values, self.vectors, self.errors = values, vectors, errors
        self.steps, self.converged = steps, converged


def _lanczos(apply, V0, tol, maxiter, *, signed=True, want_vectors=False, reorth_bytes=None):
    """Largest-magnitude eigenvalues of ``b`` symmetric operators by batched Lanczos.

    ``apply(V)`` maps a batch ``V`` (b, P) to ``(B_j v_j)_j``; every operator
    runs its own recurrence, started from its row of ``V0``. Fully
    re-orthogonalised while the bases fit in ``reorth_bytes`` (then the Ritz
    vectors are available); otherwise the three-term recurrence. An operator
    is settled on the error estimate ``min(r, 3r²/δ) ≤ tol·|θ|`` described in
    :func:`top_eigenvalue` (``δ`` from the third step on), or on an invariant
    subspace (``β = 0``: the Ritz value is exact); its value is then frozen.
    ``signed=False`` returns ``|θ|`` (spectral norms).

    The kept basis lives in one buffer allocated up front (its pages are only
    touched as it fills) and the recurrence updates ``w`` in place: at 10⁶
    parameters the vector work is then a few percent of a Hessian product.
    """
    import torch

    b, P = V0.shape
    steps = min(int(maxiter), P)
    budget = _REORTH_BYTES if reorth_bytes is None else reorth_bytes
    keep = b * steps * P * V0.element_size() <= budget
    q = V0 / V0.norm(dim=1, keepdim=True)
    if keep:
        Q = torch.empty((b, steps, P), dtype=V0.dtype, device=V0.device)
        Q[:, 0] = q
        q = Q[:, 0]
    q_prev, beta_prev = None, None
    alphas, betas = [], []
    values = np.full(b, np.nan)
    errors = np.full(b, np.inf)
    ritz = [None] * b  # the tridiagonal eigenvector of each settled operator
    done = np.zeros(b, dtype=bool)
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
            alphas.append(alpha.double().cpu().numpy())
            betas.append(beta.double().cpu().numpy())
            A, Bt = np.stack(alphas, axis=1), np.stack(betas, axis=1)  # (b, j)
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
            settled = ~done & ((err <= tol * scale) | (Bt[:, -1] <= 1e-12 * scale))
            live = ~done
            values[live], errors[live] = theta[live], err[live]
            for i in np.flatnonzero(live):
                ritz[i] = S[i, :, k[i]]
            done |= settled
            if done.all() or j == steps:
                break
            zero = Bt[:, -1] <= 0
            safe = torch.where(beta > 0, beta, torch.ones_like(beta)).unsqueeze(1)
            q_prev, beta_prev = q, beta
            q = torch.div(w, safe, out=Q[:, j]) if keep else w.div_(safe)
            if zero.any():
                q[torch.as_tensor(zero, device=q.device)] = 0
    vectors = None
    if want_vectors and keep:
        vectors = torch.stack([
            torch.as_tensor(s_i, dtype=Q.dtype, device=Q.device) @ Q[i, :len(s_i)]
            for i, s_i in enumerate(ritz)])
        vectors = vectors / vectors.norm(dim=1, keepdim=True)
    if not signed:
        values = np.abs(values)
    return _LanczosResult(values, vectors, errors, j, done)
