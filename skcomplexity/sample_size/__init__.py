"""Sufficient sample size: how much data does a model need?"""

from ._base import SampleSizeEstimator, make_size_grid, sufficient_size

__all__ = ["SampleSizeEstimator", "make_size_grid", "sufficient_size"]
