"""scikit-learn estimators around skorch nets: MLP, small CNN, small transformer.

Each estimator is a thin :class:`sklearn.base.BaseEstimator` whose
constructor takes hyper-parameters only; ``fit`` (one, in
:class:`~._base.NeuralEstimatorMixin`) validates the parameters and the data,
casts ``X`` to float32, encodes the labels, seeds torch from ``random_state``
and trains a skorch net stored in ``net_``. This keeps ``clone``,
``get_params``, ``GridSearchCV`` and pickling exactly as in scikit-learn,
while ``net_`` (a :class:`skorch.NeuralNetClassifier` /
:class:`skorch.NeuralNetRegressor`) and ``module_`` (the trained
``torch.nn.Module``) give full access to skorch and torch. Here each
estimator only declares its parameters and builds its module.
"""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .._docstrings import fill_doc
from ._base import ACTIVATION_CONSTRAINT, NeuralEstimatorMixin, _ClassifierBase, _RegressorBase
from ._modules import CNNModule, MLPModule, TransformerModule

__all__ = [
    "MLPClassifier",
    "MLPRegressor",
    "CNNClassifier",
    "TransformerClassifier",
]


_COMMON_PARAMS_DOC = """
    lr : float, default=1e-3
        Learning rate (Adam with a constant rate, as in the experiments of the text).
    max_epochs : int, default=10
        Training epochs (the upper bound when ``early_stopping=True``).
    batch_size : int, default=64
    weight_decay : float, default=0.0
        L2 penalty passed to the optimizer (``optimizer__weight_decay``).
    optimizer : {"adam", "adamw", "sgd"} or torch.optim.Optimizer class, default="adam"
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified for
        classifiers) and stop when the validation loss has not improved by
        ``tol`` for ``n_iter_no_change`` epochs (skorch's ``EarlyStopping``
        callback, restoring the best weights).
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=5
    tol : float, default=1e-4
    callbacks : list of skorch callbacks or (name, callback) pairs, default=None
        Extra skorch callbacks (e.g. weight-norm constraints).
    device : str, default="auto"
        ``"auto"`` uses CUDA when available, else the CPU.
    random_state : int, RandomState or None, default=None
        Seeds torch (weight initialisation, shuffling, dropout) inside ``fit``
        without changing the global torch RNG state.
    verbose : int, default=0
        skorch's per-epoch table when > 0.
"""

_COMMON_ATTRS_DOC = """
    net_ : skorch.NeuralNet
        The trained skorch net.
    module_ : torch.nn.Module
        The trained torch module (raw outputs / logits).
    history_ : skorch.History
        Per-epoch training history.
    n_features_in_ : int
    n_outputs_ : int
    n_iter_ : int
        Epochs actually run.
    device_ : str
        The device used.
"""


_NEURAL_DOC = dict(common_params=_COMMON_PARAMS_DOC, common_attrs=_COMMON_ATTRS_DOC)


class _MLPParams:
    _parameter_constraints = {
        **NeuralEstimatorMixin._parameter_constraints,
        "hidden_units": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "activation": ACTIVATION_CONSTRAINT,
        "bias": ["boolean"],
    }

    def __init__(self, hidden_units=(100,), activation="relu", dropout=0.0, lr=1e-3,
                 max_epochs=10, batch_size=64, weight_decay=0.0, optimizer="adam",
                 early_stopping=False, validation_fraction=0.1, n_iter_no_change=5, tol=1e-4,
                 bias=True, callbacks=None, device="auto", random_state=None, verbose=0):
        self.hidden_units = hidden_units
        self.activation = activation
        self.dropout = dropout
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.optimizer = optimizer
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.bias = bias
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _build_module_kwargs(self, n_features, n_outputs):
        hidden = self.hidden_units
        if isinstance(hidden, Integral):
            hidden = (hidden,)
        try:
            hidden = tuple(int(h) for h in hidden)
        except TypeError as exc:
            raise ValueError(f"hidden_units must be a tuple of ints, got {self.hidden_units!r}.") from exc
        if any(h < 1 for h in hidden):
            raise ValueError(f"hidden_units must be positive, got {self.hidden_units!r}.")
        return MLPModule, dict(
            n_features=n_features, n_outputs=n_outputs, hidden_units=hidden,
            activation=self.activation, dropout=self.dropout, bias=self.bias,
        )


@fill_doc(**_NEURAL_DOC)
class MLPClassifier(_MLPParams, _ClassifierBase):
    """Multi-layer perceptron classifier trained with skorch (cross-entropy).

    Parameters
    ----------
    hidden_units : tuple of int, default=(100,)
        Width of each hidden layer.
    activation : str, default="relu"
        Hidden activation: "relu", "tanh", "sigmoid", "gelu", "elu",
        "leaky_relu" or "identity".
    dropout : float, default=0.0
        Dropout after every hidden activation.
    %(common_params)s
    bias : bool, default=True
        Biases in the linear layers (Theorem 9 assumes ``bias=False``).

    Attributes
    ----------
    classes_ : ndarray
        Class labels (any values; encoded internally to 0..K-1).
    %(common_attrs)s

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skcomplexity.neural import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_units=(16,), lr=1e-2, max_epochs=30, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    """


@fill_doc(**_NEURAL_DOC)
class MLPRegressor(_MLPParams, _RegressorBase):
    """Multi-layer perceptron regressor trained with skorch (mean squared error).

    Parameters
    ----------
    hidden_units : tuple of int, default=(100,)
    activation : str, default="relu"
    dropout : float, default=0.0
    %(common_params)s
    bias : bool, default=True

    Attributes
    ----------
    %(common_attrs)s

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.neural import MLPRegressor
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> y = X @ [1.0, -2.0, 0.5]
    >>> reg = MLPRegressor(hidden_units=(16,), lr=1e-2, max_epochs=20, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """


