"""Sufficient sample size: how much data does a model need?

Every estimator here shares one base (:class:`SampleSizeEstimator`) and one
result vocabulary: ``sample_size_`` (``m*`` or None), ``sizes_``,
``criterion_``, ``criterion_std_``, ``threshold_``, ``n_samples_seen_``.
:class:`SufficientSampleSize` reaches every method by name. The neural
:class:`~skcomplexity.sample_size.landscape.LandscapeSufficiency` needs torch and
lives in :mod:`skcomplexity.sample_size.landscape` (``method="landscape"``).
"""

# the abstract base stays importable for those who write a method, but is not exported:
# it is not an estimator one can fit (scikit-learn's estimator checks do not apply to it)
from ._base import SampleSizeEstimator, make_size_grid, sufficient_size  # noqa: F401
from .bayesian import (
    ACCSampleSize,
    ALCSampleSize,
    APVCSampleSize,
    KLNeighbourSampleSize,
    UtilitySampleSize,
)
from .facade import METHODS, InsufficientDataWarning, SufficientSampleSize, compare_methods
from .heuristic import BootstrapSampleSize, CrossValidationSampleSize
from .learning_curve import IllBehavedCurveWarning, LearningCurveSampleSize
from .likelihood_bootstrap import DSufficiency, MSufficiency
from .planning import (
    cox_snell_r2_from_c_statistic,
    riley_sample_size_binary,
    riley_sample_size_linear,
)
from .posterior_proximity import PUBLISHED_PARAMS, KLSufficiency, SSufficiency
from .statistical import (
    LagrangeMultiplierSampleSize,
    LikelihoodRatioSampleSize,
    LogisticZTestSampleSize,
    WaldSampleSize,
    required_noncentrality,
)

__all__ = [
    "PUBLISHED_PARAMS",
    "ACCSampleSize",
    "ALCSampleSize",
    "APVCSampleSize",
    "BootstrapSampleSize",
    "CrossValidationSampleSize",
    "DSufficiency",
    "IllBehavedCurveWarning",
    "InsufficientDataWarning",
    "KLNeighbourSampleSize",
    "KLSufficiency",
    "LagrangeMultiplierSampleSize",
    "LearningCurveSampleSize",
    "LikelihoodRatioSampleSize",
    "LogisticZTestSampleSize",
    "METHODS",
    "MSufficiency",
    "SSufficiency",
    "SufficientSampleSize",
    "UtilitySampleSize",
    "WaldSampleSize",
    "compare_methods",
    "cox_snell_r2_from_c_statistic",
    "make_size_grid",
    "required_noncentrality",
    "riley_sample_size_binary",
    "riley_sample_size_linear",
    "sufficient_size",
]
