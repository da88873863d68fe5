"""Sufficient sample size from loss-landscape convergence (Section 2.3, spec §4.6).

The model is trained once on all the data at hand; the per-object losses at
the fitted parameters ``θ̂`` give the one-object change
``Δ_k = |L_{k+1}(θ̂) − L_k(θ̂)|`` over random orders (averaged, EMA-smoothed),
and ``m*`` is read off with Definition 19 ("for all k >= m*"):

* **Rule B** (``rule="curve"``, the experiments' quantity): the smallest ``k``
  with ``Δ̄^EMA_j <= threshold`` for every ``j >= k``; None if the last point
  exceeds the threshold.
* **Rule A** (``rule="bound"``): the bound (2.9),
  ``(M_ℓ + μ_f R²)/(k + 1) <= threshold``, where ``M_ℓ = max_i |l_i − L_m|``
  is measured on the data and ``μ_f`` is the landscape measure (2.8) of the
  fitted network (only needed when ``radius > 0``); this gives
  ``m* = max(1, ceil((M_ℓ + μ_f R²)/threshold) − 1)`` (Lemma 4 rearranged).

torch is imported only inside this module's methods (the module itself is
imported lazily by the facade).
"""

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import validate_data

from .._decision import make_size_grid, sufficient_size
from .._parallel import root_seed_sequence
from ._base import Curve, Forecast, SampleSizeEstimator

__all__ = ["LandscapeSufficiency"]


@dataclass
class _LandscapeFit:
    """The model fitted on all the data and its per-object losses and curve (``_prepare``)."""

    X: np.ndarray
    y: np.ndarray
    estimator: object
    losses: np.ndarray
    curve: object
    order_seed: np.random.SeedSequence


