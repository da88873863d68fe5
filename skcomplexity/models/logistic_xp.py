"""Penalised logistic regression on every prefix of every replicate, on any array API device.

The binary-target counterpart of :mod:`skcomplexity.models.batched_xp` (whose
gathers and element budgets it uses): for arrays of another namespace than NumPy
(torch tensors on the CPU or a CUDA device, scikit-learn's array API convention)
it computes on the arrays' device in float64 what the NumPy routines of
:mod:`skcomplexity.models._gathered` and :mod:`skcomplexity.models._laplace_step`
compute on the host:

* :func:`logistic_prefix_path_xp` — penalised logistic regression on every prefix of
  every replicate (any diagonal penalty: the Laplace prior on every coefficient, or
  scikit-learn's ``1/C`` with an unpenalised intercept): exact Newton steps
  warm-started along the sizes, each one batched Cholesky solve and one pass over
  the gathered prefix rows (in pieces within an element budget) for the score, the
  Fisher information and the objective;
* :func:`laplace_one_step_path_xp` — the MAP and the next row's exact ``xᵀΣx`` for
  KL/S-sufficiency's one-step divergence (the NumPy path reads ``xᵀΣx`` to about
  1e-6);
* :func:`sklearn_logistic_prefix_loglik_xp` — D/M-sufficiency's
  ``LogisticRegression`` fits and their full-data log-likelihoods.

The index sequences come in as NumPy arrays from the host; the per-size results
the estimators read go back as NumPy arrays.
"""

from typing import NamedTuple

import numpy as np

from .._array_api import (
    namespace_of,
    to_numpy,
)
from ._batched import _PROB_EPS, SINGULAR, _warn_logistic_fit
from ._gathered import _TRUST, _logistic_design
from .batched_xp import (
    _GATHER_ELEMENTS,
    _GATHER_ELEMENTS_CPU,
    _device,
    _gather,
    _replace_rows,
    _take_rows,
    solve_spd_xp,
)

__all__ = ["LogisticPrefixFit", "laplace_one_step_path_xp", "logistic_prefix_path_xp",
           "sklearn_logistic_prefix_loglik_xp"]

#: Step lengths the line search tries after the whole step, in this order (those of
#: :func:`~skcomplexity.models._batched.armijo_halving`); past the last, half of it.
_HALVINGS = 0.5 ** np.arange(1, 31)


class LogisticPrefixFit(NamedTuple):
    """One grid size of :func:`logistic_prefix_path_xp`.

    Attributes
    ----------
    coef : array of shape (R, p), on the device
        Every replicate's estimate on its prefix.
    converged : ndarray of bool, shape (R,)
        The Newton decrement fell to ``tol`` (on the host).
    v : array of shape (R,) or None
        ``x_kᵀ H_k⁻¹ x_k`` for the next row ``x_k = X[index[:, k]]`` and the penalised
        Hessian ``H_k`` at ``coef`` (``next_row_variance=True``), on the device.
    separated : ndarray of bool, shape (R,) or None
        A fitted probability numerically 0 or 1 on a row of the prefix
        (``separation=True``), on the host.
    """

    coef: object
    converged: np.ndarray
    v: object
    separated: np.ndarray


def _expit(xp, t):
    return 1.0 / (1.0 + xp.exp(-t))


def _softplus(xp, t):
    """``log(1 + e^t)`` without overflow (``max(t, 0) + log1p(e^-|t|)``)."""
    a = xp.abs(t)
    return 0.5 * (t + a) + xp.log1p(xp.exp(-a))


def _budget(X, budget):
    if budget is not None:
        return int(budget)
    cpu = str(_device(X)).split(":")[0] == "cpu"
    return _GATHER_ELEMENTS_CPU if cpu else _GATHER_ELEMENTS


def _index_piece(index, act, a, b):
    """Rows ``a:b`` of the sequences of the replicates ``act`` (None: all, a view)."""
    return index[:, a:b] if act is None else index[act, a:b]


