"""Probabilistic models that the likelihood-based sample-size methods work on."""

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

__all__ = [
    "BINOMIAL",
    "GAUSSIAN",
    "add_intercept",
    "fisher_information",
    "fit_glm",
    "fit_restricted",
    "get_family",
    "laplace_posterior",
    "log_likelihood",
    "per_object_log_likelihood",
    "score",
]
