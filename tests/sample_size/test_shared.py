"""compare_methods' sharing (share_computations): the same numbers as fitting each alone."""

import warnings

import numpy as np
import pytest

from skcomplexity.datasets import make_linear_regression
from skcomplexity.sample_size._shared import share_computations
from skcomplexity.sample_size.facade import compare_methods, get_method

SHARING = ("apvc", "acc", "alc", "utility", "kl-neighbours", "kl-sufficiency",
           "s-sufficiency", "d-sufficiency", "m-sufficiency")


def _fitted(est):
    return {k: v for k, v in vars(est).items() if k.endswith("_") and not k.startswith("_")}


def _assert_same(a, b, where):
    assert a.keys() == b.keys(), where
    for k in a:
        va, vb = a[k], b[k]
        if isinstance(va, np.ndarray):
            np.testing.assert_array_equal(va, vb, err_msg=f"{where}.{k}")
        elif isinstance(va, (tuple, list)) and va and isinstance(va[0], (float, int, np.number)):
            assert tuple(va) == tuple(vb), f"{where}.{k}"
        elif isinstance(va, (float, int, str, type(None), np.number)):
            assert (va == vb) or (va != va and vb != vb), f"{where}.{k}"


def _classification(m=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    y = (X @ np.array([1.0, -0.5, 0.25]) + rng.normal(size=m) > 0).astype(int)
    return X, y


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("data", ["regression", "classification"])
def test_compare_methods_shared_fits_equal_fits_alone(data):
    X, y = (make_linear_regression(400, 3, random_state=2) if data == "regression"
            else _classification())
    params = {name: {"n_repeats": 12, "sizes": 6} for name in SHARING}
    for name in ("acc", "alc"):
        params[name]["n_draws"] = 50
    _, fitted = compare_methods(X, y, list(SHARING), params=params, random_state=5,
                                recommend=False, return_estimators=True)
    for name in SHARING:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            alone = get_method(name)(random_state=5, **params[name]).fit(X, y)
        assert name in fitted, name
        _assert_same(_fitted(fitted[name].estimator_), _fitted(alone), name)


@pytest.mark.filterwarnings("ignore")
def test_shared_posteriors_need_the_same_data_prior_and_seeds():
    from skcomplexity.sample_size import ALCSampleSize, APVCSampleSize, SSufficiency

    X, y = make_linear_regression(300, 3, random_state=0)
    kw = {"n_repeats": 10, "sizes": 6}
    with share_computations():
        APVCSampleSize(random_state=0, **kw).fit(X, y)
        others = {
            "seed": ALCSampleSize(random_state=1, n_draws=50, **kw).fit(X, y),
            "data": ALCSampleSize(random_state=0, n_draws=50, **kw).fit(X, 2 * y + X[:, 0]),
            "prior": ALCSampleSize(random_state=0, n_draws=50, prior_precision=1.0,
                                   **kw).fit(X, y),
        }
        s_expected = SSufficiency(random_state=0, **kw).fit(X, y)
        s_observed = SSufficiency(random_state=0, divergence="observed", **kw).fit(X, y)
    alone = {
        "seed": ALCSampleSize(random_state=1, n_draws=50, **kw).fit(X, y),
        "data": ALCSampleSize(random_state=0, n_draws=50, **kw).fit(X, 2 * y + X[:, 0]),
        "prior": ALCSampleSize(random_state=0, n_draws=50, prior_precision=1.0, **kw).fit(X, y),
    }
    for k, est in others.items():
        _assert_same(_fitted(est), _fitted(alone[k]), k)
    for est, kwargs in ((s_expected, {}), (s_observed, {"divergence": "observed"})):
        _assert_same(_fitted(est), _fitted(SSufficiency(random_state=0, **kw, **kwargs).fit(X, y)),
                     str(kwargs))
    assert not np.array_equal(s_expected.criterion_replicates_, s_observed.criterion_replicates_)


def test_nothing_is_cached_outside_the_block():
    from skcomplexity.sample_size import _shared

    assert _shared.data_key(np.zeros(3)) is None
    calls = []
    for _ in range(2):
        _shared.cached("x", "key", lambda: calls.append(1))
    assert len(calls) == 2
    with share_computations(), _shared.chunk_scope([2, 3], [], 10):
        for _ in range(2):
            out = _shared.cached("x", "key", lambda: (calls.append(1), np.zeros(2))[1])
        assert len(calls) == 3 and not out.flags.writeable


def test_linear_percentiles_equal_numpy_bitwise():
    from skcomplexity.sample_size.heuristic import linear_percentiles

    rng = np.random.default_rng(0)
    for trial in range(300):
        n = int(rng.integers(1, 120))
        shape = [int(rng.integers(1, 4)) for _ in range(int(rng.integers(1, 4)))]
        axis = int(rng.integers(0, len(shape) + 1))
        shape.insert(axis, n)
        x = rng.normal(size=shape) * 10 ** rng.uniform(-5, 5)
        if trial % 3 == 0:
            x = np.round(x, 1) + 0.0  # ties (no negative zeros: their sign may differ)
        if trial % 17 == 0:
            x.flat[0] = np.inf
        if trial % 19 == 0:
            x.flat[-1] = np.nan
        a = float(rng.choice([0.05, 0.1, 0.01, rng.uniform(0, 1)]))
        q = [100 * a / 2, 100 * (1 - a / 2)] if trial % 2 else [0, 100, *rng.uniform(0, 100, 3)]
        np.testing.assert_array_equal(linear_percentiles(x, q, axis),
                                      np.percentile(x, q, axis=axis))


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("data", ["regression", "classification"])
def test_bootstrap_widths_equal_numpy_percentile_fit(data, monkeypatch):
    from skcomplexity.sample_size import heuristic

    X, y = (make_linear_regression(400, 3, random_state=2) if data == "regression"
            else _classification())
    kw = {"n_repeats": 30, "sizes": 6, "random_state": 3}
    fast = heuristic.BootstrapSampleSize(**kw).fit(X, y)
    monkeypatch.setattr(heuristic, "linear_percentiles",
                        lambda x, q, axis: np.percentile(x, q, axis=axis))
    _assert_same(_fitted(fast), _fitted(heuristic.BootstrapSampleSize(**kw).fit(X, y)),
                 "bootstrap")


def test_a_computation_that_warns_is_not_cached_and_warns_every_time():
    from skcomplexity.sample_size import APVCSampleSize

    X, y = make_linear_regression(200, 3, random_state=0)
    X = np.c_[X, np.ones(len(y))]  # a constant column: a warning naming it, every fit
    kw = {"n_repeats": 5, "sizes": 4, "random_state": 0}
    with share_computations():
        for _ in range(2):
            with pytest.warns(Warning, match="constant"):
                APVCSampleSize(**kw).fit(X, y)
