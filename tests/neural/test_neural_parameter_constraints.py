"""The neural, distillation, Rademacher and data-quality estimators validate one way.

Each declares scikit-learn's ``_parameter_constraints`` (an entry for every parameter and
for nothing else) and ``fit`` checks them through ``sklearn.base._fit_context``: a bad value
is an ``InvalidParameterError`` (a ValueError and a TypeError) that names the parameter,
raised before any training.
"""

import importlib
import inspect

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import InvalidParameterError

from skcomplexity.distillation import DistillationClassifier, DistilledLinearRegression
from skcomplexity.neural import CNNClassifier, MLPClassifier, MLPRegressor, TransformerClassifier
from skcomplexity.rademacher import RandomLabelRademacher

SUBPACKAGES = ("neural", "distillation", "rademacher", "data_quality")
CLASSES = [
    getattr(module, name)
    for module in (importlib.import_module(f"skcomplexity.{sub}") for sub in SUBPACKAGES)
    for name in module.__all__
    if inspect.isclass(getattr(module, name)) and issubclass(getattr(module, name), BaseEstimator)
]


def test_every_exported_estimator_is_covered():
    assert len(CLASSES) == 13


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_a_constraint_for_every_parameter_and_nothing_else(cls):
    params = set(cls().get_params(deep=False))
    assert set(cls._parameter_constraints) == params
    cls()._validate_params()  # the defaults satisfy their own constraints


X = np.random.default_rng(0).normal(size=(20, 4))
Y = (X[:, 0] > 0).astype(int)

#: (estimator, the bad parameter) -- each must fail in fit, naming the parameter
BAD = [
    (MLPClassifier(lr=0.0), "lr"),
    (MLPClassifier(max_epochs=2.5), "max_epochs"),
    (MLPClassifier(activation="swish"), "activation"),
    (MLPClassifier(optimizer="lbfgs"), "optimizer"),
    (MLPClassifier(validation_fraction=1.0), "validation_fraction"),
    (MLPClassifier(early_stopping="yes"), "early_stopping"),
    (MLPRegressor(weight_decay=-1.0), "weight_decay"),
    (MLPRegressor(hidden_units=0), "hidden_units"),
    (CNNClassifier(pooling="median"), "pooling"),
    (CNNClassifier(kernel_size=0), "kernel_size"),
    (TransformerClassifier(n_heads=0), "n_heads"),
    (TransformerClassifier(d_model=2.0), "d_model"),
    (DistillationClassifier(temperature=0.0), "temperature"),
    (DistillationClassifier(teacher_features="some"), "teacher_features"),
    (DistilledLinearRegression(refit_teacher="no"), "refit_teacher"),
    (RandomLabelRademacher(estimator=object()), "estimator"),
]


@pytest.mark.parametrize("estimator, name", BAD, ids=lambda v: v if isinstance(v, str) else "")
def test_a_bad_value_fails_fit_naming_the_parameter(estimator, name):
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of"):
        estimator.fit(X, Y)
    assert not hasattr(estimator, "n_features_in_")  # nothing was done


def test_an_optimizer_class_must_be_a_torch_optimizer():
    # a class passes the declarative check; its kind is checked where it is used
    with pytest.raises(ValueError, match="torch.optim.Optimizer"):
        MLPClassifier(optimizer=dict, max_epochs=1).fit(X, Y)
