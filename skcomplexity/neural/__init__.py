"""Neural models as scikit-learn estimators (skorch), and their torch modules.

``device="auto"`` trains on CUDA when it is available. The torch modules
(:class:`MLPModule`, :class:`CNNModule`, :class:`TransformerModule`) are
public so that other parts of the package can reuse them.
"""

from ._base import NeuralEstimatorMixin, SeededFit, resolve_device, torch_seed
from ._estimators import CNNClassifier, MLPClassifier, MLPRegressor, TransformerClassifier
from ._loader import BatchLoader
from ._modules import CNNModule, MLPModule, TransformerModule, get_activation
from .callbacks import InputNormalization, NormBallProjection, SpectralNormalization
from .multitask import CorrelationLoss, LoRALinear, MultiTaskLoss, SharedEncoderMultiTask

__all__ = [
    "BatchLoader",
    "CNNClassifier",
    "CNNModule",
    "CorrelationLoss",
    "InputNormalization",
    "LoRALinear",
    "MLPClassifier",
    "MLPModule",
    "MLPRegressor",
    "MultiTaskLoss",
    "NeuralEstimatorMixin",
    "NormBallProjection",
    "SeededFit",
    "SharedEncoderMultiTask",
    "SpectralNormalization",
    "TransformerClassifier",
    "TransformerModule",
    "get_activation",
    "resolve_device",
    "torch_seed",
]
