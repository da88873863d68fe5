"""The one fit of the skorch-backed estimators, and the device and seeding conventions.

:class:`NeuralEstimatorMixin` owns ``fit`` (declarative parameter validation
through ``_parameter_constraints`` and :func:`sklearn.base._fit_context`, data
validation, target encoding, the device, the seeded context) and calls one
hook, ``_fit_net``; the concrete estimators (:mod:`._estimators`) and the
distillation students only build modules and override that hook.
:func:`resolve_device`, :func:`torch_seed` and :class:`SeededFit` are the
package's device and seeding conventions for any torch training.
"""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

from ._loader import BatchLoader
from ._modules import _ACTIVATIONS

#: the ``activation`` constraint of the estimators that have one
ACTIVATION_CONSTRAINT = [StrOptions(set(_ACTIVATIONS)), type]

__all__ = [
    "NeuralEstimatorMixin",
    "SeededFit",
    "resolve_device",
    "torch_seed",
]

_OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}


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
    ``(module_class, kwargs)``, set ``_is_classifier`` and declare their
    parameters' constraints, extending the shared ones
    (``{**NeuralEstimatorMixin._parameter_constraints, ...}``), which ``fit``
    checks first (scikit-learn's ``_fit_context``). A subclass that
    needs a different skorch class (e.g. a distillation loss through
    ``get_loss``) overrides :meth:`_net_class`; one that reads ``X`` in
    another dtype or with NaN overrides :meth:`_validate_fit_data`.
    """

    _is_classifier = True
    #: skorch's iterator class: whole mini-batches by one index (same batches, same RNG use)
    _loader = BatchLoader

    #: the training settings every neural estimator shares; a subclass adds its module's
    #: (``{**NeuralEstimatorMixin._parameter_constraints, ...}``). ``fit`` checks them all
    #: (scikit-learn's ``_fit_context``); what a constraint cannot say (a device string
    #: torch rejects, an optimizer class that is no ``torch.optim.Optimizer``) is checked
    #: where it is used.
    _parameter_constraints = {
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "optimizer": [StrOptions(set(_OPTIMIZERS)), type],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "callbacks": [list, tuple, None],
        "device": [str, torch.device, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # ----------------------------------------------------------- hooks
    def _net_class(self):
        from skorch import NeuralNetClassifier, NeuralNetRegressor

        return NeuralNetClassifier if self._is_classifier else NeuralNetRegressor

    def _criterion(self):
        return nn.CrossEntropyLoss if self._is_classifier else nn.MSELoss

    def _optimizer_class(self):
        optimizer = _OPTIMIZERS.get(self.optimizer, self.optimizer)
        if not issubclass(optimizer, torch.optim.Optimizer):
            raise ValueError(
                "optimizer must be 'adam', 'adamw', 'sgd' or a torch.optim.Optimizer class, "
                f"got {self.optimizer!r}."
            )
        return optimizer

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

    @_fit_context(prefer_skip_nested_validation=False)  # a distillation teacher may be refitted
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


