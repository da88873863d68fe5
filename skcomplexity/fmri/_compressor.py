"""The data-complexity reduction of §6.2: 3-D max pooling of the scans."""

import math
from numbers import Integral

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

__all__ = ["MaxPool3DCompressor"]


def _as_triple(value, name):
    """``value`` as 3 per-axis integers; the elements of a tuple/list are checked here (the
    ``_parameter_constraints`` check only that it is an int >= 1 or a tuple/list)."""
    if isinstance(value, (tuple, list)):
        vals = tuple(value)
    else:
        vals = (value,) * 3
    if len(vals) != 3 or any(isinstance(v, bool) or not isinstance(v, Integral) or v < 1
                             for v in vals):
        raise ValueError(f"{name} must be a positive integer or a tuple of 3 positive integers, "
                         f"got {value!r}.")
    return tuple(int(v) for v in vals)


def _pooled_shape(shape, factors, remainder):
    out = []
    for axis, (n, f) in enumerate(zip(shape, factors)):
        if n == 1:
            f = 1
        m = math.ceil(n / f) if remainder == "pad" else n // f
        if m == 0:
            raise ValueError(f"factor {f} is larger than axis {axis} of length {n}; with "
                             "remainder='crop' nothing would be left. Use remainder='pad' or a "
                             "smaller factor.")
        out.append(m)
    return tuple(out)


def _effective_factors(shape, factors):
    # an axis of length one (a single slice, or a flat signal read as (n, 1, 1)) is not pooled
    return tuple(1 if n == 1 else f for n, f in zip(shape, factors))


