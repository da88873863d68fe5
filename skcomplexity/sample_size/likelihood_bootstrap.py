"""D- and M-sufficiency: bootstrapping the full-data likelihood (dissertation §4.4, spec §7).

For each grid size ``k``, ``B`` bootstrap subsamples of ``k`` rows (with
replacement) are fitted and each fit's log-likelihood (or a loss/score) is
evaluated on the **whole** data set. ``D(k)`` is the unbiased variance of those
values, ``M(k)`` the absolute difference of their means at neighbouring sizes.

The replicates are nested (see :mod:`skcomplexity.sample_size._base`): replicate
``b`` is one sequence of ``k_J`` i.i.d. row draws and its size-``k`` subsample is
the first ``k`` draws, a bootstrap sample of size ``k``. For least squares and
ridge the sufficient statistics of every prefix come from one cumulative pass
and one batched Cholesky solve (:func:`skcomplexity.models.glm.fit_linear_prefix`),
and the Gaussian full-data log-likelihood of any parameter vector follows from
the full-data statistics alone:

    l(D_m, w) = l(D_m, ŵ) - (w - ŵ)ᵀ DᵀD (w - ŵ) / (2σ²),

with ``ŵ`` the full-data least-squares fit and ``D = [1, X]`` (exact: the
residual of ``ŵ`` is orthogonal to the columns of ``D``), ``O(d²)`` per
replicate and size instead of ``O(m d)``. Logistic regression is fitted by
batched Newton steps warm-started from the previous size of the same
replicate; any other scikit-learn estimator is cloned and fitted per replicate.

Under scikit-learn's array API dispatch (:mod:`skcomplexity.sample_size._device`),
torch tensors given to least squares or ridge with ``scoring=None`` (the default
on a regression target) put the prefix Gram matrices, the Cholesky solves and the
full-data log-likelihoods on the tensors' device
(:func:`skcomplexity.models.batched_xp.fit_linear_prefix_xp`); so do they for the
binary L2 logistic regression (the default on a binary target): its Newton steps on
the gathered prefix rows and its full-data Bernoulli log-likelihoods
(:func:`skcomplexity.models.logistic_xp.sklearn_logistic_prefix_loglik_xp`). The
preparation, the draws and the curve stay on the host. Every other case (a scorer,
another estimator, ``batched=False``) computes on the host.
"""

import copy
from dataclasses import dataclass
from numbers import Integral

import numpy as np
from scipy.special import log_expit
from sklearn.base import clone, is_classifier
from sklearn.metrics import get_scorer_names
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from .._array_api import namespace_of, to_numpy
from .._decision import threshold_holds
from .._validation import check_binary_target, resolve_family
from ..models.batched_xp import fit_linear_prefix_xp
from ..models.glm import fit_linear_prefix, sklearn_logistic_prefix_path, standardize_columns
from ..models.logistic_xp import sklearn_logistic_prefix_loglik_xp
from ._base import CriterionResult, Curve, SampleSizeEstimator
from ._common import prepare_glm_data
from ._device import DeviceMixin
from ._shared import cached, chunk_scope, data_key
from ._units import standardise_features

__all__ = ["DSufficiency", "MSufficiency"]



@dataclass
class _BootstrapState:
    """Everything the replicates of one fit need (built once by ``_prepare``)."""

    kind: str
    estimator: object
    X: np.ndarray
    y: np.ndarray
    sigma2: float
    classification: bool
    y01: np.ndarray = None
    alpha: float = 0.0
    inv_c: float = 0.0
    fit_intercept: bool = True
    scorer: object = None
    # Gaussian full-data sufficient statistics (kind == "linear")
    loglik_max: float = 0.0
    gram_z: np.ndarray = None
    coef_hat_z: np.ndarray = None
    mean: np.ndarray = None
    sd: np.ndarray = None
    y_mean: float = 0.0
    #: The standardised design of the linear fits, built by the first chunk a process
    #: evaluates and reused by the others (fit_linear_prefix's cache).
    design_cache: dict = None
    #: What determines the replicates' values besides their seeds and the grid (a hash),
    #: within share_computations; None otherwise.
    share_key: str = None
    #: Where the linear fits and their log-likelihoods run (a DeviceSpec), None for NumPy.
    device: object = None


