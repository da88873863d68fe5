"""Synthetic video-to-fMRI recordings with a known linear map (§6.2, §6.4.2)."""

import numpy as np
from scipy.ndimage import gaussian_filter
from scipy.signal import lfilter
from sklearn.utils import Bunch, check_random_state


def _smooth_unit(field, sigma, axes):
    """Gaussian-smooth ``field`` over ``axes`` and rescale it to unit variance."""
    if sigma > 0:
        s = [0.0] * field.ndim
        for a in axes:
            s[a] = sigma
        field = gaussian_filter(field, sigma=s, mode="wrap")
    return field / field.std()


def make_fmri_decoding(*, duration=390.0, video_fps=25.0, fmri_hz=1.64, scan_shape=(16, 32, 32),
                       n_features=128, delay=2.0, noise=1.0, alpha_opt=1000.0, smoothness=1.5,
                       frame_correlation=0.9, baseline_scale=1000.0, random_state=None):
    """Video-frame embeddings and fMRI scans linked by a known linear map (Markov model of §6.2).

    The recording follows the text's model exactly: scan :math:`\\ell`
    differs from scan :math:`\\ell-1` by a linear function of the frame shown
    ``delay`` seconds earlier plus noise,

    .. math::

        \\mathbf s_\\ell = \\mathbf s_{\\ell-1} + \\mathbf W\\mathbf x_{j_\\ell}
        + \\boldsymbol\\varepsilon_\\ell,\\qquad
        j_\\ell = \\lfloor \\ell\\nu/\\mu - \\nu\\Delta t\\rfloor - 1,

    (no stimulus before the video starts). The embeddings are a stationary
    Gaussian AR(1) sequence over frames with unit variance; every column of
    :math:`\\mathbf W` is a smooth random 3-D field with variance
    :math:`\\tau^2 = \\sigma^2/\\alpha_{\\rm opt}`, and the noise is a smooth
    field with variance :math:`\\sigma^2`. Each voxel's weights are thus
    :math:`\\mathcal N(0, \\tau^2 I)` a priori and the Bayes-optimal ridge
    penalty is exactly ``alpha_opt`` at every voxel. The baseline scan has a
    strong voxel-wise texture (``baseline_scale``), so that the argmax of each
    max-pooling block stays put over the recording and a pooled difference
    is the difference of one voxel: pooling keeps the linear signal and the
    optimal penalty (the shape of Fig. 6.5).

    Parameters
    ----------
    duration : float, default=390.0
        :math:`t` in seconds (Table 6.6).
    video_fps : float, default=25.0
        :math:`\\nu` (Table 6.6).
    fmri_hz : float, default=1.64
        :math:`\\mu` (Table 6.6).
    scan_shape : tuple of 3 int, default=(16, 32, 32)
        :math:`X, Y, Z`. The text's scans are 40 x 64 x 64 (163,840 voxels);
        the default is smaller so that the example runs in seconds.
    n_features : int, default=128
        Embedding dimension :math:`d` (2048 for the text's ResNet152).
    delay : float, default=2.0
        :math:`\\Delta t` in seconds.
    noise : float, default=1.0
        Standard deviation :math:`\\sigma` of the per-voxel noise of a difference.
    alpha_opt : float, default=1000.0
        Ratio :math:`\\sigma^2/\\tau^2`, the Bayes-optimal ridge penalty
        (the text's optimum is about 1000).
    smoothness : float, default=1.5
        Standard deviation, in voxels, of the Gaussian kernel that smooths the
        weight maps and the noise (0: white).
    frame_correlation : float, default=0.9
        AR(1) coefficient of consecutive frame embeddings, in [0, 1).
    baseline_scale : float, default=1000.0
        Standard deviation of the voxel-wise texture of the first scan
        (around a level of ``10 * baseline_scale``, so scans stay positive).
    random_state : int, RandomState instance or None, default=None
        Seed.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``frames`` (n_frames, n_features), ``scans`` (n_scans, X, Y, Z),
        ``coef`` (X*Y*Z, n_features) the true :math:`\\mathbf W`,
        ``frame_index`` (n_scans,) the frame driving each scan, and the
        settings ``video_fps``, ``fmri_hz``, ``delay``, ``alpha_opt``,
        ``DESCR``.

    Examples
    --------
    >>> from skcomplexity.datasets import make_fmri_decoding
    >>> rec = make_fmri_decoding(duration=60, scan_shape=(8, 8, 8), n_features=16,
    ...                          random_state=0)
    >>> rec.frames.shape, rec.scans.shape, rec.coef.shape
    ((1500, 16), (98, 8, 8, 8), (512, 16))
    """
    from ..fmri import frame_indices

    rng = check_random_state(random_state)
    shape = tuple(int(s) for s in scan_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"scan_shape must be 3 positive integers, got {scan_shape!r}.")
    if not 0 <= frame_correlation < 1:
        raise ValueError(f"frame_correlation must be in [0, 1), got {frame_correlation!r}.")
    if not (noise > 0 and alpha_opt > 0 and duration > 0):
        raise ValueError("noise, alpha_opt and duration must be positive.")
    n_frames = int(round(duration * video_fps))
    n_scans = int(round(duration * fmri_hz))
    V = int(np.prod(shape))
    d = int(n_features)

    # frame embeddings: stationary AR(1) with unit variance
    # x_0 = e_0, x_k = rho x_{k-1} + sqrt(1 - rho^2) e_k (dividing e_0 by c makes x_0 = e_0)
    innov = rng.standard_normal((n_frames, d))
    c = np.sqrt(1.0 - frame_correlation**2)
    innov[0] /= c
    frames = lfilter([c], [1.0, -frame_correlation], innov, axis=0)

    tau = noise / np.sqrt(alpha_opt)
    W = _smooth_unit(rng.standard_normal((d,) + shape), smoothness, (1, 2, 3))
    W = (tau * W).reshape(d, V).T.copy()  # (V, d)
    eps = _smooth_unit(rng.standard_normal((n_scans,) + shape), smoothness, (1, 2, 3))
    eps = noise * eps.reshape(n_scans, V)

    j = frame_indices(n_scans, delay=delay, video_fps=video_fps, fmri_hz=fmri_hz)
    drive = np.zeros((n_scans, d))
    ok = (j >= 0) & (j < n_frames)
    drive[ok] = frames[j[ok]]
    delta = drive @ W.T + eps
    delta[0] = 0.0
    base = 10 * baseline_scale + baseline_scale * rng.standard_normal(V)
    scans = (base + np.cumsum(delta, axis=0)).reshape((n_scans,) + shape)
    descr = (f"Synthetic recording: {duration:g} s, video {video_fps:g} Hz ({n_frames} frames, "
             f"d={d}), fMRI {fmri_hz:g} Hz ({n_scans} scans of {shape}), delay {delay:g} s, "
             f"noise sd {noise:g}, Bayes-optimal ridge alpha {alpha_opt:g}.")
    return Bunch(frames=frames, scans=scans, coef=W, frame_index=j, video_fps=video_fps,
                 fmri_hz=fmri_hz, delay=delay, alpha_opt=alpha_opt, DESCR=descr)
