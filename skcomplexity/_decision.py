"""The grid of sizes and the decision rule, shared by ``sample_size`` and ``landscape``.

A sufficiency criterion ``T(k)`` is read off a curve evaluated on an
increasing grid of sizes ``k_1 < ... < k_J``. This module holds the three
pieces every such reading needs, so that neither ``sample_size`` nor
``landscape`` imports the other:

* :func:`make_size_grid` — the grid;
* :func:`threshold_holds` — where the criterion holds under a threshold mode
  (absolute, relative to the full-sample value, fraction of the maximum);
* :func:`sufficient_size` — ``m*`` by Definition 19 ("for all k >= m*") or
  the published reference implementation's "first k where it holds".
"""

from numbers import Integral, Real

import numpy as np

__all__ = [
    "DECISION_RULES",
    "THRESHOLD_MODES",
    "check_threshold",
    "make_size_grid",
    "sufficient_size",
    "threshold_holds",
    "extrapolate_size",
    "median_of_means",
    "offset_power_law",
    "answer_interval",
]

DECISION_RULES = ("all", "first")
THRESHOLD_MODES = ("absolute", "relative", "fraction_of_max")


def sufficient_size(sizes, holds, rule="all"):
    """Smallest grid size from which the criterion holds at every larger grid size.

    Parameters
    ----------
    sizes : array-like of int, shape (n_sizes,)
        Increasing grid of sample sizes.
    holds : array-like of bool, shape (n_sizes,)
        Whether the criterion holds at each size.
    rule : {"all", "first"}, default="all"
        "all": the text's Definition 19 (the criterion holds at this and every
        larger size). "first": the smallest size at which it holds (the
        published reference implementation's reading); None if it never does.

    Returns
    -------
    int or None
        ``m*``, or None when the criterion fails at the largest size ("all")
        or everywhere ("first").

    Examples
    --------
    >>> sufficient_size([10, 20, 30, 40], [True, False, True, True])
    30
    >>> sufficient_size([10, 20, 30], [True, True, False]) is None
    True
    >>> sufficient_size([10, 20, 30, 40], [False, True, False, True], rule="first")
    20
    """
    sizes = np.asarray(sizes)
    holds = np.asarray(holds, dtype=bool)
    if sizes.shape != holds.shape or sizes.ndim != 1:
        raise ValueError("sizes and holds must be 1-D arrays of the same length.")
    if rule not in DECISION_RULES:
        raise ValueError(f"decision_rule must be 'all' or 'first', got {rule!r}.")
    if rule == "first":
        hits = np.flatnonzero(holds)
        return int(sizes[hits[0]]) if hits.size else None
    if sizes.size == 0 or not holds[-1]:
        return None
    failing = np.flatnonzero(~holds)
    start = 0 if failing.size == 0 else failing[-1] + 1
    return int(sizes[start])