def _gaussian_full_data_stats(X, y, fit_intercept, sigma2):
    """``l(D_m, ŵ)``, ``ZᵀZ`` and ``ŵ`` in standardised coordinates (one O(m d²) pass)."""
    Z, mu, sd = standardize_columns(X, center=fit_intercept)
    ymu = y.mean() if fit_intercept else 0.0
    yc = y - ymu
    coef_hat, *_ = np.linalg.lstsq(Z, yc, rcond=None)
    resid = yc - Z @ coef_hat
    m = X.shape[0]
    ll_max = -0.5 * m * np.log(2 * np.pi * sigma2) - 0.5 * float(resid @ resid) / sigma2
    return ll_max, Z.T @ Z, coef_hat, mu, sd, ymu


class _LikelihoodBootstrap(DeviceMixin, SampleSizeEstimator):
    """Shared mechanism of D- and M-sufficiency (not for direct use)."""

    _direction = "below"
    _replace = True
    _which = "D"
    _threshold_modes = ("per_object", "absolute", "relative", "fraction_of_max")
    _parameter_constraints = {
        **SampleSizeEstimator._parameter_constraints,
        "estimator": [HasMethods(["fit"]), None],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "n_repeats": [Interval(Integral, 2, None, closed="left")],  # a bootstrap variance
        "threshold_mode": [StrOptions(set(_threshold_modes))],
        "batched": [StrOptions({"auto"}), "boolean"],
    }

    def _holds(self, criterion, threshold, mode):
        if mode != "per_object":
            return super()._holds(criterion, threshold, mode)
        # per object of the full data: sqrt(D(k)) / m (nats) and M(k) / m (nats per added
        # object), compared with ε; threshold_ is the same rule in the units of criterion_
        eps, m = threshold[0], self.n_samples_seen_
        level = (eps * m) ** 2 if self._which == "D" else eps * m
        return threshold_holds(criterion, level, "absolute")

    # ------------------------------------------------------------ planning
    def _default_estimator(self, y):
        from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge

        family = resolve_family(self.family, y)
        pp = self.prior_precision
        if family == "gaussian":
            pp = 0.0 if pp is None else pp
            alpha = pp * (1.0 if self.sigma2 is None else self.sigma2)
            if alpha > 0:
                return Ridge(alpha=alpha, fit_intercept=self.fit_intercept)
            return LinearRegression(fit_intercept=self.fit_intercept)
        pp = 0.01 if pp is None else pp
        return LogisticRegression(C=np.inf if pp == 0 else 1.0 / pp,
                                  fit_intercept=self.fit_intercept, max_iter=1000)

    def _prepare(self, X, y):
        from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge

        est = self._default_estimator(y) if self.estimator is None else self.estimator
        classification = is_classifier(est)
        if self.standardize:
            # the fits (penalised or not) and the full-data log-likelihood do not depend on
            # the units of the columns; scaled by max|x| first, so 1e±300 neither overflows
            # nor underflows (a model without an intercept is only rescaled, not centred)
            center = bool(est.get_params().get("fit_intercept", True))
            X, _ = standardise_features(X, center=center,
                                        feature_names=getattr(self, "feature_names_in_", None),
                                        owner=type(self).__name__)
        y01 = None
        if classification and np.unique(y).size <= 2:
            _, y01 = check_binary_target(y)
        sigma2 = self.sigma2
        if sigma2 is None and not classification:
            sigma2 = prepare_glm_data(X, y, "gaussian", True).sigma2
        state = _BootstrapState(kind="generic", estimator=est, X=X, y=y,
                                sigma2=1.0 if sigma2 is None else float(sigma2),
                                classification=classification, y01=y01)
        if self.scoring is not None:
            from sklearn.metrics import check_scoring

            state.scorer = check_scoring(est, scoring=self.scoring)
        if self.batched is False or self.scoring is not None:
            if self.batched is True:
                raise ValueError("batched=True needs scoring=None.")
            return state
        params = est.get_params()
        if type(est) in (LinearRegression, Ridge) and not params["positive"] and (
                type(est) is LinearRegression or np.ndim(params["alpha"]) == 0):
            state.kind = "linear"
            state.design_cache = {}
            state.alpha = 0.0 if type(est) is LinearRegression else float(params["alpha"])
            state.fit_intercept = bool(params["fit_intercept"])
            (state.loglik_max, state.gram_z, state.coef_hat_z, state.mean, state.sd,
             state.y_mean) = _gaussian_full_data_stats(X, y, state.fit_intercept, state.sigma2)
            state.device = self._device  # torch tensors under array API dispatch: there
        elif (type(est) is LogisticRegression and y01 is not None
              and params.get("l1_ratio") in (0, 0.0, None)
              and params.get("penalty") in ("l2", "deprecated", None)
              and params.get("class_weight") is None):
            C = params["C"]
            state.kind = "logistic"
            state.inv_c = 0.0 if (params.get("penalty") is None or not np.isfinite(C)) else 1.0 / C
            state.fit_intercept = bool(params["fit_intercept"])
            state.device = self._device  # torch tensors under array API dispatch: there
            state.design_cache = {}
        elif self.batched is True:
            raise ValueError(
                "batched=True needs estimator=None, LinearRegression, Ridge or a binary L2 "
                f"LogisticRegression with scoring=None; got {type(est).__name__}."
            )
        if self.scoring is None or isinstance(self.scoring, str):
            # within share_computations (compare_methods): a hash of everything _criterion
            # reads from the state, so that D and M share their replicates; None outside
            state.share_key = data_key(
                state.kind, state.estimator, self.scoring, state.X, state.y, state.sigma2,
                state.classification, state.y01, state.alpha, state.inv_c,
                state.fit_intercept, self._replace, state.device)
        return state

    def _evaluate_chunk_inner(self, state, sizes, seeds, m):
        # D and M bootstrap the same log-likelihoods and differ only in how the curve is
        # read: with the same data, model, grid and seeds the second fit reuses the first's
        if state.share_key is None:
            return super()._evaluate_chunk_inner(state, sizes, seeds, m)
        evaluate = super()._evaluate_chunk_inner
        with chunk_scope(sizes, seeds, m):
            result = cached("bootstrap log-likelihoods", state.share_key,
                            lambda: evaluate(state, sizes, seeds, m))
        return copy.deepcopy(result)  # the fitted attributes are the caller's own arrays

    def _binary_labels(self, state):
        # a binary classifier's fits need both classes: stratified sequences (see _base)
        return state.y01

    # --------------------------------------------------------- evaluation
    def _gaussian_loglik(self, state, coef, intercept):
        """Full-data Gaussian log-likelihood from the sufficient statistics, O(d²) each.

        ``coef``, ``intercept``: NumPy arrays, or arrays on ``state.device`` (the
        statistics are moved there once per process and the result stays there).
        """
        xp = namespace_of(coef)
        if xp is None:
            sd, coef_hat_z, gram_z, mean = state.sd, state.coef_hat_z, state.gram_z, state.mean
        else:
            key = ("full-data statistics on device", state.device)
            if key not in state.design_cache:
                state.design_cache[key] = tuple(state.device.asarray(a) for a in (
                    state.sd, state.coef_hat_z, state.gram_z, state.mean))
            sd, coef_hat_z, gram_z, mean = state.design_cache[key]
        dz = coef * sd - coef_hat_z
        if xp is None:
            q = np.einsum("...i,ij,...j->...", dz, gram_z, dz)
        else:
            q = xp.sum(dz * xp.matmul(dz, gram_z), axis=-1)
        if state.fit_intercept:
            b_z = intercept - state.y_mean + coef @ mean
            q = q + state.X.shape[0] * b_z**2
        return state.loglik_max - 0.5 * q / state.sigma2

    def _generic_value(self, state, est):
        X, y = state.X, state.y
        if state.scorer is not None:
            return float(state.scorer(est, X, y))
        if state.classification:
            if not hasattr(est, "predict_proba"):
                raise TypeError(
                    f"{type(est).__name__} has no predict_proba, which the default log-likelihood "
                    "of a classifier needs; pass scoring= (e.g. 'neg_log_loss' or 'accuracy')."
                )
            proba = est.predict_proba(X)
            col = np.searchsorted(est.classes_, y)
            with np.errstate(divide="ignore"):
                return float(np.sum(np.log(proba[np.arange(len(y)), col])))
        resid = y - est.predict(X)
        s2 = state.sigma2
        return float(-0.5 * len(y) * np.log(2 * np.pi * s2) - 0.5 * resid @ resid / s2)

    def _criterion(self, state, draws):
        """Full-data log-likelihood (or score) of every replicate at every grid size."""
        sizes, index = draws.sizes, draws.index
        R = draws.n_replicates
        if state.kind == "linear" and state.device is not None:
            # the prefix Grams, the solves and the log-likelihoods on the input's device;
            # the (R, J) table comes back to the host
            coef, b0 = fit_linear_prefix_xp(state.X, state.y, index, sizes,
                                            device=state.device, alpha=state.alpha,
                                            fit_intercept=state.fit_intercept,
                                            cache=state.design_cache)
            return CriterionResult(to_numpy(self._gaussian_loglik(state, coef, b0)).T)
        if state.kind == "linear":
            coef, b0 = fit_linear_prefix(state.X, state.y, index, sizes, alpha=state.alpha,
                                         fit_intercept=state.fit_intercept,
                                         cache=state.design_cache)
            return CriterionResult(self._gaussian_loglik(state, coef, b0).T)
        if state.kind == "logistic" and state.device is not None:
            # Newton on the gathered prefix rows and the full-data log-likelihoods on the
            # input's device; the (J, R) table comes back to the host
            return CriterionResult(sklearn_logistic_prefix_loglik_xp(
                state.X, state.y01, index, sizes, device=state.device, inv_c=state.inv_c,
                fit_intercept=state.fit_intercept, cache=state.design_cache))
        out = np.empty((len(sizes), R))
        if state.kind == "logistic":
            # Newton on the gathered prefix rows (the count-weighted fit's estimate); the
            # criterion is the full-data log-likelihood Σ log σ(s_i θ_i), s_i = ±1 for y = 1/0
            signed = np.hstack([np.ones((state.X.shape[0], 1)), state.X]) * (
                2.0 * state.y01 - 1.0)[:, None]
            path = sklearn_logistic_prefix_path(state.X, state.y01, index, sizes,
                                                inv_c=state.inv_c,
                                                fit_intercept=state.fit_intercept)
            for j, (coef, b0) in enumerate(path):
                full = np.hstack([b0[:, None], coef])
                out[j] = log_expit(full @ signed.T).sum(axis=1)
            return CriterionResult(out)
        for r in range(R):
            for j, k in enumerate(sizes):
                rows = index[r, :k]
                est = clone(state.estimator).fit(state.X[rows], state.y[rows])
                out[j, r] = self._generic_value(state, est)
        return CriterionResult(out)

    def _curve(self, result, sizes, state):
        values = result.values
        B = values.shape[1]
        self.loss_replicates_ = values
        self.loss_mean_ = values.mean(axis=1)
        self.loss_std_ = values.std(axis=1, ddof=1)
        self.estimator_kind_ = state.kind
        var = values.var(axis=1, ddof=1)
        if self._which == "D":
            # normal-theory standard error of the sample variance
            return Curve(sizes, var, var * np.sqrt(2.0 / (B - 1)))
        step = np.diff(sizes).astype(float) if self.per_object else np.ones(len(sizes) - 1)
        crit = np.abs(np.diff(self.loss_mean_)) / step
        # nested replicates: the two means share their replicates, so the difference is
        # estimated paired (its standard error from the per-replicate differences)
        diffs = np.diff(values, axis=0) / step[:, None]
        return Curve(sizes[:-1], crit, diffs.std(axis=1, ddof=1) / np.sqrt(B))

    def _size_grid(self, n_samples, n_features):
        grid = super()._size_grid(n_samples, n_features)
        if self._which == "M" and grid.size < 2:
            raise ValueError("M-sufficiency needs at least 2 grid sizes (sizes).")
        return grid


