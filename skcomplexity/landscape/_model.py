"""Adapters: a fitted model + data -> per-object losses, and a functional torch view.

Accepted models:

* the estimators of :mod:`skcomplexity.neural` (``net_``, ``classes_``);
* any skorch ``NeuralNet`` (its ``module_`` and ``criterion_``);
* a plain ``torch.nn.Module`` together with a per-object ``loss``;
* for the loss curve only: any fitted scikit-learn classifier with
  ``predict_proba`` (log-loss) or regressor (squared error).
"""

import copy
from numbers import Integral

import numpy as np
from sklearn.base import is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.utils import get_tags
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_is_fitted

__all__ = [
    "ParameterIndex",
    "FunctionalModel",
    "as_functional",
    "encode_target",
    "is_skorch",
    "is_torch_model",
    "model_tensors",
    "net_per_object_loss",
    "outputs_are_probabilities",
    "per_object_loss",
    "per_object_losses",
    "unwrap",
]


def is_torch_model(model):
    """Whether ``model`` is a torch model: a :mod:`skcomplexity.neural` estimator, a skorch
    ``NeuralNet`` or a ``torch.nn.Module`` (False, without error, when torch is missing).

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> from skcomplexity.landscape import is_torch_model
    >>> is_torch_model(Ridge())
    False
    """
    try:
        import torch
    except ImportError:  # pragma: no cover
        return False
    from ..neural import NeuralEstimatorMixin

    if isinstance(model, (NeuralEstimatorMixin, torch.nn.Module)):
        return True
    try:
        from skorch import NeuralNet
    except ImportError:  # pragma: no cover
        return False
    return isinstance(model, NeuralNet)


def _check_loss(loss):
    if loss is None:
        return
    if not callable(loss):
        raise ValueError(f"loss must be a callable (outputs, targets) -> per-object losses, got {loss!r}.")
    reduction = getattr(loss, "reduction", "none")
    if reduction != "none":
        raise ValueError(
            f"loss must be per-object: construct it with reduction='none' "
            f"(got {type(loss).__name__} with reduction={reduction!r})."
        )


def _fast_cross_entropy(out, target):
    """Per-object cross-entropy ``logsumexp(z) − z_y`` (same values as
    ``F.cross_entropy(..., reduction='none')`` for class-index targets, but
    ~25× faster under forward-over-reverse differentiation)."""
    import torch

    return torch.logsumexp(out, dim=1) - out.gather(1, target.reshape(-1, 1)).squeeze(1)


def _maybe_fast(loss):
    """Swap a plain ``nn.CrossEntropyLoss(reduction='none')`` for the fast equivalent."""
    import torch

    if (isinstance(loss, torch.nn.CrossEntropyLoss) and loss.weight is None
            and loss.label_smoothing == 0 and loss.reduction == "none"):
        return _fast_cross_entropy
    return loss


def _default_loss(kind):
    if kind == "classifier":
        return _fast_cross_entropy

    def mse(out, target):
        d = (out - target.reshape(out.shape)) ** 2
        return d.reshape(d.shape[0], -1).mean(dim=1)

    return mse


def _criterion_per_object(criterion, log_outputs=False):
    """A copy of a skorch/torch criterion with ``reduction='none'``, reduced per object.

    ``log_outputs``: take ``log(outputs + eps)`` first, as skorch's classifier
    does for an ``NLLLoss`` on probability outputs."""
    if not hasattr(criterion, "reduction"):
        raise ValueError(
            f"Cannot make the criterion {type(criterion).__name__} per-object (it has no "
            "'reduction' attribute); pass loss=... returning one loss per object."
        )
    crit = copy.copy(criterion)
    crit.reduction = "none"
    crit = _maybe_fast(crit)

    def loss(out, target):
        if log_outputs:
            import torch

            out = torch.log(out + torch.finfo(out.dtype).eps)
        v = crit(out, target)
        return v.reshape(v.shape[0], -1).mean(dim=1) if v.ndim > 1 else v

    return loss


