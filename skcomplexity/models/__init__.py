"""Probabilistic models that the likelihood-based sample-size methods work on."""

from ._identifiability import IdentifiabilityWarning, check_identifiability
from .glm import (
    BINOMIAL,
    GAUSSIAN,
    add_intercept,
    fisher_information,
    fit_glm,
    fit_restricted,
    get_family,
    laplace_posterior,
    log_likelihood,
    per_object_log_likelihood,
    score,
)
from .posterior import conjugate_posterior, deletion_path, gaussian_kl, gaussian_s_score

__all__ = [
    "BINOMIAL",
    "GAUSSIAN",
    "IdentifiabilityWarning",
    "add_intercept",
    "check_identifiability",
    "conjugate_posterior",
    "deletion_path",
    "gaussian_kl",
    "gaussian_s_score",
    "fisher_information",
    "fit_glm",
    "fit_restricted",
    "get_family",
    "laplace_posterior",
    "log_likelihood",
    "per_object_log_likelihood",
    "score",
]
