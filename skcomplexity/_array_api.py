"""scikit-learn's array API convention, as the sample-size engine uses it.

Under ``sklearn.config_context(array_api_dispatch=True)`` an estimator given
arrays of another namespace than NumPy (torch tensors, on the CPU or a CUDA
device) computes its heavy linear algebra with that namespace on the arrays'
device; without dispatch, or for NumPy input, nothing changes. This module is
the shared lower layer of that convention:

* :func:`input_device` — whether ``fit``'s input asks for it (dispatch on and a
  non-NumPy namespace), as a picklable :class:`DeviceSpec`;
* :func:`namespace_of`, :func:`to_numpy` — the namespace an array lives in
  (None for NumPy), and its values on the host;
* :func:`cholesky`, :func:`cho_solve`, :func:`solve_triangular` — what the
  array API standard lacks (a factorisation that reports failure instead of
  raising, triangular solves), through torch's own functions for torch and the
  standard's ``linalg.solve`` otherwise.

Random draws stay in NumPy on the host (so the replicates are the same
whatever the device); the index of a draw is moved onto the device and the
data are gathered there. Nothing here imports torch unless the arrays are
torch tensors.
"""

import importlib
from dataclasses import dataclass

import numpy as np

__all__ = ["DeviceSpec", "cho_solve", "cholesky", "input_device", "is_torch_namespace",
           "namespace_of", "solve_triangular", "to_numpy"]


@dataclass(frozen=True)
class DeviceSpec:
    """Where an estimator computes: an array namespace (by module name) and a device.

    Plain strings, so that an estimator that holds one still pickles and clones.

    Attributes
    ----------
    namespace : str
        The module of the array API namespace, e.g.
        ``"sklearn.externals.array_api_compat.torch"``.
    device : str
        The device, e.g. ``"cpu"`` or ``"cuda:0"``.
    """

    namespace: str
    device: str

    @property
    def xp(self):
        return importlib.import_module(self.namespace)

    def asarray(self, a, dtype="float64"):
        """``a`` (a NumPy array) as an array of the namespace on the device (float64)."""
        xp = self.xp
        return xp.asarray(np.ascontiguousarray(a), dtype=getattr(xp, dtype), device=self.device)


def input_device(*arrays):
    """The :class:`DeviceSpec` of ``fit``'s input, or None to compute with NumPy.

    Not None only under ``sklearn.config_context(array_api_dispatch=True)`` with arrays
    of a namespace other than NumPy (scikit-learn's
    :func:`~sklearn.utils._array_api.get_namespace_and_device`).
    """
    from sklearn.utils._array_api import _is_numpy_namespace, get_namespace_and_device

    xp, compliant, device = get_namespace_and_device(*arrays)
    if not compliant or _is_numpy_namespace(xp):
        return None
    return DeviceSpec(xp.__name__, str(device))


def namespace_of(a):
    """The array API namespace of ``a``, or None for a NumPy array (or a non-array)."""
    from sklearn.externals import array_api_compat

    if isinstance(a, np.ndarray) or not array_api_compat.is_array_api_obj(a):
        return None
    xp = array_api_compat.array_namespace(a)
    return None if array_api_compat.is_numpy_namespace(xp) else xp


def to_numpy(a):
    """``a`` as a NumPy array on the host (a NumPy array or a non-array as it is)."""
    xp = namespace_of(a)
    if xp is None:
        return a
    from sklearn.utils._array_api import _convert_to_numpy

    return _convert_to_numpy(a, xp)


def is_torch_namespace(xp):
    """Whether ``xp`` is (scikit-learn's wrapper of) torch."""
    from sklearn.externals import array_api_compat

    return array_api_compat.is_torch_namespace(xp)


def cholesky(xp, A):
    """Lower Cholesky factors of a batch ``A`` (..., q, q) and whether each succeeded.

    Returns ``(L, ok)``; where ``ok`` is False the factor is not to be used.
    """
    if is_torch_namespace(xp):
        import torch

        L, info = torch.linalg.cholesky_ex(A)
        return L, info == 0
    from sklearn.externals import array_api_compat

    dev = array_api_compat.device(A)
    try:
        L = xp.linalg.cholesky(A)
    except Exception:  # the standard leaves the failure to the library
        return xp.zeros_like(A), xp.zeros(A.shape[:-2], dtype=xp.bool, device=dev)
    return L, xp.all(xp.isfinite(L), axis=(-2, -1))


def solve_triangular(xp, L, B, *, lower=True):
    """``L⁻¹ B`` for triangular ``L`` (..., q, q) and ``B`` (..., q, r)."""
    if is_torch_namespace(xp):
        import torch

        return torch.linalg.solve_triangular(L, B, upper=not lower)
    return xp.linalg.solve(L, B)


def cho_solve(xp, L, B):
    """``(L Lᵀ)⁻¹ B`` from the lower Cholesky factor ``L`` (..., q, q); ``B`` (..., q, r)."""
    if is_torch_namespace(xp):
        import torch

        return torch.cholesky_solve(B, L)
    z = solve_triangular(xp, L, B, lower=True)
    return solve_triangular(xp, xp.matrix_transpose(L), z, lower=False)
