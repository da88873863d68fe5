"""Parametric learning-curve families, fitted by variable projection (private).

Every family is linear in two parameters ``beta`` given one or two shape
parameters ``theta``: ``score(n) = B(u; theta) @ beta`` with ``u = n / n_ref``
(``n_ref`` the largest training size of the grid, so that the shape parameters
are on a scale of order one whatever the data's size). The shape is found on a refined
grid over a box of shapes, with ``beta`` the weighted least-squares solution
for each (variable projection), so a fit never depends on a starting value
and the two linear parameters never need bounds.

* ``pow3``:  ``a - b n^-c``                       (asymptote ``a``)
* ``pow4``:  ``a - b (n + d)^-c``, ``n + d > 0``  (asymptote ``a``; inverse power law
  with an offset: the least-squares law ``-σ²(1 + p / (n - p - 1))`` is ``pow4`` with
  ``c = 1``, ``d = -(p + 1)``)
* ``mmf4``:  ``(a b + c n^d) / (b + n^d)``        (Morgan-Mercer-Flodin, asymptote ``c``)
* ``exp3``:  ``a - b exp(-c n)``                  (asymptote ``a``)

(the names and forms of the learning-curve literature: Domhan et al. 2015,
Mohr et al.'s LCDB). The four numbers stored per fit are
``(theta_0, theta_1, beta_0, beta_1)`` (``theta_1`` unused by three-parameter families).
"""

import numpy as np

__all__ = ["FAMILIES", "N_PARAMS", "asymptote", "fit_family", "predict_family"]

FAMILIES = ("pow3", "pow4", "mmf4", "exp3")
N_PARAMS = {"pow3": 3, "pow4": 4, "mmf4": 4, "exp3": 3}

#: Box of the shape parameters: log c (pow3, exp3); log c and s, with the offset
#: d = u_min (e^s - 1) > -u_min (pow4); log b and log d (mmf4).
_BOUNDS = {
    "pow3": ([-6.0], [3.0]),
    "pow4": ([-6.0, -8.0], [3.0, 4.0]),
    "mmf4": ([-12.0, -4.0], [12.0, 2.5]),
    "exp3": ([-3.0], [8.0]),
}
#: Points per shape parameter of the coarse grid and of each refinement.
_COARSE = {1: 90, 2: 30}
_REFINE = 9
_N_REFINE = 3


def _basis(name, theta, u, u_min):
    """``(K, len(u), 2)`` designs of the two linear parameters at the shapes ``theta (K, d)``."""
    theta = np.atleast_2d(theta)
    u = np.asarray(u, dtype=float)[None, :]
    one = np.ones((theta.shape[0], u.shape[1]))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore", under="ignore"):
        if name == "pow3":
            return np.stack([one, -u ** -np.exp(theta[:, :1])], axis=-1)
        if name == "pow4":
            v = u + u_min * np.expm1(theta[:, 1:2])
            return np.stack([one, -np.where(v > 0, v, np.nan) ** -np.exp(theta[:, :1])], axis=-1)
        if name == "mmf4":
            b, d = np.exp(theta[:, :1]), np.exp(theta[:, 1:2])
            w = u**d
            return np.stack([b / (b + w), w / (b + w)], axis=-1)
        if name == "exp3":
            return np.stack([one, -np.exp(-np.exp(theta[:, :1]) * u)], axis=-1)
    raise ValueError(f"unknown curve family {name!r}; use one of {FAMILIES}.")


def _solve(design, y, w):
    """Weighted least squares of each curve on each design: ``(beta (C, K, 2), rss (C, K))``.

    ``design (C or 1, K, J, 2)``: the designs of K shapes (per curve or shared),
    ``y, w (C, J)``: the curves and their weights. The 2 x 2 normal equations
    in closed form, for all curves and shapes at once; a singular or
    non-finite design gets ``rss = inf``.
    """
    if design.shape[0] == 1 and np.all(w == w[:1]):  # one design, one weighting: matmuls
        Bw = design * w[:1, None, :, None]
        yw = (y * w)[:, None, :]
        b0, b1 = Bw[..., 0], Bw[..., 1]
        r0, r1 = (yw[:, 0] @ b0[0].T), (yw[:, 0] @ b1[0].T)
    else:
        Bw = design * w[:, None, :, None]
        yw = (y * w)[:, None, :]
        b0, b1 = Bw[..., 0], Bw[..., 1]
        r0, r1 = (b0 * yw).sum(-1), (b1 * yw).sum(-1)
    a, b, c = (b0 * b0).sum(-1), (b0 * b1).sum(-1), (b1 * b1).sum(-1)
    det = a * c - b * b
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        beta = np.stack([(c * r0 - b * r1) / det, (a * r1 - b * r0) / det], axis=-1)
        rss = ((b0 * beta[..., :1] + b1 * beta[..., 1:] - yw) ** 2).sum(-1)
    bad = ~np.isfinite(rss) | (np.abs(det) <= 1e-12 * np.maximum(a * c, 1e-300))
    rss[bad] = np.inf
    return beta, rss