def _prefix_sums(xp, X, y, index, act, a, b, coef, *, step=None, extreme=False, budget):
    """Sums over each replicate's rows ``index[r, a:b]`` at ``coef`` (n, p), on the device.

    Returns ``(score, fisher, nll, reach, extreme)``: ``Σ (y_i - μ_i) x_i`` (n, p),
    ``Σ μ_i (1 - μ_i) x_i x_iᵀ`` (n, p, p) (one product for both), ``Σ log(1 + e^θ_i) -
    y_i θ_i`` (n,), with ``step`` ``max_i |x_iᵀ step|`` (n,) (else None), with ``extreme``
    whether some ``μ_i`` is numerically 0 or 1 (n,) (else None). The rows are gathered
    in pieces of at most ``budget`` elements per gathered array.
    """
    n, p = coef.shape[0], X.shape[1]
    dev, dt = _device(X), X.dtype
    C = coef[:, :, None] if step is None else xp.stack([coef, step], axis=-1)
    SF = xp.zeros((n, p, p + 1), dtype=dt, device=dev)
    nll = xp.zeros((n,), dtype=dt, device=dev)
    reach = xp.zeros((n,), dtype=dt, device=dev) if step is not None else None
    ext = xp.zeros((n,), dtype=xp.bool, device=dev) if extreme else None
    piece = max(1, budget // max(1, n * (p + 1)))
    for lo in range(a, b, piece):
        rows = _index_piece(index, act, lo, min(lo + piece, b))
        Xr, yr = _gather(xp, X, rows), _gather(xp, y, rows)  # (n, l, p), (n, l)
        th = xp.matmul(Xr, C)
        theta = th[..., 0]
        mu = _expit(xp, theta)
        rhs = xp.concat([Xr * (mu * (1.0 - mu))[..., None], (yr - mu)[..., None]], axis=-1)
        SF = SF + xp.matmul(xp.matrix_transpose(Xr), rhs)
        nll = nll + xp.sum(_softplus(xp, theta) - yr * theta, axis=-1)
        if step is not None:
            reach = xp.maximum(reach, xp.max(xp.abs(th[..., 1]), axis=-1))
        if extreme:
            ext = ext | xp.any((mu < _PROB_EPS) | (mu > 1.0 - _PROB_EPS), axis=-1)
    return SF[..., p], SF[..., :p], nll, reach, ext


def _trial_losses(xp, X, y, index, act, k, coef, step, *, budget):
    """``Σ_{i<k} log(1 + e^θ_i(t)) - y_i θ_i(t)``, ``θ(t) = x_iᵀ(coef + t step)``, for every
    ``t`` of :data:`_HALVINGS` at once: shape (n, 30)."""
    n, p = coef.shape[0], X.shape[1]
    dev, dt = _device(X), X.dtype
    ts = xp.asarray(_HALVINGS, dtype=dt, device=dev)
    C = xp.stack([coef, step], axis=-1)
    out = xp.zeros((n, _HALVINGS.size), dtype=dt, device=dev)
    piece = max(1, budget // max(1, n * max(p, _HALVINGS.size)))
    for lo in range(0, k, piece):
        rows = _index_piece(index, act, lo, min(lo + piece, k))
        Xr, yr = _gather(xp, X, rows), _gather(xp, y, rows)
        th = xp.matmul(Xr, C)
        trial = th[..., 0:1] + th[..., 1:2] * ts  # (n, l, 30)
        out = out + xp.sum(_softplus(xp, trial) - yr[..., None] * trial, axis=1)
    return out


def _penalty(xp, coef, pen):
    return 0.5 * xp.sum(pen * coef * coef, axis=-1)


def logistic_prefix_path_xp(X, y, index, sizes, pen, *, tol=1e-10, cap=np.inf, max_iter=100,
                            init_bound=None, next_row_variance=False, separation=False,
                            singular_warning=None, budget=None):
    """Penalised logistic regression on every prefix of every replicate's sequence, on a device.

    Minimises, per replicate ``r`` and grid size ``k``,
    ``Σ_{i<k} [log(1 + e^θ_i) - y_i θ_i] + ½ Σ_j pen_j w_j²`` with ``θ_i = x_iᵀ w`` on the
    rows ``index[r, :k]`` (a row drawn twice counts twice): the count-weighted fit of
    :func:`~skcomplexity.models.glm.fit_glm`, i.e. the estimate of
    :func:`~skcomplexity.models._gathered.logistic_rows_path` on nested prefixes and the MAP
    of :func:`~skcomplexity.models._laplace_step.laplace_one_step_path` (``pen = α``
    everywhere), computed by exact Newton steps in ``X``'s namespace on its device.

    Each size starts from the previous size's estimate, whose score, Fisher information
    and objective over the previous prefix are kept: only the added rows are read to
    extend them. A Newton step is one batched Cholesky solve of ``H = F + diag(pen)``
    (``F`` the Fisher information) and one pass over the prefix at the new point that
    gathers the rows in pieces and accumulates, in one product per piece, the score and
    the Fisher information there, with the objective and ``max_i |Δθ_i|``. The step is
    taken whole when it moves no linear predictor by more than 0.5 or lowers the
    objective by ``1e-4`` of the Newton decrement ``gᵀH⁻¹g`` (Armijo); otherwise one pass
    evaluates the objective at the 30 halvings ``2⁻¹ … 2⁻³⁰`` and the first that passes
    is taken (``2⁻³¹`` if none: the host's
    :func:`~skcomplexity.models._batched.armijo_halving`), and the point is evaluated by
    another pass. A replicate stops when the decrement is at most ``tol`` — that last
    step is taken and its point evaluated, so ``coef`` is one full Newton step past
    ``tol`` (an error of order ``tol²``) and the kept statistics describe it — or when a
    coefficient reaches ``cap`` in absolute value, or after ``max_iter`` steps
    (``converged`` False for those two). The host's nested-prefix Newton
    (:func:`~skcomplexity.models._gathered.logistic_rows_path`) goes on past ``tol``
    because its steps reuse a Hessian; after this exact step the decrement is already
    far below its target (``~1e-29`` against its ``~1e-19`` on 1,500 x 5 prefixes).

    Memory: the pieces hold at most ``budget`` gathered elements (a few arrays of that
    size per piece; the line search's ``(n, piece, 30)`` trial predictors included), so
    a 10,000,000-row sequence never needs an ``(R, k, p)`` copy; per replicate the
    device holds ``O(p²)`` (the Fisher information, its factor). Every step re-reads
    the prefix, which a GPU does at memory speed; on a CPU the host's routes, which
    reuse a Hessian across steps, are faster.

    Parameters
    ----------
    X : array of shape (m, p), of a namespace other than NumPy
        The design (the columns the model uses, intercept included), on the device.
    y : array of shape (m,)
        {0, 1} target, float64, on the same device.
    index : ndarray of int, shape (R, length)
        The replicates' sequences, on the host; ``length > max(sizes)`` with
        ``next_row_variance``.
    sizes : sequence of int
        Increasing prefix lengths.
    pen : ndarray of shape (p,)
        Diagonal of the L2 penalty (0 leaves a coefficient unpenalised): ``α`` on every
        coefficient for the Laplace prior ``N(0, α⁻¹ I)``, ``1/C`` on the features and 0
        on the intercept for scikit-learn's ``LogisticRegression``.
    tol : float, default=1e-10
        Newton stops at a decrement ``gᵀH⁻¹g <= tol``.
    cap : float, default=inf
        ... or at a coefficient ``>= cap`` in absolute value (separated classes).
    max_iter : int, default=100
        Newton steps per size.
    init_bound : float or None, default=None
        A replicate whose previous estimate is not finite or reaches this bound in
        absolute value starts the next size from 0 (its prefix read afresh).
    next_row_variance : bool, default=False
        Also return ``v`` (see :class:`LogisticPrefixFit`), from a Cholesky factor of the
        Hessian at the returned estimate.
    separation : bool, default=False
        Also return ``separated`` (see :class:`LogisticPrefixFit`).
    singular_warning : str or None, default=None
        Message of the ``RuntimeWarning`` when a Newton system is not positive definite
        (its minimum-norm step is then computed on the host); None: silent.
    budget : int or None, default=None
        Largest number of elements gathered at once; None: ``2**20`` on the CPU,
        ``2**25`` on any other device.

    Yields
    ------
    fit : :class:`LogisticPrefixFit`
        One per size, in the order of ``sizes``.
    """
    xp = namespace_of(X)
    dev, dt = _device(X), X.dtype
    budget = _budget(X, budget)
    R, p = index.shape[0], X.shape[1]
    pen_h = np.asarray(pen, dtype=float)
    pen_d = xp.asarray(pen_h, dtype=dt, device=dev)
    P = xp.asarray(np.diag(pen_h), dtype=dt, device=dev)
    coef = xp.zeros((R, p), dtype=dt, device=dev)
    score = xp.zeros((R, p), dtype=dt, device=dev)  # unpenalised, over the prefix done
    fisher = xp.zeros((R, p, p), dtype=dt, device=dev)
    nll = xp.zeros((R,), dtype=dt, device=dev)
    extreme = np.zeros(R, dtype=bool)
    done = 0
    for k in (int(k) for k in sizes):
        restart = np.zeros(R, dtype=bool)
        if init_bound is not None and done:
            c = to_numpy(coef)
            restart = ~(np.all(np.isfinite(c), axis=1) & (np.abs(c).max(axis=1) < init_bound))
        kept = None if not restart.any() else np.flatnonzero(~restart)
        if kept is None or kept.size:
            c = coef if kept is None else _take_rows(xp, coef, kept)
            sg, F, f, _, _ = _prefix_sums(xp, X, y, index, kept, done, k, c, budget=budget)
            if kept is None:
                score, fisher, nll = score + sg, fisher + F, nll + f
            else:
                score = _replace_rows(xp, score, kept, _take_rows(xp, score, kept) + sg)
                fisher = _replace_rows(xp, fisher, kept, _take_rows(xp, fisher, kept) + F)
                nll = _replace_rows(xp, nll, kept, _take_rows(xp, nll, kept) + f)
        if restart.any():  # from 0, the whole prefix
            fresh = np.flatnonzero(restart)
            zero = xp.zeros((fresh.size, p), dtype=dt, device=dev)
            sg, F, f, _, _ = _prefix_sums(xp, X, y, index, fresh, 0, k, zero, budget=budget)
            coef = _replace_rows(xp, coef, fresh, zero)
            score = _replace_rows(xp, score, fresh, sg)
            fisher = _replace_rows(xp, fisher, fresh, F)
            nll = _replace_rows(xp, nll, fresh, f)
        done = k
        state = (coef, score, fisher, nll)
        (coef, score, fisher, nll), converged, ext = _newton_xp(
            xp, X, y, index, k, state, pen_d, P, tol=tol, cap=cap, max_iter=max_iter,
            separation=separation, warn=singular_warning, budget=budget)
        if separation:
            extreme = ext
        v = None
        if next_row_variance:
            x = _gather(xp, X, index[:, k])  # (R, p)
            u = solve_spd_xp(fisher + P, x[:, :, None], warn=singular_warning)[..., 0]
            v = xp.sum(x * u, axis=-1)
        yield LogisticPrefixFit(coef, converged, v, extreme.copy() if separation else None)


def _newton_xp(xp, X, y, index, k, state, pen, P, *, tol, cap, max_iter, separation, warn,
               budget):
    """Newton on prefix ``k`` of every replicate from ``state`` = (coef, score, Fisher
    information, nll) at coef (see :func:`logistic_prefix_path_xp`).

    Returns the state at the returned estimates, ``converged`` and, with ``separation``,
    the extreme-probability flags there (host arrays).
    """
    R = state[0].shape[0]
    act = np.arange(R)
    converged = np.zeros(R, dtype=bool)
    extreme = np.zeros(R, dtype=bool)
    finished_rows, finished = [], []
    coef, score, fisher, nll = state
    for _ in range(max_iter):
        sel = None if act.size == R else act
        grad = score - pen * coef
        step = solve_spd_xp(fisher + P, grad[:, :, None], warn=warn)[..., 0]
        dec_d = xp.sum(grad * step, axis=-1)
        dec = to_numpy(dec_d)
        small = dec <= tol
        converged[act] = small
        fval = nll + _penalty(xp, coef, pen)
        new = coef + step
        sg, F, f, reach, ext = _prefix_sums(xp, X, y, index, sel, 0, k, new, step=step,
                                            extreme=separation, budget=budget)
        # a step that moves no linear predictor by more than _TRUST is taken whole (the
        # quadratic model is accurate there), as is the last one (decrement <= tol)
        armijo = ~to_numpy(f + _penalty(xp, new, pen) > fval - 1e-4 * dec_d)
        back = np.flatnonzero(~(small | (to_numpy(reach) <= _TRUST) | armijo))
        if back.size:
            b_act = act[back]
            cb, sb = _take_rows(xp, coef, back), _take_rows(xp, step, back)
            trial = _trial_losses(xp, X, y, index, b_act, k, cb, sb, budget=budget)
            ts = xp.asarray(_HALVINGS, dtype=X.dtype, device=_device(X))
            pen_t = 0.5 * xp.sum(pen * (cb[:, None, :] + ts[:, None] * sb[:, None, :]) ** 2,
                                 axis=-1)
            thr = _take_rows(xp, fval, back)[:, None] - 1e-4 * ts * _take_rows(xp, dec_d,
                                                                               back)[:, None]
            good = ~to_numpy(trial + pen_t > thr)
            first = np.where(good.any(axis=1), good.argmax(axis=1), _HALVINGS.size)
            t = np.append(_HALVINGS, _HALVINGS[-1] / 2)[first]
            nb = cb + xp.asarray(t, dtype=X.dtype, device=_device(X))[:, None] * sb
            sg_b, F_b, f_b, _, ext_b = _prefix_sums(xp, X, y, index, b_act, 0, k, nb,
                                                    extreme=separation, budget=budget)
            new = _replace_rows(xp, new, back, nb)
            sg, F, f = (_replace_rows(xp, sg, back, sg_b), _replace_rows(xp, F, back, F_b),
                        _replace_rows(xp, f, back, f_b))
            if separation:
                ext = _replace_rows(xp, ext, back, ext_b)
        if separation:
            extreme[act] = to_numpy(ext)
        coef, score, fisher, nll = new, sg, F, f
        big = ~(to_numpy(xp.max(xp.abs(coef), axis=-1)) < cap)
        stop = small | big
        if stop.any():
            out = np.flatnonzero(stop)
            finished_rows.append(act[out])
            finished.append(tuple(_take_rows(xp, a, out) for a in (coef, score, fisher, nll)))
            keep = np.flatnonzero(~stop)
            act = act[keep]
            coef, score, fisher, nll = (_take_rows(xp, a, keep)
                                        for a in (coef, score, fisher, nll))
        if not act.size:
            break
    if act.size:
        finished_rows.append(act)
        finished.append((coef, score, fisher, nll))
    if len(finished) == 1 and np.array_equal(finished_rows[0], np.arange(R)):
        return finished[0], converged, extreme
    order = np.argsort(np.concatenate(finished_rows))
    merged = tuple(_take_rows(xp, xp.concat(parts, axis=0), order)
                   for parts in zip(*finished, strict=True))
    return merged, converged, extreme


def laplace_one_step_path_xp(X, y, index, sizes, prior_precision, *, tol=1e-10, max_iter=100,
                             budget=None):
    """MAP and ``xᵀ Σ x`` of the logistic Laplace posterior on nested prefixes, on a device.

    The device counterpart of
    :func:`~skcomplexity.models._laplace_step.laplace_one_step_path` (prior
    ``N(0, α⁻¹ I)`` on every coefficient, ``α = prior_precision > 0``): the MAP ``w_k`` of
    the first ``k`` rows of every replicate's sequence by
    :func:`logistic_prefix_path_xp` (exact Newton steps, stopped at the same decrement
    ``tol``, the last step taken), and ``v_k = x_kᵀ H_k⁻¹ x_k`` for the next row from the
    Cholesky factor of the Hessian at ``w_k``, exactly (the NumPy routine reads it from a
    quasi-Newton inverse to about ``1e-6``, see its module).

    Parameters
    ----------
    X : array of shape (m, p), of a namespace other than NumPy
    y : array of shape (m,)
        {0, 1} target, float64, on ``X``'s device.
    index : ndarray of int, shape (R, length)
        On the host; ``length > max(sizes)`` (the next row is read).
    sizes : sequence of int
    prior_precision : float
    tol : float, default=1e-10
    max_iter : int, default=100
    budget : int or None, default=None
        See :func:`logistic_prefix_path_xp`.

    Yields
    ------
    mean : ndarray of shape (R, p)
    v : ndarray of shape (R,)
    converged : ndarray of bool, shape (R,)
        All three on the host, as the NumPy routine yields them.
    """
    pen = np.full(X.shape[1], float(prior_precision))
    for fit in logistic_prefix_path_xp(X, y, index, sizes, pen, tol=tol, max_iter=max_iter,
                                       next_row_variance=True, budget=budget,
                                       singular_warning=SINGULAR.format(
                                           "the posterior precision")):
        yield to_numpy(fit.coef), to_numpy(fit.v), fit.converged


def sklearn_logistic_prefix_loglik_xp(X, y01, index, sizes, *, device, inv_c=0.0,
                                      fit_intercept=True, cache=None, max_iter=100,
                                      budget=None):
    """Full-data log-likelihood of scikit-learn's L2 logistic fit on every prefix, on a device.

    :func:`~skcomplexity.models._gathered.sklearn_logistic_prefix_path` (``C = 1/inv_c``,
    unpenalised intercept, Newton in the coordinates standardised on all the data,
    warm-started where the previous estimate is below 30, a coefficient past ``1e6``
    stopping a separated fit, the warnings of
    :func:`~skcomplexity.models.glm.check_fit`) with the fits on ``device``
    (:func:`logistic_prefix_path_xp`), followed by each fit's Bernoulli log-likelihood on
    all ``m`` rows, ``Σ_i log σ(s_i z_iᵀ w)`` (``s_i = ±1`` for ``y_i = 1/0``, ``z_i`` the
    standardised row: the same linear predictor as ``b₀ + x_iᵀ w`` on ``X``'s scale), also
    on the device in pieces of rows.

    Parameters
    ----------
    X : ndarray of shape (m, n)
        The features, on the host (the design is standardised there, then moved).
    y01 : ndarray of shape (m,)
        {0, 1} target, on the host.
    index : ndarray of int, shape (R, length)
    sizes : ndarray of int, shape (J,)
    device : :class:`~skcomplexity._array_api.DeviceSpec`
    inv_c : float, default=0.0
        ``1/C``; 0 is unpenalised.
    fit_intercept : bool, default=True
    cache : dict or None, default=None
        Kept by the caller across calls on the same data and device: the design is moved
        at the first call and reused.
    max_iter : int, default=100
    budget : int or None, default=None
        See :func:`logistic_prefix_path_xp`.

    Returns
    -------
    loglik : ndarray of shape (J, R)
        On the host.
    """
    key = ("logistic design on device", device, bool(fit_intercept), float(inv_c))
    if cache is not None and key in cache:
        Z, yd, sign, pen = cache[key]
    else:  # the host design is not kept: the device holds the only long-lived copy
        Z, _, _, pen = _logistic_design(np.asarray(X, dtype=float), inv_c, fit_intercept)
        y01 = np.asarray(y01, dtype=float)
        Z, yd, sign = device.asarray(Z), device.asarray(y01), device.asarray(2.0 * y01 - 1.0)
        if cache is not None:
            cache[key] = Z, yd, sign, pen
    xp = namespace_of(Z)
    m, R = Z.shape[0], index.shape[0]
    budget = _budget(Z, budget)
    unpenalised = inv_c == 0
    out = []
    for fit in logistic_prefix_path_xp(Z, yd, index, sizes, pen, cap=1e6, init_bound=30.0,
                                       max_iter=max_iter, separation=unpenalised,
                                       budget=budget):
        # check_fit's warnings: not converged or not finite; an unpenalised fit with a
        # probability numerically 0 or 1 on its subsample
        finite = np.all(np.isfinite(to_numpy(fit.coef)), axis=1)
        separated = fit.separated & finite if unpenalised else np.zeros(R, dtype=bool)
        _warn_logistic_fit(~fit.converged | ~finite, separated, max_iter,
                           "prior_precision > 0 or a finite C", not unpenalised, stacklevel=3)
        total = xp.zeros((R,), dtype=Z.dtype, device=_device(Z))
        piece = max(1, budget // max(1, R))
        coef_t = xp.matrix_transpose(fit.coef)  # (p, R)
        for a in range(0, m, piece):
            b = min(a + piece, m)
            margin = xp.matmul(Z[a:b, :], coef_t) * sign[a:b, None]  # (rows, R)
            total = total - xp.sum(_softplus(xp, -margin), axis=0)  # log σ(t) = -softplus(-t)
        out.append(to_numpy(total))
    return np.stack(out) if out else np.empty((0, R))
