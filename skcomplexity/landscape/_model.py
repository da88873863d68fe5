"""Adapters: a fitted model + data -> per-object losses, and a functional torch view.

Accepted models:

* the estimators of :mod:`skcomplexity.neural` (``net_``, ``classes_``);
* any skorch ``NeuralNet`` (its ``module_`` and ``criterion_``);
* a plain ``torch.nn.Module`` together with a per-object ``loss``;
* for the loss curve only: any fitted scikit-learn classifier with
  ``predict_proba`` (log-loss) or regressor (squared error).
"""

import copy

import numpy as np
from sklearn.base import is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

__all__ = ["per_object_losses", "as_functional"]


def _is_torch_model(model):
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


def _criterion_per_object(criterion):
    """A copy of a skorch/torch criterion with ``reduction='none'``, reduced per object."""
    if not hasattr(criterion, "reduction"):
        raise ValueError(
            f"Cannot make the criterion {type(criterion).__name__} per-object (it has no "
            "'reduction' attribute); pass loss=... returning one loss per object."
        )
    crit = copy.copy(criterion)
    crit.reduction = "none"
    crit = _maybe_fast(crit)

    def loss(out, target):
        v = crit(out, target)
        return v.reshape(v.shape[0], -1).mean(dim=1) if v.ndim > 1 else v

    return loss


class FunctionalModel:
    """A fitted torch model seen as a function of one flat parameter vector.

    Attributes
    ----------
    module : torch.nn.Module
        A private copy of the model in eval mode (in ``dtype`` if given).
    theta : torch.Tensor of shape (n_params,)
        The fitted parameters, flattened.
    X, y : torch.Tensor
        The data, on the module's device.
    loss : callable
        ``loss(outputs, targets) -> (n,)`` per-object losses.
    """

    def __init__(self, module, X, y, loss, dtype=None):
        import torch

        loss = _maybe_fast(loss)
        module = copy.deepcopy(module)
        if dtype is not None:
            module = module.to(dtype)
        module.eval()
        for p in module.parameters():
            p.requires_grad_(False)
        self.module = module
        params = dict(module.named_parameters())
        self.names = list(params)
        self.shapes = [p.shape for p in params.values()]
        self.numels = [p.numel() for p in params.values()]
        self.buffers = dict(module.named_buffers())
        self.theta = torch.cat([p.detach().reshape(-1) for p in params.values()])
        self.device = self.theta.device
        fdtype = self.theta.dtype
        self.X = torch.as_tensor(X, device=self.device)
        if self.X.is_floating_point():
            self.X = self.X.to(fdtype)
        self.y = torch.as_tensor(y, device=self.device)
        if self.y.is_floating_point():
            self.y = self.y.to(fdtype)
        self.loss = loss
        self.n_objects = int(self.X.shape[0])
        self.n_params = int(self.theta.numel())
        with torch.no_grad():
            probe = self.losses(self.theta, self.X[:2], self.y[:2])
        if probe.ndim != 1 or probe.shape[0] != min(2, self.n_objects):
            raise ValueError(
                "loss must be per-object (reduction='none'): it must return one value per "
                f"object, got a tensor of shape {tuple(probe.shape)} for 2 objects."
            )

    def unflatten(self, theta):
        out, i = {}, 0
        for name, shape, n in zip(self.names, self.shapes, self.numels, strict=True):
            out[name] = theta[i:i + n].reshape(shape)
            i += n
        return out

    def forward(self, theta, X):
        from torch.func import functional_call

        return functional_call(self.module, (self.unflatten(theta), self.buffers), (X,))

    def losses(self, theta, X, y):
        return self.loss(self.forward(theta, X), y)


def as_functional(model, X, y, loss=None, dtype=None):
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

    Returns
    -------
    FunctionalModel
    """
    import torch

    from ..neural import NeuralEstimatorMixin

    _check_loss(loss)
    if isinstance(model, NeuralEstimatorMixin):
        check_is_fitted(model, "net_")
        module = model.net_.module_
        Xv = model._validate_X(X, reset=False)
        if model._is_classifier:
            yv = _encode_labels(model.classes_, y)
            default = _default_loss("classifier")
        else:
            yv = np.asarray(y, dtype=np.float32).reshape(len(Xv), -1)
            default = _default_loss("regressor")
        return FunctionalModel(module, Xv, yv, loss or default, dtype)
    if isinstance(model, torch.nn.Module):
        if loss is None:
            raise ValueError(
                "loss is required for a plain torch.nn.Module: pass a callable "
                "(outputs, targets) -> per-object losses, e.g. nn.CrossEntropyLoss(reduction='none')."
            )
        Xv = X if torch.is_tensor(X) else np.asarray(X)
        if not torch.is_tensor(Xv) and Xv.dtype.kind in "iub":
            Xv = Xv.astype(np.float32)
        yv = y if torch.is_tensor(y) else np.asarray(y)
        return FunctionalModel(model, Xv, yv, loss, dtype)
    from skorch import NeuralNet

    if isinstance(model, NeuralNet):
        if not getattr(model, "initialized_", False):
            raise NotFittedError(
                f"This {type(model).__name__} is not initialized yet; fit it before measuring "
                "its loss landscape."
            )
        Xv = np.asarray(X, dtype=np.float32)
        yv = np.asarray(y)
        if yv.dtype.kind == "f":
            yv = yv.astype(np.float32)
        return FunctionalModel(
            model.module_, Xv, yv, loss or _criterion_per_object(model.criterion_), dtype
        )
    raise TypeError(
        f"{type(model).__name__} is not a torch model; the Hessian measures need an "
        "skcomplexity.neural estimator, a skorch NeuralNet or a torch.nn.Module."
    )


def _encode_labels(classes, y):
    y = np.asarray(y)
    idx = np.searchsorted(classes, y)
    idx = np.clip(idx, 0, len(classes) - 1)
    if not np.all(classes[idx] == y):
        unknown = np.setdiff1d(np.unique(y), classes)
        raise ValueError(f"y contains labels unseen during fit: {unknown[:5]!r}.")
    return idx.astype(np.int64)


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
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    if _is_torch_model(model):
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
