"""The logistic Laplace posterior along nested prefixes, read in one direction per size.

The expected one-step divergence of KL- and S-sufficiency needs, at each grid size
``k`` of a replicate's order, the MAP ``w_k`` of the penalised logistic fit on the
first ``k`` rows and ``v_k = xᵀ H_k⁻¹ x`` for ONE vector ``x`` (the next row), where
``H_k = Σ_{i<k} μ_i (1 - μ_i) x_i x_iᵀ + α I`` is the Hessian at the MAP; the
``p x p`` covariance itself is not needed.

:func:`laplace_one_step_path` keeps, per replicate, a matrix ``M`` close to ``H_k⁻¹``
(rebuilt from the Hessian at some point of the path, then updated: the added rows'
curvature at the estimate of their size by Woodbury, the secant pair of every Newton
step by BFGS) and uses exact products with the prefix on the gathered rows:

* Newton with ``M`` as the metric: a step costs two passes over the prefix
  (``Δθ = X s``, then the gradient ``Xᵀ(y - μ)``), not a Gram product; it stops at the
  same Newton decrement (``gᵀ M g <= tol``) and the last step, below ``tol``, is taken
  on the mean; the gradient carries over to the next size (only the added rows' part
  is new).
* ``v_k`` from ``u = M x`` and the exact ``H_k u`` (the same two passes, fused with
  the last Newton step's): with ``r = x - H_k u``, ``v_k = xᵀu + uᵀr + rᵀ H_k⁻¹ r``
  exactly, and ``rᵀ M r`` in place of the last term leaves an error of about
  ``δ³ v_k`` when ``M`` is within a factor ``1 ± δ`` of ``H_k⁻¹`` (``rᵀ M r ≈ δ² v_k``).
* ``u`` itself is refined along the Newton steps (``u + M r`` with the exact residual
  of the last fused pass, :func:`_refine_u`) rather than recomputed as ``M x``, so it
  ends closer to ``H_k⁻¹ x`` than ``M`` is to ``H_k⁻¹``; such a ``u`` is read when its
  correction is below ``refresh^1.5`` of ``v_k`` (the error is at most the correction
  times ``‖I - M H_k‖``).
* When that correction exceeds ``refresh`` of ``v_k`` (the mode has moved since the
  last rebuild), conjugate-gradient steps on ``H_k u = x`` preconditioned by ``M`` (a
  pair of passes each) shrink it below ``refresh^1.5`` of ``v_k``; when two do not, or
  a Newton step leaves more than ``_SLOW`` of its decrement, ``M`` is rebuilt at the
  current point (one Gram product and one inverse) and ``v_k`` is read exactly. With
  the default ``1e-4`` the read ``v_k`` is within about ``1e-6`` of the exact one.
"""

import numpy as np
from scipy.linalg.blas import dger as _dger
from scipy.special import expit

from ._batched import SINGULAR, add_block_gram, armijo_halving, inv_spd
from ._gathered import _TRUST

__all__ = ["laplace_one_step_path"]

#: Below this many elements a product over the replicates is one batched call.
_BATCHED_ELEMENTS = 2**18
#: Rows gathered (then transposed) per block when the rows are laid out by feature.
_GATHER_BLOCK = 1024
#: Bytes of a block of gathered rows transposed at once (it stays in the cache).
_TRANSPOSE_BYTES = 2**18
#: From this many coefficients the BFGS update runs in place, per replicate (BLAS GER).
_GER_FEATURES = 64
#: ``u`` is refined (not recomputed as ``M x``) while ``rᵀMr`` is below this fraction of ``v``.
_REFINE = 0.1
#: Rebuild the reference Hessian when the correction of ``v`` exceeds this fraction of it.
_REFRESH = 1e-4
#: Conjugate-gradient steps on ``H u = x`` before ``M`` is rebuilt (see :func:`_read_v`).
_CG_STEPS = 2
#: A Newton step that leaves more than this fraction of its decrement rebuilds ``M``.
_SLOW = 0.3


