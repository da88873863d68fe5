"""What the Bayesian sample-size methods share: batched posteriors of nested replicates.

:class:`_PosteriorSampleSize` is the template method of
:mod:`skcomplexity.sample_size.bayesian` (APVC, ACC, ALC) and of
:mod:`skcomplexity.sample_size._utility` (utility) and
:mod:`skcomplexity.sample_size._utility_kl` (KL between neighbours):
``_prepare`` standardises the data and fixes the GLM, ``_criterion`` walks
:func:`posterior_path` over the grid and a method implements
``_value(data, batch, rngs)``; the parameter blocks their docstrings share are
filled by :func:`~skcomplexity._docstrings.fill_doc`.
"""

from dataclasses import dataclass
from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval

from .._validation import resolve_family
from ..models.glm import laplace_rows_path, prefix_grams_xy, solve_spd
from ._base import CriterionResult, SampleSizeEstimator
from ._common import prepare_glm_data
from ._shared import cached, chunk_scope, data_key
from ._units import standardise_features, standardise_target

__all__ = ["COMMON_PARAMS_DOC", "GRID_PARAMS_DOC", "PosteriorBatch", "posterior_path"]

COMMON_PARAMS_DOC = """
family : {"auto", "gaussian", "binomial"}, default="auto"
    GLM family; "auto" is binomial for a binary target.
fit_intercept : bool, default=True
    Add an intercept column (it is a parameter of the posterior too).
prior_precision : float, default=0.01
    Precision ``α`` of the prior ``N(0, α⁻¹ I)`` (0.01 as in the published
    reference implementation); must be > 0.
sigma2 : float or None, default=None
    Noise variance of the Gaussian family; None estimates it by the
    residual variance of the least-squares fit on all the data. (The
    reference implementation used 1 on z-scored targets.) With
    ``standardize_target=True`` it is in units of the standardised target.
standardize : bool, default=True
    Standardise the features first (each column divided by its largest
    absolute value, then centred and divided by its standard deviation;
    without an intercept only divided by its root mean square), so that
    ``m*`` does not depend on the units of the columns: the prior, the
    posterior (co)variances and the radii are those of the coefficients
    of standardised features. A constant column is left out with a
    warning naming it. False uses the columns as given (the published
    reference implementation z-scored them beforehand).
standardize_target : bool, default=True
    Standardise a continuous target too (the Gaussian family), so that
    the posterior of the coefficients is in units of the target's
    standard deviation per standard deviation of a feature and ``m*``
    does not depend on the units of ``y``. Ignored for a binary target.
"""

GRID_PARAMS_DOC = """
sizes : None, int or array-like, default=None
    Grid of subsample sizes (see :func:`make_size_grid`). None: 50 evenly
    spaced points from ``n_features + 2`` to ``m``; beyond 2,000 rows 100
    geometrically spaced points (resolution proportional to the size), so
    that ``m*`` is not a coarse grid's first points by construction, refined
    near ``m*``: the step that holds ``m*`` and each that holds the answer on
    one of the interval's resamples of the replicates get 8 more sizes,
    evaluated on the same replicates, so that the answer is read at steps of
    about 1 % (where these answers lie in at most two steps; not for the
    utility of a binary target, whose Monte Carlo sample at a size depends
    on the sizes before it). An explicit grid is used as given.
n_repeats : int, default=100
    Random subsamples per size (drawn with replacement).
random_state : int, RandomState instance or None, default=None
n_jobs : int, default=None
    Sizes evaluated in parallel with joblib.
verbose : int, default=0
    Progress bar when > 0.
"""


@dataclass
class PosteriorBatch:
    """Posteriors of one grid size for a chunk of nested replicates.

    ``gram``, ``xty``, ``yty`` are the weighted sufficient statistics of each
    subsample (Gaussian family); ``rows`` the subsample's row indices (R, k);
    ``counts`` is not filled (the binomial family works on ``rows``).
    """

    size: int
    mean: np.ndarray
    cov: np.ndarray
    rows: np.ndarray
    gram: np.ndarray = None
    xty: np.ndarray = None
    yty: np.ndarray = None
    counts: np.ndarray = None
    normals: np.ndarray = None


def posterior_path(data, draws, prior_precision):
    """Yield :class:`PosteriorBatch` for every grid size of a chunk of nested replicates.

    Gaussian family: the exact conjugate posterior
    ``Σ = (αI + XᵀCX/σ²)⁻¹``, ``m = Σ XᵀCy/σ²`` from the prefix statistics of
    one cumulative pass (no count matrix). Binomial family: the Laplace
    posterior fitted on the gathered prefix rows (the count-weighted fit's
    estimate), Newton warm-started from the previous size.
    """
    sizes, index = draws.sizes, draws.index
    p = data.n_params
    if data.family == "gaussian":
        S = prefix_grams_xy(data.X, data.y, index, sizes)
        s2 = data.sigma2
        for j, k in enumerate(sizes):
            gram, xty, yty = S[:, j, :p, :p], S[:, j, :p, p], S[:, j, p, p]
            precision = gram / s2 + prior_precision * np.eye(p)
            cov = solve_spd(precision, np.broadcast_to(np.eye(p), precision.shape))
            mean = np.einsum("rij,rj->ri", cov, xty) / s2
            yield PosteriorBatch(int(k), mean, cov, index[:, :k], gram, xty, yty)
        return
    # the Laplace posterior fitted on the gathered prefix rows: the count-weighted fit's
    # estimate at k/m of the cost
    path = laplace_rows_path(data.X, data.y, index, [(0, int(k)) for k in sizes],
                             prior_precision)
    for k, (mean, cov) in zip(sizes, path, strict=True):
        yield PosteriorBatch(int(k), mean, cov, index[:, :k])


class _PosteriorSampleSize(SampleSizeEstimator):
    """Shared machinery: GLM data, batched posteriors of nested bootstrap subsamples.

    Subclasses implement ``_value(data, batch, rngs) -> (R,)``.
    """

    _replace = True
    # the default large grid refined near m* (each replicate's criterion at a size depends
    # on its prefix alone, its Monte Carlo normals are drawn once for every size)
    _refine_grid = True
    _refine_points = 8
    #: How ACC and ALC evaluate the posterior ball ("exact" or "monte-carlo", their
    #: parameter); None for the methods that have no ball.
    method = None
    _parameter_constraints = {
        **SampleSizeEstimator._parameter_constraints,
        # the posterior needs a proper prior
        "prior_precision": [Interval(Real, 0, None, closed="neither")],
    }

    def _prepare(self, X, y):
        def compute():
            family = resolve_family(self.family, y)
            Xs = X
            if self.standardize:
                Xs, _ = standardise_features(X, center=self.fit_intercept, feature_names=names,
                                             owner=type(self).__name__)
            ys = y
            if self.standardize_target and family == "gaussian":
                ys = standardise_target(y)
            return prepare_glm_data(Xs, ys, family, self.fit_intercept, sigma2=self.sigma2)

        names = getattr(self, "feature_names_in_", None)
        # within share_computations: the methods given the same data and settings share the
        # prepared data, and those with the same prior too the posteriors of every chunk
        # (the key: what they depend on besides the chunk; None outside, nothing shared)
        key = data_key(X, y, self.family, self.fit_intercept, self.standardize,
                       self.standardize_target, self.sigma2,
                       None if names is None else [str(n) for n in names])
        data = cached("posterior data", key, compute, per_chunk=False)
        self.family_ = data.family
        self.sigma2_ = data.sigma2
        self._share_key = None if key is None else (key, float(self.prior_precision))
        return data

    def _evaluate_chunk_inner(self, state, sizes, seeds, m):
        with chunk_scope(sizes, seeds, m, self._sequence_length(sizes), self._replace,
                         type(self)._binary_labels.__qualname__):
            return super()._evaluate_chunk_inner(state, sizes, seeds, m)

    def _posterior_path(self, data, draws):
        """:func:`posterior_path`, shared within
        :func:`~skcomplexity.sample_size._shared.share_computations` by the methods whose
        data, prior and chunk of replicates agree (the same arrays, read-only)."""
        def compute():
            return [(b.size, b.mean, b.cov, b.rows, b.gram, b.xty, b.yty)
                    for b in posterior_path(data, draws, self.prior_precision)]

        for args in cached("posterior_path", getattr(self, "_share_key", None), compute):
            yield PosteriorBatch(*args)

    def _criterion(self, data, draws):
        out = np.empty((len(draws.sizes), draws.n_replicates))
        normals = None
        if self.method == "monte-carlo":
            # common random numbers: each replicate's standard normal draws (from its own
            # generator) serve every size, so the curve is smooth in k and the draws cost
            # O(R n_draws p) per chunk instead of per size
            normals = np.stack([rng.standard_normal((self.n_draws, data.n_params))
                                for rng in draws.rngs])
        for j, batch in enumerate(self._posterior_path(data, draws)):
            batch.normals = normals
            out[j] = self._value(data, batch, draws.rngs)
        return CriterionResult(out)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
