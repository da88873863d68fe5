"""Empirical Rademacher complexity (Def. 8 of the text) and the random-label protocol.

* R1 :func:`finite_class_rademacher` -- a finite class given by its prediction matrix;
* R2 :func:`linear_rademacher` -- the linear class in an ℓ2 ball (closed-form supremum);
* R3 :func:`linear_head_rademacher` -- a linear head on the fixed features of a fitted model;
* R4 :class:`RandomLabelRademacher` -- refit any estimator on random ±1 labels (§6.4.1);
* :func:`multitask_rademacher_protocol` -- single- vs multi-task random-label protocol (Thm 34);
* :func:`rademacher_complexity` -- the function behind
  :data:`skcomplexity.metrics.rademacher_scorer`.

The classical bounds are in :mod:`skcomplexity.bounds`. Importing this module
does not import torch; the multi-task protocol and skorch estimators import it
when used.
"""

from ._empirical import (
    RademacherEstimate,
    extract_features,
    finite_class_rademacher,
    linear_head_rademacher,
    linear_rademacher,
)
from ._multitask import multitask_rademacher_protocol
from ._random_label import RandomLabelRademacher, rademacher_complexity

__all__ = [
    "RademacherEstimate",
    "RandomLabelRademacher",
    "extract_features",
    "finite_class_rademacher",
    "linear_head_rademacher",
    "linear_rademacher",
    "multitask_rademacher_protocol",
    "rademacher_complexity",
]