def extrapolate_size(sizes, criterion, level, *, tail=0.5):
    """Where a decreasing criterion's power-law trend would reach ``level``.

    For a criterion that must fall below ``level`` but has not by the
    largest size: fit ``log c(m) = a + b log m`` by least squares to the
    largest ``tail`` fraction of the grid (finite, positive values) and solve
    ``a + b log m = log level``. The criteria of the sufficiency methods
    shrink like ``m^-1`` (a KL divergence between posteriors one object
    apart) or ``m^-1/2``, so the trend is a power law; the answer is an
    extrapolation, as uncertain as the noise of the tail allows.

    Parameters
    ----------
    sizes : array-like of int, shape (n_sizes,)
    criterion : array-like of float, shape (n_sizes,)
    level : float > 0
    tail : float in (0, 1], default=0.5

    Returns
    -------
    (float or None, float or None)
        The extrapolated size and the fitted exponent ``b``; the size is None
        when fewer than three usable points remain or the trend does not
        clearly decrease (``b`` plus two standard errors is not below 0).

    Examples
    --------
    >>> sizes = [10, 20, 40, 80, 160, 320]
    >>> m, b = extrapolate_size(sizes, [5.0 / k for k in sizes], 0.01)
    >>> round(m), round(b, 6)
    (500, -1.0)
    """
    sizes = np.asarray(sizes, dtype=float)
    criterion = np.asarray(criterion, dtype=float)
    if sizes.shape != criterion.shape or sizes.ndim != 1:
        raise ValueError("sizes and criterion must be 1-D arrays of the same length.")
    if not (np.isfinite(level) and level > 0):
        raise ValueError(f"level must be a finite number > 0, got {level!r}.")
    if not 0 < tail <= 1:
        raise ValueError(f"tail must lie in (0, 1], got {tail!r}.")
    keep = np.arange(sizes.size) >= int(np.floor((1 - tail) * sizes.size))
    keep &= np.isfinite(criterion) & (criterion > 0) & (sizes > 0)
    if keep.sum() < 3:
        return None, None
    lx, ly = np.log(sizes[keep]), np.log(criterion[keep])
    b, a = np.polyfit(lx, ly, 1)
    resid = ly - (a + b * lx)
    sxx = float(np.sum((lx - lx.mean()) ** 2))
    se = np.sqrt(float(resid @ resid) / (lx.size - 2) / sxx) if sxx > 0 else np.inf
    if not b + 2 * se < 0:  # no clear decrease: the trend says nothing
        return None, float(b)
    return float(np.exp((np.log(level) - a) / b)), float(b)


def median_of_means(values, n_groups=10):
    """Median over groups of replicates of the group means, per size.

    The replicates (columns) are cut into ``n_groups`` consecutive groups of
    equal size (a remainder of fewer than ``n_groups`` columns is left out);
    each group is averaged and the median of the group means is returned. For
    a criterion with finite variance this estimates its mean with deviations
    that do not depend on its tails (the median-of-means guarantee), so one
    replicate with a spike of hundreds of nats moves at most one group and
    never the answer. With fewer replicates than groups it is the median.

    Parameters
    ----------
    values : ndarray of shape (n_sizes, n_replicates)
    n_groups : int, default=10

    Returns
    -------
    ndarray of shape (n_sizes,)

    Examples
    --------
    >>> import numpy as np
    >>> v = np.ones((1, 100)); v[0, 3] = 1e6
    >>> median_of_means(v).tolist(), float(v.mean())
    ([1.0], 10000.99)
    """
    values = np.asarray(values, dtype=float)
    J, R = values.shape
    G = min(int(n_groups), R)
    if G < 1:
        return np.full(J, np.nan)
    size = R // G
    groups = values[:, :G * size].reshape(J, G, size)
    if np.isfinite(groups).all():  # the common case: numpy's nan-variants cost 3-5x more
        return np.median(groups.mean(axis=2), axis=1)
    with np.errstate(invalid="ignore"):
        return np.nanmedian(np.nanmean(groups, axis=2), axis=1)


def offset_power_law(sizes, criterion, offset, *, exponent=1.0, start=None):
    """Fit ``c(k) = A / (k - offset)^exponent`` to a decreasing criterion; return ``A``.

    The divergence between posteriors one object apart in a regular model with
    ``p`` parameters decays like ``p / (2 (k - p - 1))`` (the inverse-Wishart
    mean of the added object's leverage), so with ``offset = p + 1`` and
    ``exponent = 1`` only the amplitude ``A`` is left. It is estimated as the
    median over the fitted sizes of ``c(k) (k - offset)^exponent`` (a robust
    least-squares fit on the log scale), on the sizes from ``start`` on
    (default ``3 (offset + 1)``, past the small-sample regime; all positive
    sizes past the offset if fewer than three remain).

    Returns
    -------
    float or None
        ``A``; None when fewer than three finite, positive points remain.

    Examples
    --------
    >>> import numpy as np
    >>> k = np.arange(30, 300)
    >>> round(offset_power_law(k, 2.5 / (k - 6), 6), 6)
    2.5
    """
    sizes = np.asarray(sizes, dtype=float)
    crit = np.asarray(criterion, dtype=float)
    usable = np.isfinite(crit) & (crit > 0) & (sizes > offset)
    start = 3.0 * (offset + 1) if start is None else start
    keep = usable & (sizes >= start)
    if keep.sum() < 3:
        keep = usable
    if keep.sum() < 3:
        return None
    return float(np.exp(np.median(np.log(crit[keep]) + exponent * np.log(sizes[keep] - offset))))


