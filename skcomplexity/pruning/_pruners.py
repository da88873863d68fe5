"""Pruners: scikit-learn estimators that remove a fraction of a fitted network's parameters.

Each pruner wraps a skorch model (a :class:`skorch.NeuralNet`, or an estimator
of :mod:`skcomplexity.neural` that holds one in ``net_``). ``fit`` trains it
(or takes it as is with ``prefit=True``), orders the parameters by one rule
(:func:`~skcomplexity.pruning.parameter_ordering`), zeroes the first
``round(fraction * p)`` of them, optionally fine-tunes with the removed
entries held at zero, and ``predict``/``score`` delegate to the pruned model.
So ``GridSearchCV(BelsleyPruner(MLPClassifier()), {"fraction": [...]})`` works.
"""

import copy
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import accuracy_score, check_scoring, r2_score
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from ..landscape import ParameterIndex, encode_target, is_skorch, net_per_object_loss, unwrap
from ..neural import SeededFit, resolve_device, torch_seed
from ._display import PruningCurveDisplay
from ._orderings import PerObjectLoss, auto_batch_size_remove, parameter_ordering

__all__ = [
    "BasePruner",
    "BelsleyPruner",
    "GradientCovariancePruner",
    "OBDPruner",
    "PosteriorRatioPruner",
    "MagnitudePruner",
    "RandomPruner",
    "apply_pruning_mask",
]


# ---------------------------------------------------------------- skorch adapter
def _skorch_net(estimator):
    """The fitted skorch net behind ``estimator`` (:func:`skcomplexity.landscape.unwrap`)."""
    try:
        net = unwrap(estimator).net
    except NotFittedError as exc:
        raise ValueError(
            f"estimator is an unfitted {type(estimator).__name__}; fit it first or use "
            "prefit=False."
        ) from exc
    except TypeError:
        net = None
    if net is None:
        raise ValueError(
            "estimator must be a fitted skorch NeuralNet or a fitted skcomplexity.neural "
            f"estimator (with a skorch net in net_), got {type(estimator).__name__}."
        )
    return net


def _check_wrappable(estimator):
    if is_skorch(estimator):
        return
    if not (hasattr(estimator, "fit") and hasattr(estimator, "predict")):
        raise ValueError(
            "estimator must be a skorch NeuralNet or a skcomplexity.neural estimator, got "
            f"{type(estimator).__name__}."
        )


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
    >>> float(lin.weight[0, 1])
    0.0
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


def _check_max_params(m):
    if isinstance(m, bool) or not isinstance(m, Integral) or m < 1:
        raise ValueError(f"max_params must be a positive integer, got {m!r}.")


