"""The sample-size engine under scikit-learn's array API convention (issue 22, item 4).

Under ``sklearn.config_context(array_api_dispatch=True)`` torch tensors (CPU here,
CUDA in the ``gpu`` tests) give the fitted numbers of NumPy input to 1e-8, and the
heavy linear algebra (Gram prefixes, Cholesky factorisations and solves, the asymptotic
tests' Newton steps) really runs in torch on the tensors' device. scikit-learn refuses dispatch unless
``SCIPY_ARRAY_API=1`` is set; scipy reads it only when first imported, which pytest
has done long before, so the in-process tests set it for scikit-learn's check alone
(the engine never hands a device array to scipy) and one test runs a fresh
interpreter with the variable set from the start, as a user would.
"""

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import sklearn

from skcomplexity.datasets import make_linear_regression, make_logistic_regression
from skcomplexity.models.posterior import prefix_neighbour_criteria
from skcomplexity.sample_size import (
    DSufficiency,
    KLSufficiency,
    MSufficiency,
    SSufficiency,
    SufficientSampleSize,
)

torch = pytest.importorskip("torch")

from skcomplexity.models._batched import prefix_grams  # noqa: E402
from skcomplexity.models.batched_xp import prefix_grams_xp  # noqa: E402

ATOL = 1e-8
#: What the answer is made of; compared number by number.
ATTRIBUTES = ("sizes_", "criterion_", "criterion_std_", "criterion_replicates_", "threshold_",
              "sample_size_", "sample_size_interval_", "extrapolated_size_",
              "extrapolated_interval_", "status_")

CASES = {
    # the front door's default on a regression target: KL on the conjugate engine,
    # sequential route (every size up to 2,000 rows)
    "default-every-size": (lambda: SufficientSampleSize(random_state=0), 600, 5),
    # past 2,000 rows: 100 geometric sizes, the prefix route (Gram prefixes + Cholesky)
    "default-geometric": (lambda: SufficientSampleSize(random_state=0), 4000, 6),
    "kl-lambda-min": (lambda: KLSufficiency(n_repeats=20, track_lambda_min=True,
                                            random_state=1), 400, 4),
    "kl-observed-mean": (lambda: KLSufficiency(n_repeats=20, divergence="observed",
                                               aggregate="mean", decision_rule="all",
                                               threshold=0.05, random_state=2), 300, 3),
    "s-sufficiency": (lambda: SSufficiency(n_repeats=20, random_state=3), 3000, 5),
}


@pytest.fixture
def dispatch(monkeypatch):
    """``array_api_dispatch=True`` for the test (see the module docstring for the variable)."""
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    with sklearn.config_context(array_api_dispatch=True):
        yield


@pytest.fixture
def torch_linalg_calls(monkeypatch):
    """Every torch Cholesky factorisation and solve the engine makes: (what, shape, dtype,
    device)."""
    calls = []

    def spy(name, func):
        def wrapped(*args, **kwargs):
            a = args[0]
            calls.append((name, tuple(a.shape), a.dtype, a.device))
            return func(*args, **kwargs)
        return wrapped

    monkeypatch.setattr(torch.linalg, "cholesky_ex", spy("cholesky", torch.linalg.cholesky_ex))
    monkeypatch.setattr(torch.linalg, "solve_triangular",
                        spy("solve_triangular", torch.linalg.solve_triangular))
    monkeypatch.setattr(torch, "cholesky_solve", spy("cholesky_solve", torch.cholesky_solve))
    return calls


def _fit_pair(case, device="cpu"):
    make, n, d = CASES[case]
    X, y = make_linear_regression(n, d, random_state=0)
    ref = make().fit(X, y)
    with sklearn.config_context(array_api_dispatch=True):
        got = make().fit(torch.asarray(X, device=device), torch.asarray(y, device=device))
    return ref, got


def _max_diff(ref, got):
    """Largest absolute difference over the answer's attributes (asserting equal shapes);
    the front door's and its fitted method's."""
    worst = 0.0
    if hasattr(ref, "estimator_"):
        worst = _max_diff(ref.estimator_, got.estimator_)
    for name in ATTRIBUTES:
        if not hasattr(ref, name):  # the front door copies the common answer only
            continue
        a, b = getattr(ref, name), getattr(got, name)
        if a is None or isinstance(a, str):
            assert b == a, name
            continue
        assert not any(isinstance(v, torch.Tensor) for v in np.ravel(np.asarray(b, object))), name
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        assert a.shape == b.shape, name
        assert np.array_equal(np.isfinite(a), np.isfinite(b)), name
        fin = np.isfinite(a)
        worst = max(worst, float(np.max(np.abs(a[fin] - b[fin]), initial=0.0)))
    return worst


@pytest.mark.parametrize("case", sorted(CASES))
def test_torch_cpu_gives_the_numpy_numbers(case, dispatch, torch_linalg_calls):
    ref, got = _fit_pair(case)
    assert _max_diff(ref, got) <= ATOL
    assert isinstance(got.criterion_, np.ndarray)
    assert got.sample_size_ == ref.sample_size_
    if case == "kl-lambda-min":
        np.testing.assert_allclose(got.lambda_min_, ref.lambda_min_, rtol=1e-10, atol=ATOL)
    # the factorisations ran in torch, in float64 on the tensors' device
    assert any(name == "cholesky" for name, *_ in torch_linalg_calls)
    assert {(dtype, dev.type) for _, _, dtype, dev in torch_linalg_calls} == {
        (torch.float64, "cpu")}


@pytest.mark.parametrize("params", [
    {"fit_intercept": False}, {"standardize": False}, {"standardize_target": False},
    {"sigma2": 0.5}, {"prior_precision": 10.0}, {"sizes": [10, 40, 41, 200, 398]},
    {"n_jobs": 2},
], ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()))
def test_options_on_the_device(params, dispatch, monkeypatch):
    seen = _spy_device_preparation(monkeypatch)
    X, y = make_linear_regression(400, 4, random_state=0)
    X = X * [1.0, 10.0, 1e-3, 5.0] + 3.0  # units and offsets that standardisation removes
    make = lambda: KLSufficiency(n_repeats=12, random_state=0, **params)  # noqa: E731
    ref = make().fit(X, y)
    got = make().fit(torch.asarray(X), torch.asarray(y))
    assert seen[0] is not None
    assert _max_diff(ref, got) <= ATOL
    assert abs(got.sigma2_ - ref.sigma2_) <= 1e-12 * ref.sigma2_


def test_the_prefix_route_factorises_every_size_at_once(dispatch, torch_linalg_calls):
    ref, got = _fit_pair("default-geometric")
    chol = [shape for name, shape, *_ in torch_linalg_calls
            if name == "cholesky" and len(shape) == 4]  # not the noise variance's (p, p)
    # one (R, J, p, p) batch per chunk of orders: every order and every grid size
    assert sum(shape[0] for shape in chol) == 100
    assert {shape[1:] for shape in chol} == {(len(ref.sizes_), 7, 7)}


def _spy_device_preparation(monkeypatch):
    """The results of the conjugate preparation on the device (None: the host path ran)."""
    from skcomplexity.sample_size import posterior_proximity

    seen = []
    real = posterior_proximity.prepare_conjugate_on_device

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        seen.append(out)
        return out

    monkeypatch.setattr(posterior_proximity, "prepare_conjugate_on_device", spy)
    return seen


