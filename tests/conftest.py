import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

try:  # tiny networks train faster on one thread, and the suite does not oversubscribe 2 cores
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover - torch is optional
    pass


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread for the module's tests, the caller's setting restored afterwards.

    Tiny networks train fastest on one thread, and the suite must not oversubscribe a
    busy 2-core machine. A torch module asks for it by name
    (``pytestmark = pytest.mark.usefixtures("one_torch_thread")``); a test that runs
    without torch skips.
    """
    torch = pytest.importorskip("torch")
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)
