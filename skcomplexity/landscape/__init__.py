"""Loss landscape of a fitted model: loss-change curves, matrix-free curvature, bounds.

torch is imported inside the functions that need it.
"""

from ._measure import baseline_loss, landscape_measure
from ._model import per_object_losses
from .bounds import *  # noqa: F401,F403
from .bounds import __all__ as _bounds_all
from .curve import LandscapeCurve, ema_smooth, landscape_curve, loss_difference_curve
from .hessian import (
    HessianOperator,
    dense_hessian,
    hessian_spread,
    hessian_trace,
    top_eigenvalue,
)

__all__ = [
    "LandscapeCurve",
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