def test_the_preparation_runs_on_the_device(dispatch, monkeypatch):
    seen = _spy_device_preparation(monkeypatch)
    ref, got = _fit_pair("default-geometric")
    assert len(seen) == 1 and seen[0] is not None
    data, (Xd, yd) = seen[0]
    assert isinstance(Xd, torch.Tensor) and Xd.dtype == torch.float64 and Xd.shape == (4000, 7)
    # the standardised design and the noise variance the host would have used
    assert abs(got.estimator_.sigma2_ - ref.estimator_.sigma2_) <= 1e-12
    assert got.estimator_.family_ == "gaussian" and got.estimator_.posterior_kind_ == "conjugate"


@pytest.mark.parametrize("problem", ["constant", "aliased", "labels"])
def test_data_the_host_must_judge_take_the_host_preparation(problem, dispatch, monkeypatch):
    # a constant or aliased column (the identifiability warning names it) or a binary
    # target: the host prepares, as for NumPy input; the replicates still run on the device
    seen = _spy_device_preparation(monkeypatch)
    X, y = make_linear_regression(300, 3, random_state=0)
    if problem == "constant":
        X[:, 1] = 2.5
    elif problem == "aliased":
        X = np.c_[X, X[:, 0] - X[:, 2]]
    else:
        X, y = make_logistic_regression(300, 3, random_state=0)
    make = lambda: KLSufficiency(n_repeats=10, sizes=8, random_state=0)  # noqa: E731
    with warnings.catch_warnings(record=True) as ref_warnings:
        warnings.simplefilter("always")
        ref = make().fit(X, y)
    with warnings.catch_warnings(record=True) as got_warnings:
        warnings.simplefilter("always")
        got = make().fit(torch.asarray(X), torch.asarray(y))
    assert seen == [None]
    assert [str(w.message) for w in got_warnings] == [str(w.message) for w in ref_warnings]
    assert (problem == "labels") != any("Aliased" in str(w.message) for w in ref_warnings)
    if problem == "labels":  # the Laplace one-step path: NumPy's v is good to ~1e-6
        _assert_binary_kl_close(ref, got)
    else:
        assert _max_diff(ref, got) <= ATOL


class _RefusesImplicitNumpy(torch.Tensor):
    """A CPU tensor that, like a CUDA one, cannot be turned into NumPy implicitly
    (``np.asarray``): only the explicit ``.cpu().numpy()`` of the array API route."""

    def __array__(self, *args, **kwargs):
        raise TypeError("implicit conversion of a device tensor to NumPy")

def refuse_implicit_numpy_on_the_device(monkeypatch):
    """Everything a route moves to the device refuses an implicit NumPy conversion, as a CUDA
    tensor would."""
    from skcomplexity._array_api import DeviceSpec

    real = DeviceSpec.asarray
    monkeypatch.setattr(DeviceSpec, "asarray", lambda self, a, dtype="float64": real(
        self, a, dtype).as_subclass(_RefusesImplicitNumpy))



def _refusing_pair(n, d):
    X, y = make_linear_regression(n, d, random_state=0)
    Xt = torch.asarray(X).as_subclass(_RefusesImplicitNumpy)
    yt = torch.asarray(y).as_subclass(_RefusesImplicitNumpy)
    with pytest.raises(TypeError, match="implicit"):
        np.asarray(Xt)
    return X, y, Xt, yt


@pytest.mark.parametrize("method", ["auto", "s-sufficiency", "wald"])
def test_no_implicit_conversion_to_numpy(method, dispatch):
    # what a CUDA tensor would catch, on the CPU: no np.asarray of the input on the way
    X, y, Xt, yt = _refusing_pair(600, 5)
    ref = SufficientSampleSize(method, random_state=0).fit(X, y)
    got = SufficientSampleSize(method, random_state=0).fit(Xt, yt)
    assert _max_diff(ref, got) <= ATOL


@pytest.mark.parametrize("method", ["d-sufficiency", "m-sufficiency"])
def test_d_and_m_make_no_implicit_conversion_to_numpy(method, dispatch, torch_linalg_calls,
                                                      monkeypatch):
    # neither the input nor anything the route puts on the device (the design, the
    # statistics, the fallback's coefficients) is turned into NumPy implicitly
    refuse_implicit_numpy_on_the_device(monkeypatch)
    X, y, Xt, yt = _refusing_pair(600, 5)
    ref = SufficientSampleSize(method, random_state=0).fit(X, y)
    got = SufficientSampleSize(method, random_state=0).fit(Xt, yt)
    assert torch_linalg_calls  # the device route ran
    _assert_same_answer(ref.estimator_, got.estimator_)


# ------------------------------------------------ D- and M-sufficiency on the device
RTOL_DM = 1e-8
#: The answer of D/M, compared relative to its size (the log-likelihoods are ~m nats and
#: D(k) spans many orders of magnitude).
DM_ATTRIBUTES = ("sizes_", "criterion_", "criterion_std_", "loss_replicates_", "loss_mean_",
                 "loss_std_", "threshold_", "sample_size_", "sample_size_interval_",
                 "extrapolated_size_", "extrapolated_interval_", "status_")


def _ridge(alpha, **kw):
    from sklearn.linear_model import Ridge

    return Ridge(alpha=alpha, **kw)


def _ols(**kw):
    from sklearn.linear_model import LinearRegression

    return LinearRegression(**kw)


DM_CASES = {
    # (estimator factory, n, d, data seed); the default grid: 50 sizes, or 100 geometric
    # ones past 2,000 rows
    "d-default": (lambda: DSufficiency(n_repeats=200, random_state=0), 600, 5, 0),
    "m-default": (lambda: MSufficiency(n_repeats=200, random_state=0), 600, 5, 0),
    "d-ols-geometric": (lambda: DSufficiency(_ols(), n_repeats=60, random_state=1), 2500, 8, 0),
    "m-ols-no-intercept": (lambda: MSufficiency(_ols(fit_intercept=False), n_repeats=100,
                                                random_state=2), 800, 4, 0),
    "d-ridge": (lambda: DSufficiency(_ridge(2.0), n_repeats=100, random_state=3), 1000, 6, 0),
    "m-ridge-no-intercept": (lambda: MSufficiency(_ridge(0.5, fit_intercept=False),
                                                  n_repeats=100, sizes=12, random_state=4),
                             3000, 5, 0),
    "d-prior-sigma2": (lambda: DSufficiency(prior_precision=1.0, sigma2=0.5, n_repeats=100,
                                            threshold_mode="fraction_of_max", threshold=0.5,
                                            random_state=5), 700, 3, 0),
    "m-absolute-unstandardised": (lambda: MSufficiency(standardize=False, per_object=False,
                                                       threshold_mode="absolute", threshold=0.5,
                                                       n_repeats=100, random_state=6),
                                  500, 4, 0),
    # subsamples of 6 or 7 draws (with replacement) from 40 or 60 rows: some have too few
    # distinct rows, so their normal equations are singular and the minimum-norm fallback
    # runs (on the host, for either input). The data seeds are ones where no subsample is
    # nearly singular but solvable: there (a condition number ~1e10) both routes are only
    # as good as float64 allows, and their log-likelihoods agree to ~1e-6.
    "d-singular-subsamples": (lambda: DSufficiency(sizes=[6, 7, 9, 20, 40], n_repeats=100,
                                                   random_state=1), 40, 4, 1),
    "m-singular-subsamples": (lambda: MSufficiency(sizes=[7, 8, 10, 20, 60], n_repeats=100,
                                                   random_state=2), 60, 5, 2),
}