class ParameterIndex:
    """Flat view of the (prunable) parameters of a module: the one flat-parameter convention.

    The flat vector is the concatenation, in ``named_parameters()`` order, of the
    parameters that require a gradient (1-D ``...bias`` parameters left out when
    ``include_bias=False``; they are then held fixed).

    Parameters
    ----------
    module : torch.nn.Module
    include_bias : bool, default=True

    Attributes
    ----------
    names, shapes : list
        Parameter names and shapes in the flat vector, in order.
    offsets, sizes : ndarray of int
        Start and length of every parameter in the flat vector.
    fixed : dict of str -> torch.Tensor
        Parameters left out of the flat vector (held at their value).
    n_params : int
        Length ``p`` of the flat vector.

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.landscape import ParameterIndex
    >>> idx = ParameterIndex(torch.nn.Linear(3, 2))
    >>> idx.names, idx.n_params
    (['weight', 'bias'], 8)
    """

    def __init__(self, module, include_bias=True):
        self.names, self.shapes, self.fixed = [], [], {}
        for name, p in module.named_parameters():
            if not include_bias and name.endswith("bias"):
                self.fixed[name] = p.detach()
                continue
            if not p.requires_grad:
                self.fixed[name] = p.detach()
                continue
            self.names.append(name)
            self.shapes.append(tuple(p.shape))
        if not self.names:
            raise ValueError("The module has no parameters to differentiate (requires_grad=True).")
        self.sizes = [int(np.prod(s)) for s in self.shapes]
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(int)
        self.n_params = int(sum(self.sizes))

    def flat(self, module):
        """The current parameters of ``module`` as one detached 1-D tensor."""
        import torch

        params = dict(module.named_parameters())
        return torch.cat([params[n].detach().reshape(-1) for n in self.names])

    def unflatten(self, theta):
        """Dict ``name -> tensor`` from a flat vector (differentiable), fixed ones included."""
        out = dict(self.fixed)
        for name, shape, off, size in zip(self.names, self.shapes, self.offsets, self.sizes,
                                          strict=True):
            out[name] = theta[off:off + size].reshape(shape)
        return out

    def masks(self, removed, device=None):
        """Boolean keep-masks ``name -> tensor`` (on ``device``) with ``removed`` flat indices False."""
        import torch

        keep = np.ones(self.n_params, dtype=bool)
        keep[np.asarray(removed, dtype=int)] = False
        return {name: torch.as_tensor(keep[off:off + size].reshape(shape), device=device)
                for name, shape, off, size in zip(self.names, self.shapes, self.offsets,
                                                  self.sizes, strict=True)}

    def labels(self):
        """Human-readable label of every flat entry, e.g. ``"layers.0.weight[3, 1]"``."""
        out = []
        for name, shape in zip(self.names, self.shapes, strict=True):
            for ix in np.ndindex(*shape):
                out.append(f"{name}[{', '.join(map(str, ix))}]")
        return out


