"""Data-complexity reduction for fMRI decoding (dissertation §6.2, §6.4.2).

The decoder of the text predicts the next fMRI scan from the previous one and
the video frame shown ``delay`` seconds earlier. Under the Markov assumption
the difference of consecutive scans is a linear function of the frame
embedding :math:`\\mathbf{x}`,

.. math::

    \\boldsymbol\\delta_\\ell = \\mathbf{s}_\\ell - \\mathbf{s}_{\\ell-1}
    \\approx \\mathbf{W}\\mathbf{x}_{k_\\ell - \\nu\\Delta t},
    \\qquad k_\\ell = \\ell\\,\\nu/\\mu,

fitted per voxel by ridge regression without intercept,
:math:`\\hat{\\mathbf{w}} = (\\mathbf{X}^\\top\\mathbf{X} + \\alpha\\mathbf{I})^{-1}
\\mathbf{X}^\\top\\Delta`. All voxels share :math:`\\mathbf{X}`, so one
Cholesky factorisation serves every voxel and the fit costs
:math:`O(d^3 + d^2N + dNV)`: linear in the number of voxels :math:`V`. The
data-complexity reduction is a 3-D max pooling of the scans
(:class:`MaxPool3DCompressor`), which divides :math:`V` by ``factor**3``.

Frame embeddings come from the user (the text used ResNet152 without its last
layer; see the user guide for the torchvision recipe). This module needs only
numpy, scipy and scikit-learn; :func:`load_nifti_scans` needs ``nibabel``
(the ``fmri`` extra).
"""

import math
import warnings
from numbers import Integral, Real

import numpy as np
from scipy import linalg
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    MultiOutputMixin,
    RegressorMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

__all__ = [
    "MaxPool3DCompressor",
    "DeltaRidgeDecoder",
    "frame_indices",
    "make_delta_pairs",
    "solve_ridge_no_intercept",
    "load_nifti_scans",
]


# --------------------------------------------------------------------------------------------
# compression
# --------------------------------------------------------------------------------------------

def _as_triple(value, name):
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


# --------------------------------------------------------------------------------------------
# pairs and the closed-form ridge
# --------------------------------------------------------------------------------------------

def _rates(video_fps, fmri_hz):
    if (video_fps is None) != (fmri_hz is None):
        raise ValueError("Give both video_fps and fmri_hz (the frames are then the whole video) "
                         "or neither (X then holds one frame embedding per scan).")
    if video_fps is None:
        return 1.0, 1.0
    for name, v in (("video_fps", video_fps), ("fmri_hz", fmri_hz)):
        if isinstance(v, bool) or not isinstance(v, Real) or not v > 0 or not np.isfinite(v):
            raise ValueError(f"{name} must be a positive number, got {v!r}.")
    return float(video_fps), float(fmri_hz)


def frame_indices(n_scans, *, delay=0.0, video_fps=None, fmri_hz=None, rounding="floor",
                  scan_offset=0):
    """The video frame matched to each scan (0-based), :math:`k_\\ell - \\nu\\Delta t`.

    Scan :math:`\\ell` (1-based, taken at time :math:`\\ell/\\mu`) is paired
    with frame number :math:`k_\\ell - \\nu\\Delta t = \\ell\\nu/\\mu -
    \\nu\\Delta t` (1-based), rounded by ``rounding`` because
    :math:`\\nu/\\mu` need not be an integer (25 / 1.64 = 15.24 in the text).

    Parameters
    ----------
    n_scans : int
        Number of scans.
    delay : float, default=0.0
        :math:`\\Delta t` in seconds (in scans when the rates are not given).
    video_fps, fmri_hz : float, optional
        :math:`\\nu` and :math:`\\mu`. Both ``None``: one frame per scan
        (the frame embeddings are already aligned with the scans).
    rounding : {"floor", "round", "ceil"}, default="floor"
        How a fractional frame number is turned into an index.
    scan_offset : int, default=0
        Index of the first scan in the recording (for a chronological split,
        the test part starts at ``scan_offset=n_train``).

    Returns
    -------
    ndarray of int of shape (n_scans,)
        0-based frame indices; negative ones mean "before the video started".

    Examples
    --------
    >>> from skcomplexity.fmri import frame_indices
    >>> frame_indices(4, video_fps=25, fmri_hz=1.64).tolist()
    [14, 29, 44, 59]
    >>> frame_indices(3, delay=1).tolist()
    [-1, 0, 1]
    """
    nu, mu = _rates(video_fps, fmri_hz)
    if rounding not in ("floor", "round", "ceil"):
        raise ValueError(f"rounding must be 'floor', 'round' or 'ceil', got {rounding!r}.")
    ell = np.arange(1, n_scans + 1, dtype=np.float64) + scan_offset
    k = ell * nu / mu - nu * float(delay)
    tol = 1e-9 * np.maximum(1.0, np.abs(k))
    if rounding == "floor":
        k = np.floor(k + tol)
    elif rounding == "ceil":
        k = np.ceil(k - tol)
    else:
        k = np.floor(k + 0.5)
    return k.astype(np.intp) - 1


