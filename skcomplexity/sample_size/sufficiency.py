"""D-, M-, KL- and S-sufficiency (dissertation §4.4–4.5): the old import path.

The likelihood bootstrap (D, M) lives in
:mod:`skcomplexity.sample_size.likelihood_bootstrap` and the posterior
proximity (KL, S) in :mod:`skcomplexity.sample_size.posterior_proximity`;
this module re-exports them so that ``from skcomplexity.sample_size.sufficiency
import DSufficiency`` keeps working.
"""

from ..models.posterior import POSTERIOR_PROTOCOL, get_gaussian_posterior
from .likelihood_bootstrap import DSufficiency, MSufficiency
from .posterior_proximity import PUBLISHED_PARAMS, KLSufficiency, SSufficiency

__all__ = [
    "DSufficiency",
    "KLSufficiency",
    "MSufficiency",
    "POSTERIOR_PROTOCOL",
    "PUBLISHED_PARAMS",
    "SSufficiency",
    "get_gaussian_posterior",
]
