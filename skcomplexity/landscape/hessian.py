"""Matrix-free curvature of a fitted torch model.

Everything goes through Hessian-vector products (forward-over-reverse with
:mod:`torch.func`), so memory is O(number of parameters) per vector; a dense
Hessian is built only by :func:`dense_hessian`, for small reference models.

The loss is the mean per-object loss ``L(θ) = (1/n) Σ l_i(θ)`` over the data
passed in. ``kind="full"`` uses the Hessian ``∇²L``; ``kind="gauss_newton"``
its G-term ``J^T (∂²l/∂z²) J`` (the part Theorems 9-27 bound).
"""

import numpy as np

from .._parallel import root_seed_sequence
from ._model import as_functional

__all__ = [
    "HessianOperator",
    "draw_probes",
    "torch_generator",
    "dense_hessian",
    "hessian_trace",
    "hessian_spread",
    "top_eigenvalue",
]

_KINDS = ("full", "gauss_newton")


def _check_kind(kind):
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}.")


def _check_tol(tol):
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating)) \
            or not np.isfinite(tol) or tol <= 0:
        raise ValueError(f"tol must be a finite number > 0, got {tol!r}.")


def _check_int(value, name, low=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")


def torch_generator(random_state):
    """The one seeding convention of the curvature layer: a CPU ``torch.Generator``.

    Seeded from ``random_state`` through :func:`skcomplexity._parallel.root_seed_sequence`
    (an int, a ``SeedSequence``, a ``RandomState``/``Generator`` or None); random
    vectors are drawn on the CPU and moved to the model's device, so that the
    same seed gives the same probes on CPU and GPU.
    """
    import torch

    seed = int(root_seed_sequence(random_state).generate_state(1)[0])
    gen = torch.Generator(device="cpu")
    gen.manual_seed(seed)
    return gen


def draw_probes(gen, n, p, *, dtype, device, kind="rademacher"):
    """``n`` probe vectors of length ``p`` drawn on the CPU with ``gen``, moved to ``device``."""
    import torch

    if kind == "rademacher":
        V = torch.randint(0, 2, (n, p), generator=gen, dtype=torch.int8).to(dtype) * 2 - 1
    else:
        V = torch.randn(n, p, generator=gen, dtype=torch.float64).to(dtype)
    return V.to(device)


def probe_chunk(p, itemsize=4, budget=2 ** 26):
    """How many length-``p`` vectors fit in ``budget`` bytes (at least one)."""
    return max(1, int(budget // max(1, p * itemsize)))


class HessianOperator:
    """Matrix-free Hessian (or Gauss-Newton matrix) of the mean loss of a fitted model.

    Parameters
    ----------
    model : skcomplexity.neural estimator, skorch NeuralNet or torch.nn.Module
        A fitted model (a plain module needs ``loss``).
    X, y : array-like
        The objects the mean loss runs over.
    loss : callable or None, default=None
        Per-object loss ``(outputs, targets) -> (n,)`` (``reduction='none'``).
        Default: the model's training criterion (cross-entropy or MSE).
    kind : {"full", "gauss_newton"}, default="full"
    batch_size : int or None, default=None
        Objects per forward pass inside one product (None: all at once).
    dtype : torch.dtype or None, default=None
        E.g. ``torch.float64`` for exact comparisons.

    Attributes
    ----------
    n_params : int
        Dimension ``P`` of the operator.
    theta : torch.Tensor
        The fitted parameters (flat).

    Examples
    --------
    >>> import torch
    >>> from sklearn.datasets import load_iris
    >>> from skcomplexity.neural import MLPClassifier
    >>> from skcomplexity.landscape import HessianOperator
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_units=(4,), max_epochs=2, random_state=0).fit(X, y)
    >>> H = HessianOperator(clf, X, y)
    >>> H.matvec(torch.ones(H.n_params)).shape == (H.n_params,)
    True
    """

    def __init__(self, model, X, y, *, loss=None, kind="full", batch_size=None, dtype=None,
                 include_bias=True, cache_graph=True):
        _check_kind(kind)
        if batch_size is not None:
            _check_int(batch_size, "batch_size")
        if not isinstance(cache_graph, bool):
            raise ValueError(f"cache_graph must be a bool, got {cache_graph!r}.")
        self.fm = as_functional(model, X, y, loss=loss, dtype=dtype, include_bias=include_bias)
        self.kind = kind
        self.batch_size = batch_size
        self.cache_graph = cache_graph
        self.theta = self.fm.theta
        self.n_params = self.fm.n_params
        self.n_objects = self.fm.n_objects
        self.dtype = self.theta.dtype
        self.device = self.theta.device
        self._graphs = None
        self.n_products = 0

    @property
    def shape(self):
        return (self.n_params, self.n_params)

    # ------------------------------------------------------------ products
    def _chunks(self):
        n = self.n_objects
        bs = n if self.batch_size is None else self.batch_size
        return [(s, min(s + bs, n)) for s in range(0, n, bs)]

    def _build_graph(self, start, stop):
        """Autograd graph of one chunk, kept for many products (double backward).

        ``full``: the gradient ``g(θ)`` of the chunk's share of the mean loss,
        built with ``create_graph=True``, so that ``H v = ∂(g·v)/∂θ`` is one
        backward pass. ``gauss_newton``: the outputs ``z(θ)`` and the gradient
        of the loss in ``z``, so that ``J^T (∂²l/∂z²) J v`` is three backward
        passes (``J v`` by the double-vjp trick).
        """
        import torch

        fm = self.fm
        X, y = fm.X[start:stop], fm.y[start:stop]
        weight = 1.0 / self.n_objects
        th = self.theta.detach().clone().requires_grad_(True)
        with torch.enable_grad():
            if self.kind == "full":
                total = fm.losses(th, X, y).sum() * weight
                (g,) = torch.autograd.grad(total, th, create_graph=True)
                return ("full", th, g)
            z = fm.forward(th, X)
            u = torch.zeros_like(z, requires_grad=True)
            (jtu,) = torch.autograd.grad(z, th, grad_outputs=u, create_graph=True)
            zz = z.detach().requires_grad_(True)
            (gz,) = torch.autograd.grad(fm.loss(zz, y).sum() * weight, zz, create_graph=True)
            return ("gn", th, z, u, jtu, zz, gz)

    def _apply_graph(self, graph, v):
        import torch

        if graph[0] == "full":
            _, th, g = graph
            return torch.autograd.grad(g, th, grad_outputs=v, retain_graph=True)[0]
        _, th, z, u, jtu, zz, gz = graph
        (jv,) = torch.autograd.grad(jtu, u, grad_outputs=v, retain_graph=True)
        (ajv,) = torch.autograd.grad(gz, zz, grad_outputs=jv, retain_graph=True)
        return torch.autograd.grad(z, th, grad_outputs=ajv, retain_graph=True)[0]

    def matvec(self, v):
        """``H v`` for one vector ``v`` of shape (n_params,), a torch tensor.

        With ``cache_graph=True`` (default) the autograd graph of every chunk of
        objects is built once and reused (a product is then one backward pass
        over the chunk); ``cache_graph=False`` rebuilds it for every product
        (memory of one chunk at a time).
        """
        import torch

        v = torch.as_tensor(v, dtype=self.dtype, device=self.device).detach()
        self.n_products += 1
        if self.cache_graph and self._graphs is None:
            self._graphs = [self._build_graph(a, b) for a, b in self._chunks()]
        graphs = (self._graphs if self.cache_graph
                  else (self._build_graph(a, b) for a, b in self._chunks()))
        out = None
        for graph in graphs:
            part = self._apply_graph(graph, v)
            out = part if out is None else out + part
        return out.detach()

    def release(self):
        """Free the cached autograd graphs."""
        self._graphs = None

    def subset(self, idx):
        """The same operator over the objects ``idx`` only (mean over them).

        Shares the parameters and the loss; the autograd graphs are built
        afresh when the subset operator is first applied.
        """
        sub = HessianOperator.__new__(HessianOperator)
        sub.__dict__.update(self.__dict__)
        sub.fm = _SubsetView(self.fm, np.asarray(idx))
        sub.n_objects = len(idx)
        sub._graphs = None
        sub.n_products = 0
        return sub

    def _hvp_chunk(self, v, X, y, weight):
        """``weight * Σ_i ∇²l_i v`` (or its G-term) over one chunk, by ``torch.func``
        (used under ``vmap`` over objects by :meth:`per_object_matvec`)."""
        from torch.func import grad, jvp, vjp

        fm = self.fm
        if self.kind == "full":
            def total(theta):
                return fm.losses(theta, X, y).sum() * weight

            return jvp(grad(total), (self.theta,), (v,))[1]

        def f(theta):
            return fm.forward(theta, X)

        z, jv = jvp(f, (self.theta,), (v,))

        def loss_z(zz):
            return fm.loss(zz, y).sum() * weight

        ajv = jvp(grad(loss_z), (z.detach(),), (jv,))[1]
        _, pull = vjp(f, self.theta)
        return pull(ajv)[0]

    def matmat(self, V):
        """``H V`` for a batch ``V`` of shape (n_vectors, n_params), one product per row."""
        import torch

        return torch.stack([self.matvec(v) for v in V])

    def to_scipy(self):
        """A :class:`scipy.sparse.linalg.LinearOperator` in float64 (for ``eigsh``)."""
        import torch
        from scipy.sparse.linalg import LinearOperator

        def mv(x):
            x = torch.as_tensor(np.asarray(x).reshape(-1), dtype=self.dtype, device=self.device)
            return self.matvec(x).detach().double().cpu().numpy()

        return LinearOperator(self.shape, matvec=mv, rmatvec=mv, dtype=np.float64)

    # ------------------------------------------------------ per-object view
    def per_object_matvec(self, idx, V):
        """``H_i v_i`` for objects ``idx`` and vectors ``V[j]`` (vmap over objects).

        Parameters
        ----------
        idx : array-like of int, shape (b,)
        V : torch.Tensor of shape (b, n_params)

        Returns
        -------
        torch.Tensor of shape (b, n_params)
        """
        import torch
        from torch.func import vmap

        idx = torch.as_tensor(np.asarray(idx), device=self.device)
        Xs, ys = self.fm.X[idx], self.fm.y[idx]

        def one(x, y, v):
            return self._hvp_chunk(v, x.unsqueeze(0), y.unsqueeze(0), 1.0)

        return vmap(one)(Xs, ys, V)


class _ExternalOperator:
    """A symmetric linear operator from elsewhere, seen through the interface
    the curvature functions use (``n_params``, ``dtype``, ``device``,
    ``matvec``, ``matmat``, ``to_scipy``).

    Accepts a :class:`scipy.sparse.linalg.LinearOperator` (or anything
    :func:`~scipy.sparse.linalg.aslinearoperator` takes, e.g. a dense array)
    or an object with ``to_scipy()`` returning one (curvlinops' operators).
    Products run in float64 on the CPU.
    """

    kind = "full"

    def __init__(self, op):
        import torch
        from scipy.sparse.linalg import LinearOperator, aslinearoperator

        if not isinstance(op, LinearOperator) and callable(getattr(op, "to_scipy", None)):
            op = op.to_scipy()
        op = aslinearoperator(op)
        if len(op.shape) != 2 or op.shape[0] != op.shape[1]:
            raise ValueError(f"A curvature operator must be square, got shape {op.shape}.")
        self.op = op
        self.n_params = int(op.shape[0])
        self.dtype = torch.float64
        self.device = torch.device("cpu")
        self.n_products = 0

    @property
    def shape(self):
        return (self.n_params, self.n_params)

    def matvec(self, v):
        return self.matmat(v.reshape(1, -1))[0]

    def matmat(self, V):
        """``H V`` for a batch ``V`` (n_vectors, n_params): one ``op.matmat`` call."""
        import torch

        self.n_products += len(V)
        X = V.detach().double().cpu().numpy() if torch.is_tensor(V) else np.asarray(V, float)
        return torch.as_tensor(np.asarray(self.op.matmat(X.T), dtype=np.float64).T.copy())

    def to_scipy(self):
        return self.op

    def release(self):
        pass


def _is_linear_operator(obj):
    from scipy.sparse.linalg import LinearOperator

    return isinstance(obj, LinearOperator) or (
        callable(getattr(obj, "to_scipy", None)) and hasattr(obj, "shape")
        and not hasattr(obj, "forward"))


def _as_operator(model, X, y, operator_kwargs):
    if isinstance(model, (HessianOperator, _ExternalOperator)) or _is_linear_operator(model):
        if operator_kwargs:
            raise TypeError(
                f"Unexpected keyword arguments {sorted(operator_kwargs)} for an operator "
                "(they configure a new HessianOperator; set them when constructing it)."
            )
        return model if isinstance(model, (HessianOperator, _ExternalOperator)) \
            else _ExternalOperator(model)
    return HessianOperator(model, X, y, **operator_kwargs)


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

    _check_tol(tol)
    _check_int(maxiter, "maxiter")
    if method not in ("lanczos", "power", "eigsh"):
        raise ValueError(f"method must be 'lanczos', 'power' or 'eigsh', got {method!r}.")
    if not (warm_start is None or warm_start == "auto"):
        _check_int(warm_start, "warm_start")
    H = _as_operator(model, X, y, operator_kwargs)
    gen = torch_generator(random_state)
    # drawn on the CPU (CPU and GPU start alike), in the operator's precision for Lanczos
    v0 = torch.randn(H.n_params, generator=gen,
                     dtype=H.dtype if method == "lanczos" else torch.float64)
    if method == "lanczos":
        q0 = v0.to(H.device)
        levels = _warm_levels(H, warm_start)
        # the warm vector is a Ritz vector: the pre-phase must keep its Krylov basis
        pre_steps = min(maxiter, 50, _REORTH_BYTES // (H.n_params * q0.element_size()))
        if levels and pre_steps >= 8:
            perm = torch.randperm(H.n_objects, generator=gen)
            for m in levels:  # nested subsamples, each started from the smaller one's vector
                sub = H.subset(perm[:m].sort().values.numpy())
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
                new = float(torch.dot(w, v))
                norm = w.norm()
                if norm == 0:
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

    _check_int(n_probes, "n_probes")
    if method not in ("hutchinson", "exact"):
        raise ValueError(f"method must be 'hutchinson' or 'exact', got {method!r}.")
    H = _as_operator(model, X, y, operator_kwargs)
    P = H.n_params
    chunk = probe_chunk(P, H.dtype.itemsize, probe_chunk_bytes)
    if method == "exact" and isinstance(H, HessianOperator) and (
            H.kind == "gauss_newton" or _piecewise(H.fm.module)):
        from .curvature import exact_diagonal

        total = float(exact_diagonal(H.fm, H.kind).sum())
        return (total, 0.0) if return_std else total
    with torch.no_grad():
        if method == "exact":
            total = 0.0
            for s in range(0, P, chunk):
                idx = torch.arange(s, min(s + chunk, P), device=H.device)
                E = torch.zeros(len(idx), P, dtype=H.dtype, device=H.device)
                E[torch.arange(len(idx)), idx] = 1.0
                HE = H.matmat(E)
                total += float(HE[torch.arange(len(idx)), idx].sum())
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


def _piecewise(module):
    from .curvature import _is_piecewise_linear

    return _is_piecewise_linear(module)


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

    _check_tol(tol)
    _check_int(maxiter, "maxiter")
    H = _as_operator(model, X, y, operator_kwargs)
    if not isinstance(H, HessianOperator):
        raise TypeError("hessian_spread needs per-object Hessians: pass a fitted torch model "
                        "or a HessianOperator, not a linear operator.")
    n = H.n_objects
    rng = np.random.default_rng(root_seed_sequence(random_state))
    if n_objects is None or n_objects >= n:
        idx = np.arange(n)
    else:
        _check_int(n_objects, "n_objects")
        idx = np.sort(rng.choice(n, n_objects, replace=False))
    ref = H
    if reference_size is not None and reference_size < n:
        _check_int(reference_size, "reference_size")
        sub = np.sort(rng.choice(n, reference_size, replace=False))
        ref = H.subset(sub)

    def apply(V):
        return H.per_object_matvec(idx, V) - ref.matmat(V)

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


class _SubsetView:
    """A FunctionalModel restricted to some objects (shares the parameters)."""

    def __init__(self, fm, idx):
        import torch

        self.__dict__.update(fm.__dict__)
        t = torch.as_tensor(idx, device=fm.device)
        self.X, self.y = fm.X[t], fm.y[t]
        self.n_objects = len(idx)
        self._fm = fm

    def forward(self, theta, X):
        return self._fm.forward(theta, X)

    def losses(self, theta, X, y):
        return self._fm.losses(theta, X, y)


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
    from torch.func import hessian

    H = _as_operator(model, X, y, operator_kwargs)
    if H.n_params > max_params:
        raise ValueError(
            f"The model has {H.n_params} parameters > max_params={max_params}; a dense Hessian "
            "would need P^2 memory. Use the matrix-free functions instead."
        )
    if isinstance(H, HessianOperator) and H.kind == "full":
        fm = H.fm

        def mean_loss(theta):
            return fm.losses(theta, fm.X, fm.y).mean()

        M = hessian(mean_loss)(H.theta)
    else:
        M = H.matmat(torch.eye(H.n_params, dtype=H.dtype, device=H.device))
    M = M.detach().double().cpu().numpy()
    return (M + M.T) / 2