def make_delta_pairs(X, y, *, delay=0.0, video_fps=None, fmri_hz=None, rounding="floor",
                     scan_offset=0):
    """Build the decoder's training pairs :math:`(\\mathbf{x}_{j_\\ell}, \\mathbf{s}_\\ell -
    \\mathbf{s}_{\\ell-1})`.

    A pair exists for every scan that has a predecessor in ``y`` and whose
    matched frame (:func:`frame_indices`) lies inside ``X``.

    Parameters
    ----------
    X : ndarray of shape (n_frames, d)
        Frame embeddings (the whole video, or one row per scan when the rates
        are not given).
    y : ndarray of shape (n_scans, n_voxels)
        Flattened scans in time order.
    delay, video_fps, fmri_hz, rounding, scan_offset
        As in :func:`frame_indices`.

    Returns
    -------
    X_pairs : ndarray of shape (n_pairs, d)
    delta : ndarray of shape (n_pairs, n_voxels)
    scan_index : ndarray of int of shape (n_pairs,)
        Row of ``y`` that each pair predicts (its predecessor is one row up).

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.fmri import make_delta_pairs
    >>> X = np.arange(10.0).reshape(5, 2)
    >>> y = np.array([[0.0], [1.0], [3.0], [6.0], [10.0]])
    >>> Xp, d, idx = make_delta_pairs(X, y)
    >>> d.ravel().tolist(), idx.tolist()
    ([1.0, 2.0, 3.0, 4.0], [1, 2, 3, 4])
    """
    j = frame_indices(y.shape[0], delay=delay, video_fps=video_fps, fmri_hz=fmri_hz,
                      rounding=rounding, scan_offset=scan_offset)
    idx = _pair_rows(j, X.shape[0])
    if idx.size == 0:
        return X[:0], y[:0], idx
    a, b = idx[0], idx[-1] + 1
    return X[j[idx]], np.subtract(y[a:b], y[a - 1:b - 1]), idx


def _pair_rows(j, n_frames):
    """Scans (rows) with a predecessor and a matched frame inside the video: one run, since
    the frame index grows with the scan index."""
    ok = (j >= 0) & (j < n_frames)
    ok[0] = False
    return np.flatnonzero(ok)


