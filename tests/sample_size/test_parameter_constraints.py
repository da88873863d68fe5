"""Every sample-size estimator checks its settings declaratively, in one place.

Each estimator's class attribute ``_parameter_constraints`` (scikit-learn's, merged with
the template's shared entries) is checked once at the start of ``fit``; a bad value is an
``InvalidParameterError`` (a ValueError and a TypeError) that names the parameter and the
accepted values, raised before any work is done.
"""

import re

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.utils._param_validation import InvalidParameterError

from skcomplexity.sample_size import LogisticZTestSampleSize, SufficientSampleSize
from skcomplexity.sample_size._base import SampleSizeEstimator
from skcomplexity.sample_size.facade import METHODS, get_method

CLASSES = [get_method(name) for name in METHODS] + [LogisticZTestSampleSize,
                                                   SufficientSampleSize]

X = np.random.default_rng(0).normal(size=(30, 2))
Y = X @ [1.0, -1.0] + np.random.default_rng(1).normal(size=30)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_parameter_has_a_constraint(cls):
    params = set(cls().get_params(deep=False))
    missing = params - set(cls._parameter_constraints)
    assert not missing, f"{cls.__name__}: no constraint for {sorted(missing)}"
    # the defaults satisfy their own constraints
    cls()._validate_params()


#: every method built on the template (the statistical tests included)
RESAMPLING = [c for c in CLASSES if issubclass(c, SampleSizeEstimator)]


@pytest.mark.parametrize("cls", RESAMPLING, ids=lambda c: c.__name__)
def test_shared_constraints_are_merged(cls):
    # a method's own entries extend the template's: the shared ones it does not redefine
    # are the very same objects (one place), whatever it adds
    own = cls._parameter_constraints
    shared = SampleSizeEstimator._parameter_constraints
    params = cls().get_params(deep=False)
    for name in ("decision_rule", "sizes", "random_state", "verbose", "n_jobs", "family"):
        if name not in params:
            continue
        if name == "decision_rule" and own[name] is not shared[name]:
            # a method may add a rule of its own (KL/S: "trend"), never drop a shared one
            assert shared[name][0].options <= own[name][0].options
            continue
        assert own[name] is shared[name], name


#: (class, parameter, bad value, a fragment of the accepted values the message lists)
BAD = [
    ("CrossValidationSampleSize", "family", "poisson", "gaussian"),
    ("CrossValidationSampleSize", "test_size", 1.0, r"\(0.0, 1.0\)"),
    ("CrossValidationSampleSize", "threshold_mode", "percent", "fraction_of_max"),
    ("CrossValidationSampleSize", "n_jobs", 1.5, "int"),
    ("BootstrapSampleSize", "alpha", 0.0, r"\(0.0, 1.0\)"),
    ("BootstrapSampleSize", "fit_intercept", "yes", "bool"),
    ("BootstrapSampleSize", "decision_rule", "last", "first"),
    ("APVCSampleSize", "summary", "det", "max_eig"),
    ("APVCSampleSize", "prior_precision", 0.0, r"\(0.0, inf\)"),
    ("APVCSampleSize", "sigma2", -1.0, r"\(0.0, inf\)"),
    ("ACCSampleSize", "method", "quadrature", "monte-carlo"),
    ("ACCSampleSize", "threshold", None, r"\(0.0, inf\)"),
    ("ACCSampleSize", "threshold_mode", "fraction_of_max", "relative"),
    ("ACCSampleSize", "radius_scale", -1.0, r"\(0.0, inf\)"),
    ("ALCSampleSize", "n_draws", 0, r"\[1, inf\)"),
    ("ALCSampleSize", "method", "exactly", "exact"),
    ("UtilitySampleSize", "per_object", "yes", "bool"),
    ("UtilitySampleSize", "n_draws", 2.5, "int"),
    ("UtilitySampleSize", "method", "mc", "monte-carlo"),
    ("KLNeighbourSampleSize", "n_repeats", 0, r"\[1, inf\)"),
    ("KLNeighbourSampleSize", "family", "poisson", "binomial"),
    ("DSufficiency", "n_repeats", 1, r"\[2, inf\)"),
    ("DSufficiency", "batched", "yes", "auto"),
    ("DSufficiency", "scoring", "no_such_score", "neg_log_loss"),
    ("DSufficiency", "estimator", "ridge", "fit"),
    ("MSufficiency", "threshold_mode", "percent", "per_object"),
    ("MSufficiency", "per_object", 1, "bool"),
    ("MSufficiency", "prior_precision", -1.0, r"\[0.0, inf\)"),
    ("KLSufficiency", "prior_precision", 0.0, r"\(0.0, inf\)"),
    ("KLSufficiency", "track_lambda_min", "no", "bool"),
    ("KLSufficiency", "estimator", 3, "fit"),
    ("SSufficiency", "standardize", None, "bool"),
    ("SSufficiency", "threshold_mode", "percent", "relative"),
    ("LandscapeSufficiency", "rule", "line", "bound"),
    ("LandscapeSufficiency", "ema", 1.0, r"\[0.0, 1.0\)"),
    ("LandscapeSufficiency", "n_permutations", 0, r"\[1, inf\)"),
    ("LandscapeSufficiency", "radius", -0.5, r"\[0.0, inf\)"),
    ("LandscapeSufficiency", "hessian_kwargs", [1], "dict"),
    ("SufficientSampleSize", "method", "magic", "kl-sufficiency"),
    ("SufficientSampleSize", "params", [1], "dict"),
    ("SufficientSampleSize", "verbose", "loud", "int"),
]
BY_NAME = {c.__name__: c for c in CLASSES}


@pytest.mark.parametrize("name, param, value, accepted", BAD,
                         ids=[f"{b[0]}-{b[1]}-{b[2]!r}" for b in BAD])
def test_bad_setting_names_the_parameter_and_the_accepted_values(name, param, value, accepted):
    cls = BY_NAME[name]
    base = {"threshold": 1e-3} if name == "LandscapeSufficiency" else {}
    est = cls(**{**base, param: value})
    with pytest.raises(InvalidParameterError, match=f"'{param}' parameter of {name} must be") \
            as info:
        est.fit(X, Y)
    assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)
    assert re.search(accepted, str(info.value)), str(info.value)


@pytest.mark.parametrize("name, param, value", [
    ("DSufficiency", "threshold_mode", "per_object"),  # a mode only D/M have
    ("MSufficiency", "batched", True),
    ("DSufficiency", "scoring", "neg_mean_squared_error"),
    ("KLSufficiency", "estimator", LinearRegression()),
    ("ACCSampleSize", "threshold_mode", "relative"),
    ("LandscapeSufficiency", "hessian_kwargs", {"max_iter": 5}),
    ("SufficientSampleSize", "method", "auto"),
    ("SufficientSampleSize", "params", {"threshold": 0.1}),
])
def test_good_settings_pass(name, param, value):
    BY_NAME[name](**{param: value})._validate_params()


def test_checks_that_read_several_parameters_or_the_data_stay_in_fit():
    # a relative threshold is a fraction (threshold and threshold_mode together)
    with pytest.raises(ValueError, match="threshold must be <= 1"):
        BY_NAME["KLSufficiency"](threshold=2.0, threshold_mode="relative").fit(X, Y)
    # the landscape method says why its threshold is required
    with pytest.raises(ValueError, match="threshold .* is required"):
        BY_NAME["LandscapeSufficiency"]().fit(X, Y)
    # the front door: keys the chosen method does not take
    with pytest.raises(ValueError, match="does not take"):
        SufficientSampleSize("apvc", params={"rule": "curve"}).fit(X, Y)
