"""The pruners' shared mechanism: :class:`BasePruner`, the skorch adapter and the mask.

Each pruner wraps a skorch model (a :class:`skorch.NeuralNet`, or an estimator
of :mod:`skcomplexity.neural` that holds one in ``net_``). ``fit`` trains a
clone of it, or takes an already fitted network given as
``sklearn.frozen.FrozenEstimator(net)`` as is, orders the parameters by one
rule (:func:`~skcomplexity.pruning.parameter_ordering`), zeroes the first
``round(fraction * p)`` of them, optionally fine-tunes with the removed entries
held at zero, and ``predict``/``score`` delegate to the pruned model. The
concrete pruners (:mod:`skcomplexity.pruning._pruners`) only name their
ordering and its options.
"""

import copy
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import accuracy_score, check_scoring, r2_score
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._docstrings import fill_doc
from .._validation import warn_at_caller
from ..landscape import ParameterIndex, encode_target, is_skorch, net_per_object_loss, unwrap
from ..neural import SeededFit, resolve_device, torch_seed
from ._display import PruningCurveDisplay
from ._orderings import PerObjectLoss, parameter_ordering

__all__ = ["BasePruner", "apply_pruning_mask", "pruner_doc"]


# ---------------------------------------------------------------- skorch adapter
def _skorch_net(estimator):
    """The fitted skorch net behind ``estimator`` (:func:`skcomplexity.landscape.unwrap`)."""
    try:
        net = unwrap(estimator).net
    except NotFittedError as exc:
        raise ValueError(
            f"estimator is an unfitted {type(estimator).__name__} given as already fitted "
            "(FrozenEstimator or prefit=True); fit it first, or pass it unwrapped to have a "
            "clone fitted."
        ) from exc
    except TypeError:
        net = None
    if net is None:
        raise ValueError(
            "estimator must be a fitted skorch NeuralNet or a fitted skcomplexity.neural "
            f"estimator (with a skorch net in net_), got {type(estimator).__name__}."
        )
    return net


def _n_params_before_fit(estimator, X, y, include_bias, device):
    """Number of prunable parameters the fitted network will have, without training it.

    Builds the module only (no data pass); returns None when the estimator's
    structure cannot be known before ``fit``. ``device`` is the resolved device.
    """
    try:
        if is_skorch(estimator):
            # initialising draws the weights: do it in a fork, leaving the global RNG alone
            with SeededFit(None, device):
                module = clone(estimator).initialize().module_
        elif hasattr(estimator, "_build_module_kwargs"):
            if get_tags(estimator).estimator_type == "classifier":
                n_out = len(np.unique(y))
            else:
                n_out = 1 if np.ndim(y) == 1 else np.shape(y)[1]
            cls, kwargs = estimator._build_module_kwargs(X.shape[1], n_out)
            with torch.device("meta"):
                module = cls(**kwargs)
        else:
            return None
    except Exception:  # noqa: BLE001 -- the check is a courtesy; fit reports real problems
        return None
    return ParameterIndex(module, include_bias).n_params


def _loss_fn(net):
    """The net's training criterion, per object (skorch's log of probability outputs included)."""
    return PerObjectLoss(net_per_object_loss(net))


def apply_pruning_mask(module, masks):
    """Zero the entries of ``module``'s parameters where ``masks[name]`` is False (in place).

    Parameters
    ----------
    module : torch.nn.Module
    masks : dict of str -> bool tensor
        Keep-masks by parameter name (see ``ParameterIndex.masks``).

    Returns
    -------
    module

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.pruning import apply_pruning_mask
    >>> lin = torch.nn.Linear(2, 1)
    >>> _ = apply_pruning_mask(lin, {"weight": torch.tensor([[True, False]])})
    >>> float(lin.weight[0, 1]) == 0.0  # zeroed (-0.0 for a negative weight)
    True
    """
    params = dict(module.named_parameters())
    with torch.no_grad():
        for name, keep in masks.items():
            p = params[name]
            p.mul_(keep if keep.dtype == p.dtype and keep.device == p.device
                   else keep.to(device=p.device, dtype=p.dtype))
    return module


