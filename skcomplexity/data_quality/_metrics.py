"""KL_TTS, Delta_shift and KL_shuffle (dissertation §6.3, formulas at L4915, L4925, L4931-4935)."""

import warnings
from numbers import Integral, Real

import numpy as np

from .._parallel import root_seed_sequence

__all__ = ["cosine_shift", "kl_tts", "delta_shift", "kl_shuffle"]


def _check_1d(x, name):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of values, got shape {x.shape}.")
    return x


def _check_shifts(d, name):
    d = _check_1d(d, name)
    if d.size == 0:
        raise ValueError(f"{name} is empty.")
    if not np.all(np.isfinite(d)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    if np.any(d < 0):
        raise ValueError(f"{name} must hold non-negative cosine distances.")
    return d


def cosine_shift(original, perturbed):
    """Cosine distance between each text's embedding and its perturbed version.

    :math:`\\cos_d(a, b) = 1 - \\frac{a\\cdot b}{\\|a\\|\\|b\\|}` per row; this is
    the per-text shift that :func:`delta_shift` and :func:`kl_shuffle` compare.
    Tiny negative values from rounding are clipped to zero.

    Parameters
    ----------
    original, perturbed : array-like of shape (n_texts, n_dims)
        Embeddings of the texts before and after the perturbation, row by row.

    Returns
    -------
    ndarray of shape (n_texts,)

    Examples
    --------
    >>> from skcomplexity.data_quality import cosine_shift
    >>> cosine_shift([[1.0, 0.0], [1.0, 1.0]], [[0.0, 2.0], [2.0, 2.0]]).round(12).tolist()
    [1.0, 0.0]
    """
    a = np.asarray(original, dtype=np.float64)
    b = np.asarray(perturbed, dtype=np.float64)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"original and perturbed must be 2-D arrays of the same shape, got "
                         f"{a.shape} and {b.shape}.")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("The embeddings contain NaN or infinite values.")
    na = np.linalg.norm(a, axis=1)
    nb = np.linalg.norm(b, axis=1)
    if np.any(na == 0) or np.any(nb == 0):
        raise ValueError("An embedding is the zero vector; its cosine distance is undefined.")
    cos = np.einsum("ij,ij->i", a, b) / (na * nb)
    return np.clip(1.0 - cos, 0.0, 2.0)


def _kl(p, q):
    m = p > 0
    return float(np.sum(p[m] * np.log(p[m] / q[m])))


