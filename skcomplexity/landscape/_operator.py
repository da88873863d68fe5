"""The matrix-free curvature operator of a fitted torch model, and its seeding.

:class:`HessianOperator` gives Hessian-vector products (forward-over-reverse
with :mod:`torch.func`) of the mean per-object loss ``L(θ) = (1/n) Σ l_i(θ)``;
``kind="full"`` uses the Hessian ``∇²L``, ``kind="gauss_newton"`` its G-term
``J^T (∂²l/∂z²) J``. :func:`torch_generator` and :func:`draw_probes` are the one
seeding convention of the curvature layer. This is the bottom of the layer:
:mod:`~skcomplexity.landscape.hessian` (eigenvalues, traces) and
:mod:`~skcomplexity.landscape.curvature` (diagonals, Laplace) both build on it.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .._parallel import root_seed_sequence
from ._model import as_functional

__all__ = ["HessianOperator", "draw_probes", "probe_chunk", "torch_generator"]


_KINDS = ("full", "gauss_newton")

# The constraints the curvature layer's public functions share (sklearn's validate_params).
#: ``kind``: the Hessian or its Gauss-Newton term
KIND = [StrOptions(set(_KINDS))]
#: a count of at least one (probes, iterations, objects, parameters, bytes)
POSITIVE_INT = [Interval(Integral, 1, None, closed="left")]
#: a finite tolerance > 0
TOL = [Interval(Real, 0, np.inf, closed="neither")]
#: what :func:`skcomplexity._parallel.root_seed_sequence` turns into a seed: an int, a
#: ``RandomState``, None, or a caller's spawned ``SeedSequence``
RANDOM_STATE = ["random_state", np.random.SeedSequence]


def _check_kind(kind):
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}.")


def _check_int(value, name, low=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")


def torch_generator(random_state):
    """The one seeding convention of the curvature layer: a CPU ``torch.Generator``.

    Seeded from ``random_state`` through :func:`skcomplexity._parallel.root_seed_sequence`
    (an int, a ``SeedSequence``, a ``RandomState`` or None); random
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

        ``idx``: integers (a sequence, an array, or a tensor, best on the
        operator's device). Shares the parameters and the loss; the autograd
        graphs are built afresh when the subset operator is first applied.
        """
        sub = HessianOperator.__new__(HessianOperator)
        sub.__dict__.update(self.__dict__)
        sub.fm = _SubsetView(self.fm, idx)
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
        idx : array-like or torch.Tensor of int, shape (b,)
        V : torch.Tensor of shape (b, n_params)

        Returns
        -------
        torch.Tensor of shape (b, n_params)
        """
        import torch
        from torch.func import vmap

        idx = torch.as_tensor(idx, device=self.device)
        Xs, ys = self.fm.X[idx], self.fm.y[idx]

        def one(x, y, v):
            return self._hvp_chunk(v, x.unsqueeze(0), y.unsqueeze(0), 1.0)

        return vmap(one)(Xs, ys, V)


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
