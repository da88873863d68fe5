"""Sufficient sample size: how much data does a model need?

Every estimator here shares one base (:class:`SampleSizeEstimator`) and one
result vocabulary: ``sample_size_`` (``m*`` or None), ``sizes_``,
``criterion_``, ``criterion_std_``, ``threshold_``, ``n_samples_seen_``.
"""

from ._base import SampleSizeEstimator, make_size_grid, sufficient_size
from .statistical import (
    LagrangeMultiplierSampleSize,
    LikelihoodRatioSampleSize,
    LogisticZTestSampleSize,
    WaldSampleSize,
    required_noncentrality,
)

__all__ = [
    "LagrangeMultiplierSampleSize",
    "LikelihoodRatioSampleSize",
    "LogisticZTestSampleSize",
    "SampleSizeEstimator",
    "WaldSampleSize",
    "make_size_grid",
    "required_noncentrality",
    "sufficient_size",
]