def _mask_callback(masks):
    from skorch.callbacks import Callback

    class _HoldPrunedAtZero(Callback):
        """After every optimiser step, put the removed parameters back to zero."""

        def __init__(self, masks):
            self.masks = masks
            self._ready = None

        def on_batch_end(self, net, batch=None, training=False, **kwargs):
            if training:
                if self._ready is None:  # once: on the parameters' device and dtype
                    params = dict(net.module_.named_parameters())
                    self._ready = {name: keep.to(device=params[name].device,
                                                 dtype=params[name].dtype)
                                   for name, keep in self.masks.items()}
                apply_pruning_mask(net.module_, self._ready)

    return _HoldPrunedAtZero(masks)


# ---------------------------------------------------------------- base class
class BasePruner(BaseEstimator):
    """Shared mechanism of the pruners (not for direct use).

    Subclasses set ``_method``, extend ``_parameter_constraints`` with their
    options and, if needed, override ``_ordering_kwargs`` and ``_check_n_params``.
    See :class:`BelsleyPruner` for the parameters common to all pruners. Not in
    ``skcomplexity.pruning.__all__``: it orders nothing itself.
    """

    _method = None

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"])],
        "fraction": [Interval(Real, 0, 1, closed="left")],
        "prefit": ["boolean"],
        "fine_tune_epochs": [Interval(Integral, 0, None, closed="left")],
        "include_bias": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator, *, fraction=0.5, prefit=False, fine_tune_epochs=0,
                 include_bias=True, random_state=None):
        self.estimator = estimator
        self.fraction = fraction
        self.prefit = prefit
        self.fine_tune_epochs = fine_tune_epochs
        self.include_bias = include_bias
        self.random_state = random_state

    # ----------------------------------------------------------- hooks
    def _ordering_kwargs(self):
        return {}

    def _check_n_params(self, p):
        """Raise if the ordering cannot handle ``p`` prunable parameters (checked before fit).

        The one check the parameter constraints cannot express: it needs the network.
        """

    def _given_network(self):
        """The already fitted network to prune as is, or None to fit a clone of ``estimator``."""
        if self.prefit:
            warn_at_caller(
                f"{type(self).__name__}(prefit=True) is deprecated since 0.3 and will be removed "
                "in 0.5; pass the fitted network as sklearn.frozen.FrozenEstimator(net) instead "
                "(it also stays fitted inside GridSearchCV and cross_validate, which clone).",
                FutureWarning)
        if isinstance(self.estimator, FrozenEstimator):
            return self.estimator.estimator
        return self.estimator if self.prefit else None

    # ----------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit (or take) the network, order its parameters and prune ``fraction`` of them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (cast to float32); the ordering is computed on it.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, dtype=np.float32, multi_output=True)
        if self._is_classifier():  # a continuous y is not 200 classes: say so before sizing
            check_classification_targets(y)
        given = self._given_network()
        if given is not None:  # taken as is: copied, never refitted
            _skorch_net(given)
            base = copy.deepcopy(given)
        else:
            device = resolve_device(getattr(self.estimator, "device", None))
            p = _n_params_before_fit(self.estimator, X, y, self.include_bias, device)
            if p is not None:  # refuse before spending the training time
                self._check_n_params(p)
            base = clone(self.estimator)
            with self._seeded(device):
                base.fit(X, y)
        net = _skorch_net(base)
        module = net.module_
        yt = encode_target(base, net, y)
        module.eval()
        self.index_ = ParameterIndex(module, self.include_bias)
        self.n_params_ = self.index_.n_params
        self._check_n_params(self.n_params_)
        self.order_ = parameter_ordering(
            module, _loss_fn(net), X, yt, self._method, include_bias=self.include_bias,
            random_state=self.random_state, **self._ordering_kwargs(),
        )
        self.base_estimator_ = base
        self.estimator_ = self._pruned(self.fraction, (X, y) if self.fine_tune_epochs else None)
        self.n_removed_ = int(round(self.fraction * self.n_params_))
        if hasattr(base, "classes_"):
            self.classes_ = base.classes_
        return self

    def _seeded(self, device):
        """Fork torch's RNG (CPU and ``device``) and seed it from ``random_state``.

        The package's one seeded-fit convention (:class:`~skcomplexity.neural.SeededFit`),
        with the seed derived as every estimator does (:func:`~skcomplexity.neural.torch_seed`).
        """
        return SeededFit(torch_seed(self.random_state), device)

    def _mask_fraction(self, module, fraction):
        """Zero the first ``round(fraction * p)`` parameters of ``order_`` in ``module``."""
        n_remove = int(round(fraction * self.n_params_))
        device = next(module.parameters()).device
        masks = self.index_.masks(self.order_[:n_remove], device=device)
        apply_pruning_mask(module, masks)
        return n_remove, masks

    def _pruned(self, fraction, fine_tune_data=None):
        """A copy of the fitted network with ``round(fraction * p)`` parameters removed."""
        model = copy.deepcopy(self.base_estimator_)
        net = _skorch_net(model)
        n_remove, masks = self._mask_fraction(net.module_, fraction)
        if fine_tune_data is not None and self.fine_tune_epochs > 0 and n_remove > 0:
            Xf, yf = fine_tune_data
            Xf = np.asarray(Xf, dtype=np.float32)
            net.callbacks_.append(("pruning_mask", _mask_callback(masks)))
            with self._seeded(next(net.module_.parameters()).device):
                net.partial_fit(Xf, encode_target(model, net, yf), epochs=self.fine_tune_epochs)
        net.module_.eval()
        return model

    # ----------------------------------------------------------- delegation
    def _validate_X(self, X):
        check_is_fitted(self, "estimator_")
        return validate_data(self, X, dtype=np.float32, reset=False)

    def predict(self, X):
        """Predictions of the pruned model."""
        X = self._validate_X(X)
        return self.estimator_.predict(X)

    def _has(name):
        return lambda self: hasattr(self.estimator, name)

    @available_if(_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of the pruned model."""
        X = self._validate_X(X)
        return self.estimator_.predict_proba(X)

    def score(self, X, y, sample_weight=None):
        """Accuracy (classifiers) or R² (regressors) of the pruned model."""
        pred = self.predict(X)
        if self._is_classifier():
            return accuracy_score(y, pred, sample_weight=sample_weight)
        return r2_score(y, pred, sample_weight=sample_weight)

    def _is_classifier(self):
        return get_tags(self.estimator).estimator_type == "classifier"

    # ----------------------------------------------------------- curves
    def pruning_curve(self, X, y, fractions=None, *, scoring=None, fine_tune_data=None):
        """Quality of the pruned model at several fractions, without refitting the ordering.

        Parameters
        ----------
        X, y : array-like
            Evaluation data.
        fractions : array-like of float in [0, 1), optional
            Default ``np.linspace(0, 0.95, 20)``.
        scoring : str or callable, optional
            A scikit-learn scorer; default :meth:`score`.
        fine_tune_data : tuple (X_train, y_train), optional
            Fine-tune ``fine_tune_epochs`` epochs at every fraction on this data.

        Returns
        -------
        PruningCurveDisplay
            Not drawn yet; call ``.plot()``.
        """
        check_is_fitted(self, "order_")
        fractions = np.linspace(0, 0.95, 20) if fractions is None else np.asarray(fractions,
                                                                                 dtype=float)
        if fractions.ndim != 1 or np.any((fractions < 0) | (fractions >= 1)):
            raise ValueError(f"fractions must be a 1-D array of values in [0, 1), got {fractions}.")
        X = self._validate_X(X)
        scorer = check_scoring(self.estimator, scoring=scoring) if scoring is not None else None
        scores = []
        tune = fine_tune_data is not None and self.fine_tune_epochs > 0
        if not tune:  # one copy, its parameters reset from the fitted net at every fraction
            model = copy.deepcopy(self.base_estimator_)
            module = _skorch_net(model).module_
            fitted = {k: v.detach().clone()
                      for k, v in _skorch_net(self.base_estimator_).module_.state_dict().items()}
        for f in fractions:
            if tune:
                model = self._pruned(float(f), fine_tune_data)
            else:
                module.load_state_dict(fitted)
                self._mask_fraction(module, float(f))
                module.eval()
            if scorer is None:
                pred = model.predict(X)
                s = (accuracy_score(y, pred) if self._is_classifier() else r2_score(y, pred))
            else:
                s = scorer(model, X, y)
            scores.append(s)
        if scoring is None:
            score_name = "accuracy" if self._is_classifier() else "R²"
        else:
            score_name = scoring if isinstance(scoring, str) else "score"
        return PruningCurveDisplay(fractions, np.asarray(scores), name=self._method,
                                   score_name=score_name, n_params=self.n_params_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        tags.target_tags.required = True
        tags.target_tags.multi_output = inner.target_tags.multi_output
        tags.input_tags.allow_nan = False
        tags.non_deterministic = self.random_state is None
        return tags


_COMMON_DOC = """
    estimator : skorch.NeuralNet, skcomplexity.neural estimator or FrozenEstimator
        The network. Unfitted, it is cloned and fitted in :meth:`fit`. An
        already fitted network wrapped as
        ``sklearn.frozen.FrozenEstimator(net)`` is pruned as it is: copied
        (the original is not modified) and never refitted, also inside
        ``GridSearchCV`` (a ``FrozenEstimator`` clones to itself).
    fraction : float in [0, 1), default=0.5
        Fraction of the prunable parameters to remove
        (``round(fraction * p)`` of them).
    prefit : bool, default=False
        Use the already fitted ``estimator`` instead of fitting a clone.

        .. deprecated:: 0.3
           ``prefit`` is deprecated in 0.3 and will be removed in 0.5 (a
           FutureWarning says so): pass ``FrozenEstimator(estimator)`` instead.
    fine_tune_epochs : int, default=0
        Epochs of ``partial_fit`` on the training data after pruning, with
        the removed parameters held at zero after every step.
    include_bias : bool, default=True
        Whether biases are prunable (``False`` matches the text's
        bias-free parameter counts).
    random_state : int or None, default=None
        Seeds the clone's training (torch RNG, forked so the global state is
        untouched), fine-tuning and any randomness of the ordering."""

_COMMON_ATTRS = """
    base_estimator_ : estimator
        The fitted, unpruned network.
    estimator_ : estimator
        The pruned network that ``predict``/``score`` delegate to.
    order_ : ndarray of int of shape (n_params,)
        Removal order over the flat prunable parameters (first = removed first).
    index_ : ParameterIndex
        Maps flat indices to parameter names and positions.
    n_params_ : int
        Number of prunable parameters ``p``.
    n_removed_ : int
        ``round(fraction * p)``.
    classes_ : ndarray
        Class labels (classifiers).
    n_features_in_ : int"""

_EXAMPLE = """
    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skcomplexity.neural import MLPClassifier
    >>> from skcomplexity.pruning import {cls}
    >>> X, y = load_wine(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> net = MLPClassifier(hidden_units=(13,), max_epochs=30, lr=0.01, random_state=0)
    >>> pruner = {cls}(net, fraction=0.5, random_state=0).fit(X, y)
    >>> pruner.n_removed_ == round(0.5 * pruner.n_params_)
    True
    >>> curve = pruner.pruning_curve(X, y, [0.0, 0.5, 0.9])
    >>> curve.scores.shape
    (3,)"""

#: The shared parameter, attribute and example sections of every pruner's docstring
#: (``%(common)s``, ``%(attrs)s``, ``%(example)s``).
pruner_doc = fill_doc(common=_COMMON_DOC, attrs=_COMMON_ATTRS, example=_EXAMPLE)