class FunctionalModel:
    """A fitted torch model seen as a function of one flat parameter vector.

    Attributes
    ----------
    module : torch.nn.Module
        A private copy of the model in eval mode (in ``dtype`` if given).
    index : ParameterIndex
        The flat-parameter view (``include_bias=False`` holds biases fixed).
    theta : torch.Tensor of shape (n_params,)
        The fitted parameters, flattened.
    X, y : torch.Tensor
        The data, on the module's device.
    loss : callable
        ``loss(outputs, targets) -> (n,)`` per-object losses.
    """

    def __init__(self, module, X, y, loss, dtype=None, include_bias=True):
        import torch

        loss = _maybe_fast(loss)
        module = copy.deepcopy(module)
        if dtype is not None:
            module = module.to(dtype)
        module.eval()
        self.index = ParameterIndex(module, include_bias)
        for p in module.parameters():
            p.requires_grad_(False)
        self.module = module
        self.names = self.index.names
        self.n_params = self.index.n_params
        self.buffers = dict(module.named_buffers())
        self.theta = self.index.flat(module)
        self.device = self.theta.device
        self.X, self.y = model_tensors(X, y, self.theta)
        self.loss = loss
        self.n_objects = int(self.X.shape[0])
        with torch.no_grad():
            probe = self.losses(self.theta, self.X[:2], self.y[:2])
        if probe.ndim != 1 or probe.shape[0] != min(2, self.n_objects):
            raise ValueError(
                "loss must be per-object (reduction='none'): it must return one value per "
                f"object, got a tensor of shape {tuple(probe.shape)} for 2 objects."
            )

    def unflatten(self, theta):
        return self.index.unflatten(theta)

    def forward(self, theta, X):
        from torch.func import functional_call

        return functional_call(self.module, (self.unflatten(theta), self.buffers), (X,))

    def losses(self, theta, X, y):
        return self.loss(self.forward(theta, X), y)


def model_tensors(X, y, like):
    """``X`` and ``y`` as tensors on ``like``'s device, floating ones in ``like``'s dtype.

    The one move of data onto a model (integer targets stay integer).

    Parameters
    ----------
    X, y : array-like or torch.Tensor
        Same number of rows.
    like : torch.Tensor
        A parameter (or the flat parameters) of the model.

    Returns
    -------
    X, y : torch.Tensor

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.landscape import model_tensors
    >>> X, y = model_tensors([[1.0, 2.0]], [3], torch.zeros(1, dtype=torch.float64))
    >>> X.dtype, y.dtype
    (torch.float64, torch.int64)
    """
    import torch

    out = []
    for a in (X, y):
        t = torch.as_tensor(a if torch.is_tensor(a) else np.asarray(a), device=like.device)
        out.append(t.to(like.dtype) if t.is_floating_point() else t)
    if out[0].shape[0] != out[1].shape[0]:
        raise ValueError(
            f"X and y have different numbers of samples: {out[0].shape[0]} != {out[1].shape[0]}."
        )
    return tuple(out)


def per_object_loss(mean_loss):
    """Per-object losses ``(outputs, targets) -> (n,)`` from a batch-mean loss callable.

    The mean loss is applied to every object alone (``vmap``), so any
    ``loss_fn(output, target) -> scalar`` (``F.cross_entropy``, a skorch
    net's ``get_loss``) becomes per-object.
    """
    from torch.func import vmap

    def loss(out, target):
        return vmap(lambda o, t: mean_loss(o.unsqueeze(0), t.unsqueeze(0)))(out, target)

    return loss


class TorchModel:
    """What :func:`unwrap` finds behind a model: the torch module and the skorch net (or None)."""

    __slots__ = ("module", "net")

    def __init__(self, module, net):
        self.module, self.net = module, net


def is_skorch(model):
    """Whether ``model`` is a skorch ``NeuralNet`` (without importing skorch if it is not loaded)."""
    return any(c.__module__.split(".")[0] == "skorch" for c in type(model).__mro__)


def unwrap(model):
    """The one adapter from a fitted model to its torch module (and skorch net).

    Parameters
    ----------
    model : skcomplexity.neural estimator, skorch NeuralNet or torch.nn.Module
        Fitted (a module is taken as is).

    Returns
    -------
    TorchModel
        ``.module`` (the ``nn.Module``) and ``.net`` (the skorch net, None
        for a plain module).

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.landscape import unwrap
    >>> lin = torch.nn.Linear(2, 1)
    >>> unwrap(lin).module is lin
    True
    """
    import torch

    if isinstance(model, torch.nn.Module):
        return TorchModel(model, None)
    if is_skorch(model):
        if not (getattr(model, "initialized_", False) and hasattr(model, "module_")):
            raise NotFittedError(
                f"This {type(model).__name__} is an unfitted skorch net; fit it first."
            )
        return TorchModel(model.module_, model)
    net = getattr(model, "__dict__", {}).get("net_")
    if net is not None and is_skorch(net):
        return TorchModel(net.module_, net)
    from ..neural import NeuralEstimatorMixin

    if isinstance(model, NeuralEstimatorMixin) or (hasattr(model, "fit") and hasattr(model, "predict")
                                                   and hasattr(model, "_make_net")):
        raise NotFittedError(f"This {type(model).__name__} is unfitted; fit it first.")
    raise TypeError(
        f"{type(model).__name__} is not a torch model: expected a fitted skcomplexity.neural "
        "estimator, a fitted skorch NeuralNet or a torch.nn.Module."
    )


