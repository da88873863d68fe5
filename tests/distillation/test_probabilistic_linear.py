"""Closed-form probabilistic distillation (regression theorem) vs the gradient-trained student.

numpy-only but for the gradient-trained student, which imports torch itself.
"""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from skcomplexity.distillation import DistilledLinearRegression


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = X @ [1.0, -1.0, 2.0] + 0.5 + rng.normal(size=120)
    s = X @ [1.5, -0.5, 2.0] + 0.2           # a biased teacher
    mask = rng.random(120) < 0.6
    return X, y, s, mask


def test_theorem_weighted_least_squares(data):
    X, y, s, mask = data
    a, sig, sig_s = 0.3, 1.5, 0.7
    s_nan = np.where(mask, s, np.nan)
    reg = DistilledLinearRegression(alpha=a, sigma=sig, sigma_s=sig_s, fit_intercept=False)
    reg.fit(X, y, teacher_predictions=s_nan)
    # the theorem, written out: sigma', y', Sigma^{-1} = diag(sigma'), w = (X^T S X)^{-1} X^T y'
    sp = np.where(mask, (1 - a) * sig**2 + a * sig_s**2, sig**2)
    yp = np.where(mask, (1 - a) * sig**2 * y + a * sig_s**2 * s, sig**2 * y)
    w = np.linalg.solve(X.T @ (sp[:, None] * X), X.T @ yp)
    np.testing.assert_allclose(reg.coef_, w, rtol=1e-10)
    np.testing.assert_allclose(reg.sample_weight_, sp)


def test_no_teacher_is_ordinary_least_squares(data):
    X, y, _, _ = data
    ols = LinearRegression().fit(X, y)
    reg = DistilledLinearRegression(alpha=0.7).fit(X, y)
    np.testing.assert_allclose(reg.coef_, ols.coef_)
    np.testing.assert_allclose(reg.intercept_, ols.intercept_)


def test_closed_form_equals_gradient_trained_student(data):
    torch = pytest.importorskip("torch")  # the only test here that needs torch and skorch
    pytest.importorskip("skorch")
    from skcomplexity.distillation import DistillationRegressor

    X, y, s, mask = data
    # the teacher sees a privileged column holding its own answer; NaN outside I
    X_full = np.column_stack([X, np.where(mask, s, np.nan)])

    class _Echo(LinearRegression):
        pass

    teacher = _Echo().fit(X_full[mask][:, [3]], s[mask])  # predicts s exactly from the column
    closed = DistilledLinearRegression(teacher, alpha=0.4, sigma=1.2, sigma_s=0.8,
                                       privileged_features=[3]).fit(X_full, y)
    student = DistillationRegressor(
        teacher, alpha=0.4, sigma=1.2, sigma_s=0.8, privileged_features=[3], hidden_units=(),
        optimizer=torch.optim.LBFGS, lr=1.0, max_epochs=40, batch_size=len(y), device="cpu",
        random_state=0,
    ).fit(X_full, y)
    lin = student.module_.linear_layers[0]
    np.testing.assert_allclose(lin.weight.detach().numpy().ravel(), closed.coef_, atol=2e-4)
    np.testing.assert_allclose(lin.bias.item(), closed.intercept_, atol=2e-4)
    np.testing.assert_allclose(student.predict(X_full), closed.predict(X_full), atol=1e-3)


def test_bad_input(data):
    X, y, s, _ = data
    with pytest.raises(ValueError, match="alpha"):
        DistilledLinearRegression(alpha=2.0).fit(X, y)
    with pytest.raises(ValueError, match="sigma"):
        DistilledLinearRegression(sigma=0.0).fit(X, y)
    with pytest.raises(ValueError, match="shape of y"):
        DistilledLinearRegression().fit(X, y, teacher_predictions=s[:10])


@parametrize_with_checks([DistilledLinearRegression()])
def test_sklearn_compatible(estimator, check):
    check(estimator)
