"""``landscape_measure``: one number per fitted model, larger = more complex."""

import numpy as np
from sklearn.utils._param_validation import StrOptions, validate_params

__all__ = ["landscape_measure", "baseline_loss"]

_MEASURES = ("auto", "hessian_spread", "curve", "top_eigenvalue", "trace")


def _n_rows(a, name):
    try:
        return len(a)
    except TypeError:
        raise ValueError(f"{name} must be an array with one row per object, got "
                         f"{type(a).__name__}.") from None


def _is_classification(model, kwargs):
    from sklearn.base import is_classifier, is_regressor

    from ._model import is_torch_model

    tagged = hasattr(model, "__sklearn_tags__")  # not a bare nn.Module
    if tagged and is_regressor(model):  # before predict_proba: every skorch net has one
        return False
    if tagged and is_classifier(model):
        return True
    if not is_torch_model(model):
        return hasattr(model, "predict_proba")
    # a bare nn.Module or skorch NeuralNet: its loss says what the targets are
    import torch

    loss = kwargs.get("loss") or getattr(model, "criterion_", None) or getattr(
        model, "criterion", None)
    kind = loss if isinstance(loss, type) else type(loss)
    if issubclass(kind, (torch.nn.CrossEntropyLoss, torch.nn.NLLLoss)):
        return True
    if issubclass(kind, torch.nn.MSELoss):
        return False
    raise ValueError("normalize=True on a bare nn.Module or skorch NeuralNet needs its loss (loss= "
                     "or the net's criterion) to be nn.MSELoss or nn.CrossEntropyLoss/NLLLoss, to "
                     "know the constant predictor's loss.")


@validate_params({"y": ["array-like"], "classification": ["boolean"]},
                 prefer_skip_nested_validation=True)
def baseline_loss(y, *, classification):
    """Loss of the best constant prediction on ``y``: the normaliser of ``normalize=True``.

    ``Var(y)`` (the mean squared error of predicting ``ȳ``, averaged over the
    outputs) for regression, the entropy of the class frequencies (the
    log-loss of predicting them) for classification: the denominators of
    ``R²`` and of McFadden's pseudo-``R²``.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    classification : bool

    Returns
    -------
    float

    Examples
    --------
    >>> from skcomplexity.landscape import baseline_loss
    >>> baseline_loss([1.0, 3.0], classification=False)
    1.0
    >>> round(baseline_loss([0, 1, 1, 0], classification=True), 6)  # log 2
    0.693147
    """
    y = np.asarray(y)
    if classification:
        _, counts = np.unique(y, return_counts=True)
        p = counts / counts.sum()
        value = float(-(p * np.log(p)).sum())
    else:
        value = float(np.var(y.reshape(len(y), -1).astype(float), axis=0).mean())
    if not np.isfinite(value) or value <= 0:
        raise ValueError(
            "normalize=True divides by the loss of the best constant prediction "
            f"({'class entropy' if classification else 'target variance'}), which is "
            f"{value!r} here: a constant target cannot be normalised.")
    return value


@validate_params(
    {
        "measure": [StrOptions(set(_MEASURES))],
        "random_state": ["random_state"],
        "normalize": ["boolean"],
    },
    prefer_skip_nested_validation=False,
)
def landscape_measure(model, X, y, *, measure="auto", random_state=0, normalize=False,
                      **kwargs):
    """Landscape complexity of a fitted model on ``(X, y)``; a larger value = more complex.

    Parameters
    ----------
    model : fitted estimator or torch model
        An :mod:`skcomplexity.neural` estimator, a skorch net, a
        ``torch.nn.Module`` (with ``loss=``) or, for ``measure="curve"``, any
        fitted scikit-learn classifier with ``predict_proba`` or regressor.
    X, y : array-like
    measure : {"auto", "hessian_spread", "curve", "top_eigenvalue", "trace"}, default="auto"
        * ``"hessian_spread"``: the landscape complexity measure of Definition
          21, eq. (2.8), ``μ_f(f|D) = E_i ‖H_i(θ̂) − H̄(θ̂)‖₂`` (see
          :func:`~skcomplexity.landscape.hessian_spread`; ``kind``,
          ``n_objects``, ``tol`` ... are passed through). It is the Hessian
          constant of the one-object loss change (2.9).
        * ``"curve"``: ``mean_k (k + 1) Δ̄_k`` from the loss-difference curve
          at ``θ̂`` (:func:`~skcomplexity.landscape.landscape_curve`), an
          estimate of ``E|l_new − L_k|``, the loss constant ``M_ℓ`` of (2.6):
          the curve is ``≈ M_ℓ / (k + 1)``. Works for any fitted model.
        * ``"top_eigenvalue"``: the sharpness ``|λ_max(∇²L)|``.
        * ``"trace"``: Hutchinson's estimate of ``tr ∇²L``.
        * ``"auto"``: ``"hessian_spread"`` for torch/skorch models,
          ``"curve"`` otherwise.
    random_state : int or None, default=0
        Seeds the random objects/orders/vectors (fixed by default so that a
        scorer gives the same value for the same model).
    normalize : bool, default=False
        Divide by :func:`baseline_loss`, the loss of the best constant
        prediction on the scored ``y``: ``Var(y)`` for regression (squared
        error), the class entropy for classification (log-loss). The raw
        measure of a regressor is in units of ``y²`` (it scales with the
        square of the target: ``y → c y`` multiplies the ``"curve"`` measure
        of a linear model by ``c²`` exactly); the normalised one is
        scale-free, like ``R² = 1 − MSE/Var(y)``. The denominator depends on
        the data only, not on the model, so candidates scored on the same fold
        keep their order.
    **kwargs
        Passed to the underlying function.

    Returns
    -------
    float

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skcomplexity.landscape import landscape_measure
    >>> X, y = load_iris(return_X_y=True)
    >>> value = landscape_measure(LogisticRegression(max_iter=500).fit(X, y), X, y)
    >>> value > 0
    True
    """
    scale = 1.0
    if normalize and y is not None:  # fail fast, before the (costly) measure
        scale = baseline_loss(y, classification=_is_classification(model, kwargs))
    return _raw_measure(model, X, y, measure, random_state, kwargs) / scale


def _raw_measure(model, X, y, measure, random_state, kwargs):
    from ._model import is_torch_model

    if y is None:
        raise ValueError("landscape_measure needs the targets y of the scored objects.")
    n_x, n_y = _n_rows(X, "X"), _n_rows(y, "y")
    if n_x != n_y:
        raise ValueError(f"X and y have different numbers of objects: {n_x} and {n_y}.")
    if measure == "auto":
        measure = "hessian_spread" if is_torch_model(model) else "curve"
    if measure == "curve":
        from .curve import landscape_curve

        kwargs.setdefault("n_permutations", 20)
        curve = landscape_curve(model, X, y, random_state=random_state, **kwargs)
        return float(np.mean(curve.scaled_mean))
    if not is_torch_model(model):
        raise TypeError(
            f"measure={measure!r} needs a torch model (skcomplexity.neural estimator, skorch net "
            f"or nn.Module); {type(model).__name__} is not one. Use measure='curve'."
        )
    from . import hessian

    if measure == "hessian_spread":
        return float(hessian.hessian_spread(model, X, y, random_state=random_state, **kwargs))
    if measure == "top_eigenvalue":
        return abs(float(hessian.top_eigenvalue(model, X, y, random_state=random_state, **kwargs)))
    return float(hessian.hessian_trace(model, X, y, random_state=random_state, **kwargs))
