import os

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

try:  # tiny networks train faster on one thread, and the suite does not oversubscribe 2 cores
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover - torch is optional
    pass