def _fit_dm_pair(case, device="cpu"):
    make, n, d, seed = DM_CASES[case]
    X, y = make_linear_regression(n, d, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the small grids' "no answer" is the same either way
        ref = make().fit(X, y)
        with sklearn.config_context(array_api_dispatch=True):
            got = make().fit(torch.asarray(X, device=device), torch.asarray(y, device=device))
    return ref, got


def _assert_same_answer(ref, got, rtol=RTOL_DM):
    for name in DM_ATTRIBUTES:
        a, b = getattr(ref, name), getattr(got, name)
        if a is None or isinstance(a, str):
            assert b == a, name
            continue
        assert not any(isinstance(v, torch.Tensor) for v in np.ravel(np.asarray(b, object))), name
        np.testing.assert_allclose(np.asarray(b, dtype=float), np.asarray(a, dtype=float),
                                   rtol=rtol, atol=0, err_msg=name)


@pytest.mark.parametrize("case", sorted(DM_CASES))
def test_d_and_m_on_torch_give_the_numpy_numbers(case, dispatch, torch_linalg_calls):
    ref, got = _fit_dm_pair(case)
    assert ref.estimator_kind_ == got.estimator_kind_ == "linear"
    _assert_same_answer(ref, got)
    # the prefix systems were factorised in torch, in float64 on the tensors' device
    chol = [shape for name, shape, *_ in torch_linalg_calls if name == "cholesky"]
    assert chol and all(shape[1] == len(ref.loss_mean_) for shape in chol)  # (R, J, n, n)
    assert {(dtype, dev.type) for _, _, dtype, dev in torch_linalg_calls} == {
        (torch.float64, "cpu")}


def _spy(monkeypatch, module, name, calls):
    real = getattr(module, name)

    def wrapped(*args, **kwargs):
        calls.append((name, args))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)


def test_d_and_m_device_route_computes_in_torch(dispatch, monkeypatch):
    # the fits, their Gram prefixes and the singular-subsample fallback of the device
    # route; the fallback is the NumPy route's own (the same prefixes take it)
    from skcomplexity.models import _linear_prefix, batched_xp
    from skcomplexity.sample_size import likelihood_bootstrap

    device_calls, host_calls = [], []
    _spy(monkeypatch, likelihood_bootstrap, "fit_linear_prefix_xp", device_calls)
    _spy(monkeypatch, batched_xp, "prefix_grams_xp", device_calls)
    _spy(monkeypatch, batched_xp, "linear_prefix_fallback", device_calls)
    _spy(monkeypatch, _linear_prefix, "linear_prefix_fallback", host_calls)
    _spy(monkeypatch, likelihood_bootstrap, "fit_linear_prefix", host_calls)
    ref, got = _fit_dm_pair("d-singular-subsamples")
    names = [name for name, _ in device_calls]
    assert names[:2] == ["fit_linear_prefix_xp", "prefix_grams_xp"]
    assert "linear_prefix_fallback" in names
    assert sum(name == "fit_linear_prefix" for name, _ in host_calls) == 1  # NumPy's fit only
    grams = [args for name, args in device_calls if name == "prefix_grams_xp"]
    assert all(isinstance(a[0], torch.Tensor) and a[0].dtype == torch.float64 for a in grams)
    fallback = [args for name, args in device_calls if name == "linear_prefix_fallback"]
    host_fallback = [args for name, args in host_calls if name == "linear_prefix_fallback"]
    assert all(isinstance(a[0], np.ndarray) for a in fallback)  # the host's rows
    # the same singular prefixes on both routes
    np.testing.assert_array_equal(fallback[0][4], host_fallback[0][4])
    assert fallback[0][4].any()
    _assert_same_answer(ref, got)


@pytest.mark.filterwarnings("ignore::skcomplexity.sample_size.InsufficientDataWarning")
@pytest.mark.parametrize("setting", ["binary-scoring", "scoring", "lasso", "unbatched",
                                     "binary-unbatched"])
def test_d_and_m_without_a_device_route_compute_on_the_host(setting, dispatch,
                                                            torch_linalg_calls):
    # a scorer, another estimator or batched=False (on either target) take torch tensors
    # and compute with NumPy on the host: the NumPy numbers exactly
    from sklearn.linear_model import Lasso

    kw = dict(n_repeats=20, sizes=6, random_state=0)
    make_data = make_logistic_regression if setting.startswith("binary") else (
        make_linear_regression)
    if setting.endswith("scoring"):
        kw["scoring"] = "neg_log_loss" if setting.startswith("binary") else "r2"
    elif setting == "lasso":
        kw["estimator"] = Lasso(alpha=0.1)
    else:
        kw["batched"] = False
    X, y = make_data(200, 3, random_state=0)
    for cls in (DSufficiency, MSufficiency):
        ref = cls(**kw).fit(X, y)
        got = cls(**kw).fit(torch.asarray(X), torch.asarray(y))
        assert got.estimator_kind_ == ref.estimator_kind_ == "generic"
        _assert_same_answer(ref, got, rtol=0)
    assert torch_linalg_calls == []


def test_d_and_m_share_replicates_per_device(dispatch, torch_linalg_calls):
    # within share_computations, M reuses the log-likelihoods D computed on the same device,
    # never those of another device (the device is part of the key)
    from skcomplexity.sample_size._shared import share_computations

    X, y = make_linear_regression(300, 3, random_state=0)
    Xt, yt = torch.asarray(X), torch.asarray(y)
    kw = dict(n_repeats=30, sizes=8, random_state=0)
    with share_computations():
        d_numpy = DSufficiency(**kw).fit(X, y)
        m_torch = MSufficiency(**kw).fit(Xt, yt)  # not NumPy's replicates: computed in torch
        assert torch_linalg_calls
        n_calls = len(torch_linalg_calls)
        d_torch = DSufficiency(**kw).fit(Xt, yt)  # M's replicates, reused
        assert len(torch_linalg_calls) == n_calls
    np.testing.assert_array_equal(d_torch.loss_replicates_, m_torch.loss_replicates_)
    np.testing.assert_allclose(d_torch.loss_replicates_, d_numpy.loss_replicates_,
                               rtol=RTOL_DM, atol=0)


def test_a_device_fit_pickles_and_clones(dispatch):
    import pickle

    from sklearn.base import clone

    _, got = _fit_pair("default-every-size")
    est = got.estimator_
    assert est._device is not None and isinstance(est._device.device, str)  # no tensor kept
    back = pickle.loads(pickle.dumps(got))
    np.testing.assert_array_equal(back.criterion_, got.criterion_)
    assert clone(got).get_params() == got.get_params()


