"""How many replicates the template evaluates together, and what it refuses first.

**Memory.** The chunk of replicates evaluated together is sized from an
estimate of the bytes per replicate (index sequences, ``(R, J, q, q)``
prefix statistics and their working copies, count matrices) so that it fits
the budget of :mod:`skcomplexity._memory` (2 GiB by default); a fit of which
one replicate alone does not fit is refused with a
:class:`~skcomplexity._memory.MemoryBudgetError` before anything large is
allocated, and ``n_repeats`` above 10,000 gets a
:class:`~skcomplexity._memory.LongRunWarning`. Chunks never depend on
``n_jobs``; where there are several, their number is a multiple of 4 and
their sizes nearly equal (:func:`balanced_chunk`), so that 2 or 4 workers
get equal work.

A binary target whose fits need both classes in every subsample is checked
here too: a class with a single member is refused, and one so rare that the
smallest grid size holds less than one of its members on average gets a
:class:`RareClassWarning`.
"""

import math
import warnings

import numpy as np

from .._memory import LongRunWarning, MemoryBudgetError, format_bytes, get_memory_budget
from .._validation import warn_at_caller

__all__ = ["ChunkPlanMixin", "RareClassWarning", "balanced_chunk"]

#: Rows x replicates per chunk of work (fixed, so chunks never depend on n_jobs); the
#: memory budget (:mod:`skcomplexity._memory`) can only make a chunk smaller.
_CHUNK_ELEMENTS = 2**22
#: Working copies of the (R, J, q, q) prefix statistics a method holds at its peak (the
#: statistics, the regularised system, its factor, the solver's copy and a slice; a method
#: may declare its own ``_stat_copies``).
_STAT_COPIES = 5
#: Where the replicates take more than one chunk, the number of chunks is a multiple of this
#: (chunks of nearly equal size), so that 2 or 4 workers get equal work whatever n_jobs is.
_CHUNK_MULTIPLE = 4
#: More replicates than this get a LongRunWarning.
_MANY_REPEATS = 10_000


