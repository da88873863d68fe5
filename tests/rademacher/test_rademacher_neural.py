"""Algorithm-1 callbacks, the multi-task model and the STL vs MTL random-label protocol."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
skorch = pytest.importorskip("skorch")

from skcomplexity.neural.callbacks import (  # noqa: E402
    InputNormalization,
    NormBallProjection,
    SpectralNormalization,
    normalize_inputs,
)
from skcomplexity.neural.multitask import (  # noqa: E402
    LoRALinear,
    MultiTaskLoss,
    SharedEncoderMultiTask,
)
from skcomplexity.rademacher import multitask_rademacher_protocol  # noqa: E402


@pytest.fixture(autouse=True)
def _one_torch_thread():
    # tiny models: avoid OpenMP oversubscription on shared CI cores
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _net(callbacks, epochs=5, **kw):
    return skorch.NeuralNet(
        SharedEncoderMultiTask, module__n_features=4, module__hidden_units=(6,),
        module__head_outputs=(1, 3), criterion=MultiTaskLoss, criterion__head_outputs=(1, 3),
        optimizer=torch.optim.SGD, lr=2.0, max_epochs=epochs, train_split=None,
        callbacks=callbacks, verbose=0, **kw,
    )


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype(np.float32) * 5
    task = rng.integers(0, 2, size=n)
    label = np.where(task == 0, rng.choice([-1, 1], size=n), rng.integers(0, 3, size=n))
    return X, np.column_stack([task, label]).astype(np.float32)


def test_norm_ball_projection_per_group():
    X, y = _data()
    net = _net([NormBallProjection({"encoder.": 0.5, "heads.0.": 0.25, "heads.1.": 2.0})])
    net.fit(X, y)

    def norm(prefix):
        return sum(
            float((p.detach() ** 2).sum())
            for n, p in net.module_.named_parameters() if n.startswith(prefix)
        ) ** 0.5

    assert norm("encoder.") <= 0.5 + 1e-5
    assert norm("heads.0.") <= 0.25 + 1e-5
    assert norm("heads.1.") <= 2.0 + 1e-5
    with pytest.raises(ValueError, match="radius"):
        _net([NormBallProjection({"encoder.": -1.0})]).fit(X, y)


def test_spectral_normalization_and_input_normalization():
    X, y = _data()
    torch.manual_seed(0)
    net = _net(
        [SpectralNormalization(prefixes="encoder", n_power_iterations=10), InputNormalization(R=0.5)]
    )
    net.fit(X, y)
    W = net.module_.encoder[0].weight
    assert float(torch.linalg.matrix_norm(W.detach(), ord=2)) == pytest.approx(1.0, abs=0.05)
    # the heads are not normalised
    assert not hasattr(net.module_.heads[0], "parametrizations")
    # inputs reach the encoder inside the 0.5-ball: features are bounded by ||W||_2 * R
    with torch.no_grad():
        feats = net.module_.encoder(normalize_inputs(torch.from_numpy(X), 0.5))
    assert float(torch.linalg.vector_norm(feats, dim=1).max()) <= 0.5 * 1.05
    with pytest.raises(ValueError, match="R must be"):
        _net([InputNormalization(R=0)]).fit(X, y)


def test_normalize_inputs_sequences():
    x = torch.tensor([[[3.0, 4.0], [0.3, 0.4]]])  # one sequence of two tokens
    out = normalize_inputs(x, R=0.5)
    # tokens capped at norm 1 -> [[.6,.8],[.3,.4]], Frobenius sqrt(1.25) > 0.5 -> rescaled
    expected = torch.tensor([[[0.6, 0.8], [0.3, 0.4]]]) * (0.5 / 1.25**0.5)
    torch.testing.assert_close(out, expected)


def test_lora_layer_parameters_and_update():
    base = torch.nn.Linear(10, 7)
    layer = LoRALinear(base, r=3, alpha=6)
    trainable = [p for p in layer.parameters() if p.requires_grad]
    assert sum(p.numel() for p in trainable) == 3 * (10 + 7)
    with torch.no_grad():
        layer.lora_B.normal_()
    x = torch.randn(5, 10)
    expected = x @ base.weight.T + base.bias + 2.0 * (x @ layer.lora_A @ layer.lora_B)
    torch.testing.assert_close(layer(x), expected)
    with pytest.raises(ValueError, match="rank"):
        LoRALinear(base, r=0)


def test_shared_encoder_is_pretrained_identically():
    a = SharedEncoderMultiTask(4, (6,), (1, 2), encoder_seed=3)
    torch.manual_seed(123)
    b = SharedEncoderMultiTask(4, (6,), (1, 2), encoder_seed=3)
    torch.testing.assert_close(a.encoder[0].weight, b.encoder[0].weight)
    lora = SharedEncoderMultiTask(4, (6,), (1,), lora_rank=2)
    trainable = {n for n, p in lora.named_parameters() if p.requires_grad}
    assert trainable == {"encoder.0.lora_A", "encoder.0.lora_B", "heads.0.weight"}


@pytest.fixture(scope="module")
def mtl_data():
    rng = np.random.default_rng(0)
    n, p = 120, 8
    Xt = rng.normal(size=(n, p))
    aux = []
    for k in range(3):
        Xa = rng.normal(size=(n, p))
        aux.append((Xa, (Xa[:, k] > 0).astype(int) + (Xa[:, k + 1] > 0)))
    return Xt, aux


def test_multitask_protocol_mtl_below_stl_and_bounds(mtl_data):
    Xt, aux = mtl_data
    res = multitask_rademacher_protocol(
        Xt, aux[:2], max_epochs=10, n_repeats=3, random_state=0
    ).set_index("protocol")
    assert res.loc["mtl", "n_tasks"] == 3
    assert res.loc["mtl", "encoder_budget"] == pytest.approx(1 / np.sqrt(3))
    assert res.loc["mtl", "bound"] == pytest.approx(res.loc["stl", "bound"] / np.sqrt(3))
    assert (res["complexity"] <= res["bound"]).all()
    assert 0 < res.loc["mtl", "complexity"] < res.loc["stl", "complexity"]


def test_multitask_protocol_options_and_determinism(mtl_data):
    Xt, aux = mtl_data
    kw = dict(max_epochs=2, n_repeats=2, random_state=1, lora_rank=2, hidden_units=(8,))
    a = multitask_rademacher_protocol(Xt, aux, **kw)
    b = multitask_rademacher_protocol(Xt, aux, n_jobs=2, **kw)
    np.testing.assert_allclose(a["complexity"], b["complexity"])
    assert a["n_tasks"].tolist() == [1, 4] and a["bound"].isna().all()
    stl_only = multitask_rademacher_protocol(Xt, (), max_epochs=2, n_repeats=2, random_state=0)
    assert stl_only["protocol"].tolist() == ["stl"]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(auxiliary=[(np.ones((5, 3)), np.arange(5))]), "features"),
        (dict(auxiliary=[(np.ones((5, 8)), np.zeros(5))]), "single class"),
        (dict(auxiliary=[np.ones((5, 8))]), "pair"),
        (dict(B_enc=-1.0), "B_enc"),
        (dict(stl_data="all"), "stl_data"),
    ],
)
def test_multitask_protocol_errors(mtl_data, kwargs, match):
    with pytest.raises(ValueError, match=match):
        multitask_rademacher_protocol(mtl_data[0], **kwargs)