def as_functional(model, X, y, loss=None, dtype=None, include_bias=True):
    """Wrap a fitted torch/skorch model and data as a :class:`FunctionalModel`.

    Parameters
    ----------
    model : skcomplexity.neural estimator, skorch NeuralNet or torch.nn.Module
    X : array-like
    y : array-like
    loss : callable or None
        Per-object loss ``(outputs, targets) -> (n,)``; required for a plain
        ``nn.Module``. A torch loss module must have ``reduction='none'``.
    dtype : torch.dtype or None
        Cast the model and data (e.g. ``torch.float64`` for exact checks).
    include_bias : bool, default=True
        Whether biases belong to the flat parameter vector (else held fixed).

    Returns
    -------
    FunctionalModel
    """
    import torch

    from ..neural import NeuralEstimatorMixin

    _check_loss(loss)
    if isinstance(model, NeuralEstimatorMixin):
        check_is_fitted(model, "net_")
        module = unwrap(model).module
        Xv = model._validate_X(X, reset=False)
        if model._is_classifier:
            yv = _encode_labels(model.classes_, y)
            default = _default_loss("classifier")
        else:
            yv = np.asarray(y, dtype=np.float32).reshape(len(Xv), -1)
            default = _default_loss("regressor")
        return FunctionalModel(module, Xv, yv, loss or default, dtype, include_bias)
    parts = unwrap(model)
    if parts.net is None:
        if loss is None:
            raise ValueError(
                "loss is required for a plain torch.nn.Module: pass a callable "
                "(outputs, targets) -> per-object losses, e.g. nn.CrossEntropyLoss(reduction='none')."
            )
        Xv = X if torch.is_tensor(X) else np.asarray(X)
        if not torch.is_tensor(Xv) and Xv.dtype.kind in "iub":
            Xv = Xv.astype(np.float32)
        yv = y if torch.is_tensor(y) else np.asarray(y)
        return FunctionalModel(parts.module, Xv, yv, loss, dtype, include_bias)
    Xv = np.asarray(X, dtype=np.float32)
    yv = np.asarray(y)
    if yv.dtype.kind == "f":
        yv = yv.astype(np.float32)
    if loss is None:
        loss = net_per_object_loss(parts.net)
    return FunctionalModel(parts.module, Xv, yv, loss, dtype, include_bias)


def net_per_object_loss(net):
    """A fitted skorch net's training criterion as per-object losses ``(outputs, targets) -> (n,)``.

    The criterion is copied with ``reduction='none'`` (a per-object mean over
    output columns); for skorch's classifier on probability outputs (an
    ``NLLLoss``), ``log(outputs + eps)`` is taken first, as skorch does.
    """
    return _criterion_per_object(net.criterion_, outputs_are_probabilities(net))


def outputs_are_probabilities(net):
    """Whether a skorch net's module outputs probabilities: skorch's ``NeuralNetClassifier``
    applies ``log`` to the outputs before an ``NLLLoss``."""
    import torch

    return (any(c.__name__ == "NeuralNetClassifier" for c in type(net).__mro__)
            and isinstance(net.criterion_, torch.nn.NLLLoss))


