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
    baseline_loss,
    conv1d_hessian_bound,
    conv2d_fc_head_hessian_bound,
    conv2d_hessian_bound,
    conv2d_pool_hessian_bound,
    dense_hessian,
    ema_smooth,
    fc_hessian_bound,
    fc_hessian_bound_elementwise,
    fc_hessian_bound_from_model,
    fc_loss_difference_bound,
    landscape_curve,
    landscape_measure,
    loss_difference_curve,
    matrix_net_hessian_bound,
    mlp_norms,
    self_attention_hessian_bound,
    sufficient_sample_size_from_bound,
    transformer_block_hessian_bound,
)
from skcomplexity.metrics import landscape_scorer, normalized_landscape_scorer
from skcomplexity.neural import MLPClassifier, MLPModule, MLPRegressor

CE = nn.CrossEntropyLoss(reduction="none")


pytestmark = pytest.mark.usefixtures("one_torch_thread")


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
    clf = LogisticRegression().fit(X, y)
    c = landscape_curve(clf, X, y, n_permutations=10, random_state=0)
    # the per-object losses are the log-losses of the true classes
    p = clf.predict_proba(X)[np.arange(200), y]
    np.testing.assert_allclose(c.losses, -np.log(p), rtol=1e-12)
    reg = LinearRegression().fit(X, y)
    r = landscape_curve(reg, X, y, n_permutations=10, random_state=0)
    np.testing.assert_allclose(r.losses, (reg.predict(X) - y) ** 2, rtol=1e-12)
    # Delta_1 = |l_b - l_a| / 2 for the first two objects of each order
    rng = np.random.default_rng(np.random.SeedSequence(0))
    perms = rng.permuted(np.broadcast_to(np.arange(200), (10, 200)), axis=1)
    first = np.abs(r.losses[perms[:, 1]] - r.losses[perms[:, 0]]) / 2
    assert r.mean[0] == pytest.approx(first.mean(), rel=1e-12)


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
    # corrected FC bound with biases: a_1 = 1, a_2 = 1*1 + 1 = 2 -> sqrt2 ((1 + 1) + (4 + 1))
    assert fc_hessian_bound(2, 1, 1, variant="corrected", M_b=1) == pytest.approx(7 * s2)
    # lipschitz c = 2, L = 2, M_W = 1, M_b = 0: a_2 = 2 -> sqrt2 ((1 + 1) 4 + (4 + 1))
    assert fc_hessian_bound(2, 1, 1, variant="corrected", lipschitz=2) == pytest.approx(13 * s2)
    assert fc_hessian_bound(3, 2, 0.5, variant="corrected", M_b=0) == pytest.approx(
        s2 * (3 * 4 * 0.5 ** 4 + 1 + 0.25 + 0.0625))
    assert self_attention_hessian_bound(4, 8, 8, 1, 1, 1, 1, 1, variant="proof") <= \
        self_attention_hessian_bound(4, 8, 8, 1, 1, 1, 1, 1)
    out = transformer_block_hessian_bound(4, 8, 8, 16, 2.0, 1, 1, 1, 1, 1, 0.5, 0.5, 1.0)
    assert out["blocks"].shape == (5, 5)
    assert out["bound"] == pytest.approx(5 * out["terms"].max())


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


_BOUND_ACTIVATIONS = ("relu", "tanh", "leaky_relu", "elu", "gelu", "identity")


def test_fc_bound_holds_on_random_biased_networks():
    """The default corrected bound holds with biases; the no-bias formula (main before) did not."""
    rng = np.random.default_rng(0)
    ratios, no_bias_fails = [], 0
    for trial in range(30):
        torch.manual_seed(trial)
        n, K = int(rng.integers(2, 6)), int(rng.integers(2, 4))
        hidden = tuple(int(h) for h in rng.integers(2, 6, size=int(rng.integers(0, 4))))
        act = _BOUND_ACTIVATIONS[trial % len(_BOUND_ACTIVATIONS)]
        net = MLPModule(n, K, hidden, activation=act).double()
        w_scale, b_scale = rng.uniform(0.2, 2.0), rng.uniform(2.5, 25.0)
        with torch.no_grad():
            for layer in net.linear_layers:
                layer.weight.mul_(w_scale)
                layer.bias.mul_(b_scale)
        X = rng.normal(size=(4, n)) * rng.uniform(0.1, 1)
        y = rng.integers(0, K, size=4)
        true = max(np.linalg.eigvalsh(dense_hessian(
            net, X[i:i + 1], y[i:i + 1], loss=CE, kind="gauss_newton",
            dtype=torch.float64))[-1] for i in range(4))
        bound = fc_hessian_bound_from_model(net, X)
        nm = mlp_norms(net, X)
        ratios.append(true / bound)
        no_bias = fc_hessian_bound(nm["L"], nm["M_x"], nm["M_W"], variant="corrected")
        no_bias_fails += true > no_bias
    assert max(ratios) <= 1 + 1e-9
    assert max(ratios) > 0.1  # not vacuous on every net
    assert no_bias_fails >= 3  # the formula that ignores the biases is exceeded
    assert nm["M_b"] == pytest.approx(max(float(m.bias.detach().norm())
                                          for m in net.linear_layers))