class LandscapeSufficiency(SampleSizeEstimator):
    """Sufficient sample size of a (neural) model from landscape convergence.

    Parameters
    ----------
    estimator : estimator or None, default=None
        The model whose landscape is measured; it is cloned and fitted on all
        of ``(X, y)``. Any scikit-learn classifier with ``predict_proba`` or
        regressor works with ``rule="curve"``; ``rule="bound"`` with
        ``radius > 0`` needs a torch model (:mod:`skcomplexity.neural`).
        None: :class:`skcomplexity.neural.MLPClassifier` (classification
        targets) or :class:`~skcomplexity.neural.MLPRegressor`, with
        ``hidden_units=(64,)`` and the text's training (Adam, lr 1e-3, batch
        64, 10 epochs).
    threshold : float > 0
        ``ε``, the allowed change of the mean loss when one object is added.
        Required: the text gives no default.
    rule : {"curve", "bound"}, default="curve"
        Rule B (EMA curve) or Rule A (bound (2.9)), see the module docstring.
    n_permutations : int, default=100
        Random orders of the objects (the text's 100 repetitions).
    ema : float in [0, 1), default=0.99
        EMA weight of the previous value (0.99 for FC nets, 0.995 for CNNs in
        the text); 0 disables smoothing.
    radius : float >= 0, default=0.0
        ``R``, the distance from ``θ̂`` at which the landscape must be stable
        (Rule A only; 0 is the experiments' setting ``θ = θ̂``).
    hessian_kwargs : dict or None, default=None
        Passed to :func:`skcomplexity.landscape.hessian_spread` (Rule A with
        ``radius > 0``), e.g. ``{"n_objects": 32, "kind": "gauss_newton"}``.
    sizes : None, int or array-like, default=None
        Grid of sizes at which ``criterion_`` is reported (None: 50 points in
        ``[1, m − 1]``). The decision itself uses every ``k``.
    decision_rule : {"all", "first"}, default="all"
        "all": Definition 19 (the curve stays below the threshold from ``m*``
        on); "first": the first ``k`` where it is below.
    random_state : int, RandomState or None, default=None
        Seeds the model (if it has ``random_state``) and the orders.
    verbose : int, default=0

    Attributes
    ----------
    sample_size_ : int or None
        ``m*``; None when the data at hand never reach the threshold.
    sizes_ : ndarray of int
        Grid of sizes ``k`` reported.
    criterion_ : ndarray
        EMA-smoothed ``Δ̄_k`` (Rule B) or the bound ``B/(k+1)`` (Rule A) on the grid.
    criterion_std_ : ndarray
        Standard deviation of ``Δ_k`` over the orders (0 for Rule A).
    threshold_ : float
    n_samples_seen_ : int
    estimator_ : estimator
        The model fitted on all the data.
    curve_ : skcomplexity.landscape.LandscapeCurve
        The full curve, every ``k = 1 .. m − 1``.
    loss_bound_ : float
        ``M_ℓ = max_i |l_i − L_m|``.
    landscape_measure_ : float or None
        ``μ_f`` (2.8) when Rule A with ``radius > 0`` computed it.
    bound_constant_ : float or None
        ``B = M_ℓ + μ_f R²`` (Rule A).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skcomplexity.sample_size.landscape import LandscapeSufficiency
    >>> X, y = make_classification(300, 5, random_state=0)
    >>> est = LandscapeSufficiency(LogisticRegression(), threshold=2e-2, random_state=0)
    >>> 1 <= est.fit(X, y).sample_size_ < 300
    True
    """

    question = ("After how many rows does one more row change the model's mean loss by less than "
                "the threshold (loss landscape)?")
    threshold_unit = "loss per added row"
    criterion_label = "change of the mean loss per added row"

    #: the template's one-fit path: ``_prepare`` fits the model and measures its curve,
    #: ``_closed_form_answer`` reads ``m*`` off it (no replicates of the template's)
    _closed_form = True
    _parameter_constraints = {
        **SampleSizeEstimator._parameter_constraints,
        "estimator": [HasMethods(["fit"]), None],
        "rule": [StrOptions({"curve", "bound"})],
        "n_permutations": [Interval(Integral, 1, None, closed="left")],
        "ema": [Interval(Real, 0, 1, closed="left")],
        "radius": [Interval(Real, 0, None, closed="left")],
        "hessian_kwargs": [dict, None],
    }

    def __init__(self, estimator=None, *, threshold=None, rule="curve", n_permutations=100,
                 ema=0.99, radius=0.0, hessian_kwargs=None, sizes=None, decision_rule="all",
                 random_state=None, verbose=0):
        self.estimator = estimator
        self.threshold = threshold
        self.rule = rule
        self.n_permutations = n_permutations
        self.ema = ema
        self.radius = radius
        self.hessian_kwargs = hessian_kwargs
        self.sizes = sizes
        self.decision_rule = decision_rule
        self.random_state = random_state
        self.verbose = verbose

    # --------------------------------------------------------------- checks
    def _validate_params_extra(self):
        # each parameter alone is in _parameter_constraints (threshold there admits None
        # only so that this message, which says why it is required, is the one raised)
        if self.threshold is None:
            raise ValueError(
                "threshold (the allowed loss change per added object, ε) is required; the "
                "text gives no default. Pass e.g. threshold=1e-3."
            )

    # ------------------------------------------------------------------ fit
    def _make_estimator(self, y, seed):
        if self.estimator is None:
            from ..neural import MLPClassifier, MLPRegressor

            kind = type_of_target(y)
            cls = MLPClassifier if kind in ("binary", "multiclass") else MLPRegressor
            est = cls(hidden_units=(64,))
        else:
            est = clone(self.estimator)
        if seed is not None and "random_state" in est.get_params(deep=False):
            est.set_params(random_state=seed)
        return est

    def _check_xy(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float64)
        n = X.shape[0]
        if n < 3:
            raise ValueError(f"LandscapeSufficiency needs at least 3 samples, got n_samples={n}.")
        return X, y

    def _prepare(self, X, y):
        """Fit the model on all of ``(X, y)`` and measure its loss-difference curve."""
        from ..landscape import loss_difference_curve, per_object_losses

        model_ss, order_ss = root_seed_sequence(self.random_state).spawn(2)
        seed = None if self.random_state is None else int(model_ss.generate_state(1)[0] >> 1)
        estimator = self._make_estimator(y, seed).fit(X, y)
        losses = per_object_losses(estimator, X, y)
        curve = loss_difference_curve(
            losses, n_permutations=int(self.n_permutations), ema=float(self.ema),
            random_state=order_ss,
        )
        return _LandscapeFit(X=X, y=y, estimator=estimator, losses=losses, curve=curve,
                             order_seed=order_ss)

    def _closed_form_answer(self, state):
        """``m*`` by Rule B (the full EMA curve) or Rule A (the bound (2.9))."""
        n, curve, threshold = state.X.shape[0], state.curve, float(self.threshold)
        sizes = make_size_grid(self.sizes, n - 1, 1)
        loss_bound = float(np.max(np.abs(state.losses - state.losses.mean())))
        extras = dict(estimator=state.estimator, curve=curve, loss_bound=loss_bound,
                      landscape_measure=None, bound_constant=None)
        if self.rule == "curve":
            full = curve.smoothed
            criterion, std = full[sizes - 1], curve.std[sizes - 1]
            sample_size = sufficient_size(curve.sizes, full <= threshold, self.decision_rule)
        else:
            from ..landscape.bounds import sufficient_sample_size_from_bound

            mu = 0.0
            if self.radius > 0:
                from ..landscape import hessian_spread

                mu = hessian_spread(state.estimator, state.X, state.y,
                                    random_state=state.order_seed, **(self.hessian_kwargs or {}))
                extras["landscape_measure"] = float(mu)
            B = loss_bound + mu * float(self.radius) ** 2
            extras["bound_constant"] = float(B)
            criterion, std = B / (sizes + 1.0), np.zeros(len(sizes))
            m_star = sufficient_sample_size_from_bound(B, threshold)
            sample_size = m_star if m_star <= n - 1 else None
        return Forecast(Curve(sizes, criterion, std), sample_size, threshold, extras,
                        decided_off_grid=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # unlike the statistical tests' forecast, the model's fit and the orders are random
        tags.non_deterministic = self.random_state is None
        return tags