@fill_doc(**_NEURAL_DOC)
class CNNClassifier(_ClassifierBase):
    """Small convolutional classifier (1-D or 2-D), the family of Theorems 13-17.

    Rows of ``X`` are flattened inputs; ``input_shape`` says how to reshape
    them. With ``input_shape=None`` every row is a 1-channel 1-D signal.

    Parameters
    ----------
    input_shape : tuple of int or None, default=None
        ``(channels, length)`` or ``(channels, height, width)``; its product
        must equal ``n_features``.
    channels : tuple of int, default=(8, 16)
        Output channels of each convolution.
    kernel_size : int, default=3
    padding : int or "same", default=0
        The bounds assume no padding; use "same" for very short inputs.
    pooling : {None, "max", "avg"}, default=None
        Pooling replacing the activation after convolution ``pool_position``.
    pool_position : int, default=0
    pool_size : int, default=2
    activation : str, default="relu"
    dropout : float, default=0.0
        Dropout before the linear head.
    %(common_params)s

    Attributes
    ----------
    classes_ : ndarray
    %(common_attrs)s

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skcomplexity.neural import CNNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = CNNClassifier(input_shape=(1, 8, 8), channels=(4,), max_epochs=2, random_state=0)
    >>> clf.fit(X[:200] / 16, y[:200]).predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints = {
        **NeuralEstimatorMixin._parameter_constraints,
        "input_shape": ["array-like", None],
        "channels": ["array-like"],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "padding": [Interval(Integral, 0, None, closed="left"), StrOptions({"same", "valid"})],
        "pooling": [StrOptions({"max", "avg"}), None],
        "pool_position": [Interval(Integral, 0, None, closed="left")],
        "pool_size": [Interval(Integral, 1, None, closed="left")],
        "activation": ACTIVATION_CONSTRAINT,
    }

    def __init__(self, input_shape=None, channels=(8, 16), kernel_size=3, padding=0,
                 pooling=None, pool_position=0, pool_size=2, activation="relu", dropout=0.0,
                 lr=1e-3, max_epochs=10, batch_size=64, weight_decay=0.0, optimizer="adam",
                 early_stopping=False, validation_fraction=0.1, n_iter_no_change=5, tol=1e-4,
                 callbacks=None, device="auto", random_state=None, verbose=0):
        self.input_shape = input_shape
        self.channels = channels
        self.kernel_size = kernel_size
        self.padding = padding
        self.pooling = pooling
        self.pool_position = pool_position
        self.pool_size = pool_size
        self.activation = activation
        self.dropout = dropout
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.optimizer = optimizer
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _build_module_kwargs(self, n_features, n_outputs):
        shape = (1, n_features) if self.input_shape is None else tuple(self.input_shape)
        if int(np.prod(shape)) != n_features:
            raise ValueError(
                f"input_shape={self.input_shape!r} has {int(np.prod(shape))} elements but X has "
                f"n_features={n_features}."
            )
        return CNNModule, dict(
            input_shape=shape, n_outputs=n_outputs, channels=tuple(self.channels),
            kernel_size=self.kernel_size, padding=self.padding, activation=self.activation,
            pooling=self.pooling, pool_position=self.pool_position, pool_size=self.pool_size,
            dropout=self.dropout,
        )


@fill_doc(**_NEURAL_DOC)
class TransformerClassifier(_ClassifierBase):
    """Small transformer-encoder classifier (post-norm blocks of Section 3.3).

    Each row of ``X`` is reshaped to ``input_shape = (seq_len, token_dim)``
    tokens; with ``input_shape=None`` every feature is a one-dimensional
    token.

    Parameters
    ----------
    input_shape : tuple of int or None, default=None
    d_model : int, default=16
    n_heads : int, default=1
    d_ff : int, default=64
    n_blocks : int, default=1
    dropout : float, default=0.0
    %(common_params)s

    Attributes
    ----------
    classes_ : ndarray
    %(common_attrs)s

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skcomplexity.neural import TransformerClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = TransformerClassifier(d_model=8, d_ff=16, max_epochs=2, random_state=0).fit(X, y)
    >>> clf.predict(X[:2]).shape
    (2,)
    """

    _parameter_constraints = {
        **NeuralEstimatorMixin._parameter_constraints,
        "input_shape": ["array-like", None],
        "d_model": [Interval(Integral, 1, None, closed="left")],
        "n_heads": [Interval(Integral, 1, None, closed="left")],
        "d_ff": [Interval(Integral, 1, None, closed="left")],
        "n_blocks": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, input_shape=None, d_model=16, n_heads=1, d_ff=64, n_blocks=1,
                 dropout=0.0, lr=1e-3, max_epochs=10, batch_size=64, weight_decay=0.0,
                 optimizer="adam", early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=5, tol=1e-4, callbacks=None, device="auto", random_state=None,
                 verbose=0):
        self.input_shape = input_shape
        self.d_model = d_model
        self.n_heads = n_heads
        self.d_ff = d_ff
        self.n_blocks = n_blocks
        self.dropout = dropout
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.optimizer = optimizer
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _build_module_kwargs(self, n_features, n_outputs):
        shape = (n_features, 1) if self.input_shape is None else tuple(self.input_shape)
        if len(shape) != 2 or int(np.prod(shape)) != n_features:
            raise ValueError(
                f"input_shape must be (seq_len, token_dim) with seq_len * token_dim = "
                f"n_features={n_features}, got {self.input_shape!r}."
            )
        return TransformerModule, dict(
            input_shape=shape, n_outputs=n_outputs, d_model=self.d_model, n_heads=self.n_heads,
            d_ff=self.d_ff, n_blocks=self.n_blocks, dropout=self.dropout,
        )
