"""joblib helpers: per-task seeding and progress bars.

Randomness is derived from one :class:`numpy.random.SeedSequence` per fit,
spawned into one child per task, so results do not depend on ``n_jobs`` or on
the joblib backend (``joblib.parallel_config(backend="dask")`` works as is).
"""

from numbers import Integral

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.utils import check_random_state

__all__ = ["root_seed_sequence", "spawn_generators", "parallel_map"]


def root_seed_sequence(random_state):
    """Turn a scikit-learn ``random_state`` into a :class:`numpy.random.SeedSequence`.

    An int seeds it directly; a ``RandomState`` instance contributes one draw
    (so repeated fits with the same instance differ, as in scikit-learn); None
    gives fresh OS entropy.
    """
    if isinstance(random_state, np.random.SeedSequence):
        return random_state
    if random_state is None:
        return np.random.SeedSequence()
    if isinstance(random_state, Integral) and not isinstance(random_state, bool):
        return np.random.SeedSequence(int(random_state))
    rs = check_random_state(random_state)
    return np.random.SeedSequence(int(rs.randint(np.iinfo(np.int32).max)))


def spawn_generators(seed_sequence, n):
    """``n`` independent :class:`numpy.random.Generator` objects, one per child seed."""
    return [np.random.default_rng(s) for s in seed_sequence.spawn(n)]


def parallel_map(func, tasks, *, n_jobs=None, verbose=0, desc=None, total=None):
    """``[func(*t) for t in tasks]`` through joblib, with a tqdm bar when ``verbose``.

    Results come back in task order whatever ``n_jobs`` is. Tasks whose first
    argument is one shared object (the data of a fit, split into balanced chunks of
    replicates) go to the workers in equal batches, one per worker, so that the
    shared data are sent once per worker rather than once per task.
    """
    tasks = list(tasks)
    total = len(tasks) if total is None else total
    if n_jobs in (None, 1) and not _joblib_backend_is_set():
        iterator = tasks
        if verbose:
            from tqdm.auto import tqdm

            iterator = tqdm(tasks, desc=desc, total=total, leave=False)
        return [func(*t) for t in iterator]
    # tasks that share their first argument (a fit's data: chunks of replicates, which are
    # balanced) go in one batch per worker, so that the shared data travel in one pickle, and
    # are hashed for memory mapping, once per worker rather than once per task; other tasks
    # (of uneven cost) are dispatched as joblib sees fit
    batch_size = "auto"
    workers = effective_n_jobs(n_jobs)
    if workers > 1 and len(tasks) > workers and all(
            len(t) and t[0] is tasks[0][0] for t in tasks):
        batch_size = -(-len(tasks) // workers)
    parallel = Parallel(n_jobs=n_jobs, return_as="generator", batch_size=batch_size)
    gen = parallel(delayed(func)(*t) for t in tasks)
    if verbose:
        from tqdm.auto import tqdm

        gen = tqdm(gen, desc=desc, total=total, leave=False)
    return list(gen)


def _joblib_backend_is_set():
    """True inside ``joblib.parallel_config(backend=...)`` so that a user's backend is honoured."""
    try:
        from joblib.parallel import _get_active_backend

        backend, _ = _get_active_backend()
        return type(backend).__name__ not in ("LokyBackend", "SequentialBackend")
    except Exception:  # pragma: no cover - private API changed
        return False