class _Rows:
    """Each replicate's rows gathered once in its order, stored transposed (R, p, held): the
    prefix ``k`` is the slice ``[:, :, :k]``, each feature's values contiguous.

    Vectors over rows are stored as (R, c, k): a product is ``V @ X_kᵀ`` or ``U @ X_k``,
    ``c`` columns in one pass over the rows (the pass, not the flops, is the cost). With
    the features as rows both are a (c, p) x (p, k) or (c, k) x (k, p) product whose long
    dimension is contiguous, which OpenBLAS runs 10-30 % faster for c = 2 than the
    (k, p) x (p, c) product of the row layout.

    Only the first ``held`` rows of each sequence are stored (all by default); the rows
    past them are gathered again from ``X`` at every product, in blocks of
    :data:`_GATHER_BLOCK` rows (a cache-sized buffer), so that a sequence longer than the
    memory budget holds runs in ``held`` rows' memory (the same products, summed in
    another order).
    """

    def __init__(self, X, y, index, top, held=None):
        rows = index[:, :top]
        self.R, self.p = rows.shape[0], X.shape[1]
        top = rows.shape[1]
        self.held = top if held is None else max(0, min(int(held), top))
        self._X, self._index = X, rows
        self.XT = np.empty((self.R, self.p, self.held))
        # gathered by rows (a gather along the columns of Xᵀ is ~10x slower) and
        # transposed in cache-sized blocks: no (R, top, p) temporary
        self._buf = np.empty((max(1, min(top, _GATHER_BLOCK)), self.p))
        # transposed in blocks of at most _TRANSPOSE_BYTES: the columns of a wider block are
        # read out of the cache (1,024 x 301 rows: 0.17 s per order of 100,000 rows; 108: 0.13)
        step = max(64, _TRANSPOSE_BYTES // (8 * self.p))
        for r in range(self.R):
            for a, b, block in self._gathered(r, 0, self.held, step):
                self.XT[r, :, a:b] = block.T
        self.y = np.take(y, rows)

    def _gathered(self, r, a, b, step=None):
        """Rows ``a:b`` of replicate ``r``'s sequence gathered from ``X`` in blocks of at most
        ``step`` rows (:data:`_GATHER_BLOCK`): ``(start, stop, block)`` with ``block`` a
        (stop - start, p) view of the buffer."""
        step = min(_GATHER_BLOCK, step or _GATHER_BLOCK)
        for c in range(a, b, step):
            d = min(c + step, b)
            yield c, d, np.take(self._X, self._index[r, c:d], axis=0, out=self._buf[:d - c])

    def _split(self, a, b):
        """``s``: rows ``a:s`` are stored, ``s:b`` gathered at every product."""
        return min(max(self.held, a), b)

    def rows(self, a, b):
        """Rows ``a:b`` of every replicate as an (R, b - a, p) array (a view where stored)."""
        if b <= self.held:
            return self.XT[:, :, a:b].swapaxes(1, 2)
        return np.take(self._X, self._index[:, a:b], axis=0)

    def _block(self, a, b, sel):
        """Rows ``a:b`` of the replicates ``sel`` as one (·, p, b - a) array (a view for every
        replicate), or None when a loop over the replicates is cheaper than the copy."""
        if len(sel) == self.R:
            return self.XT[:, :, a:b]
        if (b - a) * self.p * len(sel) <= _BATCHED_ELEMENTS:
            return self.XT[sel, :, a:b]
        return None

    def mat(self, V, a, b, sel):
        """``V_r @ X_r[a:b]ᵀ`` for the replicates ``sel``: (len(sel), c, p) -> (·, c, b - a)."""
        s = self._split(a, b)
        if s == b:
            return self._mat(V, a, b, sel)
        out = np.empty((len(sel), V.shape[1], b - a))
        if s > a:
            out[:, :, :s - a] = self._mat(V, a, s, sel)
        for i, r in enumerate(sel):
            for c, d, block in self._gathered(r, s, b):
                out[i, :, c - a:d - a] = V[i] @ block.T
        return out

    def tmat(self, U, a, b, sel):
        """``U_r @ X_r[a:b]``: (len(sel), c, b - a) -> (·, c, p)."""
        s = self._split(a, b)
        if s == b:
            return self._tmat(U, a, b, sel)
        out = self._tmat(U[:, :, :s - a], a, s, sel) if s > a else np.zeros(
            (len(sel), U.shape[1], self.p))
        for i, r in enumerate(sel):
            for c, d, block in self._gathered(r, s, b):
                out[i] += U[i, :, c - a:d - a] @ block
        return out

    def gram(self, weights, a, b, sel):
        """``Σ_{a <= i < b} w_i x_i x_iᵀ`` per replicate of ``sel`` (a SYRK per replicate)."""
        s = self._split(a, b)
        if s == b:
            return self._gram(weights, a, b, sel)
        out = self._gram(weights[:, :s - a], a, s, sel) if s > a else np.zeros(
            (len(sel), self.p, self.p))
        root = np.sqrt(weights[:, s - a:])
        for i, r in enumerate(sel):
            acc = np.zeros((self.p, self.p), order="F")
            for c, d, block in self._gathered(r, s, b):
                block *= root[i, c - s:d - s, None]  # the buffer: scaled in place
                acc = add_block_gram(block, acc)  # at least the upper triangle
            upper = np.triu(acc)
            out[i] += upper + np.triu(upper, 1).T
        return out

    def _mat(self, V, a, b, sel):
        """:meth:`mat` on stored rows."""
        XTs = self._block(a, b, sel)
        if XTs is not None:
            return V @ XTs
        out = np.empty((len(sel), V.shape[1], b - a))
        for i, r in enumerate(sel):
            np.dot(V[i], self.XT[r, :, a:b], out=out[i])
        return out

    def _tmat(self, U, a, b, sel):
        """:meth:`tmat` on stored rows."""
        XTs = self._block(a, b, sel)
        if XTs is not None:
            return U @ XTs.swapaxes(1, 2)
        out = np.empty((len(sel), U.shape[1], self.p))
        for i, r in enumerate(sel):
            np.dot(U[i], self.XT[r, :, a:b].T, out=out[i])
        return out

    def _gram(self, weights, a, b, sel):
        """:meth:`gram` on stored rows."""
        root = np.sqrt(weights)
        XTs = self._block(a, b, sel)
        if XTs is not None and (b - a) * self.p * len(sel) <= _BATCHED_ELEMENTS:
            scaled = XTs * root[:, None, :]
            return scaled @ scaled.swapaxes(1, 2)
        p = self.p
        out = np.empty((len(sel), p, p))
        scaled = np.empty((p, b - a))
        for i, r in enumerate(sel):
            np.multiply(self.XT[r, :, a:b], root[i, None, :], out=scaled)
            out[i] = scaled @ scaled.T
        return out


def _curvature(theta):
    mu = expit(theta)
    return mu * (1.0 - mu)


def _woodbury(M, Xa, w):
    """``(M⁻¹ + Xaᵀ diag(w) Xa)⁻¹`` from ``M`` (batched; ``Xa`` (R, d, p), ``w`` (R, d))."""
    U = M @ Xa.swapaxes(1, 2)  # (R, p, d)
    S = Xa @ U
    d = S.shape[-1]
    S[:, np.arange(d), np.arange(d)] += 1.0 / w
    return M - U @ np.linalg.solve(S, U.swapaxes(1, 2))


def laplace_one_step_path(X, y, index, sizes, prior_precision, *, tol=1e-10, refresh=None,
                          max_iter=100, held=None):
    """MAP and ``xᵀ Σ x`` of the logistic Laplace posterior on nested prefixes.

    Prior ``N(0, α⁻¹ I)`` (``α = prior_precision > 0``) on every coefficient; the
    posterior on the first ``k`` rows of replicate ``r``'s sequence ``index[r]`` is
    ``N(w_k, H_k⁻¹)`` as :func:`~skcomplexity.models.glm.laplace_posterior` gives with
    the prefix counts as weights. See the module docstring for the method.

    Parameters
    ----------
    X : ndarray of shape (m, p)
    y : ndarray of shape (m,)
        {0, 1} target.
    index : ndarray of int, shape (R, length)
        Each replicate's sequence; ``length > max(sizes)`` (the next row is read).
    sizes : sequence of int
        Increasing prefix lengths.
    prior_precision : float
    tol : float, default=1e-10
        Newton stops at a decrement ``gᵀ M g <= tol`` (that of
        :func:`~skcomplexity.models.glm.newton_logistic`).
    refresh : float or None, default=None
        Rebuild ``M`` when the correction of ``v`` exceeds this fraction of it (the
        remaining error is about ``refresh^1.5``); None: ``1e-4``.
    max_iter : int, default=100
    held : int or None, default=None
        Rows of each replicate's sequence kept gathered (``held x p`` values per
        replicate); the rows past them are gathered again from ``X`` at every product,
        in cache-sized blocks. None: every row up to ``max(sizes)``. The estimates are
        the same to rounding (the products are summed in another order).

    Yields
    ------
    mean : ndarray of shape (R, p)
    v : ndarray of shape (R,)
        ``x_kᵀ H_k⁻¹ x_k`` for the next row ``x_k = X[index[:, k]]``.
    converged : ndarray of bool, shape (R,)
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    refresh = _REFRESH if refresh is None else refresh
    sizes = [int(k) for k in sizes]
    R, p = index.shape[0], X.shape[1]
    alpha = float(prior_precision)
    rows = _Rows(X, y, index, max(sizes) if sizes else 0, held=held)
    warn = SINGULAR.format("the posterior precision")
    everyone = np.arange(R)
    coef = np.zeros((R, p))
    theta = np.zeros((R, rows.y.shape[1]))
    grad = np.zeros((R, p))  # penalised gradient of the log posterior at coef
    M = np.broadcast_to(np.eye(p) / alpha, (R, p, p)).copy()  # about H_k⁻¹
    done = 0
    for k in sizes:
        if k > done:  # the added rows at the current estimate
            ta = rows.mat(coef[:, None, :], done, k, everyone)[:, 0]
            theta[:, done:k] = ta
            mu = expit(ta)
            wa = mu * (1.0 - mu)
            grad += rows.tmat((rows.y[:, done:k] - mu)[:, None, :], done, k, everyone)[:, 0]
            if k - done < p and np.all(wa > 1e-12):
                M = _woodbury(M, rows.rows(done, k), wa)
            else:
                M = inv_spd(inv_spd(M) + rows.gram(wa, done, k, everyone), warn=warn)
        done = k
        x = X[index[:, k]]
        converged, last, u, q, refined = _newton(rows, coef, theta, grad, M, x, alpha, k, tol=tol,
                                           max_iter=max_iter, warn=warn)
        v = _read_v(rows, theta, M, x, u, q, alpha, k, refresh, warn, refined)
        # the last Newton step (decrement <= tol) taken on the mean only: the state stays
        # at the point its gradient and linear predictor describe
        yield coef + last, v, converged


def _newton(rows, coef, theta, grad, M, x, alpha, k, *, tol, max_iter, warn):
    """Newton on prefix ``k`` from ``coef`` with the metric ``M`` (all updated in place).

    Returns ``converged``, the next step ``M g`` (its decrement at most ``tol``) and, per
    replicate, ``u`` and the product ``q = X_kᵀ(w ⊙ X_k u)`` at the returned point (NaN
    where no step was taken), and whether that ``u`` was refined (:func:`_refine_u`).
    """
    R, p = coef.shape
    yk = rows.y[:, :k]
    q = np.full((R, p), np.nan)
    u = _mv(M, x)  # the u of q
    refined = np.zeros(R, dtype=bool)  # u refined (not M x) at the last step
    step = _mv(M, grad)
    dec = np.einsum("ri,ri->r", grad, step)
    idx = np.flatnonzero(dec > tol)
    f = np.full(R, np.nan)  # penalised objective at coef, where known
    buf = np.empty((R, 2, max(k, p)))
    for _ in range(max_iter):
        if not idx.size:
            break
        sel = slice(None) if idx.size == R else idx
        n = idx.size
        refined[idx] = _refine_u(u, q, M, x, alpha, idx)
        V = buf[:n, :, :p]
        V[:, 0], V[:, 1] = step[sel], u[sel]
        prod = rows.mat(V, 0, k, idx)
        dtheta = prod[:, 0]
        th = theta[sel, :k]  # a view when every replicate is still iterating
        ys = yk if n == R else yk[idx]
        t = _step_length(th, dtheta, ys, coef[sel], step[sel], dec[sel], f, idx, alpha)
        s = t[:, None] * step[sel]
        coef[sel] += s
        th += dtheta if np.all(t == 1.0) else t[:, None] * dtheta
        if n < R:
            theta[sel, :k] = th
        U = buf[:n, :, :k]
        mu = expit(th, out=U[:, 1])
        np.subtract(ys, mu, out=U[:, 0])
        # w ⊙ (X u) = (mu - mu²) ⊙ (X u), in place over mu (no (n, k) temporaries)
        wz = mu
        wz -= np.square(mu, out=prod[:, 0])  # dtheta is spent
        wz *= prod[:, 1]
        back = rows.tmat(U, 0, k, idx)
        g_new = back[:, 0] - alpha * coef[sel]
        q[sel] = back[:, 1]
        # the secant pair of the step (BFGS) corrects M in the step's direction
        _bfgs(M, idx, s, grad[sel] - g_new)
        grad[sel] = g_new
        step[sel] = _mv(M[sel], g_new)
        new = np.einsum("ri,ri->r", g_new, step[sel])
        # M no longer contracts the decrement: rebuild it at the current point
        slow = np.flatnonzero((new > tol) & (new > _SLOW * dec[sel]))
        if slow.size:
            r = idx[slow]
            M[r] = inv_spd(rows.gram(_curvature(theta[r, :k]), 0, k, r) + alpha * np.eye(p),
                           warn=warn)
            step[r] = _mv(M[r], grad[r])
            new[slow] = np.einsum("ri,ri->r", grad[r], step[r])
        dec[sel] = new
        idx = idx[new > tol]
    return dec <= tol, step, u, q, refined


def _refine_u(u, q, M, x, alpha, idx):
    """The ``u`` (about ``H⁻¹ x``) of the next fused pass, for the replicates ``idx``.

    Where the last pass left ``q = X_kᵀ(w ⊙ X_k u)`` at the current point (so that
    ``r = x - q - αu`` is the exact residual of ``H u = x`` there) and ``u`` is already
    close (``rᵀMr`` below :data:`_REFINE` of the read ``v``), one step of iterative
    refinement ``u + M r``: its error shrinks by ``‖I - M H‖`` per Newton step, as the
    iterate's does, so the final ``v`` rarely needs the conjugate-gradient passes of
    :func:`_read_v`; elsewhere ``M x`` afresh.
    """
    sel = slice(None) if idx.size == M.shape[0] else idx  # no copy of M while all iterate
    xs, us = x[sel], u[sel]
    known = ~np.isnan(q[sel, 0])
    r = np.where(known[:, None], xs - (q[sel] + alpha * us), 0.0)
    both = M[sel] @ np.stack([xs, r], axis=2)  # (n, p, 2): M x and M r in one product
    Mx, Mr = both[:, :, 0], both[:, :, 1]
    rz = np.einsum("ri,ri->r", r, Mr)
    v = np.einsum("ri,ri->r", xs + r, us) + rz
    refine = known & (rz < _REFINE * np.abs(v))
    u[sel] = np.where(refine[:, None], us + Mr, Mx)
    return refine


def _bfgs(M, idx, s, yv):
    """BFGS update of the inverse Hessian ``M`` (replicates ``idx``) by the pairs ``(s, yv)``."""
    sy = np.einsum("ri,ri->r", s, yv)
    ok = sy > 1e-12 * np.einsum("ri,ri->r", s, s)
    if not np.all(ok):
        s, yv, sy, idx = s[ok], yv[ok], sy[ok], idx[ok]
    whole = idx.size == M.shape[0]
    Mm = M if whole else M[idx]
    My = _mv(Mm, yv)
    rho = 1.0 / sy
    # M - ρ (s Myᵀ + My sᵀ) + (ρ² yᵀMy + ρ) s sᵀ = M + s bᵀ - ρ My sᵀ: one rank-2 product
    b = s * (rho * (rho * np.einsum("ri,ri->r", yv, My) + 1.0))[:, None] - My * rho[:, None]
    if Mm.shape[1] >= _GER_FEATURES:  # in place, one BLAS GER per term
        negr = -rho[:, None] * My
        for i in range(Mm.shape[0]):  # Mᵀ (Fortran view) += b sᵀ, then += s (-ρ My)ᵀ
            _dger(1.0, b[i], s[i], a=Mm[i].T, overwrite_a=1)
            _dger(1.0, s[i], negr[i], a=Mm[i].T, overwrite_a=1)
    else:
        Mm += np.stack([s, -rho[:, None] * My], axis=2) @ np.stack([b, s], axis=1)
    if not whole:
        M[idx] = Mm


def _mv(M, v):
    """Batched ``M_r v_r``."""
    return (M @ v[:, :, None])[:, :, 0]


def _step_length(theta, dtheta, y, c, step, dec, f, idx, alpha):
    """Armijo step lengths; steps moving no linear predictor by more than ``_TRUST`` are
    taken whole (the quadratic model is accurate there). ``f`` caches the objective."""
    todo = np.flatnonzero(np.maximum(dtheta.max(axis=1), -dtheta.min(axis=1)) > _TRUST)
    t, f[idx] = armijo_halving(theta, y, c, dtheta, step, dec, todo, f[idx],
                               np.full(c.shape[1], alpha))
    return t


def _read_v(rows, theta, M, x, u, q, alpha, k, refresh, warn, refined):
    """``xᵀ H_k⁻¹ x`` at the current point from ``u`` (about ``H_k⁻¹ x``), ``M`` and the
    exact ``q + αu = H_k u`` (``q`` NaN where it is still to be computed; see module).

    Where the correction ``rᵀ M r`` exceeds ``refresh`` of ``v``, up to ``_CG_STEPS``
    conjugate-gradient steps on ``H_k u = x`` preconditioned by ``M`` (a pair of passes
    each) shrink it below ``refresh^1.5`` of ``v`` (then the error, at most the
    correction times ``‖I - M H_k‖``, is below that too); past those ``M`` is rebuilt
    and ``v`` read exactly.
    """
    missing = np.flatnonzero(np.isnan(q[:, 0]))
    if missing.size:  # no fused product at the final point: one more pair of passes
        w = _curvature(theta[missing, :k])
        zm = rows.mat(u[missing, None, :], 0, k, missing)[:, 0]
        q[missing] = rows.tmat((w * zm)[:, None, :], 0, k, missing)[:, 0]
    r = x - (q + alpha * u)
    Mr = _mv(M, r)
    rz = np.einsum("ri,ri->r", r, Mr)
    v = np.einsum("ri,ri->r", x + r, u) + rz
    # a refined u (see _refine_u) is closer to H⁻¹x than M is to H⁻¹: its correction must
    # be below refresh^1.5 of v, as after the conjugate-gradient steps below
    todo = np.flatnonzero(rz > np.where(refined, refresh**1.5, refresh) * np.abs(v))
    if not todo.size:
        return v
    u, r, Mr, rz, xt = u[todo], r[todo], Mr[todo], rz[todo], x[todo]
    w = _curvature(theta[todo, :k])
    d, Mt = Mr.copy(), M[todo]
    for _ in range(_CG_STEPS):
        Xd = rows.mat(d[:, None, :], 0, k, todo)[:, 0]
        Hd = rows.tmat((w * Xd)[:, None, :], 0, k, todo)[:, 0] + alpha * d
        a = rz / np.einsum("ri,ri->r", d, Hd)
        u = u + a[:, None] * d
        r = r - a[:, None] * Hd
        Mr = _mv(Mt, r)
        rz_new = np.einsum("ri,ri->r", r, Mr)
        vt = np.einsum("ri,ri->r", xt + r, u) + rz_new
        v[todo] = vt
        keep = rz_new > refresh**1.5 * np.abs(vt)
        if not keep.any():
            return v
        d = Mr + (rz_new / rz)[:, None] * d
        todo, u, r, Mr, rz, w, d, Mt, xt = (todo[keep], u[keep], r[keep], Mr[keep],
                                            rz_new[keep], w[keep], d[keep], Mt[keep], xt[keep])
    # M is far from H_k⁻¹ (the mode moved since the last rebuild): rebuild, read v exactly
    M[todo] = inv_spd(rows.gram(w, 0, k, todo) + alpha * np.eye(x.shape[1]), warn=warn)
    v[todo] = np.einsum("ri,ri->r", xt, _mv(M[todo], xt))
    return v
