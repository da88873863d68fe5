"""Anti-distillation: expansions, problem (5.3), Hutchinson trace, robustness criteria."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from skcomplexity.distillation import (
    AntiDistillationClassifier,
    anti_distillation_expand,
    expand_mlp,
    fgsm_accuracy,
    hutchinson_trace,
    parameter_noise_accuracy,
)
from skcomplexity.neural import MLPClassifier, MLPModule


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    return X[:600], y[:600]


@pytest.fixture(scope="module")
def teacher(digits):
    X, y = digits
    simple = y < 5
    return MLPClassifier(hidden_units=(16, 8), lr=1e-2, max_epochs=15, batch_size=64,
                         device="cpu", random_state=0).fit(X[simple], y[simple])


@pytest.mark.parametrize("method", ["zero_pad", "net2net"])
def test_expansions_preserve_the_teacher_function(method):
    torch.manual_seed(0)
    t, s = MLPModule(5, 3, (4, 3)), MLPModule(5, 6, (9, 7))
    expand_mlp(t, s, method, output_rows=[0, 2, 4], random_state=0)
    x = torch.randn(11, 5)
    np.testing.assert_allclose(s(x)[:, [0, 2, 4]].detach(), t(x).detach(), atol=1e-5)
    if method == "zero_pad":
        assert torch.all(s(x)[:, [1, 3, 5]] == 0)


def test_xavier_rule_bounds():
    s = MLPModule(16, 4, (9,))
    expand_mlp(s, s, "xavier", random_state=0)
    for lin in s.linear_layers:
        assert lin.weight.abs().max() <= 1 / np.sqrt(lin.in_features)


def test_hutchinson_matches_exact_trace():
    torch.manual_seed(0)
    net = MLPModule(3, 2, (4,), activation="tanh").double()
    x, y = torch.randn(20, 3, dtype=torch.float64), torch.randint(0, 2, (20,))
    params = list(net.parameters())
    names = [n for n, _ in net.named_parameters()]

    def loss_of(*ps):
        out = torch.func.functional_call(net, dict(zip(names, ps, strict=True)), (x,))
        return torch.nn.functional.cross_entropy(out, y)

    H = torch.autograd.functional.hessian(loss_of, tuple(params))
    exact = sum(H[i][i].reshape(p.numel(), p.numel()).trace() for i, p in enumerate(params))
    gen = torch.Generator().manual_seed(0)
    loss = torch.nn.functional.cross_entropy(net(x), y)
    est = hutchinson_trace(loss, params, n_probes=4000, generator=gen, create_graph=False)
    assert float(est) == pytest.approx(float(exact), rel=0.05)
    # l4 is differentiable in w (third-order terms)
    loss = torch.nn.functional.cross_entropy(net(x), y)
    l4 = hutchinson_trace(loss, params, n_probes=2, generator=gen)
    grads = torch.autograd.grad(l4, params)
    assert sum(float(g.abs().sum()) for g in grads) > 0


def test_expansion_problem_proximity_term(digits, teacher):
    X, y = digits
    simple = y < 5
    s = MLPModule(64, 10, (24, 12))
    anti_distillation_expand(teacher, s, X[simple], y[simple], lambdas=(0.0, 1.0, 0.0, 0.0),
                             epochs=2, lr=1e-2, random_state=0)
    t_lin = teacher.module_.linear_layers
    for a, b in zip(t_lin[:-1], s.linear_layers[:-1], strict=True):
        np.testing.assert_allclose(b.weight[: a.out_features, : a.in_features].detach(), a.weight.detach(),
                                   atol=2e-2)


@pytest.mark.parametrize("init", ["xavier", "zero_pad", "uniform_pad", "net2net", "transfer",
                                  "anti_distillation"])
def test_every_initialisation_trains(digits, teacher, init):
    X, y = digits
    clf = AntiDistillationClassifier(teacher, init=init, hidden_units=(24, 12), max_epochs=4,
                                     expand_epochs=1, freeze_epochs=1, lr=1e-2, batch_size=64,
                                     device="cpu", random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.3  # chance is 0.1
    if init == "transfer":
        assert clf.module_.linear_layers[0].out_features == 16


def test_robustness_criteria(digits, teacher):
    X, y = digits
    simple = y < 5
    acc = teacher.score(X[simple], y[simple])
    assert fgsm_accuracy(teacher, X[simple], y[simple], 0.0) == pytest.approx(acc)
    assert parameter_noise_accuracy(teacher, X[simple], y[simple], 0.0) == pytest.approx(acc)
    curve = [fgsm_accuracy(teacher, X[simple], y[simple], e) for e in (0.05, 0.2, 0.5)]
    assert curve[0] >= curve[1] >= curve[2] and curve[2] < acc
    half = fgsm_accuracy(teacher, X[simple], y[simple], 0.5, fraction=0.5, random_state=0)
    assert curve[2] < half < acc + 1e-12
    noisy = parameter_noise_accuracy(teacher, X[simple], y[simple], 1.0, n_draws=3,
                                     random_state=0)
    assert noisy < acc


class _Softmax(torch.nn.Module):
    """Probability outputs under skorch's default NLLLoss (skorch's classifier idiom)."""

    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(64, 5)

    def forward(self, X):
        return torch.softmax(self.lin(X), dim=-1)


def test_robustness_criteria_take_a_skorch_net(digits, teacher):
    skorch = pytest.importorskip("skorch")
    X, y = digits
    simple = y < 5
    Xs, ys = X[simple], y[simple]
    # the raw skorch net behind the estimator, through the same adapter: same numbers
    raw = teacher.net_
    assert fgsm_accuracy(raw, Xs, ys, 0.2, fraction=0.5, random_state=0) == fgsm_accuracy(
        teacher, Xs, ys, 0.2, fraction=0.5, random_state=0)
    assert parameter_noise_accuracy(raw, Xs, ys, 1.0, n_draws=3, random_state=0) == (
        parameter_noise_accuracy(teacher, Xs, ys, 1.0, n_draws=3, random_state=0))
    # a user's skorch classifier with probability outputs, against FGSM written out by hand
    torch.manual_seed(0)
    net = skorch.NeuralNetClassifier(_Softmax, max_epochs=5, lr=0.5, train_split=None,
                                     verbose=0).fit(Xs, ys.astype(np.int64))
    assert fgsm_accuracy(net, Xs, ys, 0.0) == pytest.approx(net.score(Xs, ys))
    x = torch.as_tensor(Xs).requires_grad_(True)
    loss = torch.nn.functional.nll_loss(torch.log(net.module_(x)), torch.as_tensor(ys))
    (grad,) = torch.autograd.grad(loss, x)
    adv = (x + 0.1 * grad.sign()).detach().numpy()
    expected = np.mean(net.predict(adv) == ys)
    assert fgsm_accuracy(net, Xs, ys, 0.1) == pytest.approx(expected)
    assert expected < net.score(Xs, ys)


def test_robustness_criteria_reject_what_they_cannot_use(digits, teacher):
    skorch = pytest.importorskip("skorch")
    from sklearn.exceptions import NotFittedError
    from sklearn.linear_model import LogisticRegression

    X, y = digits
    X5, y5 = X[:40], y[:40] % 5
    with pytest.raises(NotFittedError, match="fit"):
        fgsm_accuracy(MLPClassifier(), X5, y5, 0.1)
    with pytest.raises(NotFittedError, match="fit"):
        parameter_noise_accuracy(skorch.NeuralNetClassifier(_Softmax), X5, y5, 0.1)
    for bad in (LogisticRegression().fit(X5, y5), _Softmax(),
                skorch.NeuralNetRegressor(torch.nn.Linear, module__in_features=64,
                                          module__out_features=1, max_epochs=1, verbose=0,
                                          train_split=None).fit(X5, y5.astype(np.float32)[:, None])):
        with pytest.raises(TypeError, match="classifier|torch model"):
            fgsm_accuracy(bad, X5, y5, 0.1)
    with pytest.raises(ValueError, match="unseen"):
        fgsm_accuracy(teacher.net_, X5, y5 + 5, 0.1)


def test_bad_input(digits, teacher):
    X, y = digits
    with pytest.raises(ValueError, match="init"):
        AntiDistillationClassifier(teacher, init="magic").fit(X, y)
    with pytest.raises(ValueError, match="teacher"):
        AntiDistillationClassifier(None, init="zero_pad").fit(X, y)
    with pytest.raises(ValueError, match="sub-task"):
        AntiDistillationClassifier(teacher, init="zero_pad", hidden_units=(24, 12)).fit(
            X[y >= 3], y[y >= 3])
    with pytest.raises(ValueError, match="fewer"):
        AntiDistillationClassifier(teacher, init="zero_pad", hidden_units=(4, 4)).fit(X, y)
    with pytest.raises(ValueError, match="fraction"):
        fgsm_accuracy(teacher, X, y, 0.1, fraction=2.0)


def test_refit_teacher_on_the_simple_classes(digits):
    X, y = digits
    clf = AntiDistillationClassifier(
        MLPClassifier(hidden_units=(8,), lr=1e-2, max_epochs=3, device="cpu"),
        refit_teacher=True, teacher_classes=[0, 1, 2, 3, 4], init="zero_pad",
        hidden_units=(16,), max_epochs=2, device="cpu", random_state=0)
    assert set(vars(clf)) == set(clf.get_params(deep=False))
    clf.fit(X, y)
    assert clf.teacher_.classes_.tolist() == [0, 1, 2, 3, 4]
    assert clf.teacher_rows_.tolist() == [0, 1, 2, 3, 4]
    assert not hasattr(clf.teacher, "net_")
    with pytest.raises(ValueError, match="teacher_classes"):
        clf.set_params(teacher_classes=[11]).fit(X, y)


def test_n_hutchinson_is_gone_after_its_deprecation(teacher):
    # renamed n_probes in 0.1.0, announced for removal in 0.2.0: removed
    assert "n_hutchinson" not in AntiDistillationClassifier(teacher).get_params()
    with pytest.raises(TypeError, match="n_hutchinson"):
        AntiDistillationClassifier(teacher, n_hutchinson=3)
    with pytest.raises(TypeError, match="n_hutchinson"):
        anti_distillation_expand(teacher, MLPModule(64, 10, (24, 12)), np.zeros((4, 64)),
                                 np.zeros(4, dtype=int), n_hutchinson=2)