def test_fc_bound_from_model_text_variant_and_refusals():
    net = MLPModule(3, 2, (4,)).double()
    X = np.ones((2, 3))
    with pytest.warns(UserWarning, match="without biases"):
        text = fc_hessian_bound_from_model(net, X, variant="text")
    nm = mlp_norms(net, X)
    assert text == pytest.approx(fc_hessian_bound(2, nm["M_x"], nm["M_W"]))
    with pytest.raises(ValueError, match="Sigmoid"):
        fc_hessian_bound_from_model(MLPModule(3, 2, (4,), activation="sigmoid"), X)
    with pytest.raises(ValueError, match="corrected"):
        fc_hessian_bound(2, 1, 1, variant="text", M_b=1.0)
    with pytest.raises(ValueError, match="M_b"):
        fc_hessian_bound(2, 1, 1, variant="corrected", M_b=-1.0)


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


# ------------------------------------------------------------------ landscape_measure / scorer
def test_measure_refuses_mismatched_lengths():
    X, y = make_classification(60, 4, random_state=0)
    Xf = X.astype(np.float32)
    models = [LogisticRegression().fit(X, y), LinearRegression().fit(X, y),
              MLPClassifier(hidden_units=(4,), max_epochs=1, random_state=0).fit(Xf, y),
              MLPRegressor(hidden_units=(4,), max_epochs=1, random_state=0).fit(
                  Xf, y.astype(np.float32))]
    for model in models:
        Xm = Xf if hasattr(model, "module_") else X
        ym = y.astype(np.float32) if isinstance(model, MLPRegressor) else y
        with pytest.raises(ValueError, match="different numbers of objects: 60 and 50"):
            landscape_scorer(model, Xm, ym[:50])
    with pytest.raises(ValueError, match="measure"):
        landscape_measure(models[0], X, y, measure="nope")
    with pytest.raises(ValueError, match="normalize"):
        landscape_measure(models[0], X, y, normalize="yes")


def test_normalized_measure_is_invariant_to_the_target_scale():
    X, y = make_classification(150, 5, random_state=1)
    t = X @ np.arange(1.0, 6.0) + np.random.default_rng(0).normal(size=150)
    raw, norm = [], []
    for c in (1.0, 37.0, 1e-3):
        reg = LinearRegression().fit(X, c * t)
        raw.append(-landscape_scorer(reg, X, c * t))
        norm.append(-normalized_landscape_scorer(reg, X, c * t))
    assert raw[1] == pytest.approx(37.0 ** 2 * raw[0], rel=1e-9)  # the raw one scales as c^2
    np.testing.assert_allclose(norm, norm[0], rtol=1e-9)
    assert norm[0] == pytest.approx(raw[0] / np.var(t), rel=1e-12)
    # classifiers: divided by the class entropy
    clf = LogisticRegression().fit(X, y)
    p = np.bincount(y) / len(y)
    assert -normalized_landscape_scorer(clf, X, y) == pytest.approx(
        -landscape_scorer(clf, X, y) / -(p * np.log(p)).sum(), rel=1e-12)
    assert baseline_loss(np.c_[t, 2 * t], classification=False) == pytest.approx(
        2.5 * np.var(t))
    with pytest.raises(ValueError, match="constant target"):
        landscape_measure(LinearRegression().fit(X, np.ones(150)), X, np.ones(150),
                          normalize=True)


def test_normalized_measure_of_skorch_nets_uses_the_right_baseline():
    """Every skorch net has predict_proba: a NeuralNetRegressor is still divided by Var(y)."""
    from skorch import NeuralNetRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3)).astype(np.float32)
    y = (X @ np.array([1.0, 2.0, 3.0], dtype=np.float32))[:, None]
    torch.manual_seed(0)
    net = NeuralNetRegressor(nn.Linear, module__in_features=3, module__out_features=1,
                             max_epochs=2, train_split=None, verbose=0).fit(X, y)
    raw = landscape_measure(net, X, y)
    assert landscape_measure(net, X, y, normalize=True) == pytest.approx(raw / np.var(y),
                                                                          rel=1e-6)
    with pytest.raises(ValueError, match="normalize=True on a bare"):
        landscape_measure(nn.Linear(3, 1), X, y, normalize=True,
                          loss=nn.L1Loss(reduction="none"))
