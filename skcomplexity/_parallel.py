"""joblib helpers: per-task seeding and progress bars.

Randomness is derived from one :class:`numpy.random.SeedSequence` per fit,
spawned into one child per task, so results do not depend on ``n_jobs`` or on
the joblib backend (``joblib.parallel_config(backend="dask")`` works as is).
"""

import atexit
import io
import os
import pickle
import shutil
import tempfile
from contextlib import contextmanager, nullcontext
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
    # balanced) go in one batch per worker, so that the shared data travel in one pickle
    # once per worker rather than once per task, and as memory maps of one file of ours
    # under loky (see _mapped_copy); other tasks (of uneven cost) are dispatched as joblib
    # sees fit
    batch_size = "auto"
    workers = effective_n_jobs(n_jobs)
    shared = workers > 1 and len(tasks) > 1 and all(len(t) and t[0] is tasks[0][0]
                                                    for t in tasks)
    if shared and len(tasks) > workers:
        batch_size = -(-len(tasks) // workers)
    loky = shared and not _joblib_backend_is_set()
    with _mapped_copy(tasks[0][0]) if loky else nullcontext() as mapped:
        if mapped is not None:
            tasks = [(mapped, *t[1:]) for t in tasks]
        parallel = Parallel(n_jobs=n_jobs, return_as="generator", batch_size=batch_size)
        gen = parallel(delayed(func)(*t) for t in tasks)
        if verbose:
            from tqdm.auto import tqdm

            gen = tqdm(gen, desc=desc, total=total, leave=False)
        results = list(gen)
        del tasks, mapped, gen, parallel  # the maps closed before their files are removed
    return results


#: Arrays of a shared object from this many bytes go to the workers as memory maps (joblib's
#: default ``max_nbytes``); smaller ones travel in the pickle.
_MAP_BYTES = 2**20
#: joblib's choice of folder for its memory maps: RAM-backed where it has room.
_SHM = "/dev/shm"


@contextmanager
def _mapped_copy(obj):
    """A copy of ``obj`` whose large arrays are read-only memory maps of files of ours, or None.

    The loky workers then open those files (joblib sends a memory map by its name)
    instead of joblib writing the arrays into a temporary folder of its own for the call
    and deleting the folder after it. That deletion races the resource tracker's removal
    of the same files; when it loses, joblib waits 0.1 s and tries again: a fifth of a
    parallel fit on 100,000 x 20, in about half of the fits. Each distinct array of at
    least ``_MAP_BYTES`` is written once per call, as joblib's would be, in the folder
    joblib would choose (``JOBLIB_TEMP_FOLDER``, else ``/dev/shm`` where it has room,
    else the system's), in its own memory layout; the files go when the call returns.
    The workers see the same values, read-only as before. None (the tasks go as they
    are) when no array is that large, when ``obj`` holds arrays of another library
    (tensors: the copy would duplicate them), or when it cannot be written.
    """
    folder = tempfile.mkdtemp(prefix="skcomplexity_", dir=_map_folder())
    try:
        try:
            mapped = _map_arrays(obj, folder)
        except Exception:  # e.g. no room, a tensor, or an object pickle cannot write
            mapped = None
        yield mapped
    finally:
        mapped = None
        shutil.rmtree(folder, ignore_errors=True)
        if os.path.exists(folder):  # a map still open (Windows): at exit then
            atexit.register(shutil.rmtree, folder, ignore_errors=True)


class _Foreign(Exception):
    pass


def _map_arrays(obj, folder):
    written = {}  # id -> (file, the array: kept alive so that its id is not reused)

    class Writer(pickle.Pickler):
        def persistent_id(self, item):
            if isinstance(item, np.ndarray):
                if (type(item) not in (np.ndarray, np.memmap) or item.dtype.hasobject
                        or item.nbytes < _MAP_BYTES):
                    return None
                if id(item) not in written:
                    name = os.path.join(folder, f"{len(written)}.npy")
                    np.save(name, item, allow_pickle=False)
                    written[id(item)] = (name, item)
                return written[id(item)][0]
            if hasattr(item, "__dlpack__"):
                raise _Foreign
            return None

    buffer = io.BytesIO()
    Writer(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    if not written:
        return None
    loaded = {}

    class Reader(pickle.Unpickler):
        def persistent_load(self, name):
            if name not in loaded:  # one map per array: identities survive
                loaded[name] = np.load(name, mmap_mode="r")
            return loaded[name]

    buffer.seek(0)
    return Reader(buffer).load()


def _map_folder():
    folder = os.environ.get("JOBLIB_TEMP_FOLDER")
    if folder:
        return folder
    try:
        stats = os.statvfs(_SHM)
        if stats.f_bavail * stats.f_frsize >= 2e9:  # joblib's own rule: 2 GB free
            return _SHM
    except (OSError, AttributeError):  # no /dev/shm (or no statvfs: Windows)
        pass
    return None


def _joblib_backend_is_set():
    """True inside ``joblib.parallel_config(backend=...)`` so that a user's backend is honoured."""
    try:
        from joblib.parallel import _get_active_backend

        backend, _ = _get_active_backend()
        return type(backend).__name__ not in ("LokyBackend", "SequentialBackend")
    except Exception:  # pragma: no cover - private API changed
        return False
