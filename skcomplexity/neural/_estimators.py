"""scikit-learn estimators around skorch nets.

Each estimator is a thin :class:`sklearn.base.BaseEstimator` whose
constructor takes hyper-parameters only; ``fit`` validates the data, casts
``X`` to float32, encodes the labels, seeds torch from ``random_state`` and
trains a skorch net stored in ``net_``. This keeps ``clone``, ``get_params``,
``GridSearchCV`` and pickling exactly as in scikit-learn, while ``net_`` (a
:class:`skorch.NeuralNetClassifier` / :class:`skorch.NeuralNetRegressor`)
and ``module_`` (the trained ``torch.nn.Module``) give full access to skorch
and torch.
"""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

from ._loader import BatchLoader
from ._modules import CNNModule, MLPModule, TransformerModule, get_activation

__all__ = [
    "NeuralEstimatorMixin",
    "MLPClassifier",
    "MLPRegressor",
    "CNNClassifier",
    "SeededFit",
    "TransformerClassifier",
    "resolve_device",
    "torch_seed",
]


def resolve_device(device):
    """Resolve ``device="auto"`` to ``"cuda"`` when available, else ``"cpu"``.

    Parameters
    ----------
    device : str or torch.device
        ``"auto"`` or anything :class:`torch.device` accepts.

    Returns
    -------
    str

    Examples
    --------
    >>> from skcomplexity.neural import resolve_device
    >>> resolve_device("cpu")
    'cpu'
    """
    if device is None or device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        return str(torch.device(device))
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}.") from exc


def torch_seed(random_state):
    """The integer seed of torch's RNG for a ``random_state`` (None stays None).

    The package's one convention for seeding torch from an estimator's
    ``random_state``: an int is used as is, a :class:`numpy.random.RandomState`
    gives one draw. Use it with :class:`SeededFit`.

    Parameters
    ----------
    random_state : None, int or numpy.random.RandomState

    Returns
    -------
    int or None

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.neural import torch_seed
    >>> torch_seed(3), torch_seed(None)
    (3, None)
    >>> torch_seed(np.random.RandomState(0)) == torch_seed(np.random.RandomState(0))
    True
    """
    if random_state is None:
        return None
    if isinstance(random_state, Integral) and not isinstance(random_state, bool):
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    raise ValueError(f"random_state must be None, an int or a RandomState, got {random_state!r}.")


def _check_number(value, name, low, high=None, *, low_open=False, integer=False):
    kind = Integral if integer else Real
    if isinstance(value, bool) or not isinstance(value, kind):
        raise ValueError(f"{name} must be {'an integer' if integer else 'a number'}, got {value!r}.")
    bad = value <= low if low_open else value < low
    if high is not None:
        bad = bad or value >= high
    if bad or not np.isfinite(value):
        rng = f"{'(' if low_open else '['}{low}, {high if high is not None else 'inf'})"
        raise ValueError(f"{name} must lie in {rng}, got {value!r}.")


class SeededFit:
    """Context manager: torch's RNG forked (CPU and ``device``) and seeded with ``seed``.

    Everything drawn inside (weight initialisation, shuffling, dropout) comes
    from ``seed``; on exit the global torch RNG state is what it was before,
    so fitting a seeded estimator has no side effect on the caller's
    randomness. This is the seeded-device context of every neural fit
    (:meth:`NeuralEstimatorMixin.fit` enters it around ``_fit_net``); use it
    for any other torch training that must be reproducible (a skorch net, a
    protocol's refits).

    Parameters
    ----------
    seed : int or None
        From :func:`torch_seed`; None forks without seeding (the draws do not
        move the caller's RNG but are not reproducible).
    device : str or torch.device
        The resolved device (:func:`resolve_device`); a CUDA device's RNG is
        forked as well.

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.neural import SeededFit
    >>> with SeededFit(0, "cpu"):
    ...     a = torch.rand(2)
    >>> with SeededFit(0, "cpu"):
    ...     b = torch.rand(2)
    >>> bool(torch.equal(a, b))
    True
    """

    def __init__(self, seed, device):
        self.seed = seed
        self.device = device
        self.devices = [torch.device(device).index or 0] if str(device).startswith("cuda") else []

    def __enter__(self):
        self._ctx = torch.random.fork_rng(devices=self.devices)
        self._ctx.__enter__()
        if self.seed is not None:
            torch.manual_seed(self.seed)
        return self

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)

    def fork(self):
        """A nested unseeded fork: what is drawn inside does not shift this context's stream."""
        return SeededFit(None, self.device)