# ---------------------------------------------------------------- base class
class BasePruner(BaseEstimator):
    """Shared mechanism of the pruners (not for direct use).

    Subclasses set ``_method`` and, if needed, override ``_ordering_kwargs``.
    See :class:`BelsleyPruner` for the parameters common to all pruners.
    """

    _method = None

    def __init__(self, estimator, *, fraction=0.5, prefit=False, fine_tune_epochs=0,
                 include_bias=True, random_state=None):
        self.estimator = estimator
        self.fraction = fraction
        self.prefit = prefit
        self.fine_tune_epochs = fine_tune_epochs
        self.include_bias = include_bias
        self.random_state = random_state

    # ----------------------------------------------------------- checks
    def _check_params(self):
        f = self.fraction
        if isinstance(f, bool) or not isinstance(f, Real) or not (0 <= f < 1):
            raise ValueError(f"fraction must be a real number in [0, 1), got {f!r}.")
        e = self.fine_tune_epochs
        if isinstance(e, bool) or not isinstance(e, Integral) or e < 0:
            raise ValueError(f"fine_tune_epochs must be a non-negative integer, got {e!r}.")
        if not isinstance(self.prefit, bool):
            raise ValueError(f"prefit must be a bool, got {self.prefit!r}.")
        if not isinstance(self.include_bias, bool):
            raise ValueError(f"include_bias must be a bool, got {self.include_bias!r}.")
        _check_wrappable(self.estimator)

    def _ordering_kwargs(self):
        return {}

    def _check_n_params(self, p):
        """Raise if the ordering cannot handle ``p`` prunable parameters (checked before fit)."""

    # ----------------------------------------------------------- fit
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
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float32, multi_output=True)
        if self.prefit:
            _skorch_net(self.estimator)
            base = copy.deepcopy(self.estimator)
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
    estimator : skorch.NeuralNet or skcomplexity.neural estimator
        The network. With ``prefit=False`` (default) it is cloned and
        fitted in :meth:`fit`; with ``prefit=True`` it must be fitted already
        and is copied (the original is not modified).
    fraction : float in [0, 1), default=0.5
        Fraction of the prunable parameters to remove
        (``round(fraction * p)`` of them).
    prefit : bool, default=False
        Use the already fitted ``estimator`` instead of fitting a clone.
        Leave False inside ``GridSearchCV`` (clones are unfitted).
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
    >>> from skcomplexity.pruning import {name}
    >>> X, y = load_wine(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> net = MLPClassifier(hidden_units=(13,), max_epochs=30, lr=0.01, random_state=0)
    >>> pruner = {name}(net, fraction=0.5, random_state=0).fit(X, y)
    >>> pruner.n_removed_ == round(0.5 * pruner.n_params_)
    True
    >>> curve = pruner.pruning_curve(X, y, [0.0, 0.5, 0.9])
    >>> curve.scores.shape
    (3,)"""


def _doc(cls):
    cls.__doc__ = (cls.__doc__.replace("%(common)s", _COMMON_DOC.strip("\n"))
                   .replace("%(attrs)s", _COMMON_ATTRS.strip("\n"))
                   .replace("%(example)s", _EXAMPLE.strip("\n").format(name=cls.__name__)))
    return cls


@_doc
class BelsleyPruner(BasePruner):
    """Prune a network by the modified Belsley method (§5.1, spec §3).

    The text's rule (``selection="proportion"``) repeatedly removes the
    parameter with the largest variance-decomposition proportion on the
    component of largest condition index of the (standardised) parameter
    covariance. On trained networks this destroys the model: at half the
    parameters removed, a 64-8-10 digits MLP falls from 0.95 to 0.34
    accuracy (0.22 one parameter at a time), below random pruning (0.38),
    while OBD and magnitude pruning keep 0.94. The proportions ignore the
    weights; on a posterior covariance the component of largest condition
    index is the best-determined direction, so the parameters the loss
    depends on most go first (81 % of the total OBD saliency in the removed
    half, random: 57 %), and parameters the data say nothing about
    (uncorrelated, e.g. weights of constant pixels) go last. Yet the net's
    largest condition index is 23 on the classical scale: by
    Belsley–Kuh–Welsch's own threshold (30) it has no near-dependence at
    all, and after 100 removals the proportions being ranked are below 0.3.

    So the default (``selection="dependence"``, a departure from the text)
    reads the diagnostics as Belsley, Kuh and Welsch do, and as
    :class:`BelsleyFeatureSelector` does: only components with a classical
    condition index above ``condition_threshold`` are near-dependences;
    among the parameters involved in them (pooled proportion above
    ``proportion_threshold``) the cheapest to zero goes first, as many per
    decomposition as there are near-dependences; the parameters left, which are not
    collinear, follow by ascending squared posterior z-score
    :math:`w_i^2/\\Sigma_{ii}` (the Laplace or given covariance) or
    :math:`w_i^2\\,\\overline{g_i^2}` (the gradient covariance, read as an
    empirical Fisher precision). On that digits net this keeps 0.94 at half
    removed (``tests/pruning/test_pruners.py``). When the net has no
    near-dependence this is the posterior-ratio ordering; the Belsley part
    acts where parameters are collinear (e.g. the text's
    :math:`A_{\\text{synthetic}}`).

    Parameters
    ----------
%(common)s
    covariance : {"auto", "laplace", "gradient"} or ndarray of shape (p, p), default="auto"
        The parameter covariance: the Laplace approximation
        :math:`(mH_+ + \\tau I)^{-1}` (dense, ``p <= max_params``), the
        covariance of per-object loss gradients (the text's :math:`C_{t_0}`,
        through a thin SVD of the ``n x p`` gradient matrix, no ``p x p``
        matrix), or a given matrix (e.g. the :math:`A_{\\text{synthetic}}` of
        §5.4.1). ``"auto"``: Laplace up to ``max_params`` parameters, the
        gradient covariance above.
    prior_precision : float, default=1.0
        :math:`\\tau` of the Laplace approximation.
    standardize : bool, default=True
        Diagnose the correlation matrix (Table 5.1 convention).
    update : {"submatrix", "conditional"}, default="submatrix"
        Covariance of the remaining parameters after each removal.
    selection : {"dependence", "proportion"}, default="dependence"
        ``"proportion"``: the text's published rule (largest proportion on
        the largest condition index, whatever its size). ``"dependence"``:
        near-dependences only, cheapest involved parameter first, then the
        rest by z-score (see above).
    condition_threshold : float >= 1, default=30
        Classical-scale condition index (:math:`\\sqrt{\\lambda_{\\max}/\\lambda_j}`)
        above which a component is a near-dependence
        (``selection="dependence"`` only).
    proportion_threshold : float in [0, 1), default=0.5
        Pooled variance proportion above which a parameter is involved in
        the near-dependences (``selection="dependence"`` only).
    batch_size_remove : int or "auto", default="auto"
        Parameters removed per decomposition; ``"auto"`` orders the ``p``
        parameters in about 25 decompositions (``ceil(p / 25)`` each); ``1``
        is the text's one-at-a-time procedure. With
        ``selection="dependence"`` decompositions stop once no
        near-dependence is left.
    max_params : int, default=3000
        Largest number of prunable parameters for the dense Laplace
        covariance (checked before training).
    n_objects : int, "auto" or None, default="auto"
        Gradient covariance only: the ordering uses the per-object gradients
        of a seeded random subset of the training objects; ``"auto"``:
        ``min(n, 512, max(64, sqrt(2**30 / p)), 2**31 / (16 p))`` (a
        decomposition costs ``O(n_objects² p)``; at most 2 GiB of gradients), None:
        all objects.

    Attributes
    ----------
