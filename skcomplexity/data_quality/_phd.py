"""Persistent-homology dimension (PHD) of a point cloud and its topological time series."""

from numbers import Integral, Real

import numpy as np
from scipy.spatial.distance import pdist, squareform

from .._parallel import root_seed_sequence

__all__ = ["mst_edge_lengths", "phd", "topological_time_series"]


def mst_edge_lengths(D):
    """Edge lengths of a minimum spanning tree of a complete graph (Prim, dense, O(n^2)).

    Parameters
    ----------
    D : ndarray of shape (n, n)
        Symmetric matrix of pairwise distances (zeros, e.g. between duplicated
        points, are edges of length zero).

    Returns
    -------
    ndarray of shape (n - 1,)
        The lengths of the tree's edges, in the order Prim's algorithm adds them.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.spatial.distance import pdist, squareform
    >>> from skcomplexity.data_quality import mst_edge_lengths
    >>> D = squareform(pdist(np.array([[0.0], [1.0], [3.0], [3.0]])))
    >>> sorted(mst_edge_lengths(D).tolist())
    [0.0, 1.0, 2.0]
    """
    D = np.asarray(D, dtype=np.float64)
    n = D.shape[0]
    if D.ndim != 2 or D.shape[1] != n:
        raise ValueError(f"D must be a square distance matrix, got shape {D.shape}.")
    if n < 2:
        return np.empty(0)
    best = D[0].copy()
    done = np.zeros(n, dtype=bool)
    done[0] = True
    best[0] = np.inf
    edges = np.empty(n - 1)
    for k in range(n - 1):
        i = int(np.argmin(best))
        edges[k] = best[i]
        done[i] = True
        np.minimum(best, D[i], out=best)
        best[done] = np.inf
    return edges


def _check_cloud(X, name="X"):
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D point cloud (n_points, n_dims), got {X.ndim}-D.")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return X


def _check_int(value, name, low):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    return int(value)