class NeuralEstimatorMixin:
    """Shared machinery of the skorch-backed estimators (not for direct use).

    There is one ``fit`` (:meth:`fit`): it validates the parameters and the
    data, encodes the target once, resolves the device once and calls one
    hook, ``_fit_net(X, y, y_t, seed=..., device=...)``, inside the seeded
    device context (:class:`SeededFit`); the hook builds ``net_`` and trains
    it. Distillation students override only that hook (teacher answers,
    priors, initialisations), calling :meth:`_make_net` and the skorch net.

    Subclasses implement ``_build_module_kwargs(n_features, n_outputs)`` ->
    ``(module_class, kwargs)`` and set ``_is_classifier``. A subclass that
    needs a different skorch class (e.g. a distillation loss through
    ``get_loss``) overrides :meth:`_net_class`; one that reads ``X`` in
    another dtype or with NaN overrides :meth:`_validate_fit_data`.
    """

    _is_classifier = True
    #: skorch's iterator class: whole mini-batches by one index (same batches, same RNG use)
    _loader = BatchLoader

    # ----------------------------------------------------------- hooks
    def _net_class(self):
        from skorch import NeuralNetClassifier, NeuralNetRegressor

        return NeuralNetClassifier if self._is_classifier else NeuralNetRegressor

    def _criterion(self):
        return nn.CrossEntropyLoss if self._is_classifier else nn.MSELoss

    def _validate_common_params(self):
        _check_number(self.lr, "lr", 0, low_open=True)
        _check_number(self.max_epochs, "max_epochs", 1, integer=True)
        _check_number(self.batch_size, "batch_size", 1, integer=True)
        _check_number(self.weight_decay, "weight_decay", 0)
        _check_number(self.dropout, "dropout", 0, 1)
        if not isinstance(self.early_stopping, bool):
            raise ValueError(f"early_stopping must be a bool, got {self.early_stopping!r}.")
        if self.early_stopping:
            _check_number(self.validation_fraction, "validation_fraction", 0, 1, low_open=True)
            _check_number(self.n_iter_no_change, "n_iter_no_change", 1, integer=True)
            _check_number(self.tol, "tol", 0)
        if self.optimizer not in ("adam", "sgd", "adamw") and not (
            isinstance(self.optimizer, type) and issubclass(self.optimizer, torch.optim.Optimizer)
        ):
            raise ValueError(
                "optimizer must be 'adam', 'adamw', 'sgd' or a torch.optim.Optimizer class, "
                f"got {self.optimizer!r}."
            )
        get_activation(getattr(self, "activation", "relu"))

    def _optimizer_class(self):
        return {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}.get(
            self.optimizer, self.optimizer
        )

    def _make_net(self, n_features, n_outputs, seed, device):
        from skorch.callbacks import EarlyStopping
        from skorch.dataset import ValidSplit

        module, module_kwargs = self._build_module_kwargs(n_features, n_outputs)
        callbacks = list(self.callbacks) if self.callbacks is not None else []
        if self.early_stopping:
            train_split = ValidSplit(
                self.validation_fraction, stratified=self._is_classifier, random_state=seed
            )
            callbacks.append(
                ("early_stopping", EarlyStopping(
                    monitor="valid_loss", patience=self.n_iter_no_change,
                    threshold=self.tol, threshold_mode="abs", load_best=True,
                ))
            )
        else:
            train_split = None
        kwargs = {f"module__{k}": v for k, v in module_kwargs.items()}
        return self._net_class()(
            module,
            criterion=self._criterion(),
            optimizer=self._optimizer_class(),
            lr=self.lr,
            optimizer__weight_decay=self.weight_decay,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            train_split=train_split,
            callbacks=callbacks or None,
            iterator_train=self._loader,
            iterator_valid=self._loader,
            iterator_train__shuffle=True,
            verbose=self.verbose,
            device=device,
            **kwargs,
        )

    # ----------------------------------------------------------- fit
    def _validate_X(self, X, reset):
        return validate_data(self, X, reset=reset, dtype=np.float32)

    def _validate_fit_data(self, X, y):
        """``(X, y)`` checked for ``fit`` (``X`` as float32)."""
        return validate_data(
            self, X, y, dtype=np.float32, multi_output=not self._is_classifier,
            y_numeric=not self._is_classifier,
        )

    def _encode_target(self, y):
        """The target as the net trains on it: class indices (int64) or float32 columns.

        Sets ``classes_`` (classifiers) and ``n_outputs_``.
        """
        if self._is_classifier:
            check_classification_targets(y)
            self._label_encoder = LabelEncoder().fit(y)
            self.classes_ = self._label_encoder.classes_
            y_t = self._label_encoder.transform(y).astype(np.int64)
            self.n_outputs_ = len(self.classes_)
        else:
            y_t = np.asarray(y, dtype=np.float32)
            self._y_ndim = y_t.ndim
            if y_t.ndim == 1:
                y_t = y_t.reshape(-1, 1)
            self.n_outputs_ = y_t.shape[1]
        return y_t

    def fit(self, X, y, **fit_params):
        """Train the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs (any float dtype; cast to float32).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Class labels (any hashable values) or regression targets.
        **fit_params : dict
            Passed to ``skorch.NeuralNet.fit``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if getattr(self, "_parameter_constraints", None):
            self._validate_params()  # the declarative constraints, where declared
        self._validate_common_params()
        X, y = self._validate_fit_data(X, y)
        y_t = self._encode_target(y)
        seed = torch_seed(self.random_state)
        device = resolve_device(self.device)
        with SeededFit(seed, device) as seeded:
            self._fit_net(X, y, y_t, seed=seed, seeded=seeded, **fit_params)
        self.n_iter_ = len(self.net_.history)
        self.device_ = device
        return self

    def _fit_net(self, X, y, y_t, *, seed, seeded, **fit_params):
        """The one training hook: build ``net_`` and train it (inside ``seeded``).

        Parameters
        ----------
        X : ndarray
            Validated inputs (:meth:`_validate_fit_data`).
        y : ndarray
            Validated target as given (labels, for a teacher).
        y_t : ndarray
            The encoded target (:meth:`_encode_target`).
        seed : int or None
            The torch seed (:func:`torch_seed`), for anything else seeded from it.
        seeded : SeededFit
            The active seeded-device context; ``seeded.device`` is the resolved
            device and ``seeded.fork()`` isolates draws that must not shift the
            student's stream (e.g. refitting a teacher).
        """
        self.net_ = self._make_net(X.shape[1], self.n_outputs_, seed, seeded.device)
        self.net_.fit(X, y_t, **fit_params)

    # ----------------------------------------------------------- predict
    @property
    def module_(self):
        """The trained ``torch.nn.Module`` (``net_.module_``)."""
        check_is_fitted(self, "net_")
        return self.net_.module_

    @property
    def history_(self):
        """skorch's training history (``net_.history``)."""
        check_is_fitted(self, "net_")
        return self.net_.history

    def _raw_forward(self, X):
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        return X, self.net_.forward(X, training=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        tags.input_tags.allow_nan = False
        return tags


class _ClassifierBase(NeuralEstimatorMixin, ClassifierMixin, BaseEstimator):
    _is_classifier = True

    def predict_proba(self, X):
        """Class probabilities (softmax of the logits).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        _, logits = self._raw_forward(X)
        return torch.softmax(logits.double(), dim=1).cpu().numpy()

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba` (log-softmax of the logits)."""
        _, logits = self._raw_forward(X)
        return torch.log_softmax(logits.double(), dim=1).cpu().numpy()

    def decision_function(self, X):
        """The network's logits, shape (n_samples, n_classes) (a column for binary problems)."""
        _, logits = self._raw_forward(X)
        out = logits.double().cpu().numpy()
        return out[:, 1] - out[:, 0] if out.shape[1] == 2 else out

    def predict(self, X):
        """Predicted class labels (from ``classes_``)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class _RegressorBase(NeuralEstimatorMixin, RegressorMixin, BaseEstimator):
    _is_classifier = False

    def predict(self, X):
        """Predicted targets, shape (n_samples,) or (n_samples, n_targets)."""
        _, out = self._raw_forward(X)
        out = out.double().cpu().numpy()
        return out.ravel() if self._y_ndim == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.regressor_tags.poor_score = True
        return tags


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


def _doc(cls):
    cls.__doc__ = cls.__doc__.replace("%(common_params)s", _COMMON_PARAMS_DOC.strip("\n")).replace(
        "%(common_attrs)s", _COMMON_ATTRS_DOC.strip("\n")
    )
    return cls


class _MLPParams:
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


@_doc
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


@_doc
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


@_doc
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
        if self.pooling not in (None, "max", "avg"):
            raise ValueError(f"pooling must be None, 'max' or 'avg', got {self.pooling!r}.")
        return CNNModule, dict(
            input_shape=shape, n_outputs=n_outputs, channels=tuple(self.channels),
            kernel_size=self.kernel_size, padding=self.padding, activation=self.activation,
            pooling=self.pooling, pool_position=self.pool_position, pool_size=self.pool_size,
            dropout=self.dropout,
        )


@_doc
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
        for name in ("d_model", "n_heads", "d_ff", "n_blocks"):
            _check_number(getattr(self, name), name, 1, integer=True)
        return TransformerModule, dict(
            input_shape=shape, n_outputs=n_outputs, d_model=self.d_model, n_heads=self.n_heads,
            d_ff=self.d_ff, n_blocks=self.n_blocks, dropout=self.dropout,
        )
