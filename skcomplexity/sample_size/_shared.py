"""Computations that several methods fitted in one block share (:func:`share_computations`).

Within :func:`share_computations` (which :func:`~skcomplexity.sample_size.compare_methods`
enters), a method may look up an expensive intermediate result under a key of everything
that determines it (a hash of its data and parameters; for a chunk of replicates also the
grid, the number of rows and the replicates' seeds) and reuse what another method
computed: the prepared (standardised) data and the posteriors of nested replicates
shared by APVC, ACC, ALC, utility and KL between neighbours, the neighbouring-prefix
criteria shared by KL- and S-sufficiency. Cached arrays (also within tuples and lists)
are read-only, so a consumer that wrote into them would fail loudly rather than change
another method's numbers; the arrays of other objects (the prepared data, which may be
the caller's own arrays) are left writable and must not be written. Only what is
computed in this process (and this thread) is shared; outside the block nothing is
cached.
"""

import contextlib
import contextvars
import warnings

import numpy as np

__all__ = ["cached", "chunk_scope", "data_key", "share_computations"]

_CACHE = contextvars.ContextVar("skcomplexity_shared_computations", default=None)
#: The key of the chunk of replicates being evaluated (set by :func:`chunk_scope`).
_CHUNK = contextvars.ContextVar("skcomplexity_shared_chunk", default=None)


@contextlib.contextmanager
def share_computations():
    """Let the methods fitted within the block share their chunks' intermediate results.

    Examples
    --------
    >>> from skcomplexity.datasets import make_linear_regression
    >>> from skcomplexity.sample_size import APVCSampleSize, ALCSampleSize
    >>> X, y = make_linear_regression(200, 3, random_state=0)
    >>> with share_computations():
    ...     a = APVCSampleSize(n_repeats=20, sizes=5, random_state=0).fit(X, y)
    ...     b = ALCSampleSize(n_repeats=20, sizes=5, random_state=0).fit(X, y)
    >>> c = ALCSampleSize(n_repeats=20, sizes=5, random_state=0).fit(X, y)
    >>> bool((b.criterion_replicates_ == c.criterion_replicates_).all())
    True
    """
    token = _CACHE.set({})
    try:
        yield
    finally:
        _CACHE.reset(token)


def active():
    """Whether a :func:`share_computations` block is open in this context."""
    return _CACHE.get() is not None


def data_key(*parts):
    """A hash of ``parts`` (arrays, numbers, strings) when sharing is active, else None."""
    if not active():
        return None
    from joblib import hash as joblib_hash

    try:
        return joblib_hash(parts)
    except Exception:  # noqa: BLE001 - what does not pickle is not shared
        return None


@contextlib.contextmanager
def chunk_scope(sizes, seeds, m, *extra):
    """Mark the chunk of replicates being evaluated: the grid, its seeds, ``m`` and ``extra``."""
    key = None
    if active():
        key = (tuple(int(k) for k in sizes), int(m),
               tuple((s.entropy, s.spawn_key) for s in seeds), extra)
    token = _CHUNK.set(key)
    try:
        yield
    finally:
        _CHUNK.reset(token)


def _freeze(value):
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    elif isinstance(value, (tuple, list)):
        for v in value:
            _freeze(v)
    return value


def cached(name, key, compute, *, per_chunk=True):
    """``compute()``, or what it returned in this block under ``(name, key, the chunk)``.

    ``key`` None (what :func:`data_key` gives outside a block) computes without caching;
    ``per_chunk=False`` keys by ``(name, key)`` alone (what a fit prepares before its
    chunks). The arrays returned (also within tuples and lists) are made read-only; those of
    other objects are not (they may be the caller's), so their consumers must not write.
    A computation that warns is not cached: it is run again, as if alone, whenever asked
    (so that its warnings reach every caller, under the caller's filters).
    """
    cache, chunk = _CACHE.get(), _CHUNK.get()
    if cache is None or key is None or (per_chunk and chunk is None):
        return compute()
    full = (name, key, chunk if per_chunk else None)
    if full in cache:
        return cache[full]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = compute()
    if caught:
        return compute()
    cache[full] = _freeze(value)
    return value
