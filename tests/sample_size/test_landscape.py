"""LandscapeSufficiency: Rules A and B of spec §4.6 on top of the landscape curve."""

import math

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from skcomplexity.landscape import landscape_curve
from skcomplexity.neural import MLPClassifier
from skcomplexity.sample_size._base import SampleSizeEstimator
from skcomplexity.sample_size.landscape import LandscapeSufficiency

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@parametrize_with_checks([
    LandscapeSufficiency(LogisticRegression(), threshold=1e-2, n_permutations=5, random_state=0),
])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(300, 6, random_state=0)
    return X, y


def test_rule_b_matches_curve(data):
    X, y = data
    est = LandscapeSufficiency(LogisticRegression(), threshold=1.5e-2, n_permutations=40,
                               random_state=0).fit(X, y)
    assert isinstance(est, SampleSizeEstimator)
    curve = est.curve_
    m = est.sample_size_
    assert m is not None
    assert np.all(curve.smoothed[m - 1:] <= 1.5e-2) and curve.smoothed[m - 2] > 1.5e-2
    np.testing.assert_allclose(est.criterion_, curve.smoothed[est.sizes_ - 1])
    assert est.n_samples_seen_ == 300 and est.threshold_ == 1.5e-2
    # an independent route: the same model's curve
    ref = landscape_curve(est.estimator_, X, y, n_permutations=40, random_state=1)
    assert abs(np.log(ref.smoothed[-1] / curve.smoothed[-1])) < 0.5
    tiny = LandscapeSufficiency(LogisticRegression(), threshold=1e-9, random_state=0).fit(X, y)
    assert tiny.sample_size_ is None


def test_rule_a_closed_form_with_torch(data):
    X, y = data
    net = MLPClassifier(hidden_units=(8,), lr=1e-2, max_epochs=5)
    est = LandscapeSufficiency(net, threshold=0.05, rule="bound", radius=0.5,
                               hessian_kwargs={"n_objects": 8}, random_state=0).fit(X, y)
    B = est.loss_bound_ + est.landscape_measure_ * 0.25
    assert est.landscape_measure_ > 0
    assert est.sample_size_ == max(1, math.ceil(B / 0.05) - 1)
    np.testing.assert_allclose(est.criterion_, B / (est.sizes_ + 1))


@pytest.mark.parametrize("params, match", [
    ({}, "threshold"),
    ({"threshold": -1.0}, "threshold"),
    ({"threshold": 1e-2, "rule": "other"}, "rule"),
    ({"threshold": 1e-2, "ema": 1.0}, "ema"),
    ({"threshold": 1e-2, "radius": -1.0}, "radius"),
    ({"threshold": 1e-2, "n_permutations": 0}, "n_permutations"),
])
def test_bad_params(data, params, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        LandscapeSufficiency(LogisticRegression(), **params).fit(X, y)


def test_facade_reaches_landscape_sufficiency():
    pytest.importorskip("torch")
    from sklearn.datasets import make_classification

    from skcomplexity import SufficientSampleSize
    from skcomplexity.sample_size.landscape import LandscapeSufficiency

    X, y = make_classification(200, 6, random_state=0)
    front = SufficientSampleSize("landscape", params={"threshold": 0.05}, random_state=0).fit(X, y)
    direct = LandscapeSufficiency(threshold=0.05, random_state=0).fit(X, y)
    assert isinstance(front.estimator_, LandscapeSufficiency)
    assert front.sample_size_ == direct.sample_size_
    np.testing.assert_allclose(front.criterion_, direct.criterion_)