_DM_PARAMS_DOC = """
    Parameters
    ----------
    estimator : estimator or None, default=None
        The model fitted on every bootstrap subsample. None: the GLM given by
        ``family`` (least squares, or logistic regression with an L2 penalty
        ``prior_precision``), solved for all replicates at once. Also batched
        (exact, same numbers as the clone-and-fit loop): ``LinearRegression``,
        ``Ridge`` and binary L2 ``LogisticRegression``. Anything else is
        cloned and fitted per replicate.
    family : {"auto", "gaussian", "binomial"}, default="auto"
        Model when ``estimator=None``; "auto" is binomial for a binary target.
    scoring : str, callable or None, default=None
        What is bootstrapped. None: the log-likelihood on the full data
        (Gaussian with noise variance ``sigma2`` for regressors, Bernoulli from
        ``predict_proba`` for classifiers). Otherwise any scikit-learn scorer
        (``scorer(estimator, X, y)``) or scorer name, evaluated on the full
        data; a loss works equally (D and M only use variances and differences).
    n_repeats : int, default=1000
        Bootstrap replicates ``B`` ("usually B >= 1000"). Each replicate is
        one sequence of i.i.d. row draws; its first ``k`` draws are its
        bootstrap subsample of size ``k``.
    sizes : None, int or array-like of int, default=None
        Grid of sizes: None (50 evenly spaced points from ``n_features + 2`` to
        ``m``; beyond 2,000 rows 100 geometrically spaced points, whose
        resolution is proportional to the size), a number of points, or
        explicit sizes.
    threshold : float, default=0.01 (D) or 1e-4 (M)
        ``ε``; its meaning depends on ``threshold_mode``.
    threshold_mode : {"per_object", "fraction_of_max", "relative", "absolute"}, default="per_object"
        "per_object" (default): the criterion per object of the full data, in
        nats, which has a known scale: D: the standard deviation of the mean
        full-data log-likelihood, ``sqrt(D(k)) / m <= ε``; M: ``M(k) / m <= ε``.
        With the noise variance estimated (``sigma2=None``, the default) a
        linear-Gaussian model gives ``sqrt(D(k)) / m ≈ sqrt(p/2) / k`` and
        ``M(k) / m ≈ p / (2k²)`` for ``p`` parameters, so ``m*`` grows with the
        dimension, does not depend on the noise level, and the defaults (D:
        0.01, M: 1e-4 = 0.01²) give the same ``m* ≈ 70 sqrt(p)``.
        "fraction_of_max": the criterion has fallen to ``ε`` times its
        largest value (``ε = 0.5``: Table 4.4's "value at which the function
        halves"); "relative": deviation from the value at the largest size of
        at most ``ε`` times that value (§4.7); "absolute": ``T(k) <= ε``
        (Definitions 22, 23).
    decision_rule : {"all", "first"}, default="all"
        "all": Definition 19 (the rule holds at every larger size); "first":
        the smallest size at which it holds.
    fit_intercept : bool, default=True
        Intercept of the built-in GLM (``estimator=None``).
    prior_precision : float or None, default=None
        L2 penalty of the built-in GLM: ridge ``alpha = prior_precision * sigma2``
        for the Gaussian family (default 0), ``C = 1 / prior_precision`` for the
        binomial family (default 0.01, i.e. ``C = 100``). The intercept is not
        penalised.
    sigma2 : float or None, default=None
        Noise variance of the Gaussian log-likelihood. None (default) estimates
        it from the full-data least-squares residuals, so the log-likelihood is
        in units of the data's own noise; a number is the text's known ``σ²``
        (then ``m*`` grows with the true noise level, as an absolute scale must).
    standardize : bool, default=True
        Standardise the features before any fit (as a ``StandardScaler`` in
        front of the estimator; each column is first divided by its largest
        absolute value, so ``X * 1e300`` does not overflow), so that ``m*``
        does not depend on the units of the columns, also with a penalised
        model (``prior_precision``, ``Ridge``, ``LogisticRegression``). A
        constant column is left out with a warning naming it. False fits the
        columns as given.
    batched : {"auto", True, False}, default="auto"
        Use the batched solvers where possible; False forces clone-and-fit.
    random_state : int, RandomState or None, default=None
    n_jobs : int or None, default=None
        Chunks of replicates are evaluated in parallel with joblib (any joblib
        backend, e.g. Dask through ``joblib.parallel_config``); the result
        does not depend on ``n_jobs`` or the backend (identical up to BLAS
        round-off across machines).
    verbose : int, default=0
        Show a progress bar.
"""