def _ridge_blocks(X, alpha, n_cols, block, chunk_size=None):
    """Solve the ridge problem column block by column block.

    ``block(c0, c1)`` returns the targets ``Y[:, c0:c1]``; the system matrix is
    factorised once, so the targets (e.g. scan differences) never have to be
    held in memory all at once.
    """
    n, d = X.shape
    if chunk_size is None:  # about 32 MB of targets per block
        chunk_size = max(256, (1 << 22) // max(n, 1))
    W = np.empty((d, n_cols), dtype=np.float64)
    try:
        if d <= n:
            A = X.T @ X
            A.flat[:: d + 1] += alpha
            cf = linalg.cho_factor(A, lower=False, overwrite_a=True, check_finite=False)

            def apply(Yc):
                return linalg.cho_solve(cf, X.T @ Yc, overwrite_b=True, check_finite=False)
        else:
            K = X @ X.T
            K.flat[:: n + 1] += alpha
            cf = linalg.cho_factor(K, lower=False, overwrite_a=True, check_finite=False)

            def apply(Yc):
                return X.T @ linalg.cho_solve(cf, Yc, check_finite=False)
    except linalg.LinAlgError:
        warnings.warn("The ridge system is singular (alpha=0 with linearly dependent frame "
                      "embeddings); returning the minimum-norm least-squares solution.",
                      RuntimeWarning, stacklevel=3)
        P = linalg.pinv(X, check_finite=False)

        def apply(Yc):
            return P @ Yc
    for c0 in range(0, n_cols, chunk_size):
        c1 = min(c0 + chunk_size, n_cols)
        W[:, c0:c1] = apply(block(c0, c1))
    return W


def solve_ridge_no_intercept(X, Y, alpha, *, chunk_size=None):
    """Multi-output ridge without intercept, :math:`(X^\\top X + \\alpha I)^{-1} X^\\top Y`.

    One Cholesky factorisation serves all columns of ``Y``, which are then
    solved in blocks of ``chunk_size``. The primal form is used when
    ``d <= n``, the dual form :math:`X^\\top (XX^\\top + \\alpha I)^{-1} Y`
    otherwise (the same solution). A singular system (``alpha=0`` with
    linearly dependent rows or columns) falls back to the minimum-norm
    least-squares solution with a warning.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    Y : ndarray of shape (n, m)
    alpha : float
        Non-negative penalty.
    chunk_size : int, optional
        Columns of ``Y`` per block (default: about 32 MB of ``Y``).

    Returns
    -------
    W : ndarray of shape (d, m)

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.fmri import solve_ridge_no_intercept
    >>> X = np.array([[1.0, 0.0], [0.0, 2.0]])
    >>> W = solve_ridge_no_intercept(X, np.array([[1.0], [4.0]]), 1.0)  # diag(2, 5)^-1 [1, 8]
    >>> np.round(W.ravel(), 12).tolist()
    [0.5, 1.6]
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[0] != Y.shape[0]:
        raise ValueError(f"X (n, d) and Y (n, m) must be 2-D with the same number of rows, got "
                         f"{X.shape} and {Y.shape}.")
    return _ridge_blocks(X, float(alpha), Y.shape[1], lambda c0, c1: Y[:, c0:c1], chunk_size)


class DeltaRidgeDecoder(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Decode fMRI scans from video frames: ridge on consecutive-scan differences (§6.2).

    ``fit(X, y)`` builds the pairs of the text, frame embedding
    :math:`\\mathbf{x}_{j_\\ell}` and scan difference
    :math:`\\boldsymbol\\delta_\\ell = \\mathbf{s}_\\ell - \\mathbf{s}_{\\ell-1}`,
    with :math:`j_\\ell = k_\\ell - \\nu\\Delta t` (:func:`frame_indices`), and
    solves the ridge problem without intercept for every voxel at once,
    :math:`\\hat{\\mathbf W}^\\top = (\\mathbf{X}^\\top\\mathbf{X}+\\alpha\\mathbf{I})^{-1}
    \\mathbf{X}^\\top\\boldsymbol\\Delta`. The result equals scikit-learn's
    ``Ridge(alpha, fit_intercept=False)`` fitted on the same pairs, and is
    computed with one Cholesky factorisation and no copies of the scans
    beyond the difference matrix.

    Parameters
    ----------
    alpha : float, default=1000.0
        Ridge penalty :math:`\\alpha` (the text's optimum is about 1000, at
        every compression).
    delay : float, default=0.0
        :math:`\\Delta t`: seconds between a frame and the scan it drives
        (in scans when the rates are not given).
    video_fps : float, optional
        :math:`\\nu`; with ``fmri_hz``, ``X`` is the embedding of every video
        frame and the frame of each scan is found from the timing.
    fmri_hz : float, optional
        :math:`\\mu`. Both ``None`` (default): ``X`` holds one frame embedding
        per scan, already aligned (then ``X`` and ``y`` have the same length).
    rounding : {"floor", "round", "ceil"}, default="floor"
        Rounding of the fractional frame number :math:`k_\\ell - \\nu\\Delta t`.

    Attributes
    ----------
    coef_ : ndarray of shape (n_voxels, d) or (d,)
        :math:`\\hat{\\mathbf W}`, one row per voxel (as ``Ridge.coef_``); 1-D
        when ``y`` is one voxel given as a 1-D array.
    scan_shape_ : tuple of int
        Shape of one scan in ``y`` (``()`` for 1-D ``y``).
    n_pairs_ : int
        Number of training pairs :math:`N - 1`.
    n_features_in_ : int
        Embedding dimension :math:`d`.

    See Also
    --------
    MaxPool3DCompressor : Reduces the number of voxels before the fit.
    make_delta_pairs : The pairs the decoder is fitted on.

    Notes
    -----
    :meth:`predict` returns the model's output :math:`\\hat{\\mathbf W}\\mathbf x`,
    the predicted scan *difference* for each embedding.
    :meth:`predict_scans` returns the text's one-step-ahead reconstruction
    :math:`\\hat{\\mathbf s}_\\ell = \\mathbf s_{\\ell-1} + \\hat{\\mathbf W}
    \\mathbf x_{j_\\ell}` from the true previous scan, and :meth:`score` the
    coefficient of determination of the predicted differences (the MSE of
    the reconstructed scans equals the MSE of the differences).

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.fmri import DeltaRidgeDecoder
    >>> rng = np.random.default_rng(0)
    >>> frames = rng.normal(size=(2000, 8))               # 80 s of video at 25 Hz
    >>> W = rng.normal(size=(30, 8))                       # 30 voxels
    >>> j = (np.arange(1, 161) * 25 / 2).astype(int) - 1   # scans at 2 Hz, no delay
    >>> scans = np.cumsum(frames[j] @ W.T, axis=0)
    >>> dec = DeltaRidgeDecoder(alpha=1e-6, video_fps=25, fmri_hz=2).fit(frames, scans)
    >>> bool(np.allclose(dec.coef_, W, atol=1e-6))
    True
    >>> pred, idx = dec.predict_scans(frames, scans, return_index=True)
    >>> bool(np.allclose(pred, scans[idx], atol=1e-5))
    True
    """

    _parameter_constraints = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "delay": [Interval(Real, None, None, closed="neither")],
        "video_fps": [None, Interval(Real, 0, None, closed="neither")],
        "fmri_hz": [None, Interval(Real, 0, None, closed="neither")],
        "rounding": [StrOptions({"floor", "round", "ceil"})],
    }

    def __init__(self, alpha=1000.0, *, delay=0.0, video_fps=None, fmri_hz=None,
                 rounding="floor"):
        self.alpha = alpha
        self.delay = delay
        self.video_fps = video_fps
        self.fmri_hz = fmri_hz
        self.rounding = rounding

    def _check_scans(self, X, y):
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y "
                             "is None.")
        y = check_array(y, ensure_2d=False, allow_nd=True, dtype=np.float64, input_name="y")
        if y.ndim == 0:
            raise ValueError("y should be a 1d array or an array of scans, got a scalar.")
        if self.video_fps is None and self.fmri_hz is None and X.shape[0] != y.shape[0]:
            raise ValueError(f"Found input variables with inconsistent numbers of samples: "
                             f"[{X.shape[0]}, {y.shape[0]}]. Without video_fps/fmri_hz, X must "
                             "hold one frame embedding per scan.")
        return y

    def _pair_index(self, X, n_scans, scan_offset):
        j = frame_indices(n_scans, delay=self.delay, video_fps=self.video_fps,
                          fmri_hz=self.fmri_hz, rounding=self.rounding, scan_offset=scan_offset)
        return _pair_rows(j, X.shape[0]), j

    def _pairs(self, X, y2, scan_offset):
        return make_delta_pairs(X, y2, delay=self.delay, video_fps=self.video_fps,
                                fmri_hz=self.fmri_hz, rounding=self.rounding,
                                scan_offset=scan_offset)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, scan_offset=0):
        """Build the pairs and solve the ridge problem for every voxel.

        Parameters
        ----------
        X : array-like of shape (n_frames, d)
            Frame embeddings: the whole video when ``video_fps``/``fmri_hz``
            are set, else one row per scan.
        y : array-like of shape (n_scans,), (n_scans, n_voxels) or (n_scans, X, Y, Z)
            Scans in time order.
        scan_offset : int, default=0
            Index of ``y[0]`` in the recording (to fit on a later part of it).

        Returns
        -------
        self
        """
        X = validate_data(self, X, dtype=np.float64)
        y = self._check_scans(X, y)
        self.scan_shape_ = tuple(y.shape[1:])
        y2 = y.reshape(y.shape[0], -1)
        idx, j = self._pair_index(X, y2.shape[0], scan_offset)
        if idx.size == 0:
            if y.shape[0] < 2:
                raise ValueError(f"{type(self).__name__} needs at least 2 consecutive scans to "
                                 f"form a difference, got 1 sample.")
            raise ValueError("No scan has both a predecessor and a matched frame inside X: check "
                             "delay, video_fps, fmri_hz and the length of X.")
        a, b = idx[0], idx[-1] + 1  # frame indices are monotone: the pairs are one run of scans

        def delta_block(c0, c1):  # scan differences, one block of voxels at a time
            return np.subtract(y2[a:b, c0:c1], y2[a - 1:b - 1, c0:c1])

        W = _ridge_blocks(X[j[idx]], float(self.alpha), y2.shape[1], delta_block)  # (d, V)
        self.coef_ = W.T if self.scan_shape_ else W[:, 0].copy()
        self.n_pairs_ = int(idx.size)
        return self

    def predict(self, X):
        """Predicted scan differences :math:`\\hat{\\mathbf W}\\mathbf x` for each embedding.

        Parameters
        ----------
        X : array-like of shape (n, d)
            Frame embeddings.

        Returns
        -------
        ndarray of shape (n,), (n, n_voxels) or (n, X, Y, Z)
            Laid out like one scan of ``y`` in ``fit``.
        """
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        out = X @ self.coef_.T
        return out.reshape((X.shape[0],) + self.scan_shape_)

    def predict_scans(self, X, y, *, scan_offset=0, return_index=False):
        """One-step-ahead scans :math:`\\hat{\\mathbf s}_\\ell = \\mathbf s_{\\ell-1} +
        \\hat{\\mathbf W}\\mathbf x_{j_\\ell}` (the text's reconstruction).

        Parameters
        ----------
        X : array-like of shape (n_frames, d)
            Frame embeddings, laid out as in :meth:`fit`.
        y : array-like of shape (n_scans, ...)
            The observed scans; each prediction uses the true previous scan.
        scan_offset : int, default=0
            Index of ``y[0]`` in the recording; for a chronological split pass
            ``y=scans[n_train - 1:]`` and ``scan_offset=n_train - 1``.
        return_index : bool, default=False
            Also return the rows of ``y`` that were predicted.

        Returns
        -------
        scans_pred : ndarray of shape (n_pairs,), (n_pairs, n_voxels) or (n_pairs, X, Y, Z)
        index : ndarray of int of shape (n_pairs,)
            Only with ``return_index=True``.
        """
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        y = self._check_scans(X, y)
        if tuple(y.shape[1:]) != self.scan_shape_:
            raise ValueError(f"Scans of shape {y.shape[1:]} given, the decoder was fitted on "
                             f"{self.scan_shape_}.")
        y2 = y.reshape(y.shape[0], -1)
        idx, j = self._pair_index(X, y.shape[0], scan_offset)
        coef = self.coef_.reshape(-1, X.shape[1])
        pred = y2[idx - 1] + X[j[idx]] @ coef.T
        pred = pred.reshape((idx.size,) + self.scan_shape_)
        return (pred, idx) if return_index else pred

    def score(self, X, y, sample_weight=None, *, scan_offset=0):
        """:math:`R^2` of the predicted scan differences (uniform average over voxels).

        Parameters
        ----------
        X : array-like of shape (n_frames, d)
            Frame embeddings, laid out as in :meth:`fit`.
        y : array-like of shape (n_scans, ...)
            Scans in time order.
        sample_weight : array-like of shape (n_pairs,), optional
            Weights of the pairs.
        scan_offset : int, default=0
            Index of ``y[0]`` in the recording, as in :meth:`predict_scans`.

        Returns
        -------
        float
        """
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        y = self._check_scans(X, y)
        y2 = y.reshape(y.shape[0], -1)
        Xp, delta, _ = self._pairs(X, y2, scan_offset)
        if Xp.shape[0] < 2:
            raise ValueError("score needs at least 2 pairs of consecutive scans.")
        pred = Xp @ self.coef_.reshape(-1, X.shape[1]).T
        return float(r2_score(delta, pred, sample_weight=sample_weight))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        # the decoder regresses the differences of consecutive rows of y, so on i.i.d. rows
        # (what the generic checks feed it) its R^2 is meaningless
        tags.regressor_tags.poor_score = True
        return tags