#: Curves fitted together (bounds the memory of the coarse grid: 64 x 900 shapes x sizes).
_CHUNK = 64


def fit_family(name, u, y, u_min, sd=None):
    """Weighted least-squares fit of family ``name`` to ``y`` at ``u``: ``(theta, beta)``.

    Variable projection on a grid: the two linear parameters are solved in
    closed form for every shape of a coarse grid over the box ``_BOUNDS``, and
    the grid is refined three times around each curve's best shape (batched
    over the shapes and the curves, no iterative optimiser, so a fit never
    depends on a starting value). ``y``: one curve ``(J,)`` or many ``(J, C)``
    (then ``theta`` and ``beta`` are ``(C, 2)``); a NaN score is left out.
    ``sd``: the noise's standard deviation at each point (residuals are
    divided by it), None for equal weights. NaN parameters for a curve with
    fewer points than the family's parameters plus one.
    """
    y = np.asarray(y, dtype=float)
    single = y.ndim == 1
    Y = (y[:, None] if single else y).T
    w = np.ones(Y.shape[1]) if sd is None else 1.0 / np.asarray(sd, dtype=float)
    W = np.where(np.isfinite(Y) & np.isfinite(w)[None, :], w[None, :], 0.0)
    Y = np.where(W > 0, Y, 0.0)
    theta, beta = np.full((Y.shape[0], 2), np.nan), np.full((Y.shape[0], 2), np.nan)
    enough = (W > 0).sum(axis=1) >= N_PARAMS[name] + 1
    for start in range(0, Y.shape[0], _CHUNK):
        rows = np.arange(start, min(start + _CHUNK, Y.shape[0]))
        rows = rows[enough[rows]]
        if rows.size:
            Wr = W[rows] / W[rows].max(axis=1, keepdims=True)
            theta[rows], beta[rows] = _fit_chunk(name, np.asarray(u, dtype=float), Y[rows],
                                                 Wr, u_min)
    return (theta[0], beta[0]) if single else (theta, beta)


def _fit_chunk(name, u, Y, W, u_min):
    lo, hi = (np.asarray(b, dtype=float) for b in _BOUNDS[name])
    d, C = lo.size, Y.shape[0]
    axes = [np.linspace(lo[i], hi[i], _COARSE[d]) for i in range(d)]
    step = (hi - lo) / (_COARSE[d] - 1)
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, d)
    beta, rss = _solve(_basis(name, grid, u, u_min)[None], Y, W)
    k = np.argmin(rss, axis=1)
    each = np.arange(C)
    best, best_rss, best_beta = grid[k], rss[each, k], beta[each, k]
    local = np.stack(np.meshgrid(*[np.linspace(-1, 1, _REFINE)] * d, indexing="ij"),
                     axis=-1).reshape(-1, d)
    for _ in range(_N_REFINE):
        cand = np.clip(best[:, None, :] + local[None] * step, lo, hi)  # (C, K, d)
        design = _basis(name, cand.reshape(-1, d), u, u_min).reshape(C, -1, u.size, 2)
        beta, rss = _solve(design, Y, W)
        k = np.argmin(rss, axis=1)
        better = rss[each, k] < best_rss
        best = np.where(better[:, None], cand[each, k], best)
        best_beta = np.where(better[:, None], beta[each, k], best_beta)
        best_rss = np.where(better, rss[each, k], best_rss)
        step = 2 * step / (_REFINE - 1)
    found = np.isfinite(best_rss)
    theta = np.where(found[:, None], np.pad(best, ((0, 0), (0, 2 - d))), np.nan)
    return theta, np.where(found[:, None], best_beta, np.nan)


def predict_family(name, params, u, u_min):
    """Scores at sizes ``u`` of the fits ``params (..., 4)``: shape ``(..., len(u))``."""
    params = np.asarray(params, dtype=float)
    flat = params.reshape(-1, 4)
    u = np.atleast_1d(np.asarray(u, dtype=float))
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.einsum("knl,kl->kn", _basis(name, flat[:, :2], u, u_min), flat[:, 2:])
    return out.reshape(params.shape[:-1] + (u.size,))


def asymptote(name, params):
    """The limit of the fitted curve as ``n -> inf`` (``params[..., 2]`` or ``[..., 3]``)."""
    params = np.asarray(params, dtype=float)
    return params[..., 3] if name == "mmf4" else params[..., 2]
