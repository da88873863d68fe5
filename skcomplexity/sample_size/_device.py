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

A method that has no device route yet (or a route that does not apply, e.g.
a user's estimator) computes with NumPy on the host: the same answer, off the
device.
"""

from .._array_api import input_device, to_numpy

__all__ = ["DeviceMixin"]


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