def load_nifti_scans(path, *, dtype=np.float64):
    """Read a 4-D NIfTI file (X, Y, Z, time) as scans of shape (n_scans, X, Y, Z).

    Needs ``nibabel`` (``pip install skcomplexity[fmri]``).

    Parameters
    ----------
    path : str or path-like or nibabel image
        A ``.nii``/``.nii.gz`` file or an already loaded image.
    dtype : numpy dtype, default=float64
        Type of the returned array.

    Returns
    -------
    scans : ndarray of shape (n_scans, X, Y, Z)
        A 3-D image gives one scan.

    Examples
    --------
    >>> from skcomplexity.fmri import load_nifti_scans
    >>> scans = load_nifti_scans("sub-01_task-film_bold.nii.gz")  # doctest: +SKIP
    """
    try:
        import nibabel as nib
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("Reading NIfTI needs nibabel: pip install 'skcomplexity[fmri]' "
                          "(or pip install nibabel).") from exc
    img = path if hasattr(path, "dataobj") else nib.load(path)
    data = np.asarray(img.dataobj, dtype=dtype)
    if data.ndim == 3:
        data = data[..., None]
    if data.ndim != 4:
        raise ValueError(f"Expected a 3-D or 4-D NIfTI image, got {data.ndim} dimensions.")
    return np.ascontiguousarray(np.moveaxis(data, -1, 0))
