"""Classical bounds reproduce hand-computed values (skcomplexity.bounds)."""

import math

import pytest

from skcomplexity import bounds as b


def test_sauer_hand_values():
    # C(10,0)+C(10,1)+C(10,2) = 1 + 10 + 45
    assert b.sauer_bound(10, 2) == 56
    assert b.sauer_bound(10, 2, "exp") == pytest.approx((math.e * 5) ** 2)
    for m in range(0, 8):
        assert b.sauer_bound(m, 8) == 2**m  # m <= d: every labelling
    for m in range(3, 30):
        for d in range(1, m + 1):
            assert b.sauer_bound(m, d, "sum") <= b.sauer_bound(m, d, "exp") + 1e-9
    assert b.growth_function_bound(5, None) == 32
    assert b.growth_function_bound(5, 1) == 6
    assert b.vc_dimension_linear(3) == 4
    with pytest.raises(ValueError, match="m >= d"):
        b.sauer_bound(2, 5, "exp")
    with pytest.raises(ValueError, match="form"):
        b.sauer_bound(2, 5, "bogus")


def test_vc_and_pac_hand_values():
    # 0.1 + sqrt(10 ln 1000 / 1000) = 0.1 + sqrt(0.0690776) = 0.1 + 0.2628262
    assert b.vc_generalization_bound(0.1, 10, 1000) == pytest.approx(0.3628262, rel=1e-6)
    assert b.vc_generalization_bound(0.1, 10, 1000, C=2.0) == pytest.approx(0.6256523, rel=1e-6)
    # agnostic: 100 (10 ln 10 + ln 20) = 100 (23.02585 + 2.99573) = 2602.16 -> 2603
    assert b.pac_sample_size(0.1, 0.05, 10) == 2603
    # realizable: 10 (40 ln 130 + ln 40) = 10 (194.7007 + 3.6889) = 1983.9 -> 1984
    assert b.pac_sample_size(0.1, 0.05, 10, setting="realizable") == 1984
    # base-2 logs
    expected = 100 * (10 * math.log2(10) + math.log2(20))
    assert b.pac_sample_size(0.1, 0.05, 10, base=2) == math.ceil(expected)
    with pytest.raises(ValueError, match="eps"):
        b.pac_sample_size(1.5, 0.05, 10)
    with pytest.raises(ValueError, match="setting"):
        b.pac_sample_size(0.1, 0.05, 10, setting="other")


def test_rademacher_bounds_hand_values():
    # 0.1 + 0.1 + 3 sqrt(ln 40 / 2000) = 0.2 + 3 * 0.0429469 = 0.328841
    assert b.rademacher_generalization_bound(0.1, 0.05, 1000, 0.05) == pytest.approx(
        0.3288408, rel=1e-6
    )
    assert b.linear_rademacher_bound(2.0, 3.0, 36) == 1.0
    # Massart with Pi = 2^m gives sqrt(2 ln 2)
    assert b.growth_rademacher_bound(2**20, 20) == pytest.approx(math.sqrt(2 * math.log(2)))
    # huge integer growth values are handled exactly
    assert b.growth_rademacher_bound(2**5000, 5000) == pytest.approx(math.sqrt(2 * math.log(2)))
    # 8 * 10 * exp(-10000 * 0.04 / 32) = 80 e^{-12.5}
    assert b.vc_overfitting_probability(10000, 0.2, 10) == pytest.approx(80 * math.exp(-12.5))
    assert b.vc_overfitting_probability(10, 0.01, 10) == 1.0  # clipped
    # exp(-100 * 0.01 / (8 * 0.0025 + 0.2)) = exp(-1 / 0.22)
    assert b.rademacher_overfitting_probability(100, 0.1, 0.05) == pytest.approx(
        math.exp(-1 / 0.22)
    )


def test_multitask_bound_scales_as_inverse_sqrt_T():
    assert b.mtl_complexity_ratio(3) == pytest.approx(0.5774, abs=1e-4)
    stl = b.mtl_rademacher_bound(1.5, 2.0, 3.0, 4.0, 100)
    assert stl == pytest.approx(1.5 * 2 * 3 * 4 / 10)
    for T in (1, 2, 3, 4, 9, 16):
        mtl = b.mtl_rademacher_bound(1.5, 2.0, 3.0, b.mtl_shared_norm_budget(4.0, T), 100)
        assert mtl == pytest.approx(stl / math.sqrt(T))
        assert mtl / stl == pytest.approx(b.mtl_complexity_ratio(T))


def test_lora_parameter_count():
    assert b.lora_num_params(768, 768, 8) * 24 + 768 * 2 + 2 == 296450
    assert b.lora_num_params(10, 20, 2) == 60


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: b.linear_rademacher_bound(-1.0, 1.0, 10), "B"),
        (lambda: b.linear_rademacher_bound(1.0, 1.0, 0), "m"),
        (lambda: b.mtl_shared_norm_budget(1.0, 0), "T"),
        (lambda: b.rademacher_generalization_bound(0.1, -0.1, 10, 0.05), "rad"),
        (lambda: b.growth_rademacher_bound(0, 10), "growth"),
        (lambda: b.vc_generalization_bound(0.1, 3, 10, C=0), "C"),
    ],
)
def test_bad_values_raise_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_types_raise():
    with pytest.raises(TypeError, match="integer"):
        b.sauer_bound(3.5, 2)