_DM_ATTRS_DOC = """
    Attributes
    ----------
    sample_size_ : int or None
    sizes_ : ndarray of int
    criterion_ : ndarray
    criterion_std_ : ndarray
        Estimated standard error of the criterion.
    criterion_holds_ : ndarray of bool
    threshold_ : float
        The threshold in the units of ``criterion_``.
    loss_replicates_ : ndarray of shape (n_grid, n_repeats)
        The full-data log-likelihood (or score) of every replicate.
    loss_mean_, loss_std_ : ndarray of shape (n_grid,)
    estimator_kind_ : {"linear", "logistic", "generic"}
        How the replicates were fitted.
    n_samples_seen_ : int
    n_features_in_ : int
"""


class DSufficiency(_LikelihoodBootstrap):
    __doc__ = (
        """D-sufficient sample size: variance of the full-data log-likelihood (Definition 22).

    ``D(k) = Var_b l(D_m, ŵ_k^(b))`` over ``B`` bootstrap subsamples of size
    ``k`` (unbiased variance), and ``m*`` is read off with ``decision_rule``.
"""
        + _DM_PARAMS_DOC
        + _DM_ATTRS_DOC
        + """
    Examples
    --------
    >>> from skcomplexity.datasets import make_linear_regression
    >>> from skcomplexity.sample_size import DSufficiency
    >>> X, y = make_linear_regression(300, 5, random_state=0)
    >>> est = DSufficiency(n_repeats=200, sizes=20, random_state=0).fit(X, y)
    >>> bool(est.criterion_[-1] < est.criterion_[0]), est.sample_size_ is not None
    (True, True)
    """
    )

    question = ("After how many rows do refits on different subsamples agree on the full-data "
                "log-likelihood (its spread below the threshold)?")
    threshold_unit = "squared nats"
    criterion_label = "variance of the full-data log-likelihood (squared nats)"

    _which = "D"

    def __init__(self, estimator=None, *, family="auto", scoring=None, n_repeats=1000,
                 sizes=None, threshold=0.01, threshold_mode="per_object",
                 decision_rule="all", fit_intercept=True, prior_precision=None, sigma2=None,
                 standardize=True, batched="auto", random_state=None, n_jobs=None, verbose=0):
        self.estimator = estimator
        self.family = family
        self.scoring = scoring
        self.n_repeats = n_repeats
        self.sizes = sizes
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.decision_rule = decision_rule
        self.fit_intercept = fit_intercept
        self.prior_precision = prior_precision
        self.sigma2 = sigma2
        self.standardize = standardize
        self.batched = batched
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose


class MSufficiency(_LikelihoodBootstrap):
    __doc__ = (
        """M-sufficient sample size: change of the mean full-data log-likelihood (Definition 23).

    ``M(k_j) = |μ(k_{j+1}) - μ(k_j)| / (k_{j+1} - k_j)`` with ``μ`` the bootstrap
    mean of ``l(D_m, ŵ_k)``; the division by the grid step (``per_object=True``)
    keeps the definition's "one added object" scale on a coarse grid (spec Q8).
    ``sizes_`` is the grid without its last point.
"""
        + _DM_PARAMS_DOC
        + """    per_object : bool, default=True
        Divide the difference of consecutive means by the grid step; False
        gives the authors' code's plain difference of consecutive grid points.
"""
        + _DM_ATTRS_DOC
        + """
    Examples
    --------
    >>> from skcomplexity.datasets import make_linear_regression
    >>> from skcomplexity.sample_size import MSufficiency
    >>> X, y = make_linear_regression(300, 5, random_state=0)
    >>> est = MSufficiency(n_repeats=200, sizes=20, random_state=0).fit(X, y)
    >>> len(est.sizes_), bool(est.criterion_[-1] < est.criterion_[0])
    (19, True)
    """
    )

    question = ("After how many rows does one more row change the mean full-data log-likelihood by "
                "less than the threshold?")
    threshold_unit = "nats per added row"
    criterion_label = "change of the full-data log-likelihood (nats per added row)"

    _which = "M"

    def __init__(self, estimator=None, *, family="auto", scoring=None, n_repeats=1000,
                 sizes=None, threshold=1e-4, threshold_mode="per_object",
                 decision_rule="all", fit_intercept=True, prior_precision=None, sigma2=None,
                 standardize=True, batched="auto", per_object=True, random_state=None, n_jobs=None, verbose=0):
        self.estimator = estimator
        self.family = family
        self.scoring = scoring
        self.n_repeats = n_repeats
        self.sizes = sizes
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.decision_rule = decision_rule
        self.fit_intercept = fit_intercept
        self.prior_precision = prior_precision
        self.sigma2 = sigma2
        self.standardize = standardize
        self.batched = batched
        self.per_object = per_object
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose
