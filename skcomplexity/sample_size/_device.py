"""The sample-size estimators' side of scikit-learn's array API convention.

Under ``sklearn.config_context(array_api_dispatch=True)``, ``fit`` given arrays
of a namespace other than NumPy (torch tensors, on the CPU or a CUDA device)
records where they live (:class:`~skcomplexity._array_api.DeviceSpec`) and
validates and prepares their values on the host exactly as for NumPy input
(checks, standardisation, the noise variance, the identifiability check: one
pass over the data each). The prepared design then goes to the device once,
and the method's heavy work — the replicates' Gram prefixes, Cholesky solves,
Newton steps — runs there in float64; the random draws stay in NumPy on the
host, so the replicates, and the fitted numbers, are those of NumPy input to
rounding. The fitted attributes are NumPy arrays and Python numbers.

For the conjugate model (KL/S-sufficiency on a regression target) the
preparation itself runs on the device too (:func:`prepare_conjugate_on_device`):
the standardisation, the identifiability rule and the residual variance are
passes over the whole design, which on 10,000,000 x 50 take minutes on one CPU
core. Where the data need the host's judgement (a constant, all-zero or aliased
column, an exact fit) the host path runs instead, with its warnings and errors.

What runs on the device: KL/S-sufficiency's conjugate engine (a regression
target) and its Laplace one-step path (a binary target, ``divergence="expected"``:
exact Newton steps and ``xᵀΣx`` from Cholesky factors, where the NumPy path reads
``xᵀΣx`` to about 1e-6); D/M-sufficiency's least squares, ridge and binary L2
``LogisticRegression`` fits with their full-data log-likelihoods
(:mod:`skcomplexity.models.batched_xp`, :mod:`skcomplexity.models.logistic_xp`).

The asymptotic tests (score, likelihood-ratio and Wald:
:mod:`skcomplexity.sample_size.statistical`) have no replicates: their work is
full-data fits. A regression design is prepared on the device
(:func:`~skcomplexity.sample_size._common.glm_design_on_device`); a binary one on
the host (labels, the separation LP and the identifiability check are host
judgements) and then moved to the device once. The design stays there, and the
pilot and restricted fits (normal equations and a Cholesky solve, or Newton's
method with its step-halving and warnings:
:mod:`skcomplexity.models.glm_xp`), the residual variance, the Fisher
information and the tests' per-row sums run there in float64; coefficients (p,),
matrices (p, p) and scalars come back for the small solves, ``γ*``, ``α*`` and
the power curve. ``published_fit=True`` (scikit-learn's and scipy's optimisers, to
reproduce the published tables) computes on the host. The logistic Z-test runs
its two Newton fits on the device and its ROC threshold on the host.

A method that has no device route yet (the observed Laplace divergence, a scorer,
``batched=False``) or a route that does not apply (a user's estimator) computes
with NumPy on the host: the same answer, off the device.
"""

import numpy as np

from .._array_api import input_device, to_numpy
from .._validation import resolve_family, standardize_columns
from ..models.batched_xp import standardize_columns_xp
from ._common import GLMData, glm_design_on_device

__all__ = ["DeviceMixin", "prepare_conjugate_on_device"]


class DeviceMixin:
    """Records the input's device in ``_check_xy``; ``_to_device`` moves prepared arrays.

    Put it before :class:`~skcomplexity.sample_size._base.SampleSizeEstimator` in
    the bases. ``self._device`` is None (NumPy) or a picklable
    :class:`~skcomplexity._array_api.DeviceSpec`.
    """

    _device = None

    def _check_xy(self, X, y):
        return super()._check_xy(*self._host_xy(X, y))

    def _host_xy(self, X, y):
        """Record the input's device; its values on the host (NumPy input as it is)."""
        self._device = input_device(X, y)
        if self._device is not None:
            X, y = to_numpy(X), to_numpy(y)
        return X, y

    def _to_device(self, *arrays):
        """The arrays on the input's device (float64), or None for NumPy input."""
        if self._device is None:
            return None
        return tuple(self._device.asarray(a) for a in arrays)


def prepare_conjugate_on_device(spec, X, y, *, family, standardize, standardize_target,
                                fit_intercept, sigma2):
    """KL/S-sufficiency's conjugate preparation on the device, or None for the host path.

    The device counterpart of the built-in model's ``_prepare`` for a regression
    target: the z-scored columns (centred, as
    :func:`~skcomplexity._validation.standardize_columns` there), then
    :func:`~skcomplexity.sample_size._common.glm_design_on_device` (the intercept
    column, the identifiability rule, the noise variance ``RSS / (m - p)`` when
    ``sigma2`` is None). The target (one column) is checked and standardised on the
    host as before. None wherever the host path would warn, raise or treat a column
    specially, so that those cases keep its messages.

    Returns
    -------
    (data, (X_device, y_device)) or None
        ``data.X`` is the design on the device (its shape is all the host reads);
        ``data.y`` the host target.
    """
    Xd = spec.asarray(X)
    if standardize:
        out = standardize_columns_xp(Xd)  # centred whatever fit_intercept, as on the host
        if out is None:
            return None
        Xd = out[0]
    if resolve_family(family, y) != "gaussian":
        return None
    if standardize_target:
        y = standardize_columns(y[:, None], name="y")[0][:, 0]
    prepared = glm_design_on_device(Xd, y, fit_intercept=fit_intercept, sigma2=sigma2)
    if prepared is None:
        return None
    Xd, y, sigma2, _ = prepared
    data = GLMData(X=Xd, y=y, family="gaussian", sigma2=sigma2,
                   columns=np.arange(Xd.shape[1]), separation=None)
    return data, (Xd, spec.asarray(y))