def phd(X, *, alpha=1.0, n_min=None, n_steps=8, n_repeats=3, metric="euclidean",
        random_state=None, return_fit=False):
    """Persistent-homology dimension of a point cloud from the growth of its minimum spanning tree.

    For :math:`n` points sampled from a :math:`d`-dimensional set, the
    :math:`\\alpha`-weighted length of the minimum spanning tree,
    :math:`E_\\alpha(n) = \\sum_{e\\in\\mathrm{MST}} |e|^\\alpha`, grows like
    :math:`n^{(d-\\alpha)/d}` (Steele; Schweinhart). The 0-dimensional
    persistent homology of the Vietoris–Rips filtration has exactly the MST
    edges as its bar lengths, hence the name. Fitting the slope :math:`s` of
    :math:`\\log E_\\alpha(n)` against :math:`\\log n` over subsamples gives

    .. math:: \\mathrm{PHD} = \\frac{\\alpha}{1 - s}.

    This is the estimator of Tulchinskii et al. (2023), which the
    dissertation cites for its topological statistics but does not define
    (spec ``ch6_rademacher.md`` §6.1, marked [EXT]).

    Parameters
    ----------
    X : array-like of shape (n_points, n_dims)
        The point cloud (e.g. a text's token embeddings).
    alpha : float, default=1.0
        Exponent of the edge lengths; must be positive.
    n_min : int, optional
        Smallest subsample; default ``max(8, n_points // 4)``.
    n_steps : int, default=8
        Number of subsample sizes, evenly spaced from ``n_min`` to
        ``n_points``.
    n_repeats : int, default=3
        Random subsamples per size; :math:`E_\\alpha` is averaged over them
        before taking the logarithm.
    metric : str, default="euclidean"
        Any metric of :func:`scipy.spatial.distance.pdist`.
    random_state : int, RandomState instance or None, default=None
        Seed of the subsampling.
    return_fit : bool, default=False
        Also return a dict with the sizes, the mean lengths and the slope.

    Returns
    -------
    dim : float
        The PHD estimate; NaN when fewer than 4 points are given.
    fit : dict
        Only with ``return_fit=True``: ``sizes``, ``lengths``, ``slope``.

    References
    ----------
    E. Tulchinskii et al., "Intrinsic dimension estimation for robust detection
    of AI-generated texts", NeurIPS 2023. B. Schweinhart, "Fractal dimension and
    the persistent homology of random geometric complexes", Adv. Math. 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.data_quality import phd
    >>> rng = np.random.default_rng(0)
    >>> square = np.c_[rng.random((1000, 2)), np.zeros((1000, 3))]  # a 2-D square in R^5
    >>> round(phd(square, random_state=0))
    2
    """
    X = _check_cloud(X)
    if isinstance(alpha, bool) or not isinstance(alpha, Real) or not alpha > 0:
        raise ValueError(f"alpha must be a positive number, got {alpha!r}.")
    n_steps = _check_int(n_steps, "n_steps", 2)
    n_repeats = _check_int(n_repeats, "n_repeats", 1)
    n = X.shape[0]
    if n < 4:
        return (np.nan, {}) if return_fit else np.nan
    if n_min is None:
        n_min = max(8, n // 4)
    n_min = _check_int(n_min, "n_min", 2)
    if n_min >= n:
        raise ValueError(f"n_min must be smaller than the number of points ({n}), got {n_min}.")
    D = squareform(pdist(X, metric=metric))
    rng = np.random.default_rng(root_seed_sequence(random_state))
    sizes = np.unique(np.linspace(n_min, n, n_steps).round().astype(int))
    lengths = np.empty(sizes.size)
    for s, m in enumerate(sizes):
        reps = 1 if m == n else n_repeats
        tot = 0.0
        for _ in range(reps):
            idx = rng.choice(n, size=m, replace=False) if m < n else np.arange(n)
            tot += np.sum(mst_edge_lengths(D[np.ix_(idx, idx)]) ** alpha)
        lengths[s] = tot / reps
    if np.any(lengths <= 0):
        dim = np.nan  # all points coincide
        slope = np.nan
    else:
        slope = float(np.polyfit(np.log(sizes), np.log(lengths), 1)[0])
        dim = float(alpha / (1.0 - slope)) if slope < 1 else np.inf
    if return_fit:
        return dim, {"sizes": sizes, "lengths": lengths, "slope": slope}
    return dim


def topological_time_series(X, *, window=100, stride=50, random_state=None, **phd_params):
    """PHD of every sliding window of a text's token embeddings (the "topological time series").

    Following Kushnareva et al. (2024), cited by the dissertation, the PHD is
    computed inside a window of ``window`` consecutive tokens moved by
    ``stride`` tokens. The text gives neither value (Q17); the defaults are ours.

    Parameters
    ----------
    X : array-like of shape (n_tokens, n_dims)
        Token embeddings of one text, in order.
    window : int, default=100
        Tokens per window (at least 8).
    stride : int, default=50
        Step between window starts.
    random_state : int, RandomState instance or None, default=None
        Seed; each window gets its own child seed.
    **phd_params
        Passed to :func:`phd` (``alpha``, ``n_min``, ``n_steps``, ``n_repeats``,
        ``metric``).

    Returns
    -------
    ndarray of shape (n_windows,)
        One PHD per window; empty when the text is shorter than ``window``.

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.data_quality import topological_time_series
    >>> tokens = np.random.default_rng(0).normal(size=(300, 3))
    >>> topological_time_series(tokens, window=100, stride=100, random_state=0).shape
    (3,)
    """
    X = _check_cloud(X)
    window = _check_int(window, "window", 8)
    stride = _check_int(stride, "stride", 1)
    starts = range(0, X.shape[0] - window + 1, stride)
    seeds = root_seed_sequence(random_state).spawn(len(starts))
    return np.array([phd(X[a:a + window], random_state=s, **phd_params)
                     for a, s in zip(starts, seeds)], dtype=np.float64)
