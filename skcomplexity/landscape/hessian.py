"""Matrix-free curvature of a fitted torch model.

Everything goes through Hessian-vector products (forward-over-reverse with
:mod:`torch.func`), so memory is O(number of parameters) per vector; a dense
Hessian is built only by :func:`dense_hessian`, for small reference models.

The loss is the mean per-object loss ``L(θ) = (1/n) Σ l_i(θ)`` over the data
passed in. ``kind="full"`` uses the Hessian ``∇²L``; ``kind="gauss_newton"``
its G-term ``J^T (∂²l/∂z²) J`` (the part Theorems 9-27 bound).

The operator itself lives in :mod:`skcomplexity.landscape._operator`, the
Lanczos recurrence in :mod:`skcomplexity.landscape._krylov` and the exact
diagonal/dense matrices in :mod:`skcomplexity.landscape._exact`; this module
holds the estimators built on them.
"""

import numpy as np
from sklearn.utils._param_validation import StrOptions, validate_params

from .._parallel import root_seed_sequence
from . import _krylov
from ._exact import _dense_full, _is_piecewise_linear, exact_diagonal
from ._krylov import _GAP_SAFETY, _lanczos  # noqa: F401 (_GAP_SAFETY: benchmarks read it here)
from ._operator import (
    POSITIVE_INT,
    RANDOM_STATE,
    TOL,
    HessianOperator,
    _as_operator,
    draw_probes,
    probe_chunk,
    torch_generator,
)

__all__ = [
    "HessianOperator",
    "draw_probes",
    "torch_generator",
    "dense_hessian",
    "hessian_trace",
    "hessian_spread",
    "top_eigenvalue",
]


#: the model (an estimator, a net, a module, an operator) and its data are checked where
#: they are read (_as_operator)
_MODEL_AND_DATA = {"model": "no_validation", "X": "no_validation", "y": "no_validation"}