def answer_interval(answers, point=None, confidence=0.95):
    """Interval of an answer from its resampled values (``inf`` = "beyond the data").

    The union of the equal-tailed percentile interval of ``answers`` and, when a
    finite ``point`` is given, the normal interval ``point ± z s`` with ``s``
    half the 16-84 % spread of the answers (robust to the resamples that found
    no answer): the percentile interval alone can sit beside the point when the
    answer is a non-smooth statistic of the replicates (a median, a grid
    reading). The upper end is ``inf`` when more than ``(1 - confidence) / 2``
    of the resamples found no answer. The ends are whole numbers of rows: the
    lower one rounded down, the upper one up (the interval only widens).

    Returns
    -------
    (float, float)

    Examples
    --------
    >>> answer_interval([100, 110, 120, 130, float("inf")], confidence=0.5)
    (110.0, 130.0)
    """
    from scipy.stats import norm

    a = np.sort(np.asarray(answers, dtype=float))
    if a.size == 0:
        return (np.nan, np.nan)
    lo_q, hi_q = (1 - confidence) / 2, (1 + confidence) / 2
    # order statistics (inverted CDF), so that an inf never mixes into a finite end
    lo = float(np.quantile(a, lo_q, method="inverted_cdf"))
    hi = float(np.quantile(a, hi_q, method="inverted_cdf"))
    if point is not None and np.isfinite(point):
        q16, q84 = np.quantile(a, [0.16, 0.84], method="inverted_cdf")
        if np.isfinite(q84):
            half = norm.ppf(hi_q) * (q84 - q16) / 2
            lo, hi = min(lo, point - half), max(hi, point + half)
    return (float(max(np.floor(lo), 0.0)), float(np.ceil(hi)))


def make_size_grid(sizes, n_samples, min_size, max_size=None, spacing="linear"):
    """Build the increasing integer grid of subsample sizes.

    ``sizes`` may be None (50 points, or every size if fewer), an int (that many
    roughly evenly spaced points) or an explicit array of sizes. With
    ``spacing="geometric"`` the points are evenly spaced on a log scale (the
    resolution is then proportional to the size, which suits criteria that
    decay like a power of ``1/k``; on 10⁶ rows a linear grid of 50 points
    cannot tell 300 from 20,000).

    Examples
    --------
    >>> make_size_grid(5, 100, 10).tolist()
    [10, 32, 55, 78, 100]
    """
    max_size = n_samples if max_size is None else max_size
    if min_size > max_size:
        raise ValueError(
            f"The data have too few samples for a grid of subsample sizes: the smallest "
            f"usable size is {min_size} but only {max_size} are available."
        )
    if sizes is None or (isinstance(sizes, Integral) and not isinstance(sizes, bool)):
        num = 50 if sizes is None else int(sizes)
        if num < 2:
            raise ValueError(f"sizes must be at least 2 when given as a number of points, got {num}.")
        if spacing == "geometric":
            pts = np.geomspace(min_size, max_size, num)
        else:
            pts = np.linspace(min_size, max_size, num)
        return np.unique(np.round(pts).astype(int))
    grid = np.asarray(sizes)
    if grid.ndim != 1 or grid.size == 0 or not np.issubdtype(grid.dtype, np.number):
        raise ValueError("sizes must be None, an int, or a non-empty 1-D array of sample sizes.")
    if not np.all(np.equal(np.mod(grid, 1), 0)):
        raise ValueError(f"sizes must be integers, got {grid!r}.")
    grid = np.unique(grid.astype(int))
    if grid[0] < min_size or grid[-1] > max_size:
        raise ValueError(
            f"sizes must lie in [{min_size}, {max_size}] for these data, got "
            f"[{grid[0]}, {grid[-1]}]."
        )
    return grid


