"""Memory budget of the batched engines: estimate before allocating, chunk or refuse.

The sample-size engine evaluates its replicates in chunks; each chunk holds
an ``(R, length)`` index matrix and ``(R, J, q, q)`` prefix statistics
(``J`` grid sizes, ``q`` = features + intercept + target), which grow with the
square of the number of features and can exhaust memory long before a run
finishes. The chunk size is chosen from an estimate of the bytes per
replicate so that a chunk fits a budget; a fit of which not even one
replicate fits is refused before anything large is allocated.

The budget is a process-wide setting (2 GiB by default)::

    >>> from skcomplexity._memory import get_memory_budget, memory_budget
    >>> get_memory_budget() == 2 * 2**30
    True
    >>> with memory_budget("8GiB"):
    ...     get_memory_budget() == 8 * 2**30
    True
"""

import re
from contextlib import contextmanager
from numbers import Real

__all__ = [
    "DEFAULT_MEMORY_BUDGET",
    "LongRunWarning",
    "MemoryBudgetError",
    "format_bytes",
    "get_memory_budget",
    "memory_budget",
    "set_memory_budget",
]

#: Default budget of one fit's working memory: 2 GiB.
DEFAULT_MEMORY_BUDGET = 2 * 2**30

_config = {"budget": DEFAULT_MEMORY_BUDGET}

_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


class MemoryBudgetError(MemoryError, ValueError):
    """A fit would need more memory than the budget allows, even in its smallest chunk.

    Raised before the allocation; the message says how much one replicate
    needs, the budget, and what to change. A ``MemoryError`` (so code that
    guards against running out of memory catches it) and a ``ValueError``
    (the parameters ask for too much).
    """


class LongRunWarning(UserWarning):
    """The run is so long (e.g. a very large ``n_repeats``) that it may not finish in reasonable time."""


def _parse_bytes(value):
    if isinstance(value, str):
        match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([A-Za-z]*)\s*", value)
        unit = match.group(2).upper() if match else None
        if match is None or unit not in _UNITS:
            raise ValueError(
                f"memory budget must be a number of bytes or a string like '2GiB' or '500MB', "
                f"got {value!r}.")
        value = float(match.group(1)) * _UNITS[unit]
    if isinstance(value, bool) or not isinstance(value, Real) or not value > 0:
        raise ValueError(f"memory budget must be a positive number of bytes, got {value!r}.")
    return int(value)


def get_memory_budget():
    """The current budget in bytes."""
    return _config["budget"]


def set_memory_budget(nbytes):
    """Set the budget of one fit's working memory; returns the previous one (bytes).

    Parameters
    ----------
    nbytes : int, float or str
        Bytes, or a string with a unit (``"2GiB"``, ``"500MB"``). None restores
        the default (2 GiB).
    """
    previous = _config["budget"]
    _config["budget"] = DEFAULT_MEMORY_BUDGET if nbytes is None else _parse_bytes(nbytes)
    return previous


@contextmanager
def memory_budget(nbytes):
    """Context manager: the budget is ``nbytes`` inside the ``with`` block."""
    previous = set_memory_budget(nbytes)
    try:
        yield
    finally:
        _config["budget"] = previous


def format_bytes(n):
    """``1.5 GiB``-style rendering of a byte count."""
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover - unreachable