def kl_tts(h, m, *, bins=50, density="hist", eps=1e-10, value_range=None, combine="difference"):
    """:math:`\\mathrm{KL}_{\\mathrm{TTS}} = |D_{KL}(h_d\\|m_d) - D_{KL}(m_d\\|h_d)|` (L4915).

    :math:`h_d` and :math:`m_d` are the distributions of intrinsic dimensions
    (PHD values) of the human and the machine texts of one data set. The text
    does not say how they are estimated (Q18); here both are estimated on one
    common grid: a histogram with shared bin edges over the pooled values
    (``density="hist"``) or a Gaussian kernel density evaluated at ``bins``
    grid points (``density="kde"``), plus ``eps`` in every cell, normalised.

    Note that this "symmetric estimate" is the *absolute difference* of the
    two directions of the Kullback–Leibler divergence, as the text writes it,
    not their sum (Jeffreys). It measures how *asymmetric* the divergence is:
    mirror-image distributions, and two distributions of the same shape
    shifted against each other (e.g. two normals with equal variances), score
    about zero however far apart they are, while a narrow distribution inside
    a wide one scores high. ``combine="sum"`` gives the Jeffreys divergence
    instead.

    Parameters
    ----------
    h, m : array-like of shape (n_h,), (n_m,)
        PHD values of the human and machine texts (or of their windows);
        NaNs are dropped.
    bins : int, default=50
        Histogram bins or KDE grid points.
    density : {"hist", "kde"}, default="hist"
        How the two densities are estimated.
    eps : float, default=1e-10
        Additive smoothing of every cell before normalising (an empty cell
        would make a divergence infinite).
    value_range : (float, float), optional
        Range of the grid; default the range of the pooled values.
    combine : {"difference", "sum"}, default="difference"
        ``"difference"``: :math:`|D_{KL}(h\\|m) - D_{KL}(m\\|h)|`, the text's
        definition; ``"sum"``: :math:`D_{KL}(h\\|m) + D_{KL}(m\\|h)`.

    Returns
    -------
    float
        Non-negative; NaN (with a warning) when either side has fewer than two
        values, e.g. all texts shorter than the PHD window.

    Examples
    --------
    >>> from skcomplexity.data_quality import kl_tts
    >>> round(kl_tts([0, 0, 0, 1], [0, 1, 1, 1], bins=2, eps=0), 12)  # mirror images
    0.0
    >>> # p = (1/2, 1/2), q = (1/4, 3/4): |0.143841 - 0.130812|
    >>> round(kl_tts([0, 1], [0, 1, 1, 1], bins=2, eps=0), 6)
    0.013029
    """
    h = _check_1d(h, "h")
    m = _check_1d(m, "m")
    h, m = h[np.isfinite(h)], m[np.isfinite(m)]
    if isinstance(bins, bool) or not isinstance(bins, Integral) or bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}.")
    if combine not in ("difference", "sum"):
        raise ValueError(f"combine must be 'difference' or 'sum', got {combine!r}.")
    if density not in ("hist", "kde"):
        raise ValueError(f"density must be 'hist' or 'kde', got {density!r}.")
    if isinstance(eps, bool) or not isinstance(eps, Real) or eps < 0:
        raise ValueError(f"eps must be a non-negative number, got {eps!r}.")
    if h.size < 2 or m.size < 2:
        warnings.warn("kl_tts needs at least two finite values on each side (texts too short "
                      "for a PHD?); returning NaN.", RuntimeWarning, stacklevel=2)
        return np.nan
    both = np.concatenate([h, m])
    lo, hi = value_range if value_range is not None else (both.min(), both.max())
    if density == "hist":
        edges = np.histogram_bin_edges(both, bins=bins, range=(lo, hi))
        p = np.histogram(h, bins=edges)[0].astype(float)
        q = np.histogram(m, bins=edges)[0].astype(float)
    else:
        from scipy.stats import gaussian_kde

        if np.ptp(h) == 0 or np.ptp(m) == 0:
            raise ValueError("density='kde' needs values that are not all equal on each side.")
        pad = 0.1 * (hi - lo) if hi > lo else 1.0
        grid = np.linspace(lo - pad, hi + pad, bins)
        p = gaussian_kde(h)(grid)
        q = gaussian_kde(m)(grid)
    p = p / p.sum() + eps
    q = q / q.sum() + eps
    p /= p.sum()
    q /= q.sum()
    if np.any((p > 0) & (q == 0)) or np.any((q > 0) & (p == 0)):
        return np.inf
    a, b = _kl(p, q), _kl(q, p)
    return abs(a - b) if combine == "difference" else a + b


def delta_shift(shift_human, shift_machine, *, absolute=False):
    """:math:`\\Delta_{\\mathrm{shift}} = \\log\\frac{\\frac1n\\sum_i \\cos_d(h^o_{h_i}, h^p_{h_i})}
    {\\frac1m\\sum_j \\cos_d(h^o_{m_j}, h^p_{m_j})}` (L4925).

    The log-ratio of the mean embedding shift of the human texts under the
    synonym perturbation to that of the machine texts. Lower is better:
    both kinds of text are equally robust. The prose calls it "the log of the
    difference"; the formula, implemented here, is a log-ratio, which can be
    negative although every value in Table 6.9 is positive (Q20) —
    ``absolute=True`` returns its absolute value.

    Parameters
    ----------
    shift_human : array-like of shape (n,)
        Per-text cosine distances of the human texts (:func:`cosine_shift`).
    shift_machine : array-like of shape (m,)
        The same for the machine texts.
    absolute : bool, default=False
        Return :math:`|\\Delta_{\\mathrm{shift}}|`.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.data_quality import delta_shift
    >>> bool(np.isclose(delta_shift([0.2, 0.4], [0.1, 0.2, 0.3]), np.log(0.3 / 0.2)))
    True
    """
    dh = _check_shifts(shift_human, "shift_human")
    dm = _check_shifts(shift_machine, "shift_machine")
    mh, mm = dh.mean(), dm.mean()
    if mh == 0 or mm == 0:
        raise ValueError("A class has zero mean shift (the perturbation changed no embedding); "
                         "the log-ratio is undefined.")
    value = float(np.log(mh / mm))
    return abs(value) if absolute else value


