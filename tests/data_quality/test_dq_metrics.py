"""KL_TTS, Delta_shift, KL_shuffle against hand computations."""

import numpy as np
import pytest
from sklearn.metrics.pairwise import paired_cosine_distances

from skcomplexity.data_quality import cosine_shift, delta_shift, kl_shuffle, kl_tts


def test_cosine_shift_equals_sklearn():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(20, 6)), rng.normal(size=(20, 6))
    np.testing.assert_allclose(cosine_shift(a, b), paired_cosine_distances(a, b), atol=1e-12)
    with pytest.raises(ValueError, match="same shape"):
        cosine_shift(a, b[:3])
    with pytest.raises(ValueError, match="zero vector"):
        cosine_shift(np.zeros((1, 2)), np.ones((1, 2)))


def test_kl_tts_by_hand():
    # shared 2-bin histogram: h -> (1/2, 1/2), m -> (1/4, 3/4)
    p, q = np.array([0.5, 0.5]), np.array([0.25, 0.75])
    hand = abs(np.sum(p * np.log(p / q)) - np.sum(q * np.log(q / p)))
    assert kl_tts([0.0, 1.0], [0.0, 1.0, 1.0, 1.0], bins=2, eps=0) == pytest.approx(hand)
    # with eps: every cell + eps, renormalised
    eps = 0.01
    pe, qe = (p + eps) / (1 + 2 * eps), (q + eps) / (1 + 2 * eps)
    hand_eps = abs(np.sum(pe * np.log(pe / qe)) - np.sum(qe * np.log(qe / pe)))
    assert kl_tts([0.0, 1.0], [0.0, 1.0, 1.0, 1.0], bins=2, eps=eps) == pytest.approx(hand_eps)
    # the absolute difference of the two directions vanishes for mirror images (Q18)
    assert kl_tts([0, 0, 0, 1], [0, 1, 1, 1], bins=2, eps=0) == pytest.approx(0.0, abs=1e-12)
    # ... while their sum (Jeffreys) does not
    jeff = kl_tts([0, 0, 0, 1], [0, 1, 1, 1], bins=2, eps=0, combine="sum")
    assert jeff == pytest.approx(2 * (0.75 - 0.25) * np.log(3))


def test_kl_tts_properties():
    rng = np.random.default_rng(1)
    h = rng.normal(9, 1.5, size=400)
    assert kl_tts(h, h) == 0.0
    m = rng.gamma(2.0, 2.0, size=400) + 5
    assert kl_tts(h, m) > 0.01
    assert kl_tts(h, m, density="kde") > 0
    assert kl_tts(h, h, density="kde") == pytest.approx(0.0, abs=1e-12)
    assert kl_tts(np.r_[h, np.nan], m) == kl_tts(h, m)
    with pytest.warns(RuntimeWarning, match="at least two"):
        assert np.isnan(kl_tts([1.0], m))
    with pytest.raises(ValueError, match="density"):
        kl_tts(h, m, density="gauss")


def test_delta_shift_by_hand_and_antisymmetry():
    dh, dm = np.array([0.2, 0.4, 0.3]), np.array([0.1, 0.05])
    assert delta_shift(dh, dm) == pytest.approx(np.log(0.3 / 0.075))
    assert delta_shift(dm, dh) == pytest.approx(-delta_shift(dh, dm))
    assert delta_shift(dm, dh, absolute=True) == pytest.approx(delta_shift(dh, dm))
    assert delta_shift(dh, dh) == 0.0
    with pytest.raises(ValueError, match="non-negative"):
        delta_shift([-0.1], [0.1])
    with pytest.raises(ValueError, match="zero mean shift"):
        delta_shift([0.0, 0.0], [0.1])


def test_kl_shuffle_by_hand():
    dh, dm, eps = np.array([0.1, 0.3, 0.0]), np.array([0.2, 0.2, 0.1]), 1e-8
    H = (dh + eps) / np.sum(dh + eps)
    M = (dm + eps) / np.sum(dm + eps)
    assert kl_shuffle(dh, dm, eps=eps) == pytest.approx(np.sum(H * np.log(H / M)))
    assert kl_shuffle(dh, dh) == 0.0
    # "sorted" pairing does not depend on the order of the texts; "index" does
    perm = [2, 0, 1]
    assert kl_shuffle(dh[perm], dm, pairing="sorted") == pytest.approx(
        kl_shuffle(dh, dm, pairing="sorted"))
    assert kl_shuffle(dh[perm], dm) != pytest.approx(kl_shuffle(dh, dm))


def test_kl_shuffle_unequal_sizes_subsamples():
    rng = np.random.default_rng(2)
    dh, dm = rng.random(50), rng.random(30)
    a = kl_shuffle(dh, dm, random_state=0)
    assert a == kl_shuffle(dh, dm, random_state=0) and a > 0
    # sorted pairing of a subsample of a constant vector against itself is zero
    assert kl_shuffle(np.full(50, 0.3), np.full(30, 0.3), pairing="sorted",
                      random_state=0) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="pairing"):
        kl_shuffle(dh, dm, pairing="random")
