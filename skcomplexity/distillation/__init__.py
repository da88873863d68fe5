"""Distillation: Hinton, privileged information, probabilistic, Bayesian, multi-domain, anti-distillation.

The closed-form probabilistic-distillation regressor
(:class:`DistilledLinearRegression`) and the Gaussian structure-alignment
functions are numpy-only and imported eagerly; everything that needs torch
and skorch is imported on first access (module ``__getattr__``), so
``from skcomplexity.distillation import DistilledLinearRegression`` works
without torch.
"""

import importlib

from .alignment import (
    align_posterior,
    alignment_sequence,
    apply_alignment,
    mlp_parameter_layout,
    remove_layer_gaussian,
    remove_neuron_gaussian,
)
from .linear import DistilledLinearRegression

_LAZY = {
    # losses
    "soft_targets": "losses",
    "distillation_loss": "losses",
    "regression_distillation_loss": "losses",
    # Hinton / privileged / probabilistic / multi-domain
    "DistillationClassifier": "hinton",
    "DistillationRegressor": "hinton",
    "MultiDomainDistillationClassifier": "hinton",
    # Bayesian distillation
    "laplace_posterior": "bayesian",
    "BayesianDistillationClassifier": "bayesian",
    # anti-distillation
    "AntiDistillationClassifier": "antidistillation",
    "expand_mlp": "antidistillation",
    "anti_distillation_expand": "antidistillation",
    "hutchinson_trace": "antidistillation",
    "fgsm_accuracy": "_robustness",
    "parameter_noise_accuracy": "_robustness",
}

__all__ = [
    "DistilledLinearRegression",
    "align_posterior",
    "alignment_sequence",
    "apply_alignment",
    "mlp_parameter_layout",
    "remove_layer_gaussian",
    "remove_neuron_gaussian",
    *_LAZY,
]


def __getattr__(name):
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