%(attrs)s

%(example)s
    """

    _method = "belsley"

    def __init__(self, estimator, *, fraction=0.5, prefit=False, fine_tune_epochs=0,
                 include_bias=True, random_state=None, covariance="auto", prior_precision=1.0,
                 standardize=True, update="submatrix", selection="dependence",
                 condition_threshold=30.0, proportion_threshold=0.5, batch_size_remove="auto",
                 max_params=3000, n_objects="auto"):
        super().__init__(estimator, fraction=fraction, prefit=prefit,
                         fine_tune_epochs=fine_tune_epochs, include_bias=include_bias,
                         random_state=random_state)
        self.covariance = covariance
        self.prior_precision = prior_precision
        self.standardize = standardize
        self.update = update
        self.selection = selection
        self.condition_threshold = condition_threshold
        self.proportion_threshold = proportion_threshold
        self.batch_size_remove = batch_size_remove
        self.max_params = max_params
        self.n_objects = n_objects

    def _check_n_params(self, p):
        cov = self.covariance
        if isinstance(cov, str) and cov not in ("auto", "laplace", "gradient"):
            raise ValueError(
                f"covariance must be 'auto', 'laplace', 'gradient' or a (p, p) array, got {cov!r}."
            )
        _check_max_params(self.max_params)
        if isinstance(cov, str) and cov == "laplace" and p > self.max_params:
            raise ValueError(
                f"The network has {p} prunable parameters, more than max_params="
                f"{self.max_params} for the dense Laplace covariance; use covariance='gradient' "
                "(thin SVD of the per-object gradients) or 'auto', or raise max_params."
            )
        m = self.n_objects
        if not (m is None or m == "auto" or (isinstance(m, Integral) and not isinstance(m, bool)
                                              and m >= 2)):
            raise ValueError(f"n_objects must be an integer >= 2, 'auto' or None, got {m!r}.")
        if self.selection not in ("dependence", "proportion"):
            raise ValueError(
                f"selection must be 'dependence' or 'proportion', got {self.selection!r}.")
        c = self.condition_threshold
        if isinstance(c, bool) or not isinstance(c, Real) or not c >= 1:
            raise ValueError(f"condition_threshold must be a real number >= 1, got {c!r}.")
        t = self.proportion_threshold
        if isinstance(t, bool) or not isinstance(t, Real) or not 0 <= t < 1:
            raise ValueError(f"proportion_threshold must be a real number in [0, 1), got {t!r}.")
        b = self.batch_size_remove
        if not (b == "auto" or (isinstance(b, Integral) and not isinstance(b, bool) and b >= 1)):
            raise ValueError(f"batch_size_remove must be a positive integer or 'auto', got {b!r}.")

    def _ordering_kwargs(self):
        b = self.batch_size_remove
        if b == "auto":
            b = auto_batch_size_remove(self.n_params_)
        return dict(covariance=self.covariance, prior_precision=self.prior_precision,
                    standardize=self.standardize, update=self.update,
                    selection=self.selection, condition_threshold=self.condition_threshold,
                    proportion_threshold=self.proportion_threshold, batch_size_remove=b, max_params=self.max_params, n_objects=self.n_objects)


@_doc
class GradientCovariancePruner(BasePruner):
    """Prune the parameters with the smallest per-object gradient variance (§5.1, spec §2).

    The diagonal of the covariance of per-object loss gradients (computed
    with ``vmap(grad)``) ranks the parameters; the lowest-variance ones
    ("already converged") are removed first.

    Parameters
    ----------
