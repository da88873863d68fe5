"""Frame alignment: the video frame that drives each scan, and the decoder's training pairs."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

__all__ = ["frame_indices", "make_delta_pairs"]

#: the timing parameters, declared once: :func:`frame_indices` validates them with
#: ``validate_params``, :class:`~skcomplexity.fmri.DeltaRidgeDecoder` lists them in its
#: ``_parameter_constraints``
_ALIGNMENT_CONSTRAINTS = {
    "delay": [Interval(Real, None, None, closed="neither")],
    "video_fps": [None, Interval(Real, 0, np.inf, closed="neither")],
    "fmri_hz": [None, Interval(Real, 0, np.inf, closed="neither")],
    "rounding": [StrOptions({"floor", "round", "ceil"})],
}


def _rates(video_fps, fmri_hz):
    """``(ν, μ)``; the one rule the constraints cannot state: both rates or neither."""
    if (video_fps is None) != (fmri_hz is None):
        raise ValueError("Give both video_fps and fmri_hz (the frames are then the whole video) "
                         "or neither (X then holds one frame embedding per scan).")
    if video_fps is None:
        return 1.0, 1.0
    return float(video_fps), float(fmri_hz)


@validate_params(
    {
        "n_scans": [Interval(Integral, 0, None, closed="left")],
        "scan_offset": [Interval(Integral, None, None, closed="neither")],
        **_ALIGNMENT_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
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