def test_a_users_posterior_estimator_runs_on_the_host(dispatch, torch_linalg_calls):
    # estimator=BayesianRidge is refitted per size with scikit-learn on NumPy arrays
    from sklearn.linear_model import BayesianRidge

    X, y = make_linear_regression(120, 3, random_state=0)
    make = lambda: SSufficiency(BayesianRidge(), n_repeats=3, sizes=5,  # noqa: E731
                                random_state=0)
    ref = make().fit(X, y)
    got = make().fit(torch.asarray(X), torch.asarray(y))
    assert torch_linalg_calls == []
    assert got.posterior_kind_ == "generic"
    assert _max_diff(ref, got) == 0.0


def test_numpy_input_under_dispatch_is_todays_path(dispatch, torch_linalg_calls):
    X, y = make_linear_regression(600, 5, random_state=0)
    with sklearn.config_context(array_api_dispatch=False):
        ref = SufficientSampleSize(random_state=0).fit(X, y)
    got = SufficientSampleSize(random_state=0).fit(X, y)
    assert torch_linalg_calls == []
    for name in ATTRIBUTES[:3] + ATTRIBUTES[4:]:  # bitwise
        assert np.array_equal(np.asarray(getattr(ref, name), dtype=object),
                              np.asarray(getattr(got, name), dtype=object)), name


def test_torch_input_without_dispatch_is_converted_to_numpy(torch_linalg_calls):
    X, y = make_linear_regression(600, 5, random_state=0)
    ref = SufficientSampleSize(random_state=0).fit(X, y)
    got = SufficientSampleSize(random_state=0).fit(torch.asarray(X), torch.asarray(y))
    assert torch_linalg_calls == []
    assert _max_diff(ref, got) == 0.0


# ------------------------------------------------ the asymptotic tests on the device
STATISTICAL = ["lagrange", "likelihood-ratio", "wald"]
#: The answer of the asymptotic tests, compared relative to its size.
STAT_ATTRIBUTES = ("sample_size_", "power_sample_size_", "noncentrality_per_object_",
                   "gamma_star_", "coef_", "null_coef_", "sigma2_", "alpha_effective_",
                   "sizes_", "criterion_")
RTOL_STAT = 1e-8


def _statistical_data(target, n=400, d=4):
    make_data = make_linear_regression if target == "regression" else make_logistic_regression
    return make_data(n, d, random_state=0)


def _fit_statistical_pair(method, target, device="cpu", n=400, d=4, **params):
    """NumPy and torch fits of ``SufficientSampleSize(method)`` and the warnings of each."""
    X, y = _statistical_data(target, n, d)
    make = lambda: SufficientSampleSize(method, params=params or None)  # noqa: E731
    with warnings.catch_warnings(record=True) as ref_warnings:
        warnings.simplefilter("always")
        ref = make().fit(X, y)
    with warnings.catch_warnings(record=True) as got_warnings:
        warnings.simplefilter("always")
        with sklearn.config_context(array_api_dispatch=True):
            got = make().fit(torch.asarray(X, device=device), torch.asarray(y, device=device))
    assert [str(w.message) for w in got_warnings] == [str(w.message) for w in ref_warnings]
    return ref, got


def _assert_same_forecast(ref, got, rtol=RTOL_STAT):
    ref, got = ref.estimator_, got.estimator_
    for name in STAT_ATTRIBUTES:
        a, b = getattr(ref, name), getattr(got, name)
        if a is None:
            assert b is None, name
            continue
        assert not isinstance(b, torch.Tensor), name
        np.testing.assert_allclose(np.asarray(b, dtype=float), np.asarray(a, dtype=float),
                                   rtol=rtol, atol=0, err_msg=name)
    assert got.question_ == ref.question_


@pytest.mark.parametrize("method", STATISTICAL)
@pytest.mark.parametrize("target", ["regression", "binary"])
def test_statistical_methods_take_torch_tensors(method, target, dispatch, monkeypatch,
                                                torch_linalg_calls):
    # regression: the design is prepared on the device (z-scores, identifiability); binary:
    # on the host (labels, separation), then moved there. Either way the pilot and restricted
    # fits, the information and the per-row sums run in torch, float64, on the tensors' device
    from skcomplexity.sample_size import _common

    seen, real = [], _common.glm_design_on_device
    monkeypatch.setattr(_common, "glm_design_on_device",
                        lambda Xd, *a, **k: seen.append(Xd) or real(Xd, *a, **k))
    ref, got = _fit_statistical_pair(method, target)
    assert [type(a) for a in seen] == ([torch.Tensor] if target == "regression" else [])
    _assert_same_forecast(ref, got)
    assert _max_diff(ref, got) <= ATOL
    # the pilot fit's (5, 5) system (intercept and 4 features) and the restricted fit's
    # (3, 3) one (2 of the 4 coefficients tested) were factorised in torch
    shapes = {shape for name, shape, *_ in torch_linalg_calls if name == "cholesky"}
    assert {(5, 5), (3, 3)} <= shapes
    assert {(dtype, dev.type) for _, _, dtype, dev in torch_linalg_calls} == {
        (torch.float64, "cpu")}


@pytest.mark.parametrize("params", [
    {"prior_precision": 0.5, "test_index": [1, 3]}, {"null_value": 0.1},
    {"fit_intercept": False, "shift": -0.3}, {"sigma2": 2.0}, {"noncentrality": "shifted"},
    {"fit_intercept": False, "test_index": [3, 0, 1, 2]},  # no nuisance: nothing to refit
    {"alpha": 0.01, "beta": 0.1, "sizes": [10, 50, 400, 2000]},
], ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()))
@pytest.mark.parametrize("target", ["regression", "binary"])
def test_statistical_options_on_the_device(params, target, dispatch, torch_linalg_calls):
    for method in STATISTICAL:
        ref, got = _fit_statistical_pair(method, target, **params)
        _assert_same_forecast(ref, got)
    assert torch_linalg_calls


@pytest.mark.parametrize("target", ["regression", "binary"])
def test_statistical_fits_run_in_torch_not_numpy(target, dispatch, monkeypatch):
    # the host's fits are not called; the device's get torch float64 designs, and the binary
    # target's Newton iterations run on them
    from skcomplexity.models import glm, glm_xp
    from skcomplexity.sample_size import _likelihood_test

    device_calls, host_calls = [], []
    for name in ("fit_glm_xp", "fit_restricted_xp", "fisher_information_xp",
                 "residual_variance_xp"):
        _spy(monkeypatch, _likelihood_test, name, device_calls)
    _spy(monkeypatch, glm_xp, "newton_logistic_xp", device_calls)
    for name in ("fit_glm", "fit_restricted", "fisher_information"):
        _spy(monkeypatch, _likelihood_test, name, host_calls)
    _spy(monkeypatch, glm, "newton_logistic", host_calls)
    for method in STATISTICAL:
        _fit_statistical_pair(method, target)
    names = {name for name, _ in device_calls}
    assert {"fit_glm_xp", "fit_restricted_xp", "fisher_information_xp"} <= names
    assert ("newton_logistic_xp" in names) == (target == "binary")
    assert ("residual_variance_xp" in names) == (target == "regression")
    assert all(isinstance(args[0], torch.Tensor) and args[0].dtype == torch.float64
               for _, args in device_calls)
    # the NumPy fits of the reference run only (one pilot and one restricted fit per method)
    assert sum(name == "fit_glm" for name, _ in host_calls) == 3
    assert all(isinstance(getattr(args[0], "X", args[0]), np.ndarray)  # Newton: host design
               for _, args in host_calls)
    assert sum(name == "newton_logistic" for name, _ in host_calls) == (
        6 if target == "binary" else 0)