%(common)s

    Attributes
    ----------
%(attrs)s

%(example)s
    """

    _method = "gradient_covariance"


@_doc
class OBDPruner(BasePruner):
    """Optimal brain damage: remove the smallest saliencies :math:`\\tfrac12 h_{jj} w_j^2`.

    Parameters
    ----------
%(common)s
    hessian : {"exact", "hutchinson"}, default="exact"
        Exact Hessian diagonal (:func:`~skcomplexity.landscape.hessian_diagonal`:
        per-object vector-Jacobian products for networks piecewise linear in
        each parameter, such as ReLU MLPs, at any size; the dense Hessian,
        ``p <= max_params``, otherwise) or Hutchinson's estimate with
        ``n_probes`` Hessian-vector products.
    n_probes : int, default=64
        Probe vectors of the Hutchinson estimate.
    max_params : int, default=3000
        Largest ``p`` for the dense fallback.

    Attributes
    ----------
%(attrs)s

%(example)s
    """

    _method = "obd"

    def __init__(self, estimator, *, fraction=0.5, prefit=False, fine_tune_epochs=0,
                 include_bias=True, random_state=None, hessian="exact", n_probes=64,
                 max_params=3000):
        super().__init__(estimator, fraction=fraction, prefit=prefit,
                         fine_tune_epochs=fine_tune_epochs, include_bias=include_bias,
                         random_state=random_state)
        self.hessian = hessian
        self.n_probes = n_probes
        self.max_params = max_params

    def _check_n_params(self, p):
        if self.hessian not in ("exact", "hutchinson"):
            raise ValueError(f"hessian must be 'exact' or 'hutchinson', got {self.hessian!r}.")
        _check_max_params(self.max_params)

    def _ordering_kwargs(self):
        return dict(hessian=self.hessian, n_probes=self.n_probes, max_params=self.max_params)


@_doc
class PosteriorRatioPruner(BasePruner):
    """Remove parameters by the posterior density ratio :math:`p(0\\mid D)/p(w_j\\mid D)`.

    The posterior is the Laplace approximation; its marginal
    :math:`N(w_j, \\sigma_j^2)` gives the ratio
    :math:`\\exp(-w_j^2/2\\sigma_j^2)`, so parameters are removed by ascending
    signal-to-noise :math:`|w_j|/\\sigma_j` (the text's "variational method").

    Parameters
    ----------
%(common)s
    prior_precision : float, default=1.0
    max_params : int, default=3000

    Attributes
    ----------
%(attrs)s

%(example)s
    """

    _method = "posterior_ratio"

    def __init__(self, estimator, *, fraction=0.5, prefit=False, fine_tune_epochs=0,
                 include_bias=True, random_state=None, prior_precision=1.0, max_params=3000):
        super().__init__(estimator, fraction=fraction, prefit=prefit,
                         fine_tune_epochs=fine_tune_epochs, include_bias=include_bias,
                         random_state=random_state)
        self.prior_precision = prior_precision
        self.max_params = max_params

    def _check_n_params(self, p):
        _check_max_params(self.max_params)
        if p > self.max_params:
            raise ValueError(
                f"The network has {p} prunable parameters, more than max_params="
                f"{self.max_params} for the dense Laplace covariance; raise max_params."
            )

    def _ordering_kwargs(self):
        return dict(prior_precision=self.prior_precision, max_params=self.max_params)


@_doc
class MagnitudePruner(BasePruner):
    """Remove the parameters of smallest absolute value (an extra baseline, not in the text).

    Parameters
    ----------
%(common)s

    Attributes
    ----------
%(attrs)s

%(example)s
    """

    _method = "magnitude"


@_doc
class RandomPruner(BasePruner):
    """Remove parameters in a random order (the text's baseline hypothesis).

    Parameters
    ----------
%(common)s

    Attributes
    ----------
%(attrs)s

%(example)s
    """

    _method = "random"