@validate_params(
    {
        **_MODEL_AND_DATA,
        "method": [StrOptions({"lanczos", "power", "eigsh"})],
        "tol": TOL,
        "maxiter": POSITIVE_INT,
        "random_state": RANDOM_STATE,
        "return_vector": ["boolean"],
        "warm_start": [StrOptions({"auto"}), *POSITIVE_INT, None],
    },
    prefer_skip_nested_validation=True,
)
def top_eigenvalue(model, X=None, y=None, *, method="lanczos", tol=1e-6, maxiter=1000,
                   random_state=None, return_vector=False, warm_start="auto",
                   **operator_kwargs):
    """Largest-magnitude eigenvalue of the Hessian (the sharpness), matrix-free.

    Parameters
    ----------
    model : HessianOperator, fitted torch model, or linear operator
        A model is wrapped with :class:`HessianOperator` (``X``, ``y`` and
        ``operator_kwargs`` such as ``loss``, ``kind``, ``batch_size``,
        ``dtype``). Any symmetric :class:`scipy.sparse.linalg.LinearOperator`
        (or an object with a ``to_scipy()`` method returning one, such as a
        curvlinops operator) is accepted as it is.
    X, y : array-like, optional
    method : {"lanczos", "power", "eigsh"}, default="lanczos"
        ``"lanczos"``: a Lanczos recurrence in torch (re-orthogonalised while
        the basis fits in 256 MB), stopped when the a-posteriori error
        estimate of the extreme Ritz value falls below ``tol`` (see Notes);
        ``"power"``: power iteration with the Rayleigh quotient, stopped when
        it changes by less than ``tol``; ``"eigsh"``: implicitly restarted
        Lanczos of ``scipy.sparse.linalg.eigsh`` (``which="LM"``).
    tol : float > 0, default=1e-6
        Relative tolerance on the eigenvalue.
    maxiter : int, default=1000
        Maximum number of iterations / Hessian-vector products.
    random_state : int or None
        Seeds the starting vector (and the warm-start subsample).
    return_vector : bool, default=False
        Also return the unit eigenvector (numpy).
    warm_start : "auto", int or None, default="auto"
        Lanczos only, on a :class:`HessianOperator`. An int ``m``: first run
        Lanczos on the Hessian of ``m`` randomly chosen objects (a product
        costs about ``m / n`` of a full one) and start the full recurrence
        from its top Ritz vector, which is close to the full top eigenvector;
        the answer is still the full Hessian's eigenvalue to ``tol``, only
        reached in fewer full products. That pre-phase is itself started
        from ``m // 8`` of its objects, and so on down to 16 objects, each
        level to ``3 tol``. ``"auto"``: ``m = n // 8`` when the operator runs
        over at least 1024 objects, otherwise no warm start. None: start
        from a random vector.

    Returns
    -------
    float or (float, ndarray)

    Notes
    -----
    After ``j`` Lanczos steps the extreme Ritz pair ``(θ, u)`` has residual
    ``r = ‖H u − θ u‖ = β_j |s_j|`` (``s`` the eigenvector of the tridiagonal
    matrix). Some eigenvalue lies within ``r`` of ``θ`` (Bauer-Fike) and,
    with ``δ`` the distance from ``θ`` to the rest of the spectrum, within
    ``r²/δ`` (Kato-Temple). ``δ`` is estimated by the distance to the nearest
    other Ritz value once there are at least three; the recurrence stops when
    ``min(r, r²/δ) ≤ tol·|θ|``.

    The recurrence stays on the model's device: on a GPU the host reads its
    coefficients every 5 steps (once more where the error estimate predicts
    convergence), in one transfer, and applies the rule to every step since
    the last read; the value is the one a read after every step gives, at
    the cost of at most 4 more products than on the CPU (which reads after
    every step).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skcomplexity.neural import MLPClassifier
    >>> from skcomplexity.landscape import top_eigenvalue
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_units=(4,), max_epochs=2, random_state=0).fit(X, y)
    >>> lam = top_eigenvalue(clf, X, y, random_state=0)
    """
    import torch

    H = _as_operator(model, X, y, operator_kwargs)
    gen = torch_generator(random_state)
    # drawn on the CPU (CPU and GPU start alike), in the operator's precision for Lanczos
    v0 = torch.randn(H.n_params, generator=gen,
                     dtype=H.dtype if method == "lanczos" else torch.float64)
    if method == "lanczos":
        q0 = v0.to(H.device)
        levels = _warm_levels(H, warm_start)
        # the warm vector is a Ritz vector: the pre-phase must keep its Krylov basis
        pre_steps = min(maxiter, 50, _krylov._REORTH_BYTES // (H.n_params * q0.element_size()))
        if levels and pre_steps >= 8:
            # drawn on the CPU (the seeding convention), then indexed on the model's device
            perm = torch.randperm(H.n_objects, generator=gen).to(H.device)
            for m in levels:  # nested subsamples, each started from the smaller one's vector
                sub = H.subset(perm[:m].sort().values)
                pre = _lanczos(_one(sub), q0.unsqueeze(0), _WARM_TOL * tol, pre_steps,
                               want_vectors=True)
                sub.release()
                if pre.vectors is None:
                    break
                q0 = pre.vectors[0]
        res = _lanczos(_one(H), q0.unsqueeze(0), tol, maxiter, want_vectors=return_vector)
        lam = float(res.values[0])
        if not res.converged[0] and res.steps < H.n_params:
            import warnings

            warnings.warn(
                f"top_eigenvalue: the Lanczos estimate did not reach tol={tol} in "
                f"maxiter={maxiter} steps (error estimate {res.errors[0]:.2e}).",
                RuntimeWarning, stacklevel=2,
            )
        if not return_vector:
            return lam
        if res.vectors is not None:
            return lam, res.vectors[0].detach().double().cpu().numpy()
        method = "eigsh"  # the Krylov basis was too large to keep: scipy gives the vector
    if method == "eigsh":
        from scipy.sparse.linalg import eigsh

        vals, vecs = eigsh(H.to_scipy(), k=1, which="LM", tol=tol, maxiter=maxiter,
                           v0=v0.double().cpu().numpy())
        lam, vec = float(vals[0]), vecs[:, 0]
    else:
        v = (v0 / v0.norm()).to(H.dtype).to(H.device)
        lam = None
        with torch.no_grad():
            for _ in range(maxiter):
                w = H.matvec(v)
                norm = w.norm()
                new, host_norm = torch.stack((torch.dot(w, v), norm)).tolist()  # one read
                if host_norm == 0:
                    new = 0.0
                    break
                v = w / norm
                if lam is not None and abs(new - lam) <= tol * max(abs(new), 1e-30):
                    lam = new
                    break
                lam = new
            else:
                import warnings

                warnings.warn(
                    f"Power iteration did not reach tol={tol} in maxiter={maxiter} iterations; "
                    "the eigenvalue may be inaccurate (try method='lanczos').",
                    RuntimeWarning, stacklevel=2,
                )
        lam, vec = float(lam), v.detach().double().cpu().numpy()
    return (lam, vec) if return_vector else lam


def _one(H):
    """``H`` as the batched ``apply`` of :func:`_lanczos` for one vector."""
    return lambda V: H.matvec(V[0]).unsqueeze(0)


def _warm_levels(H, warm_start):
    """Subsample sizes of the warm-start cascade, smallest first ([]: a random start).

    The top level has ``m`` objects (``n // 8`` for "auto"); below it ``m // 8``,
    ``m // 64``, ... while at least ``_WARM_MIN`` objects remain, so every level
    costs about an eighth of the next and starts close to its top eigenvector.
    """
    if warm_start is None or not isinstance(H, HessianOperator):
        return []
    n = H.n_objects
    if warm_start == "auto":
        if n < 1024:
            return []
        warm_start = n // 8
    if warm_start >= n:
        return []
    levels = [warm_start]
    while levels[-1] // 8 >= _WARM_MIN:
        levels.append(levels[-1] // 8)
    return levels[::-1]


_WARM_MIN = 16  # the smallest warm-start subsample
_WARM_TOL = 3.0  # a warm vector needs less than the answer: its levels stop at 3 tol


@validate_params(
    {
        **_MODEL_AND_DATA,
        "method": [StrOptions({"hutchinson", "exact"})],
        "n_probes": POSITIVE_INT,
        "random_state": RANDOM_STATE,
        "return_std": ["boolean"],
        "probe_chunk_bytes": POSITIVE_INT,
    },
    prefer_skip_nested_validation=True,
)
def hessian_trace(model, X=None, y=None, *, method="hutchinson", n_probes=100,
                  random_state=None, return_std=False, probe_chunk_bytes=2 ** 26,
                  **operator_kwargs):
    """Trace of the Hessian by Hutchinson's estimator (or exactly, for small models).

    Parameters
    ----------
    model : HessianOperator, fitted torch model, or linear operator
        As in :func:`top_eigenvalue` (a scipy ``LinearOperator`` or a
        curvlinops operator is used as it is).
    X, y : array-like, optional
    method : {"hutchinson", "exact"}, default="hutchinson"
        ``"hutchinson"``: mean of ``v^T H v`` over Rademacher vectors ``v``
        (unbiased). ``"exact"``: the sum of the exact diagonal
        (:func:`~skcomplexity.landscape.hessian_diagonal`: one forward and
        ``K`` backward passes for a Gauss-Newton matrix or a network that is
        piecewise linear in each parameter, such as a ReLU MLP), otherwise the
        sum of ``e_j^T H e_j`` over all basis vectors (``n_params`` products).
    n_probes : int, default=100
        Probe vectors (Hutchinson).
    random_state : int or None
        Seeds the probes (drawn on the CPU, see :func:`torch_generator`).
    return_std : bool, default=False
        Also return the standard error of the estimate (0 for "exact").
    probe_chunk_bytes : int, default=64 MiB
        Probes are drawn and multiplied in chunks that fit in this many bytes,
        so memory does not grow with ``n_probes``.

    Returns
    -------
    float or (float, float)

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skcomplexity.neural import MLPClassifier
    >>> from skcomplexity.landscape import hessian_trace
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_units=(4,), max_epochs=2, random_state=0).fit(X, y)
    >>> tr = hessian_trace(clf, X, y, method="exact")
    """
    import torch

    H = _as_operator(model, X, y, operator_kwargs)
    P = H.n_params
    chunk = probe_chunk(P, H.dtype.itemsize, probe_chunk_bytes)
    if method == "exact" and isinstance(H, HessianOperator) and (
            H.kind == "gauss_newton" or _is_piecewise_linear(H.fm.module)):
        total = float(exact_diagonal(H.fm, H.kind).sum())
        return (total, 0.0) if return_std else total
    with torch.no_grad():
        if method == "exact":
            total = torch.zeros((), dtype=torch.float64, device=H.device)
            for s in range(0, P, chunk):
                idx = torch.arange(s, min(s + chunk, P), device=H.device)
                rows = torch.arange(len(idx), device=H.device)
                E = torch.zeros(len(idx), P, dtype=H.dtype, device=H.device)
                E[rows, idx] = 1.0
                total += H.matmat(E)[rows, idx].sum().double()
            total = float(total)  # one read at the end
            return (total, 0.0) if return_std else total
        gen = torch_generator(random_state)
        quad = []
        for s in range(0, n_probes, chunk):
            V = draw_probes(gen, min(chunk, n_probes - s), P, dtype=H.dtype, device=H.device)
            quad.append((H.matmat(V) * V).sum(dim=1))
        quad = torch.cat(quad).double().cpu().numpy()
    est = float(quad.mean())
    se = float(quad.std(ddof=1) / np.sqrt(n_probes)) if n_probes > 1 else float("nan")
    return (est, se) if return_std else est


@validate_params(
    {
        **_MODEL_AND_DATA,
        "n_objects": [*POSITIVE_INT, None],
        "reference_size": [*POSITIVE_INT, None],
        "tol": TOL,
        "maxiter": POSITIVE_INT,
        "random_state": RANDOM_STATE,
        "return_all": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def hessian_spread(model, X=None, y=None, *, n_objects=32, reference_size=None, tol=1e-4,
                   maxiter=200, random_state=None, return_all=False, **operator_kwargs):
    """The landscape measure (2.8): ``μ_f = E_i ‖H_i − H̄‖₂`` over objects.

    ``H_i`` is the Hessian of the loss of object ``i`` at the fitted
    parameters and ``H̄`` the mean Hessian over the data; ``‖·‖₂`` is the
    spectral norm. For every sampled object the norm is the largest-magnitude
    Ritz value of a Lanczos recurrence on ``H_i − H̄``; all sampled objects
    iterate together, with ``H_i v_i`` batched over objects (vmap) and
    ``H̄ v_i`` batched over vectors.

    Parameters
    ----------
    model : HessianOperator or fitted torch model
    X, y : array-like, optional
    n_objects : int or None, default=32
        Objects ``i`` sampled without replacement (None: all). The estimate
        is a mean over them, so its standard error is ``std / sqrt(n_objects)``.
    reference_size : int or None, default=None
        ``H̄`` over a random subsample of this size (None: all objects).
    tol : float > 0, default=1e-4
        Relative tolerance on every norm.
    maxiter : int, default=200
        Maximum Lanczos steps (products) per object.
    random_state : int or None
    return_all : bool, default=False
        Also return the per-object norms and their indices.
    **operator_kwargs
        ``loss``, ``kind`` ("full" or "gauss_newton"), ``batch_size``, ``dtype``.

    Returns
    -------
    float, or (float, ndarray, ndarray) with ``return_all=True``

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skcomplexity.neural import MLPClassifier
    >>> from skcomplexity.landscape import hessian_spread
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_units=(4,), max_epochs=2, random_state=0).fit(X, y)
    >>> mu = hessian_spread(clf, X, y, n_objects=8, random_state=0)
    """
    import torch

    H = _as_operator(model, X, y, operator_kwargs)
    if not isinstance(H, HessianOperator):
        raise TypeError("hessian_spread needs per-object Hessians: pass a fitted torch model "
                        "or a HessianOperator, not a linear operator.")
    n = H.n_objects
    rng = np.random.default_rng(root_seed_sequence(random_state))
    if n_objects is None or n_objects >= n:
        idx = np.arange(n)
    else:
        idx = np.sort(rng.choice(n, n_objects, replace=False))
    ref = H
    if reference_size is not None and reference_size < n:
        sub = np.sort(rng.choice(n, reference_size, replace=False))
        ref = H.subset(sub)

    objects = torch.as_tensor(idx, device=H.device)  # indexed on the device at every product

    def apply(V):
        return H.per_object_matvec(objects, V) - ref.matmat(V)

    gen = torch_generator(random_state)
    V0 = torch.randn(len(idx), H.n_params, generator=gen, dtype=torch.float64)
    res = _lanczos(apply, V0.to(H.dtype).to(H.device), tol, maxiter, signed=False)
    norms = res.values
    if not res.converged.all() and res.steps < H.n_params:
        import warnings

        warnings.warn(
            f"hessian_spread: {int((~res.converged).sum())} of {len(idx)} norms did not reach "
            f"tol={tol} in maxiter={maxiter} Lanczos steps.", RuntimeWarning, stacklevel=2,
        )
    mu = float(norms.mean())
    return (mu, norms, idx) if return_all else mu


@validate_params({**_MODEL_AND_DATA, "max_params": POSITIVE_INT},
                 prefer_skip_nested_validation=True)
def dense_hessian(model, X=None, y=None, *, max_params=5000, **operator_kwargs):
    """The dense Hessian of the mean loss, for small reference models only.

    Parameters
    ----------
    model : HessianOperator or fitted torch model
    X, y : array-like, optional
    max_params : int, default=5000
        Refuse models with more parameters (the matrix is ``P × P``).
    **operator_kwargs
        ``loss``, ``kind``, ``dtype``.

    Returns
    -------
    ndarray of shape (n_params, n_params)

    Examples
    --------
    >>> import torch
    >>> from sklearn.datasets import load_iris
    >>> from skcomplexity.neural import MLPClassifier
    >>> from skcomplexity.landscape import dense_hessian
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_units=(2,), max_epochs=1, random_state=0).fit(X, y)
    >>> dense_hessian(clf, X, y, dtype=torch.float64).shape
    (19, 19)
    """
    import torch

    H = _as_operator(model, X, y, operator_kwargs)
    if H.n_params > max_params:
        raise ValueError(
            f"The model has {H.n_params} parameters > max_params={max_params}; a dense Hessian "
            "would need P^2 memory. Use the matrix-free functions instead."
        )
    if isinstance(H, HessianOperator) and H.kind == "full":
        return _dense_full(H.fm)
    M = H.matmat(torch.eye(H.n_params, dtype=H.dtype, device=H.device))
    M = M.detach().double().cpu().numpy()
    return (M + M.T) / 2
