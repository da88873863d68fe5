"""The decoder of §6.2: ridge without intercept on consecutive-scan differences."""

import warnings
from numbers import Real

import numpy as np
from scipy import linalg
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._alignment import _ALIGNMENT_CONSTRAINTS, _pair_rows, frame_indices, make_delta_pairs

__all__ = ["DeltaRidgeDecoder", "solve_ridge_no_intercept"]


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
        **_ALIGNMENT_CONSTRAINTS,
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
