"""BatchLoader: the same batches, networks and predictions as torch's DataLoader."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from skorch.dataset import Dataset  # noqa: E402
from torch.utils.data import DataLoader, Subset  # noqa: E402

from skcomplexity.neural import (  # noqa: E402
    BatchLoader,  # noqa: E402
    MLPClassifier,
    MLPRegressor,
)


def _batches(loader_cls, dataset, seed, **kwargs):
    torch.manual_seed(seed)
    out = list(loader_cls(dataset, **kwargs))
    return out, torch.rand(1)  # the global generator's state after the pass


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("subset", [False, True])
@pytest.mark.parametrize("with_y", [False, True])
def test_same_batches_and_same_random_stream(shuffle, subset, with_y):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(103, 4)).astype(np.float32)
    y = rng.integers(0, 3, 103) if with_y else None
    ds = Dataset(X, y)
    if subset:
        ds = Subset(Subset(ds, rng.permutation(103)[:77]), np.arange(0, 77, 2))
    ref, ref_next = _batches(DataLoader, ds, 5, batch_size=8, shuffle=shuffle)
    ours, ours_next = _batches(BatchLoader, ds, 5, batch_size=8, shuffle=shuffle)
    assert len(ours) == len(ref) == len(BatchLoader(ds, batch_size=8))
    for (xa, ya), (xb, yb) in zip(ref, ours, strict=True):
        assert torch.equal(xa, xb) and xa.dtype == xb.dtype
        assert torch.equal(ya, yb) and ya.dtype == yb.dtype
    assert torch.equal(ref_next, ours_next)


@pytest.mark.parametrize("shuffle", [False, True])
def test_dict_inputs_batch_like_the_dataloader(shuffle):
    """The distillation estimators pass X as a dict of arrays (inputs, teacher outputs)."""
    rng = np.random.default_rng(1)
    X = {"X": rng.normal(size=(50, 3)).astype(np.float32),
         "teacher": rng.normal(size=50),
         "domain": rng.integers(0, 4, 50)}
    ds = Dataset(X, rng.normal(size=50).astype(np.float32))
    ref, ref_next = _batches(DataLoader, ds, 2, batch_size=7, shuffle=shuffle)
    ours, ours_next = _batches(BatchLoader, ds, 2, batch_size=7, shuffle=shuffle)
    for (xa, ya), (xb, yb) in zip(ref, ours, strict=True):
        assert list(xa) == list(xb)
        for k in xa:
            assert torch.equal(xa[k], xb[k]) and xa[k].dtype == xb[k].dtype
        assert torch.equal(ya, yb) and ya.dtype == yb.dtype
    assert torch.equal(ref_next, ours_next)


def test_falls_back_to_a_dataloader_for_what_it_does_not_handle():
    X = np.zeros((10, 2), dtype=np.float32)
    assert BatchLoader(Dataset(X), batch_size=4, num_workers=0)._fallback is not None
    assert BatchLoader(torch.utils.data.TensorDataset(torch.zeros(10, 2)),
                       batch_size=4)._fallback is not None
    assert BatchLoader(Dataset(X), batch_size=4)._fallback is None


@pytest.mark.parametrize("make", [
    lambda es: MLPClassifier(hidden_units=(16,), max_epochs=3, batch_size=32, random_state=0,
                             early_stopping=es),
    lambda es: MLPRegressor(hidden_units=(16,), max_epochs=3, batch_size=32, random_state=0,
                            early_stopping=es),
])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_estimators_train_the_same_network(make, early_stopping, monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6)).astype(np.float32)
    est = make(early_stopping)
    y = rng.integers(0, 3, 300) if isinstance(est, MLPClassifier) else rng.normal(size=(300, 2))
    fast = est.fit(X, y)
    w_fast = [p.detach().clone() for p in fast.module_.parameters()]
    out_fast = fast.predict(X)
    monkeypatch.setattr(type(est), "_loader", DataLoader)
    slow = make(early_stopping).fit(X, y)
    for a, b in zip(w_fast, slow.module_.parameters(), strict=True):
        assert torch.equal(a, b.detach())
    np.testing.assert_array_equal(out_fast, slow.predict(X))


def test_distillation_student_is_the_same(monkeypatch):
    """The students see a dict of inputs and teacher outputs: BatchLoader handles it and
    trains the same student as the DataLoader."""
    from sklearn.linear_model import LogisticRegression

    from skcomplexity.distillation import DistillationClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = (X[:, 0] + 0.5 * rng.normal(size=200) > 0).astype(int)
    teacher = LogisticRegression().fit(X, y)

    def student():
        return DistillationClassifier(teacher=teacher, hidden_units=(8,), max_epochs=3,
                                      batch_size=32, random_state=0).fit(X, y)

    fast = student()
    monkeypatch.setattr(DistillationClassifier, "_loader", DataLoader)
    slow = student()
    for a, b in zip(fast.module_.parameters(), slow.module_.parameters(), strict=True):
        assert torch.equal(a.detach(), b.detach())
    np.testing.assert_array_equal(fast.predict_proba(X), slow.predict_proba(X))
