"""Neural models as scikit-learn estimators (skorch), and their torch modules.

``device="auto"`` trains on CUDA when it is available. The torch modules
(:class:`MLPModule`, :class:`CNNModule`, :class:`TransformerModule`) are
public so that other parts of the package can reuse them.
"""

from ._estimators import (
    CNNClassifier,
    MLPClassifier,
    MLPRegressor,
    NeuralEstimatorMixin,
    TransformerClassifier,
    resolve_device,
)
from ._modules import CNNModule, MLPModule, TransformerModule, get_activation

__all__ = [
    "CNNClassifier",
    "CNNModule",
    "MLPClassifier",
    "MLPModule",
    "MLPRegressor",
    "NeuralEstimatorMixin",
    "TransformerClassifier",
    "TransformerModule",
    "get_activation",
    "resolve_device",
]
