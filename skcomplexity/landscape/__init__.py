"""Loss landscape of a fitted model: loss-change curves, matrix-free curvature, bounds.

torch is imported on first use of the curvature functions; the curve of a
plain scikit-learn model needs numpy only.
"""

from ._measure import landscape_measure
from .bounds import *  # noqa: F401,F403
from .bounds import __all__ as _bounds_all
from .curve import LandscapeCurve, ema_smooth, landscape_curve, loss_difference_curve

__all__ = [
    "LandscapeCurve",
    "HessianOperator",
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

_LAZY = {
    "HessianOperator": "hessian",
    "dense_hessian": "hessian",
    "hessian_spread": "hessian",
    "hessian_trace": "hessian",
    "top_eigenvalue": "hessian",
    "per_object_losses": "_model",
}


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