@pytest.mark.parametrize("method", STATISTICAL)
@pytest.mark.parametrize("target", ["regression", "binary"])
def test_statistical_methods_make_no_implicit_conversion_to_numpy(method, target, dispatch,
                                                                  torch_linalg_calls,
                                                                  monkeypatch):
    # neither the input nor the design and target the route puts on the device are turned
    # into NumPy implicitly (what a CUDA tensor would refuse)
    refuse_implicit_numpy_on_the_device(monkeypatch)
    X, y = _statistical_data(target, 600, 5)
    Xt = torch.asarray(X).as_subclass(_RefusesImplicitNumpy)
    yt = torch.asarray(y).as_subclass(_RefusesImplicitNumpy)
    ref = SufficientSampleSize(method).fit(X, y)
    got = SufficientSampleSize(method).fit(Xt, yt)
    assert torch_linalg_calls  # the device route ran
    _assert_same_forecast(ref, got)


def _nearly_separated(scale):
    """A binary target that a line separates (``scale=0.01``) or nearly (``scale=0.05``: the
    unpenalised fit puts probabilities numerically at 0 or 1)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 3))
    y = (X[:, 0] + scale * rng.standard_normal(300) > 0).astype(float)
    return X, y


@pytest.mark.parametrize("method", STATISTICAL)
@pytest.mark.parametrize("case", ["separated", "probabilities-0-or-1"])
def test_statistical_separation_warns_alike_on_the_device(method, case, dispatch,
                                                          torch_linalg_calls):
    # complete separation: the host's LP finds it and the fits use a ridge (the
    # IdentifiabilityWarning); nearly separated: the unpenalised Newton fit on the device
    # gives fitted_glm's warning about probabilities numerically 0 or 1
    from skcomplexity.models import IdentifiabilityWarning

    X, y = _nearly_separated(0.01 if case == "separated" else 0.05)
    with warnings.catch_warnings(record=True) as ref_warnings:
        warnings.simplefilter("always")
        ref = SufficientSampleSize(method).fit(X, y)
    with warnings.catch_warnings(record=True) as got_warnings:
        warnings.simplefilter("always")
        got = SufficientSampleSize(method).fit(torch.asarray(X), torch.asarray(y))
    messages = [str(w.message) for w in got_warnings]
    assert messages == [str(w.message) for w in ref_warnings]
    assert [w.category for w in got_warnings] == [w.category for w in ref_warnings]
    if case == "separated":
        assert got.estimator_.separation_ == ref.estimator_.separation_ == "complete"
        assert got.estimator_.prior_precision_ == 1.0
        assert any(w.category is IdentifiabilityWarning and "ridge fit" in str(w.message)
                   for w in got_warnings)
    else:
        assert got.estimator_.separation_ is None
        assert any("numerically 0 or 1" in m for m in messages)
    assert torch_linalg_calls
    _assert_same_forecast(ref, got)


def _warnings_of(func):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = func()
    return out, [(w.category, str(w.message)) for w in caught]


@pytest.mark.parametrize("case", ["offset-ridge", "not-converged", "singular-newton",
                                  "singular-gaussian", "restricted"])
def test_glm_xp_fits_as_fit_glm(case, torch_linalg_calls):
    # the device fits against the host's: the numbers, and the warnings of Newton's
    # stopping rule and of a singular system (solved on the host by the minimum-norm fallback)
    from skcomplexity.models.glm import fit_glm, fit_restricted
    from skcomplexity.models.glm_xp import fit_glm_xp, fit_restricted_xp

    X, y = make_logistic_regression(500, 4, random_state=3)
    D = np.c_[np.ones(500), X]
    offset = 0.3 * X[:, 0]
    family, kw, restricted = "binomial", {}, False
    if case == "offset-ridge":
        kw = dict(offset=offset, prior_precision=0.7, coef_init=np.full(5, 0.1))
    elif case == "not-converged":
        kw = dict(max_iter=2)
    # a column of zeros and no penalty: every system is singular, whatever the rounding (a
    # duplicated column's systems factorise or not as the rounding falls, on either route)
    elif case == "singular-newton":
        D = np.c_[D, np.zeros(500)]
        kw = dict(max_iter=3)
    elif case == "singular-gaussian":
        family, y, D = "gaussian", X @ [1.0, -2.0, 0.5, 0.0] + 0.1, np.c_[D, np.zeros(500)]
        kw = dict(offset=offset)
    else:
        restricted = True
    Dt, yt = torch.asarray(D), torch.asarray(y)
    kw_t = {k: torch.asarray(v) if k == "offset" else v for k, v in kw.items()}
    if restricted:
        ref, ref_w = _warnings_of(lambda: fit_restricted(D, y, family, [1, 3], [0.5, -0.2],
                                                         prior_precision=0.1))
        got, got_w = _warnings_of(lambda: fit_restricted_xp(Dt, yt, family, [1, 3],
                                                            [0.5, -0.2], prior_precision=0.1))
    else:
        ref, ref_w = _warnings_of(lambda: fit_glm(D, y, family, **kw))
        got, got_w = _warnings_of(lambda: fit_glm_xp(Dt, yt, family, **kw_t))
    assert isinstance(got, np.ndarray) and got.shape == ref.shape
    assert got_w == ref_w
    expected = {"not-converged": ["did not converge"],
                "singular-newton": 3 * ["Singular or indefinite matrix in the Newton step"]
                + ["did not converge"],
                "singular-gaussian": ["Singular or indefinite matrix in the least-squares"],
                }.get(case, [])
    assert len(got_w) == len(expected)
    assert all(want in message for want, (_, message) in zip(expected, got_w))
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12)
    assert torch_linalg_calls


@pytest.mark.parametrize("method", STATISTICAL)
def test_statistical_published_fit_computes_on_the_host(method, dispatch, torch_linalg_calls):
    # the reproduction of the published tables (scikit-learn's L-BFGS, scipy's Newton-CG)
    # prepares and fits on the host, as for NumPy input
    for target in ("regression", "binary"):
        ref, got = _fit_statistical_pair(method, target, published_fit=True,
                                         noncentrality="shifted")
        _assert_same_forecast(ref, got, rtol=0)
    assert torch_linalg_calls == []


def test_logistic_z_test_takes_torch_tensors(dispatch, torch_linalg_calls):
    # the two Newton fits run in torch (float64, the tensors' device); the ROC threshold and
    # the proportions on the host
    from skcomplexity.sample_size.statistical import LogisticZTestSampleSize

    X, y = make_logistic_regression(300, 3, random_state=0)
    ref = LogisticZTestSampleSize().fit(X, y)
    got = LogisticZTestSampleSize().fit(torch.asarray(X), torch.asarray(y))
    assert (got.sample_size_, got.p0_, got.p1_) == (ref.sample_size_, ref.p0_, ref.p1_)
    np.testing.assert_allclose(got.margin_, ref.margin_, rtol=1e-10)
    shapes = {shape for name, shape, *_ in torch_linalg_calls if name == "cholesky"}
    assert shapes == {(4, 4), (3, 3)}  # the full and the reduced model's Newton systems
    assert {(dtype, dev.type) for _, _, dtype, dev in torch_linalg_calls} == {
        (torch.float64, "cpu")}


@pytest.mark.parametrize("expected", [True, False])
@pytest.mark.parametrize("lambda_min", [True, False])
@pytest.mark.parametrize("grid", ["every", "geometric"])
def test_prefix_neighbour_criteria_on_torch(expected, lambda_min, grid):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((2500, 5)), rng.standard_normal(2500)
    index = np.stack([rng.permutation(2500) for _ in range(4)])
    sizes = (np.arange(7, 2499) if grid == "every"
             else np.unique(np.geomspace(7, 2499, 30).astype(int)))
    kw = dict(prior_precision=0.5, sigma2=0.7, lambda_min=lambda_min, expected=expected)
    ref = prefix_neighbour_criteria(X, y, index, sizes, **kw)
    got = prefix_neighbour_criteria(torch.asarray(X), torch.asarray(y), index, sizes, **kw)
    for a, b in zip(ref, got):
        if a is None:
            assert b is None
            continue
        assert isinstance(b, np.ndarray) and b.shape == a.shape
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-10)


def test_prefix_grams_in_pieces():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((300, 3)), rng.standard_normal(300)
    index = rng.integers(0, 300, (5, 250))
    sizes = np.array([1, 2, 17, 64, 65, 200, 250])
    ref = prefix_grams(np.hstack([X, y[:, None]]), index, sizes)
    for budget in (1, 37, 10**6):  # a piece of one row, pieces across sizes, one piece
        A = torch.asarray(np.hstack([X, y[:, None]]))
        got = prefix_grams_xp(A, index, sizes, budget=budget)
        np.testing.assert_allclose(got.numpy(), ref, rtol=1e-12, atol=1e-10)


# ------------------------------------------------------- binary targets on the device
#: The NumPy Laplace one-step path reads ``xᵀΣx`` to about 1e-6 (refresh=1e-4, see
#: skcomplexity.models._laplace_step); the device route computes it exactly. The KL/S
#: answers on a binary target are compared at that precision.
RTOL_ONE_STEP = 1e-5

BINARY_KL_CASES = {
    # the front door's default on a binary target: KL-sufficiency, divergence="expected"
    "default": (lambda: SufficientSampleSize(random_state=0), 1500, 4),
    "s-sufficiency": (lambda: SSufficiency(n_repeats=12, random_state=1), 1200, 3),
    "kl-prior-no-intercept": (lambda: KLSufficiency(n_repeats=10, prior_precision=5.0,
                                                    fit_intercept=False, random_state=2),
                              800, 5),
    "kl-explicit-sizes": (lambda: KLSufficiency(n_repeats=10, sizes=[8, 30, 31, 200, 599],
                                                random_state=3), 600, 3),
}


def _assert_binary_kl_close(ref, got):
    """Same grid and answer; the criterion within the NumPy path's documented precision."""
    ref, got = getattr(ref, "estimator_", ref), getattr(got, "estimator_", got)
    assert got.posterior_kind_ == ref.posterior_kind_ == "laplace"
    np.testing.assert_array_equal(got.sizes_, ref.sizes_)
    assert got.sample_size_ == ref.sample_size_
    assert isinstance(got.criterion_, np.ndarray)
    for name in ("criterion_replicates_", "criterion_"):
        a, b = getattr(ref, name), getattr(got, name)
        if ref._which == "s":  # close to 1: compare the shortfall 1 - S
            a, b = 1.0 - a, 1.0 - b
        np.testing.assert_allclose(b, a, rtol=RTOL_ONE_STEP, atol=0, err_msg=name)


