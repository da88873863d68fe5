"""Loss-difference curves (trends of §2.4.1) and the architecture bounds of Ch. 3."""

import math

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.preprocessing import StandardScaler
from torch import nn

from skcomplexity.landscape import (
    conv1d_hessian_bound,
    conv2d_fc_head_hessian_bound,
    conv2d_hessian_bound,
    conv2d_pool_hessian_bound,
    dense_hessian,
    ema_smooth,
    fc_hessian_bound,
    fc_hessian_bound_elementwise,
    fc_loss_difference_bound,
    landscape_curve,
    loss_difference_curve,
    matrix_net_hessian_bound,
    mlp_norms,
    self_attention_hessian_bound,
    sufficient_sample_size_from_bound,
    transformer_block_hessian_bound,
)
from skcomplexity.neural import MLPClassifier, MLPModule

CE = nn.CrossEntropyLoss(reduction="none")


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


# ------------------------------------------------------------------ curve
def test_curve_matches_loop_definition_and_falls():
    losses = np.random.default_rng(0).exponential(size=60)
    curve = loss_difference_curve(losses, n_permutations=7, ema=0.9, random_state=3)
    # independent route: the same permutations, one k at a time
    rng = np.random.default_rng(np.random.SeedSequence(3))
    perms = rng.permuted(np.broadcast_to(np.arange(60), (7, 60)), axis=1)
    ref = np.zeros(59)
    for p in perms:
        for k in range(1, 60):
            ref[k - 1] += abs(losses[p[:k + 1]].mean() - losses[p[:k]].mean()) / 7
    np.testing.assert_allclose(curve.mean, ref, rtol=1e-12)
    s = [ref[0]]
    for x in ref[1:]:
        s.append(0.9 * s[-1] + 0.1 * x)
    np.testing.assert_allclose(curve.smoothed, s, rtol=1e-12)
    big = loss_difference_curve(losses, n_permutations=200, random_state=0)
    assert big.mean[:10].mean() > 5 * big.mean[-10:].mean()
    assert np.all(np.diff(big.smoothed[5:]) < 0)  # the EMA falls with k


def test_curve_sufficient_sample_size_and_errors():
    losses = np.random.default_rng(1).exponential(size=300)
    curve = loss_difference_curve(losses, n_permutations=50, random_state=0)
    eps = curve.smoothed[100]
    m = curve.sufficient_sample_size(eps)
    assert np.all(curve.smoothed[m - 1:] <= eps) and curve.smoothed[m - 2] > eps
    assert curve.sufficient_sample_size(1e-12) is None
    with pytest.raises(ValueError, match="eps"):
        curve.sufficient_sample_size(0.0)
    with pytest.raises(ValueError, match="n_permutations"):
        loss_difference_curve(losses, n_permutations=0)
    with pytest.raises(ValueError, match="ema"):
        ema_smooth(losses, 1.0)


def test_curve_sklearn_models():
    X, y = make_classification(200, 5, random_state=0)
    with pytest.raises(NotFittedError):
        landscape_curve(LogisticRegression(), X, y)
    c = landscape_curve(LogisticRegression().fit(X, y), X, y, n_permutations=10, random_state=0)
    assert c.mean.shape == (199,)
    r = landscape_curve(LinearRegression().fit(X, y), X, y, n_permutations=10, random_state=0)
    assert np.all(r.mean >= 0)


def _curve_level(hidden, X, y, seeds=(0, 1)):
    vals = []
    for s in seeds:
        clf = MLPClassifier(hidden_units=hidden, lr=1e-2, max_epochs=10, batch_size=64,
                            random_state=s).fit(X, y)
        c = landscape_curve(clf, X, y, n_permutations=30, random_state=s)
        vals.append(np.mean(c.scaled_mean))
    return float(np.mean(vals))


def test_curve_trends_width_and_depth():
    """§2.4.1: smaller with wider hidden layers, larger with more layers (fixed epochs)."""
    X, y = make_classification(400, 20, n_informative=10, n_classes=4, class_sep=1.5,
                               random_state=0)
    X = StandardScaler().fit_transform(X)
    narrow, wide = _curve_level((4,) * 2, X, y), _curve_level((64,) * 2, X, y)
    assert wide < 0.5 * narrow
    shallow, deep = _curve_level((16,), X, y), _curve_level((16,) * 6, X, y)
    assert deep > shallow