def _encode_labels(classes, y):
    y = np.asarray(y)
    idx = np.searchsorted(classes, y)
    idx = np.clip(idx, 0, len(classes) - 1)
    if not np.all(classes[idx] == y):
        unknown = np.setdiff1d(np.unique(y), classes)
        raise ValueError(f"y contains labels unseen during fit: {unknown[:5]!r}.")
    return idx.astype(np.int64)


def encode_target(estimator, net, y):
    """Targets in the form the skorch net behind ``estimator`` (:func:`unwrap`) trains on.

    A :mod:`skcomplexity.neural` estimator's label encoding; a skorch
    classifier's class indices (integer labels as they are, skorch's own
    convention); float targets of shape ``(n, n_outputs)`` for a regressor.
    """
    from skorch import NeuralNetClassifier

    enc = getattr(estimator, "_label_encoder", None)
    if enc is not None:
        return enc.transform(np.asarray(y)).astype(np.int64)
    if isinstance(net, NeuralNetClassifier) or get_tags(estimator).estimator_type == "classifier":
        classes = getattr(net, "classes_", None)
        y = np.asarray(y)
        if classes is not None and not np.all(np.isin(y, classes)):
            unknown = np.setdiff1d(np.unique(y), classes)
            raise ValueError(f"y contains labels unseen during fit: {unknown[:5]!r}.")
        if classes is not None and y.dtype.kind not in "iu":
            return np.searchsorted(np.asarray(classes), y).astype(np.int64)
        return y.astype(np.int64)
    y = np.asarray(y, dtype=np.float32)
    if y.ndim == 1 and (getattr(estimator, "_y_ndim", None) == 1
                        or getattr(net.module_, "n_outputs", None) == 1):
        y = y.reshape(-1, 1)
    return y


@validate_params({"batch_size": [Interval(Integral, 1, None, closed="left")]},
                 prefer_skip_nested_validation=True)
def per_object_losses(model, X, y, *, loss=None, batch_size=4096):
    """Per-object losses ``l_i = l(f(x_i), y_i)`` of a fitted model.

    Parameters
    ----------
    model : estimator or torch model
        A fitted scikit-learn classifier with ``predict_proba`` (log-loss),
        a fitted regressor (squared error), an :mod:`skcomplexity.neural`
        estimator or skorch net (its training criterion, per object), or a
        ``torch.nn.Module`` with ``loss``.
    X : array-like of shape (n_samples, ...)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
    loss : callable or None, default=None
        Per-object torch loss for torch models (``reduction='none'``).
    batch_size : int, default=4096
        Objects per forward pass (torch models).

    Returns
    -------
    ndarray of shape (n_samples,)

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skcomplexity.landscape import per_object_losses
    >>> X, y = load_iris(return_X_y=True)
    >>> per_object_losses(LogisticRegression(max_iter=500).fit(X, y), X, y).shape
    (150,)
    """
    if is_torch_model(model):
        import torch

        fm = as_functional(model, X, y, loss=loss)
        out = []
        with torch.no_grad():
            for s in range(0, fm.n_objects, batch_size):
                out.append(fm.losses(fm.theta, fm.X[s:s + batch_size], fm.y[s:s + batch_size]))
        return torch.cat(out).double().cpu().numpy()
    check_is_fitted(model)
    y = np.asarray(y)
    if is_classifier(model) or hasattr(model, "predict_proba"):
        if not hasattr(model, "predict_proba"):
            raise ValueError(
                f"{type(model).__name__} has no predict_proba; the per-object log-loss needs "
                "class probabilities."
            )
        proba = np.asarray(model.predict_proba(X), dtype=float)
        idx = _encode_labels(np.asarray(model.classes_), y)
        p = np.clip(proba[np.arange(len(idx)), idx], np.finfo(float).tiny, None)
        return -np.log(p)
    pred = np.asarray(model.predict(X), dtype=float)
    d = (pred.reshape(len(pred), -1) - y.reshape(len(y), -1).astype(float)) ** 2
    return d.mean(axis=1)