def _fit_binary_pair(make, n, d, device="cpu"):
    X, y = make_logistic_regression(n, d, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the small grids' "no answer" is the same either way
        ref = make().fit(X, y)
        with sklearn.config_context(array_api_dispatch=True):
            got = make().fit(torch.asarray(X, device=device), torch.asarray(y, device=device))
    return ref, got


@pytest.mark.parametrize("case", sorted(BINARY_KL_CASES))
def test_binary_kl_and_s_on_torch(case, dispatch, torch_linalg_calls):
    make, n, d = BINARY_KL_CASES[case]
    ref, got = _fit_binary_pair(make, n, d)
    _assert_binary_kl_close(ref, got)
    # the Newton systems and the next rows' variances were factorised in torch, float64 on
    # the tensors' device: (R, p, p) per step
    p = d + (0 if "no-intercept" in case else 1)
    chol = [shape for name, shape, *_ in torch_linalg_calls if name == "cholesky"]
    assert chol and {shape[1:] for shape in chol} == {(p, p)}
    assert {(dtype, dev.type) for _, _, dtype, dev in torch_linalg_calls} == {
        (torch.float64, "cpu")}


@pytest.mark.parametrize("budget", [None, 5, 10**7])
def test_laplace_one_step_path_xp_is_the_exact_laplace_posterior(budget):
    # an independent route: the count-weighted Laplace posterior of each prefix (fit_glm to a
    # decrement of 1e-14, the Hessian inverted); every size's MAP and next-row variance
    from skcomplexity.models.glm import laplace_one_step_path, laplace_posterior
    from skcomplexity.models.logistic_xp import laplace_one_step_path_xp

    rng = np.random.default_rng(0)
    X, y = make_logistic_regression(400, 3, random_state=0)
    X = np.hstack([np.ones((400, 1)), X])
    index = np.stack([rng.permutation(400) for _ in range(5)])
    sizes = [6, 9, 20, 50, 51, 200, 399]
    path = laplace_one_step_path_xp(torch.asarray(X), torch.asarray(y, dtype=torch.float64),
                                    index, sizes, 0.5, budget=budget)
    host = laplace_one_step_path(X, y, index, sizes, 0.5)
    for k, (mean, v, converged), (_, v_host, _) in zip(sizes, path, host, strict=True):
        counts = np.stack([np.bincount(index[r, :k], minlength=400) for r in range(5)])
        ref_mean, ref_cov = laplace_posterior(X, y, "binomial", prior_precision=0.5,
                                              weights=counts, tol=1e-14)
        x = X[index[:, k]]
        ref_v = np.einsum("rp,rpq,rq->r", x, ref_cov, x)
        assert isinstance(mean, np.ndarray) and converged.all()
        np.testing.assert_allclose(mean, ref_mean, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(v, ref_v, rtol=1e-8, atol=0)
        # the NumPy path's documented precision of v (about 1e-6)
        np.testing.assert_allclose(v_host, ref_v, rtol=1e-5, atol=0)


def test_binary_observed_divergence_falls_back_to_the_host(dispatch, torch_linalg_calls):
    # the observed Laplace divergence refits both neighbours: no device route yet, the same
    # numbers from NumPy
    X, y = make_logistic_regression(150, 2, random_state=0)
    make = lambda: KLSufficiency(n_repeats=5, sizes=8, divergence="observed",  # noqa: E731
                                 random_state=0)
    ref = make().fit(X, y)
    got = make().fit(torch.asarray(X), torch.asarray(y))
    assert torch_linalg_calls == []
    assert _max_diff(ref, got) == 0.0


@pytest.mark.filterwarnings("ignore::skcomplexity.sample_size.InsufficientDataWarning")
def test_binary_users_posterior_estimator_runs_on_the_host(dispatch, torch_linalg_calls):
    from sklearn.linear_model import BayesianRidge

    X, y = make_logistic_regression(120, 3, random_state=0)
    make = lambda: KLSufficiency(BayesianRidge(), n_repeats=3, sizes=5,  # noqa: E731
                                 random_state=0)
    ref = make().fit(X, y)
    got = make().fit(torch.asarray(X), torch.asarray(y))
    assert torch_linalg_calls == [] and got.posterior_kind_ == "generic"
    assert _max_diff(ref, got) == 0.0


BINARY_DM_CASES = {
    # scikit-learn's LogisticRegression(C=100) (the default on a binary target), its
    # options, an explicit estimator; 50 sizes from p + 2 (some small subsamples nearly
    # separated: large coefficients, the penalty holds them)
    "d-default": (lambda: DSufficiency(n_repeats=60, random_state=0), 1500, 4),
    "m-default": (lambda: MSufficiency(n_repeats=60, random_state=0), 1500, 4),
    "d-no-intercept-prior": (lambda: DSufficiency(n_repeats=40, fit_intercept=False,
                                                  prior_precision=1.0, random_state=1),
                             800, 3),
    "m-logistic-regression": (lambda: MSufficiency(_logreg(C=0.5), n_repeats=40, sizes=15,
                                                   random_state=2), 1000, 5),
}


def _logreg(**kw):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(**kw)


def _assert_binary_dm_close(ref, got):
    assert got.estimator_kind_ == ref.estimator_kind_ == "logistic"
    # both are Newton solutions to a decrement below 1e-10 (the device's exact steps end
    # near 1e-29, the host's reused Hessian near 1e-19): the log-likelihoods agree to ~1e-11
    if ref._which == "D":
        _assert_same_answer(ref, got, rtol=RTOL_DM)
    else:
        # M differences the means of neighbouring sizes (~1e4 nats apart by ~1e-2): the
        # log-likelihoods' 1e-11 becomes ~1e-8 of M
        for name in DM_ATTRIBUTES:
            a, b = getattr(ref, name), getattr(got, name)
            if a is None or isinstance(a, str):
                assert b == a, name
                continue
            rtol = 1e-6 if name in ("criterion_", "criterion_std_", "threshold_") else RTOL_DM
            np.testing.assert_allclose(np.asarray(b, dtype=float), np.asarray(a, dtype=float),
                                       rtol=rtol, atol=0, err_msg=name)


@pytest.mark.parametrize("case", sorted(BINARY_DM_CASES))
def test_d_and_m_binary_on_torch(case, dispatch, torch_linalg_calls):
    make, n, d = BINARY_DM_CASES[case]
    ref, got = _fit_binary_pair(make, n, d)
    _assert_binary_dm_close(ref, got)
    chol = [shape for name, shape, *_ in torch_linalg_calls if name == "cholesky"]
    p = d + (0 if "no-intercept" in case else 1)
    assert chol and {shape[1:] for shape in chol} == {(p, p)}
    assert {(dtype, dev.type) for _, _, dtype, dev in torch_linalg_calls} == {
        (torch.float64, "cpu")}


def test_d_and_m_binary_warnings_are_the_hosts(dispatch):
    # an unpenalised fit (prior_precision=0: LogisticRegression(C=inf)) on small subsamples:
    # separated classes, diverging coefficients; the same check_fit warnings on both routes
    # (how many replicates diverge past the cap before their decrement falls below tol
    # depends on the Newton path: there is no estimate to agree on) and, where the
    # subsamples are large enough for a maximum-likelihood estimate, the same
    # log-likelihoods
    X, y = make_logistic_regression(400, 4, random_state=0)
    make = lambda: DSufficiency(n_repeats=30, prior_precision=0.0,  # noqa: E731
                                sizes=[6, 8, 12, 100, 200, 400], random_state=0)
    with warnings.catch_warnings(record=True) as ref_warnings:
        warnings.simplefilter("always")
        ref = make().fit(X, y)
    with warnings.catch_warnings(record=True) as got_warnings:
        warnings.simplefilter("always")
        got = make().fit(torch.asarray(X), torch.asarray(y))
    def kinds(caught):  # the warning without its count of replicates
        return {str(w.message).split(":")[0].split(" on ")[0] for w in caught}

    assert {"Logistic regression did not converge",
            "Unpenalised logistic regression"} <= kinds(ref_warnings)
    assert kinds(got_warnings) == kinds(ref_warnings)
    np.testing.assert_allclose(got.loss_replicates_[3:], ref.loss_replicates_[3:],
                               rtol=RTOL_DM, atol=0)


@pytest.mark.parametrize("inv_c, fit_intercept", [(0.01, True), (0.5, False)])
@pytest.mark.parametrize("budget", [None, 3])
def test_sklearn_logistic_prefix_loglik_xp_is_the_host_path(inv_c, fit_intercept, budget):
    # the kernel against the NumPy route and the full-data log-likelihood D/M compute on it
    from scipy.special import log_expit

    from skcomplexity._array_api import DeviceSpec
    from skcomplexity.models.glm import sklearn_logistic_prefix_path
    from skcomplexity.models.logistic_xp import sklearn_logistic_prefix_loglik_xp

    rng = np.random.default_rng(0)
    X, y = make_logistic_regression(300, 3, random_state=1)
    X = X * [1.0, 10.0, 0.1] + 2.0  # the design is standardised inside
    index = rng.integers(0, 300, (8, 300))
    sizes = np.array([40, 60, 61, 150, 300])
    signed = np.hstack([np.ones((300, 1)), X]) * (2.0 * y - 1.0)[:, None]
    ref = np.stack([log_expit(np.hstack([b0[:, None], w]) @ signed.T).sum(axis=1)
                    for w, b0 in sklearn_logistic_prefix_path(X, y, index, sizes, inv_c=inv_c,
                                                              fit_intercept=fit_intercept)])
    spec = DeviceSpec("sklearn.externals.array_api_compat.torch", "cpu")
    cache = {}
    for _ in range(2):  # the second call reuses the design moved by the first
        got = sklearn_logistic_prefix_loglik_xp(X, y, index, sizes, device=spec, inv_c=inv_c,
                                                fit_intercept=fit_intercept, cache=cache,
                                                budget=budget)
        assert isinstance(got, np.ndarray) and got.shape == (len(sizes), 8)
        np.testing.assert_allclose(got, ref, rtol=1e-10, atol=0)
    assert len(cache) == 1


@pytest.mark.parametrize("method", ["auto", "d-sufficiency"])
def test_binary_makes_no_implicit_conversion_to_numpy(method, dispatch, torch_linalg_calls,
                                                      monkeypatch):
    # neither the input nor the design the route moves to the device is turned into NumPy
    # implicitly (what a CUDA tensor would refuse)
    refuse_implicit_numpy_on_the_device(monkeypatch)
    X, y = make_logistic_regression(600, 4, random_state=0)
    Xt = torch.asarray(X).as_subclass(_RefusesImplicitNumpy)
    yt = torch.asarray(y).as_subclass(_RefusesImplicitNumpy)
    kw = {} if method == "auto" else {"params": {"n_repeats": 40}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SufficientSampleSize(method, random_state=0, **kw).fit(X, y)
        got = SufficientSampleSize(method, random_state=0, **kw).fit(Xt, yt)
    assert torch_linalg_calls  # the device route ran
    if method == "auto":
        _assert_binary_kl_close(ref, got)
    else:
        _assert_binary_dm_close(ref.estimator_, got.estimator_)


SCRIPT = """
import json, numpy as np, sklearn, torch
from skcomplexity.datasets import make_linear_regression
from skcomplexity import SufficientSampleSize
X, y = make_linear_regression(600, 5, random_state=0)
with sklearn.config_context(array_api_dispatch=True):
    est = SufficientSampleSize(random_state=0).fit(torch.asarray(X), torch.asarray(y))
print(json.dumps({"sample_size": est.sample_size_, "criterion": est.criterion_.tolist(),
                  "interval": list(est.sample_size_interval_)}))
"""


def test_as_a_user_runs_it_with_scipy_array_api_set():
    env = dict(os.environ, SCIPY_ARRAY_API="1", OPENBLAS_NUM_THREADS="1")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    X, y = make_linear_regression(600, 5, random_state=0)
    ref = SufficientSampleSize(random_state=0).fit(X, y)
    assert got["sample_size"] == ref.sample_size_
    np.testing.assert_allclose(got["criterion"], ref.criterion_, rtol=0, atol=ATOL)
    np.testing.assert_allclose(got["interval"], ref.sample_size_interval_, rtol=0, atol=ATOL)


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize("case", sorted(CASES))
def test_cuda_gives_the_numpy_numbers(case, dispatch, torch_linalg_calls, monkeypatch):
    seen = _spy_device_preparation(monkeypatch)
    ref, got = _fit_pair(case, device="cuda")
    assert _max_diff(ref, got) <= ATOL
    assert got.sample_size_ == ref.sample_size_
    assert len(seen) == 1 and seen[0][1][0].device.type == "cuda"  # prepared on the GPU
    assert torch_linalg_calls
    assert {(dtype, dev.type) for _, _, dtype, dev in torch_linalg_calls} == {
        (torch.float64, "cuda")}


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize("case", sorted(DM_CASES))
def test_cuda_d_and_m_give_the_numpy_numbers(case, dispatch, torch_linalg_calls):
    ref, got = _fit_dm_pair(case, device="cuda")
    _assert_same_answer(ref, got)
    assert torch_linalg_calls
    assert {(dtype, dev.type) for _, _, dtype, dev in torch_linalg_calls} == {
        (torch.float64, "cuda")}


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize("method", STATISTICAL)
@pytest.mark.parametrize("target", ["regression", "binary"])
def test_cuda_statistical_methods(method, target, dispatch, torch_linalg_calls):
    ref, got = _fit_statistical_pair(method, target, device="cuda")
    _assert_same_forecast(ref, got)
    assert _max_diff(ref, got) <= ATOL
    shapes = {shape for name, shape, *_ in torch_linalg_calls if name == "cholesky"}
    assert {(5, 5), (3, 3)} <= shapes  # the pilot and the restricted fit, on the GPU
    assert {(dtype, dev.type) for _, _, dtype, dev in torch_linalg_calls} == {
        (torch.float64, "cuda")}


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize("case", sorted(BINARY_KL_CASES))
def test_cuda_binary_kl_and_s(case, dispatch, torch_linalg_calls):
    make, n, d = BINARY_KL_CASES[case]
    ref, got = _fit_binary_pair(make, n, d, device="cuda")
    _assert_binary_kl_close(ref, got)
    assert torch_linalg_calls
    assert {(dtype, dev.type) for _, _, dtype, dev in torch_linalg_calls} == {
        (torch.float64, "cuda")}


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize("method", STATISTICAL)
def test_cuda_statistical_separation_warns_alike(method, dispatch, torch_linalg_calls):
    X, y = _nearly_separated(0.05)
    with warnings.catch_warnings(record=True) as ref_warnings:
        warnings.simplefilter("always")
        ref = SufficientSampleSize(method).fit(X, y)
    with warnings.catch_warnings(record=True) as got_warnings:
        warnings.simplefilter("always")
        got = SufficientSampleSize(method).fit(torch.asarray(X, device="cuda"),
                                               torch.asarray(y, device="cuda"))
    assert [str(w.message) for w in got_warnings] == [str(w.message) for w in ref_warnings]
    assert any("numerically 0 or 1" in str(w.message) for w in got_warnings)
    assert {dev.type for *_, dev in torch_linalg_calls} == {"cuda"}
    _assert_same_forecast(ref, got)


@pytest.mark.gpu
@needs_cuda
def test_cuda_logistic_z_test(dispatch, torch_linalg_calls):
    from skcomplexity.sample_size.statistical import LogisticZTestSampleSize

    X, y = make_logistic_regression(300, 3, random_state=0)
    ref = LogisticZTestSampleSize().fit(X, y)
    got = LogisticZTestSampleSize().fit(torch.asarray(X, device="cuda"),
                                        torch.asarray(y, device="cuda"))
    assert (got.sample_size_, got.p0_, got.p1_) == (ref.sample_size_, ref.p0_, ref.p1_)
    assert {dev.type for *_, dev in torch_linalg_calls} == {"cuda"}


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize("case", sorted(BINARY_DM_CASES))
def test_cuda_binary_d_and_m(case, dispatch, torch_linalg_calls):
    make, n, d = BINARY_DM_CASES[case]
    ref, got = _fit_binary_pair(make, n, d, device="cuda")
    _assert_binary_dm_close(ref, got)
    assert torch_linalg_calls
    assert {(dtype, dev.type) for _, _, dtype, dev in torch_linalg_calls} == {
        (torch.float64, "cuda")}


def test_solve_spd_xp_is_the_host_solve():
    # the device's SPD solve: positive-definite systems on the device, a singular and a nearly
    # singular one judged and solved by the host's solve_spd, in their places of the batch
    from skcomplexity.models._batched import solve_spd
    from skcomplexity.models.batched_xp import solve_spd_xp

    rng = np.random.default_rng(3)
    A = rng.normal(size=(2, 3, 8, 5))
    G = np.swapaxes(A, -1, -2) @ A
    v = np.array([1.0, 2.0, 0.0, 0.0, 0.0])
    G[0, 1] = np.outer(v, v)  # singular
    G[1, 2] = np.diag([1.0, 1.0, 1.0, 1.0, 1e-12])  # positive definite, squared pivot ratio 1e-12
    B = rng.normal(size=(2, 3, 5, 2))
    with pytest.warns(RuntimeWarning, match="singular here"):
        ref = solve_spd(G, B, warn="singular here")
    with pytest.warns(RuntimeWarning, match="singular here"):
        got = solve_spd_xp(torch.asarray(G), torch.asarray(B), warn="singular here")
    assert isinstance(got, torch.Tensor) and tuple(got.shape) == B.shape
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-9, atol=1e-12)
