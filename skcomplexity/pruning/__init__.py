"""Complexity reduction by removing features or parameters.

* :mod:`skcomplexity.pruning.belsley` (numpy only; torch tensors are diagnosed and
  ordered in torch on their device): :func:`belsley_diagnostics`,
  :func:`belsley_order`, :class:`BelsleyFeatureSelector`.
* torch/skorch part, imported on first use: parameter orderings of a fitted
  network (:func:`parameter_ordering` and friends) and the pruners
  :class:`BelsleyPruner`, :class:`GradientCovariancePruner`,
  :class:`OBDPruner`, :class:`PosteriorRatioPruner`,
  :class:`MagnitudePruner`, :class:`RandomPruner`, with
  :class:`PruningCurveDisplay`.
"""

import importlib

from .belsley import (
    BelsleyDiagnostics,
    BelsleyFeatureSelector,
    belsley_diagnostics,
    belsley_order,
    belsley_order_gradients,
)

_LAZY = {
    # curvature, re-exported from skcomplexity.landscape (the one curvature layer)
    "gradient_covariance": "..landscape",
    "laplace_covariance": "..landscape",
    "hessian_diagonal": "..landscape",
    # orderings (torch)
    "parameter_ordering": "._orderings",
    "ORDERINGS": "._orderings",
    "ParameterIndex": "._orderings",
    # pruners (skorch)
    "BelsleyPruner": "._pruners",
    "GradientCovariancePruner": "._pruners",
    "OBDPruner": "._pruners",
    "PosteriorRatioPruner": "._pruners",
    "MagnitudePruner": "._pruners",
    "RandomPruner": "._pruners",
    "apply_pruning_mask": "._base",
    "PruningCurveDisplay": "._display",
}

#: importable (for subclassing, and the API docs) but not exported: the pruners' abstract
#: base orders nothing itself, so it is no estimator of its own (nor in the estimator checks)
_NOT_EXPORTED = {"BasePruner": "._base"}

__all__ = [
    "BelsleyDiagnostics",
    "BelsleyFeatureSelector",
    "belsley_diagnostics",
    "belsley_order",
    "belsley_order_gradients",
    *_LAZY,
]


def __getattr__(name):
    if name in _LAZY or name in _NOT_EXPORTED:
        module = importlib.import_module({**_LAZY, **_NOT_EXPORTED}[name], __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