def kl_shuffle(shift_human, shift_machine, *, eps=1e-8, pairing="index", random_state=None):
    """:math:`\\mathrm{KL}_{\\mathrm{shuffle}}(H, M) = \\sum_i H(i)\\log\\frac{H(i)}{M(i)}`
    (L4931-4935).

    :math:`H(i) = (\\cos_d(h^o_{h_i}, h^p_{h_i}) + \\epsilon) / \\sum_j
    (\\cos_d(h^o_{h_j}, h^p_{h_j}) + \\epsilon)` normalises the per-text shifts of
    the human texts under the sentence shuffle into a distribution over
    texts; :math:`M` is the same for the machine texts. Lower is better.

    The sum runs over a common index :math:`i`, so the two classes must have
    as many texts (the text uses balanced subsets) and the value depends on
    which human text is paired with which machine text (Q19):

    * ``pairing="index"`` (the literal formula): text :math:`i` with text
      :math:`i`; the larger class is first subsampled, without replacement,
      to the size of the smaller one (seeded by ``random_state``);
    * ``pairing="sorted"``: both shift vectors are sorted first, which makes
      the value independent of the order of the texts.

    Parameters
    ----------
    shift_human, shift_machine : array-like of shape (n,), (m,)
        Per-text cosine distances (:func:`cosine_shift`).
    eps : float, default=1e-8
        :math:`\\epsilon` (its value is not given in the text).
    pairing : {"index", "sorted"}, default="index"
        See above.
    random_state : int, RandomState instance or None, default=None
        Seed of the subsampling when the classes differ in size.

    Returns
    -------
    float
        Non-negative.

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.data_quality import kl_shuffle
    >>> H = np.array([1, 3]) / 4; M = np.array([1, 1]) / 2
    >>> bool(np.isclose(kl_shuffle([0.1, 0.3], [0.2, 0.2], eps=0), np.sum(H * np.log(H / M))))
    True
    """
    dh = _check_shifts(shift_human, "shift_human")
    dm = _check_shifts(shift_machine, "shift_machine")
    if pairing not in ("index", "sorted"):
        raise ValueError(f"pairing must be 'index' or 'sorted', got {pairing!r}.")
    if isinstance(eps, bool) or not isinstance(eps, Real) or eps < 0:
        raise ValueError(f"eps must be a non-negative number, got {eps!r}.")
    if dh.size != dm.size:
        rng = np.random.default_rng(root_seed_sequence(random_state))
        k = min(dh.size, dm.size)
        if dh.size > k:
            dh = dh[np.sort(rng.choice(dh.size, size=k, replace=False))]
        else:
            dm = dm[np.sort(rng.choice(dm.size, size=k, replace=False))]
    if pairing == "sorted":
        dh, dm = np.sort(dh), np.sort(dm)
    H = dh + eps
    M = dm + eps
    if H.sum() == 0 or M.sum() == 0:
        raise ValueError("All shifts are zero and eps=0: the distributions are undefined.")
    H = H / H.sum()
    M = M / M.sum()
    if np.any((H > 0) & (M == 0)):
        return np.inf
    return _kl(H, M)