def balanced_chunk(n_repeats, cap):
    """Replicates per chunk: at most ``cap``, the chunks a multiple of :data:`_CHUNK_MULTIPLE`.

    One chunk where ``cap`` holds every replicate; otherwise the fewest chunks of at
    most ``cap`` replicates, rounded up to a multiple of :data:`_CHUNK_MULTIPLE` and
    of nearly equal size, so that ``n_jobs`` workers (2 or 4) are given equal work
    (three chunks on two workers leave one idle half the time). It depends on
    ``n_repeats`` and ``cap`` only, never on ``n_jobs``: every replicate keeps its
    seed (child ``i`` of the fit's SeedSequence) and the chunks are the same for
    every ``n_jobs``, so the numbers are too.

    Examples
    --------
    >>> balanced_chunk(100, 41), balanced_chunk(100, 100), balanced_chunk(1000, 41)
    (25, 100, 36)
    """
    n_repeats, cap = int(n_repeats), max(1, int(cap))
    if cap >= n_repeats:
        return n_repeats
    n_chunks = -(-n_repeats // cap)
    n_chunks = min(n_repeats, -(-n_chunks // _CHUNK_MULTIPLE) * _CHUNK_MULTIPLE)
    return -(-n_repeats // n_chunks)


class RareClassWarning(UserWarning):
    """A class of a binary target is too rare for the grid of sizes.

    The stratified draw (:mod:`skcomplexity.sample_size._base`) forces one member of each class into
    every replicate, so at grid sizes that hold less than one member on average
    the criterion describes a rebalanced sample; the message says where the grid
    should start.
    """


def _class_name(state, labels, c):
    """The original label of the class coded ``c`` in ``labels``, where the state keeps it."""
    classes = getattr(state, "classes", None)
    if classes is None:
        classes = getattr(getattr(state, "data", None), "classes", None)
    if classes is not None and len(classes) == 2:
        return classes[c]
    y = getattr(state, "y", None)
    if y is not None and len(y) == len(labels):
        return np.asarray(y)[np.flatnonzero(labels == c)[0]]
    return c


def _check_class_support(labels, sizes, state, name):
    """Refuse a class with a single member; warn when the smallest size holds < 1 on average."""
    m = labels.size
    counts = np.array([np.sum(labels == 0), np.sum(labels == 1)])
    c = int(np.argmin(counts))
    m_c = int(counts[c])
    k1 = int(sizes[0])
    label = _class_name(state, labels, c)
    label = label.item() if isinstance(label, np.generic) else label
    need = math.ceil(m / max(m_c, 1))
    if m_c < 2:
        raise ValueError(
            f"{name}: class {label!r} of the binary target has {m_c} member in {m} rows. Every "
            f"subsample holds that one row at most, so each logistic fit separates it and the "
            f"criterion is meaningless at every size. Collect more rows of class {label!r} (at "
            f"least 2, and about {m} / m_c rows per member so that the smallest grid size "
            f"{k1} holds one on average), or model the target as continuous (family='gaussian')."
        )
    expected = k1 * m_c / m
    if expected < 1.0:
        warn_at_caller(
            f"{name}: class {label!r} has {m_c} of {m} rows ({m_c / m:.1%}); the smallest grid "
            f"size {k1} holds {expected:.2f} of them on average. Every replicate is drawn with "
            "one member of each class in its first rows (so that the fits exist), so the "
            "criterion at sizes below "
            f"{need} describes a sample richer in class {label!r} than the data. Start the grid "
            f"at {need} rows or more (e.g. sizes=[{need}, ...]) or collect more rows of class "
            f"{label!r}.",
            RareClassWarning,
        )


class ChunkPlanMixin:
    """Chunks of replicates within the memory budget (a part of the template, not for direct use).

    Reads the template's ``_binary_labels``, ``_size_grid``, ``_sequence_length``,
    ``sizes`` and ``_stat_copies``.
    """

    def _chunk_size(self, state, sizes, n_samples, n_features, n_repeats):
        """Replicates per chunk, within the memory budget; the checks before anything is drawn.

        Refuses a binary target with a one-member class and warns when the
        smallest grid size holds less than one member of a class on average
        (:class:`RareClassWarning`); warns before more than 10,000 replicates
        (:class:`~skcomplexity._memory.LongRunWarning`); estimates the bytes of
        a chunk of ``R`` replicates as ``fixed + R * per_replicate`` and raises
        :class:`~skcomplexity._memory.MemoryBudgetError` when ``R = 1`` does not
        fit the budget. The chunk never depends on ``n_jobs``.
        """
        name = type(self).__name__
        labels = self._binary_labels(state)
        if labels is not None:
            _check_class_support(labels, sizes, state, name)
        if n_repeats > _MANY_REPEATS:
            warnings.warn(
                f"{name}: n_repeats={n_repeats:,} replicates; a run of more than "
                f"{_MANY_REPEATS:,} can take very long (the work grows linearly with n_repeats "
                "and a few hundred replicates usually pin the curve down).",
                LongRunWarning, stacklevel=3,
            )
        fixed, per_replicate = self._check_memory(sizes, n_samples, n_features, n_repeats,
                                                  labels is not None)
        budget = get_memory_budget()
        by_memory = (budget - fixed) // per_replicate
        per_rep_elements = self._chunk_elements(state, sizes, n_samples)
        cap = int(max(1, min(n_repeats, _CHUNK_ELEMENTS // per_rep_elements, by_memory)))
        return balanced_chunk(n_repeats, cap)

    def _chunk_elements(self, state, sizes, n_samples):
        """Elements one replicate of a chunk holds: an (m,) row and (J, q, q) statistics."""
        return max(n_samples, 512 * len(sizes))

    def _check_memory(self, sizes, n_samples, n_features, n_repeats, binary=False):
        """``(fixed, per_replicate)`` bytes; raises MemoryBudgetError if one replicate does not fit.

        ``sizes=None`` is the check before ``_prepare`` (nothing large allocated
        yet): the default grid, at most 50 of its sizes (no default grid has
        fewer), so that it only refuses what the grid the fit will use refuses too.
        """
        if sizes is None:
            try:
                sizes = self._size_grid(n_samples, n_features)
            except ValueError:  # the fit's own checks report it
                return None
            if self.sizes is None and len(sizes) > 50:
                sizes = sizes[np.linspace(0, len(sizes) - 1, 50).round().astype(int)]
        budget = get_memory_budget()
        fixed, per_replicate = self._memory_estimate(sizes, n_samples, n_features, n_repeats,
                                                     binary)
        if fixed + per_replicate <= budget:
            return fixed, per_replicate

        def fits(n_sizes, n_feat):
            grid = np.unique(np.geomspace(sizes[0], sizes[-1], n_sizes).round().astype(int))
            return sum(self._memory_estimate(grid, n_samples, n_feat, n_repeats, binary)) <= budget

        def largest(ok, hi):  # the largest v in [1, hi] with ok(v), 0 if none
            lo = 0
            while lo < hi:
                mid = (lo + hi + 1) // 2
                lo, hi = (mid, hi) if ok(mid) else (lo, mid - 1)
            return lo

        J, q = len(sizes), n_features + 2
        n_sizes = largest(lambda v: v >= 2 and fits(v, n_features), J)
        n_feat = largest(lambda v: fits(J, v), n_features)
        k1, kJ = int(sizes[0]), int(sizes[-1])
        hints = []
        if n_sizes >= 2:
            hints.append(f"at most {n_sizes} sizes (e.g. a geometric grid, "
                         f"sizes=numpy.geomspace({k1}, {kJ}, {n_sizes}).astype(int))")
        if n_feat >= 1:
            hints.append(f"at most {n_feat} features with these {J} sizes (a PCA or a "
                         "feature selection first)")
        hints.append(f"a larger budget, skcomplexity._memory.set_memory_budget("
                     f"'{math.ceil((fixed + per_replicate) / 2**30)}GiB'), if the machine "
                     "has the memory")
        raise MemoryBudgetError(
            f"{type(self).__name__} needs about {format_bytes(fixed + per_replicate)} for a "
            f"single replicate ({self._memory_what(J, q, n_samples, n_repeats, fixed, binary)}),"
            f" more than the memory budget of {format_bytes(budget)}; use "
            + "; or ".join(hints) + "."
        )

    def _memory_what(self, n_sizes, q, n_samples, n_repeats, fixed, binary):
        """What a refused fit's memory is, for :meth:`_check_memory`'s message."""
        return (f"{n_sizes} grid sizes of ({q} x {q}) prefix statistics with their working "
                f"copies, {n_samples:,} rows, {n_repeats:,} replicates' results; the statistics "
                "grow with the number of sizes times the square of the number of features")

    def _memory_estimate(self, sizes, n_samples, n_features, n_repeats, binary):
        """``(fixed, per_replicate)`` bytes of a fit whose chunks hold ``R`` replicates.

        Per replicate: the drawn sequence (a permutation of all ``m`` rows is
        cut to ``length``) and the stacked index; ``_STAT_COPIES`` copies of the
        ``(J, q, q)`` prefix statistics (``q`` = features + intercept + target:
        the statistics, the regularised system, its factor and the solver's
        copy); an ``(m,)`` row of count/weight matrices; logistic paths hold a
        few more ``(m,)`` rows (linear predictors, weights, gradients) and each
        replicate's rows gathered up to the largest size, ``(top, q)``.
        Fixed: copies of the data, the cumulative pass of one replicate (a
        ``(length, q, q)`` table of row outer products when the grid is dense),
        the outer-product table of the logistic Hessians, and every
        replicate's results until the end of the fit.
        """
        m, J, q = int(n_samples), len(sizes), int(n_features) + 2
        length, top = self._sequence_length(sizes), int(sizes[-1])
        f8 = 8
        copies = self._stat_copies
        per_replicate = f8 * (m + length + copies * J * q * q + 2 * m) + 4096
        if binary:  # and the logistic fits' gathered rows: (top, q) per replicate
            per_replicate += f8 * (6 * m + 4 * q * q + top * q)
        dense = top <= 8 * J
        fixed = f8 * (4 * m * q + (2 * top * q * q if dense else 2 * q * q) + J * q * q)
        if binary:
            fixed += f8 * min(m * q * (q + 1) // 2, 2**23)
        fixed += f8 * 3 * J * n_repeats  # values and an extra per replicate, concatenated
        return fixed, per_replicate
