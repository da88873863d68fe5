"""``landscape_measure``: one number per fitted model, larger = more complex."""

import numpy as np

__all__ = ["landscape_measure"]

_MEASURES = ("auto", "hessian_spread", "curve", "top_eigenvalue", "trace")


def landscape_measure(model, X, y, *, measure="auto", random_state=0, **kwargs):
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
    from ._model import _is_torch_model

    if measure not in _MEASURES:
        raise ValueError(f"measure must be one of {_MEASURES}, got {measure!r}.")
    if measure == "auto":
        measure = "hessian_spread" if _is_torch_model(model) else "curve"
    if measure == "curve":
        from .curve import landscape_curve

        kwargs.setdefault("n_permutations", 20)
        curve = landscape_curve(model, X, y, random_state=random_state, **kwargs)
        return float(np.mean(curve.scaled_mean))
    if not _is_torch_model(model):
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
