"""Bayesian distillation: Laplace/GGN posterior, KL, aligned prior, variational student."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.model_selection import cross_val_score

from skcomplexity.distillation import BayesianDistillationClassifier, laplace_posterior
from skcomplexity.distillation.bayesian import MeanFieldMLP
from skcomplexity.neural import MLPClassifier, MLPModule


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=240, n_features=4, n_informative=3, n_redundant=0,
                               n_classes=3, random_state=0)
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def teacher(data):
    X, y = data
    return MLPClassifier(hidden_units=(8, 6), lr=2e-2, max_epochs=30, batch_size=120,
                         device="cpu", random_state=0).fit(X, y)


def test_laplace_equals_exact_hessian_for_a_linear_softmax_model(data):
    # for a linear model with softmax cross-entropy the GGN is the exact Hessian
    X, y = data
    torch.manual_seed(0)
    module = MLPModule(4, 3, hidden_units=())
    m, S, sizes, bias = laplace_posterior(module, X, y, prior_precision=0.5)
    lin = module.linear_layers[0]
    Xt, yt = torch.as_tensor(X, dtype=torch.float64), torch.as_tensor(y)

    def total_nll(theta):
        W, b = theta[:12].reshape(3, 4), theta[12:]
        return torch.nn.functional.cross_entropy(Xt @ W.T + b, yt, reduction="sum")

    theta = torch.cat([lin.weight.detach().reshape(-1), lin.bias.detach()]).double()
    H = torch.autograd.functional.hessian(total_nll, theta).numpy()
    np.testing.assert_allclose(m, theta.numpy())
    np.testing.assert_allclose(np.linalg.inv(S), H + 0.5 * np.eye(15), rtol=1e-6, atol=1e-6)
    assert sizes == (4, 3) and bias


def test_kl_matches_torch_distributions():
    torch.manual_seed(0)
    P = MLPModule(2, 2, hidden_units=(3,))
    n = sum(p.numel() for p in P.parameters())
    A = torch.randn(n, n)
    cov = A @ A.T / n + torch.eye(n)
    mean = torch.randn(n)
    net = MeanFieldMLP(2, 2, (3,), prior_mean=mean, prior_precision=torch.linalg.inv(cov),
                       init_mean="default", init_std=0.3)
    q = torch.distributions.MultivariateNormal(net.mu.detach().double(),
                                               torch.diag(net.std.detach().double() ** 2))
    p = torch.distributions.MultivariateNormal(mean.double(), cov.double())
    expected = torch.distributions.kl_divergence(q, p).item()
    assert net.kl().item() == pytest.approx(expected, rel=1e-3)


def test_student_prior_comes_from_aligned_teacher(data, teacher):
    X, y = data
    student = BayesianDistillationClassifier(
        teacher, hidden_units=(5,), kl_weight=1e4, lr=1e-3, max_epochs=3, batch_size=120,
        device="cpu", random_state=0).fit(X, y)
    n_params = 4 * 5 + 5 + 5 * 3 + 3
    assert student.prior_mean_.shape == (n_params,)
    assert student.prior_cov_.shape == (n_params, n_params)
    assert student.alignment_[-1] == ("layer", 2)
    mu = student.module_.mu.detach().numpy()
    # with a huge KL weight the variational mean stays at the prior mean (its start)
    assert np.abs(mu - student.prior_mean_).max() < 0.05
    assert student.predict_proba(X[:5]).shape == (5, 3)


def test_standard_prior_baseline_and_clone(data):
    X, y = data
    est = BayesianDistillationClassifier(prior="standard", hidden_units=(6,), lr=2e-2,
                                         max_epochs=20, batch_size=120, device="cpu",
                                         random_state=0)
    assert clone(est).get_params()["prior"] == "standard"
    assert est.fit(X, y).score(X, y) > 0.6
    assert est.prior_mean_ is None


def test_bad_input(data, teacher):
    X, y = data
    with pytest.raises(ValueError, match="teacher"):
        BayesianDistillationClassifier(None).fit(X, y)
    with pytest.raises(ValueError, match="prior"):
        BayesianDistillationClassifier(teacher, prior="flat").fit(X, y)
    with pytest.raises(ValueError, match="classes"):
        BayesianDistillationClassifier(teacher, hidden_units=(4,)).fit(X, (y > 0).astype(int))
    with pytest.raises(ValueError, match="deeper"):
        BayesianDistillationClassifier(teacher, hidden_units=(4, 4, 4)).fit(X, y)
    with pytest.raises(ValueError, match="plain MLP"):
        laplace_posterior(torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.LayerNorm(3)), X, y)


def test_refit_teacher_pickle_and_cross_validation(data):
    X, y = data
    est = BayesianDistillationClassifier(
        MLPClassifier(hidden_units=(8,), lr=2e-2, max_epochs=10, device="cpu"),
        refit_teacher=True, hidden_units=(4,), lr=2e-2, max_epochs=5, batch_size=120,
        device="cpu", random_state=0)
    assert set(vars(est)) == set(est.get_params(deep=False))
    est.fit(X, y)
    assert est.teacher_ is not est.teacher and not hasattr(est.teacher, "net_")
    assert est.teacher_.random_state == 0  # the student's seed reaches the refitted teacher
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_allclose(again.predict_proba(X), est.predict_proba(X))
    assert cross_val_score(est, X, y, cv=2).shape == (2,)
    with pytest.raises(ValueError, match="refit_teacher"):
        clone(est).set_params(refit_teacher="yes").fit(X, y)
    with pytest.raises(ValueError, match="scikit-learn style"):
        clone(est).set_params(teacher=MLPModule(4, 3, (8,))).fit(X, y)