class MaxPool3DCompressor(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Compress 3-D scans by max pooling (the map :math:`\\chi` of §6.2).

    Every scan is split into blocks of ``factor`` voxels per axis and each
    block is replaced by its maximum, as PyTorch's ``MaxPool3d`` with
    ``kernel_size=stride=factor`` does. The text's "compression coefficients"
    1, 2, 4, 8 are per-axis factors, so the number of voxels drops by
    ``factor**3`` (a 40 x 64 x 64 scan becomes 5 x 8 x 8 at factor 8).

    Parameters
    ----------
    factor : int or tuple of 3 int, default=2
        Pooling factor per axis; ``1`` leaves the scans unchanged.
    shape : tuple of 3 int, optional
        Shape ``(X, Y, Z)`` of one scan when the scans are passed flattened as
        ``(n_scans, X*Y*Z)`` (C order). Without it, a 2-D input is read as
        one-dimensional signals of shape ``(n_features, 1, 1)``. 4-D input
        ``(n_scans, X, Y, Z)`` carries its own shape.
    remainder : {"pad", "crop"}, default="pad"
        What happens when an axis length does not divide by its factor:
        ``"pad"`` keeps the last, partial block (``ceil_mode=True`` in
        PyTorch, nothing is discarded); ``"crop"`` drops the trailing voxels
        (PyTorch's default). Axes of length one are never pooled.

    Attributes
    ----------
    input_shape_ : tuple of int
        ``(X, Y, Z)`` of the scans seen in ``fit``.
    output_shape_ : tuple of int
        Shape of one compressed scan.
    factors_ : tuple of int
        The per-axis factors actually used.
    n_features_in_ : int
        Voxels per input scan.
    feature_names_in_ : ndarray of str
        Only for a 2-D input with string column names.

    See Also
    --------
    DeltaRidgeDecoder : The decoder the compression is made for.

    Notes
    -----
    The output has the layout of the input: 4-D scans give 4-D compressed
    scans, flat rows give flat rows (C order). :meth:`inverse_transform`
    upsamples by nearest neighbour (every voxel takes its block's maximum),
    so that errors can be measured at full resolution.

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.fmri import MaxPool3DCompressor
    >>> scans = np.random.default_rng(0).random((3, 40, 64, 64))
    >>> comp = MaxPool3DCompressor(factor=8).fit(scans)
    >>> comp.transform(scans).shape
    (3, 5, 8, 8)
    >>> flat = scans.reshape(3, -1)
    >>> MaxPool3DCompressor(4, shape=(40, 64, 64)).fit_transform(flat).shape
    (3, 2560)
    """

    _parameter_constraints = {
        "factor": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "shape": [None, tuple, list],
        "remainder": [StrOptions({"pad", "crop"})],
    }

    def __init__(self, factor=2, *, shape=None, remainder="pad"):
        self.factor = factor
        self.shape = shape
        self.remainder = remainder

    def _volumes(self, X, *, reset):
        """Validate X and return it as (n, X, Y, Z) plus whether it came in flat."""
        ndim = getattr(X, "ndim", None)
        if ndim is None:
            ndim = np.asarray(X).ndim
        if ndim == 4:
            X = check_array(X, allow_nd=True, dtype=[np.float64, np.float32],
                            input_name="X")
            if reset:
                if self.shape is not None and tuple(self.shape) != X.shape[1:]:
                    raise ValueError(f"shape={tuple(self.shape)} does not match the scans' shape "
                                     f"{X.shape[1:]}.")
                self.n_features_in_ = int(np.prod(X.shape[1:]))
                if hasattr(self, "feature_names_in_"):
                    del self.feature_names_in_
                return X, False, X.shape[1:]
            if X.shape[1:] != self.input_shape_:
                raise ValueError(f"Scans of shape {X.shape[1:]} given, but the compressor was "
                                 f"fitted on scans of shape {self.input_shape_}.")
            return X, False, X.shape[1:]
        X = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32])
        if reset:
            if self.shape is not None:
                shape = _as_triple(self.shape, "shape")
                if int(np.prod(shape)) != X.shape[1]:
                    raise ValueError(f"shape={shape} has {int(np.prod(shape))} voxels but X has "
                                     f"{X.shape[1]} columns.")
            else:
                shape = (X.shape[1], 1, 1)
        else:
            shape = self.input_shape_
        return X.reshape((X.shape[0],) + tuple(shape)), True, tuple(shape)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Record the scan shape and the output shape.

        Parameters
        ----------
        X : array-like of shape (n_scans, X, Y, Z) or (n_scans, n_voxels)
            Scans (values are not used).
        y : ignored

        Returns
        -------
        self
        """
        factors = _as_triple(self.factor, "factor")
        vol, _, shape = self._volumes(X, reset=True)
        self.input_shape_ = tuple(int(s) for s in shape)
        self.factors_ = _effective_factors(self.input_shape_, factors)
        self.output_shape_ = _pooled_shape(self.input_shape_, self.factors_, self.remainder)
        self._n_features_out = int(np.prod(self.output_shape_))
        return self

    def transform(self, X):
        """Max-pool every scan.

        Parameters
        ----------
        X : array-like of shape (n_scans, X, Y, Z) or (n_scans, n_voxels)
            Scans with the shape seen in ``fit``.

        Returns
        -------
        Xt : ndarray of shape (n_scans, X', Y', Z') or (n_scans, n_voxels_out)
            The compressed scans (``output_shape_`` is ``(X', Y', Z')``).
            Same layout (4-D or flat) as ``X``.
        """
        check_is_fitted(self, "output_shape_")
        vol, flat, shape = self._volumes(X, reset=False)
        n = vol.shape[0]
        f = self.factors_
        out = self.output_shape_
        if self.remainder == "crop":
            vol = vol[:, : out[0] * f[0], : out[1] * f[1], : out[2] * f[2]]
        else:
            pad = [(0, 0)] + [(0, o * k - s) for o, k, s in zip(out, f, shape)]
            if any(p[1] for p in pad):
                vol = np.pad(vol, pad, mode="constant", constant_values=-np.inf)
        if f != (1, 1, 1):
            vol = np.ascontiguousarray(vol).reshape(n, out[0], f[0], out[1], f[1], out[2], f[2])
            vol = vol.max(axis=(2, 4, 6))
        else:
            vol = np.array(vol, copy=True)
        return vol.reshape(n, -1) if flat else vol

    def inverse_transform(self, X):
        """Nearest-neighbour upsampling back to the input shape.

        Parameters
        ----------
        X : array-like of shape (n_scans, X', Y', Z') or (n_scans, n_voxels_out)
            Compressed scans.

        Returns
        -------
        X_full : ndarray of shape (n_scans, X, Y, Z) or (n_scans, n_voxels)
            Every voxel holds the value of its block.
        """
        check_is_fitted(self, "output_shape_")
        X = check_array(X, allow_nd=True, dtype=[np.float64, np.float32])
        flat = X.ndim == 2
        if flat:
            if X.shape[1] != self._n_features_out:
                raise ValueError(f"X has {X.shape[1]} columns, expected {self._n_features_out} "
                                 "(the compressed size).")
            X = X.reshape((X.shape[0],) + self.output_shape_)
        elif X.shape[1:] != self.output_shape_:
            raise ValueError(f"Compressed scans of shape {X.shape[1:]} given, expected "
                             f"{self.output_shape_}.")
        for axis, k in enumerate(self.factors_, start=1):
            if k > 1:
                X = np.repeat(X, k, axis=axis)
        s = self.input_shape_
        X = X[:, : s[0], : s[1], : s[2]]
        return np.ascontiguousarray(X).reshape(X.shape[0], -1) if flat else X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