def check_threshold(threshold, mode, *, modes=THRESHOLD_MODES, complement=False,
                    name="threshold"):
    """Validate a threshold and its mode (clear errors naming the parameter).

    A relative or fraction-of-maximum threshold is a fraction: it must lie in
    (0, 1]. An absolute threshold whose level is ``1 - threshold``
    (``complement``: the s-score, the ACC coverage) must lie in (0, 1).
    ``name`` is the parameter the errors name.
    """
    if mode not in modes:
        raise ValueError(f"threshold_mode must be one of {tuple(modes)}, got {mode!r}.")
    if isinstance(threshold, bool) or not isinstance(threshold, Real):
        raise TypeError(f"{name} must be a positive real number, got {threshold!r}.")
    if not np.isfinite(threshold) or threshold <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {threshold!r}.")
    if mode in ("relative", "fraction_of_max") and threshold > 1:
        raise ValueError(
            f"{name} must be <= 1 with threshold_mode={mode!r} (it is a fraction of the "
            f"reference value; §4.7 recommends 0.05-0.1), got {threshold!r}."
        )
    if complement and mode == "absolute" and threshold >= 1:
        raise ValueError(f"{name} must be < 1 for a level 1 - {name}, got {threshold!r}.")
    return float(threshold)


def threshold_holds(criterion, threshold, mode, direction="below", complement=False):
    """Where a criterion curve satisfies its threshold.

    Parameters
    ----------
    criterion : ndarray of shape (n_sizes,)
        Mean criterion per grid size (increasing sizes).
    threshold : float
        ``ε``.
    mode : {"absolute", "relative", "fraction_of_max"}
        "absolute": ``T(k) <= ε`` (``>= ε`` when ``direction="above"``; with
        ``complement`` the level is ``1 - ε``). "relative": the deviation from
        the value at the largest size is at most ``ε`` times that value,
        ``|T(k) - T(k_J)| <= ε |T(k_J)|`` (§4.7). "fraction_of_max": ``T(k)``
        has fallen to ``ε`` times its largest value (applied to ``1 - T`` for a
        criterion that rises to 1).
    direction : {"below", "above"}
    complement : bool
        The absolute level is ``1 - ε`` (s-score, coverage).

    Returns
    -------
    level : float
        The threshold in the units of ``criterion``.
    holds : ndarray of bool
        False wherever the criterion is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> level, holds = threshold_holds(np.array([4.0, 2.0, 1.05, 1.0]), 0.1, "relative")
    >>> level, holds.tolist()
    (0.1, [False, False, True, True])
    """
    crit = np.asarray(criterion, dtype=float)
    finite = np.isfinite(crit)
    above = direction == "above"
    if mode == "absolute":
        level = 1.0 - threshold if complement else threshold
        holds = crit >= level if above else crit <= level
    elif mode == "relative":
        ref = crit[finite][-1] if np.any(finite) else np.nan
        level = threshold * abs(ref)
        holds = np.abs(crit - ref) <= level
    elif mode == "fraction_of_max":
        vals = 1.0 - crit if complement else crit
        level = threshold * np.nanmax(np.where(finite, vals, np.nan)) if np.any(finite) else np.nan
        holds = vals <= level
        level = 1.0 - level if complement else level
    else:
        raise ValueError(f"threshold_mode must be one of {THRESHOLD_MODES}, got {mode!r}.")
    return float(level), holds & finite
