"""SharedEncoderMultiTask draws its "pretrained" encoder without touching torch's global RNG."""

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from skcomplexity.neural import SharedEncoderMultiTask  # noqa: E402


@pytest.mark.parametrize("bias", [False, True])
def test_encoder_seeded_apart_from_the_global_rng(bias):
    torch.manual_seed(5)
    net = SharedEncoderMultiTask(4, hidden_units=(6, 3), head_outputs=(1, 2), bias=bias,
                                 encoder_seed=9)
    after = torch.get_rng_state()
    # independent route: the encoder is what nn.Linear draws right after manual_seed(9) ...
    torch.manual_seed(9)
    first, second = nn.Linear(4, 6, bias=bias), nn.Linear(6, 3, bias=bias)
    torch.testing.assert_close(net.encoder[0].weight, first.weight, rtol=0, atol=0)
    torch.testing.assert_close(net.encoder[2].weight, second.weight, rtol=0, atol=0)
    if bias:
        torch.testing.assert_close(net.encoder[2].bias, second.bias, rtol=0, atol=0)
    # ... and the heads are what the global RNG draws after manual_seed(5): the encoder
    # neither consumed nor reset the global stream
    torch.manual_seed(5)
    heads = [nn.Linear(3, 1, bias=bias), nn.Linear(3, 2, bias=bias)]
    for mine, ref in zip(net.heads, heads):
        torch.testing.assert_close(mine.weight, ref.weight, rtol=0, atol=0)
    assert torch.equal(torch.get_rng_state(), after)


def test_same_seed_same_encoder_with_lora():
    torch.manual_seed(0)
    a = SharedEncoderMultiTask(4, (5, 7), (1, 3), lora_rank=2, encoder_seed=3)
    torch.manual_seed(1)
    b = SharedEncoderMultiTask(4, (5, 7), (1, 3), lora_rank=2, encoder_seed=3)
    for la, lb in zip(a.encoder[::2], b.encoder[::2]):
        torch.testing.assert_close(la.base.weight, lb.base.weight, rtol=0, atol=0)
        assert not torch.equal(la.lora_A, lb.lora_A)  # adapters follow the global RNG
    c = SharedEncoderMultiTask(4, (5, 7), (1, 3), lora_rank=2, encoder_seed=4)
    assert not torch.equal(a.encoder[0].base.weight, c.encoder[0].base.weight)
