"""Robustness criteria of a fitted classifier (§5.3): FGSM and parameter-noise accuracy.

Both take any fitted torch classifier the package's adapter
(:func:`skcomplexity.landscape.unwrap`) understands: an estimator of
:mod:`skcomplexity.neural` or :mod:`skcomplexity.distillation`, or a fitted
skorch :class:`~skorch.NeuralNetClassifier`.
"""

import copy

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import is_classifier
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_consistent_length

from ..landscape import encode_target, outputs_are_probabilities, torch_generator, unwrap
from ._common import check_nonnegative

__all__ = ["fgsm_accuracy", "parameter_noise_accuracy"]


def _encoded(estimator, X, y):
    """The fitted classifier's module and skorch net, ``X`` as a tensor, ``y`` as class indices."""
    parts = unwrap(estimator)  # NotFittedError when unfitted, TypeError when not a torch model
    if parts.net is None or not is_classifier(estimator):
        raise TypeError(
            "estimator must be a fitted classifier: a skcomplexity.neural / distillation "
            "classifier or a skorch NeuralNetClassifier, got "
            f"{type(estimator).__name__}."
        )
    if hasattr(estimator, "_validate_X"):
        X = estimator._validate_X(X, reset=False)
    else:
        X = check_array(X, dtype=np.float32, allow_nd=True)
    check_consistent_length(X, y)
    y = encode_target(estimator, parts.net, y)
    return parts, torch.as_tensor(np.asarray(X, dtype=np.float32)), torch.as_tensor(y)


def _log_proba(net, out):
    """Log-probabilities from the module's outputs: logits, or skorch's probability outputs."""
    if outputs_are_probabilities(net):
        return torch.log(out + torch.finfo(out.dtype).eps)
    return F.log_softmax(out, dim=1)


def fgsm_accuracy(estimator, X, y, eps, *, fraction=1.0, clip=None, random_state=None):
    """Accuracy on inputs corrupted by the fast gradient sign method.

    ``x_adv = x + eps * sign(grad_x CE(f(x), y))`` (optionally clipped to
    ``clip = (low, high)``) for a random ``fraction`` of the objects; the
    others stay clean (the text's "percentage of corrupted images").

    Parameters
    ----------
    estimator : fitted classifier
        An estimator of :mod:`skcomplexity.neural` / :mod:`skcomplexity.distillation`
        or a fitted skorch ``NeuralNetClassifier`` (its module's outputs are
        probabilities when its criterion is an ``NLLLoss``, as skorch assumes,
        else logits).
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    eps : float >= 0
    fraction : float in [0, 1], default=1.0
    clip : tuple of float, optional
    random_state : int, RandomState or None

    Returns
    -------
    float

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skcomplexity.neural import MLPClassifier
    >>> from skcomplexity.distillation import fgsm_accuracy
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_units=(16,), max_epochs=30, lr=1e-2, random_state=0).fit(X, y)
    >>> fgsm_accuracy(clf, X, y, 0.5) <= clf.score(X, y)
    True
    """
    eps = check_nonnegative(eps, "eps")
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must lie in [0, 1], got {fraction!r}.")
    parts, X, y = _encoded(estimator, X, y)
    module = parts.module
    device = next(module.parameters()).device
    was_training = module.training
    module.eval()
    try:
        X, y = X.to(device), y.to(device)
        x = X.clone().requires_grad_(True)
        loss = F.nll_loss(_log_proba(parts.net, module(x)), y)
        (grad,) = torch.autograd.grad(loss, x)
        rs = check_random_state(random_state)
        chosen = torch.as_tensor(rs.rand(X.shape[0]) < fraction, device=device)
        adv = X + eps * grad.sign() * chosen.reshape(-1, *([1] * (X.ndim - 1)))
        if clip is not None:
            adv = adv.clamp(clip[0], clip[1])
        with torch.no_grad():
            acc = (module(adv).argmax(1) == y).double().mean().item()
    finally:
        module.train(was_training)
    return acc


def parameter_noise_accuracy(estimator, X, y, eps, *, n_draws=5, random_state=None):
    """Mean accuracy after adding ``eps * N(0, I)`` to every parameter (``n_draws`` draws).

    Parameters
    ----------
    estimator : fitted classifier
        As in :func:`fgsm_accuracy`.
    X, y : array-like
    eps : float >= 0
    n_draws : int, default=5
    random_state : int, RandomState or None

    Returns
    -------
    float

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skcomplexity.neural import MLPClassifier
    >>> from skcomplexity.distillation import parameter_noise_accuracy
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_units=(16,), max_epochs=30, lr=1e-2, random_state=0).fit(X, y)
    >>> parameter_noise_accuracy(clf, X, y, 0.0) == clf.score(X, y)
    True
    """
    eps = check_nonnegative(eps, "eps")
    parts, X, y = _encoded(estimator, X, y)
    gen = torch_generator(check_random_state(random_state))
    accs = []
    for _ in range(int(n_draws)):
        module = copy.deepcopy(parts.module).eval()
        device = next(module.parameters()).device
        with torch.no_grad():
            for p in module.parameters():
                p.add_(eps * torch.randn(p.shape, generator=gen).to(device))
            accs.append((module(X.to(device)).argmax(1) == y.to(device)).double().mean().item())
    return float(np.mean(accs))