# ------------------------------------------------------------------ bounds
def test_oracle_values():
    s2 = math.sqrt(2)
    assert fc_hessian_bound(1, 2, 3) == pytest.approx(s2 * 9 * 5)
    assert fc_hessian_bound(3, 1, 1) == pytest.approx(6 * s2)
    assert fc_hessian_bound(2, 1, 2) == pytest.approx(52 * s2)
    assert fc_hessian_bound_elementwise(2, 1, 4, 0.5) == pytest.approx(52 * s2)
    assert fc_loss_difference_bound(99, 2, 1, 2, 1, 1) == pytest.approx(1.4907821049)
    assert matrix_net_hessian_bound(2, 1, 2, 3) == pytest.approx(972 * s2)
    assert conv1d_hessian_bound(1, 10, 2, 2, 0.1, 3) == pytest.approx(432 * s2)
    assert conv2d_hessian_bound(1, 1, 2, 3, 0.1, 5, 5) == pytest.approx(16200 * s2)
    assert conv2d_pool_hessian_bound(1, 2, 2, 3, 0.1, 8, 8, 2, 1) == pytest.approx(81078.1261407)
    assert conv2d_fc_head_hessian_bound(1, 1, 2, 3, 0.1, 5, 5, 1, 4, 0.5) == pytest.approx(
        112005.7141399)
    assert conv2d_fc_head_hessian_bound(1, 1, 2, 3, 0.1, 5, 5, 1, 4, 0.5, ratio="rederived") \
        == pytest.approx(194737.2075388)
    assert sufficient_sample_size_from_bound(2 * (1 + 52 * s2), 0.01) == 14907
    assert self_attention_hessian_bound(4, 8, 8, 1, 1, 1, 1, 1, variant="proof") <= \
        self_attention_hessian_bound(4, 8, 8, 1, 1, 1, 1, 1)
    out = transformer_block_hessian_bound(4, 8, 8, 16, 2.0, 1, 1, 1, 1, 1, 0.5, 0.5, 1.0)
    assert out["bound"] > 0 and out["blocks"].shape == (5, 5)


def _max_gn_norm(net, X, y):
    worst = 0.0
    for i in range(len(X)):
        G = dense_hessian(net, X[i:i + 1], y[i:i + 1], loss=CE, kind="gauss_newton",
                          dtype=torch.float64)
        worst = max(worst, np.linalg.norm(G, 2))
    return worst


def test_fc_bound_holds_on_random_networks():
    rng = np.random.default_rng(0)
    for trial in range(12):
        torch.manual_seed(trial)
        n, h, K, depth = rng.integers(3, 6), rng.integers(2, 5), rng.integers(2, 4), \
            rng.integers(0, 3)
        net = MLPModule(n, K, (int(h),) * int(depth), bias=False).double()
        scale = rng.uniform(0.3, 3.0)
        with torch.no_grad():
            for p in net.parameters():
                p.mul_(scale)
        X = rng.normal(size=(4, n)) * rng.uniform(0.5, 2)
        y = rng.integers(0, K, size=4)
        true = _max_gn_norm(net, X, y)
        nm = mlp_norms(net, X)
        corrected = fc_hessian_bound(nm["L"], nm["M_x"], nm["M_W"], variant="corrected",
                                     bias=False)
        assert true <= corrected * (1 + 1e-9)
        if nm["M_W"] >= 1:
            assert true <= fc_hessian_bound(nm["L"], nm["M_x"], nm["M_W"])


def test_printed_fc_bound_fails_for_small_weights():
    """Theorem 9 as printed is violated by a one-layer net with M_W = 0.1 (spec Q7)."""
    net = MLPModule(2, 2, (), bias=False).double()
    with torch.no_grad():
        net.layers[0].weight.copy_(torch.tensor([[0.1, 0.0], [0.0, 0.0]], dtype=torch.float64))
    X = np.array([[1.0, 0.0]])
    y = np.array([0])
    true = _max_gn_norm(net, X, y)  # ~ ||A|| ||x||^2 with p ~ uniform -> ~0.5
    nm = mlp_norms(net, X)
    printed = fc_hessian_bound(nm["L"], nm["M_x"], nm["M_W"], variant="text")
    corrected = fc_hessian_bound(nm["L"], nm["M_x"], nm["M_W"], variant="corrected", bias=False)
    assert true > 10 * printed
    assert true <= corrected


def test_bound_errors():
    with pytest.raises(ValueError, match="variant"):
        fc_hessian_bound(2, 1, 1, variant="wrong")
    with pytest.raises(ValueError, match="eps"):
        sufficient_sample_size_from_bound(1.0, 0.0)


def test_curve_at_perturbed_parameters():
    X, y = make_classification(120, 5, random_state=0)
    clf = MLPClassifier(hidden_units=(8,), max_epochs=2, random_state=0).fit(X, y)
    at_opt = landscape_curve(clf, X, y, n_permutations=20, random_state=0)
    far = landscape_curve(clf, X, y, n_permutations=20, radius=5.0, n_directions=3,
                          random_state=0)
    assert far.losses.shape == (3, 120)
    assert np.mean(far.scaled_mean) > np.mean(at_opt.scaled_mean)
    with pytest.raises(ValueError, match="radius"):
        landscape_curve(clf, X, y, radius=-1.0)
    with pytest.raises(TypeError, match="torch model"):
        landscape_curve(LogisticRegression().fit(X, y), X, y, radius=1.0)
