"""Loss landscape of a fitted model: loss-change curves, matrix-free curvature, bounds.

torch is imported inside the functions that need it.
"""

from ._measure import baseline_loss, landscape_measure
from ._model import (
    FunctionalModel,
    ParameterIndex,
    as_functional,
    encode_target,
    is_skorch,
    is_torch_model,
    model_tensors,
    net_per_object_loss,
    outputs_are_probabilities,
    per_object_loss,
    per_object_losses,
    unwrap,
)
from .bounds import *  # noqa: F401,F403
from .bounds import __all__ as _bounds_all
from .curvature import (
    ggn_factor,
    gradient_covariance,
    hessian_diagonal,
    hutchinson_trace,
    laplace_covariance,
    per_object_gradients,
)
from .curve import LandscapeCurve, ema_smooth, landscape_curve, loss_difference_curve
from .hessian import (
    HessianOperator,
    dense_hessian,
    draw_probes,
    hessian_spread,
    hessian_trace,
    top_eigenvalue,
    torch_generator,
)

__all__ = [
    "FunctionalModel",
    "LandscapeCurve",
    "ParameterIndex",
    "as_functional",
    "draw_probes",
    "encode_target",
    "ggn_factor",
    "gradient_covariance",
    "hessian_diagonal",
    "hutchinson_trace",
    "is_skorch",
    "is_torch_model",
    "laplace_covariance",
    "model_tensors",
    "net_per_object_loss",
    "outputs_are_probabilities",
    "per_object_gradients",
    "per_object_loss",
    "torch_generator",
    "unwrap",
    "HessianOperator",
    "baseline_loss",
    "dense_hessian",
    "ema_smooth",
    "hessian_spread",
    "hessian_trace",
    "landscape_curve",
    "landscape_measure",
    "loss_difference_curve",
    "per_object_losses",
    "top_eigenvalue",
    *_bounds_all,
]
