"""skcomplexity: model and data complexity for scikit-learn and PyTorch users.

The top-level namespace needs only numpy, scipy, scikit-learn and statsmodels;
the torch/skorch parts live in :mod:`skcomplexity.neural`,
:mod:`skcomplexity.landscape`, :mod:`skcomplexity.pruning` and
:mod:`skcomplexity.distillation` and are imported on demand.
"""

__version__ = "0.3.0.dev0"

from .sample_size import *  # noqa: F401,F403,E402
from .sample_size import __all__ as _ss_all  # noqa: E402

__all__ = ["__version__", *_ss_all]
