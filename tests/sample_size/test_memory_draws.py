"""The draw of binary replicates (stratified, rejection-free: its stated prefix law) and the
memory budget of a fit (estimate before allocating, chunk within the budget, refuse past it)."""

import time
import tracemalloc
import warnings

import numpy as np
import pytest
from scipy import stats

from skcomplexity._memory import (
    LongRunWarning,
    MemoryBudgetError,
    get_memory_budget,
    memory_budget,
    set_memory_budget,
)
from skcomplexity.datasets import make_linear_regression, make_logistic_regression
from skcomplexity.sample_size import (
    BootstrapSampleSize,
    DSufficiency,
    KLSufficiency,
)
from skcomplexity.sample_size._base import RareClassWarning


# ------------------------------------------------------------------ memory
def test_large_table_refused_quickly_without_allocating():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 2000))
    y = X[:, 0] + rng.standard_normal(3000)
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        # λ_min needs the (R, J, q, q) prefix statistics: 242 GiB asked for on the old code
        with pytest.raises(MemoryBudgetError) as info:
            KLSufficiency(random_state=0, track_lambda_min=True).fit(X, y)
        elapsed = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(info.value, MemoryError) and isinstance(info.value, ValueError)
    msg = str(info.value)
    assert "GiB for a single replicate" in msg and "budget of 2.0 GiB" in msg
    assert "sizes" in msg and "features" in msg and "set_memory_budget" in msg
    assert elapsed < 5.0
    assert peak < 3 * X.nbytes  # validation copies at most; no prefix statistics


def test_sequential_route_fits_the_budget_where_prefix_statistics_do_not():
    """The default's rank-one route holds a (p, p) covariance per order, not (J, q, q)."""
    est = KLSufficiency(random_state=0)
    sizes = np.arange(2002, 2999)
    fixed, per_replicate = est._memory_estimate(sizes, 3000, 2000, 100, False)
    assert fixed + per_replicate < 2**31
    assert per_replicate < 8 * 4 * 2002**2
    prefix = KLSufficiency(random_state=0, track_lambda_min=True)
    assert sum(prefix._memory_estimate(sizes, 3000, 2000, 100, False)) > 100 * 2**30


def test_budget_setting_and_context():
    default = get_memory_budget()
    with memory_budget("1MiB"):
        assert get_memory_budget() == 2**20
    assert get_memory_budget() == default
    previous = set_memory_budget(500e6)
    assert previous == default and get_memory_budget() == 500_000_000
    set_memory_budget(None)
    assert get_memory_budget() == default
    with pytest.raises(ValueError, match="memory budget"):
        set_memory_budget("lots")
    with pytest.raises(ValueError, match="memory budget"):
        set_memory_budget(-1)


def test_one_replicate_over_the_budget_is_refused():
    X, y = make_linear_regression(300, 40, random_state=0)
    with memory_budget("2MiB"), pytest.raises(MemoryBudgetError, match="at most .* sizes"):
        DSufficiency(sizes=30, n_repeats=5, random_state=0).fit(X, y)


def test_estimate_matches_measured_peak():
    X, y = make_linear_regression(300, 40, random_state=0)
    est = KLSufficiency(sizes=30, n_repeats=50, threshold_mode="absolute", random_state=0)
    state = est._prepare(X, y)
    sizes = est._size_grid(*X.shape)
    chunk = est._chunk_size(state, sizes, 300, 40, 50)
    fixed, per_replicate = est._memory_estimate(sizes, 300, 40, 50, False)
    estimate = fixed + chunk * per_replicate
    tracemalloc.start()
    try:
        est.fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 0.5 <= estimate / peak <= 2.0, (estimate, peak)


def _chunk_for(est, X, y, n_chunks):
    """A budget under which the fit runs in about ``n_chunks`` chunks."""
    state = est._prepare(X, y)
    sizes = est._size_grid(*X.shape)
    fixed, per = est._memory_estimate(sizes, *X.shape, est.n_repeats,
                                      est._binary_labels(state) is not None)
    return fixed + per * (-(-est.n_repeats // n_chunks))


@pytest.mark.parametrize("make", [
    lambda: (KLSufficiency(sizes=12, n_repeats=24, threshold_mode="absolute", random_state=3),
             make_linear_regression(150, 6, random_state=1)),
    lambda: (DSufficiency(sizes=8, n_repeats=24, random_state=3),
             make_linear_regression(200, 5, random_state=1)),
])
def test_chunked_fit_equals_unchunked(make):
    est, (X, y) = make()
    attr = "loss_replicates_" if isinstance(est, DSufficiency) else "criterion_replicates_"
    whole = getattr(est.fit(X, y), attr).copy()
    with memory_budget(_chunk_for(est, X, y, 5)):
        state = est._prepare(X, y)
        sizes = est._size_grid(*X.shape)
        assert est._chunk_size(state, sizes, *X.shape, est.n_repeats) < est.n_repeats / 3
        chunked = getattr(est.fit(X, y), attr)
    np.testing.assert_array_equal(chunked, whole)


def test_chunked_logistic_fit_equals_unchunked_to_rounding():
    # the batched Newton fits of a chunk are not bitwise independent of the chunk's other
    # replicates (last-ulp differences), so only the linear paths are exact across chunkings
    est = DSufficiency(sizes=6, n_repeats=12, random_state=3)
    X, y = make_logistic_regression(200, 3, random_state=1)
    whole = est.fit(X, y).loss_replicates_.copy()
    with memory_budget(_chunk_for(est, X, y, 4)):
        chunked = est.fit(X, y).loss_replicates_
    np.testing.assert_allclose(chunked, whole, rtol=1e-12)


def test_long_run_warning():
    X, y = make_linear_regression(60, 2, random_state=0)
    est = DSufficiency(sizes=3, random_state=0)
    state = est._prepare(X, y)
    sizes = est._size_grid(*X.shape)
    with pytest.warns(LongRunWarning, match="n_repeats=1,000,000"):
        est._chunk_size(state, sizes, 60, 2, 10**6)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LongRunWarning)
        est._chunk_size(state, sizes, 60, 2, 10_000)


# --------------------------------------------------------------- rare classes
def _rare(n_pos, m=120, n=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n))
    y = np.zeros(m, dtype=int)
    y[rng.choice(m, n_pos, replace=False)] = 1
    return X, y


@pytest.mark.parametrize("est", [
    BootstrapSampleSize(n_repeats=10, random_state=0),
    DSufficiency(n_repeats=10, random_state=0),
    KLSufficiency(n_repeats=10, random_state=0),
])
def test_single_member_class_is_refused(est):
    X, y = _rare(1)
    with pytest.raises(ValueError, match="class 1 .* has 1 member in 120 rows"):
        est.fit(X, y)


def test_rare_class_warns_with_where_the_grid_should_start():
    X, y = _rare(5)  # smallest size 7 holds 7 * 5 / 120 = 0.29 positives on average
    with pytest.warns(RareClassWarning, match=r"5 of 120 rows .* holds 0\.29 .* at 24 rows") as rec:
        BootstrapSampleSize(sizes=[7, 60, 120], n_repeats=10, prior_precision=1.0,
                            random_state=0).fit(X, y)
    # it points at the user's line (this file), not at sklearn/base.py
    assert {w.filename for w in rec if issubclass(w.category, RareClassWarning)} == {__file__}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RareClassWarning)
        BootstrapSampleSize(sizes=[24, 60, 120], n_repeats=10, prior_precision=1.0,
                            random_state=0).fit(X, y)


# ------------------------------------------------------------ the prefix law
def _stated_pmf(k, m, m_c, replace):
    """Law of a class's count in a prefix of size k: 1 + Binomial / 1 + Hypergeometric."""
    support = np.arange(k + 1)
    if replace:
        pmf = stats.binom.pmf(support - 1, k - 2, m_c / m)
    else:
        pmf = stats.hypergeom.pmf(support - 1, m - 2, m_c - 1, k - 2)
    return support, pmf


def _chi2_pvalue(counts, support, pmf, B):
    observed = np.bincount(counts, minlength=support.size)[:support.size].astype(float)
    expected = pmf * B
    keep = expected >= 5  # pool the sparse tail into one bin
    obs = np.append(observed[keep], observed[~keep].sum())
    exp = np.append(expected[keep], expected[~keep].sum())
    if exp[-1] < 1e-9:
        obs, exp = obs[:-1], exp[:-1]
    return stats.chisquare(obs, exp * obs.sum() / exp.sum()).pvalue


@pytest.mark.parametrize("cls", [BootstrapSampleSize, KLSufficiency])
def test_prefix_law_of_stratified_draws(cls):
    m, m_c, B = 120, 6, 4000
    X, y = _rare(m_c, m=m)
    est = cls(family="binomial")
    replace = est._replace
    sizes = np.array([10, 30, 60])
    labels = y.astype(float)
    strata = [np.flatnonzero(labels == 0), np.flatnonzero(labels == 1)]
    seeds = np.random.SeedSequence(11).spawn(B)
    index = np.stack([est._draw(s, 61, m, strata, int(sizes[0]))[0] for s in seeds])
    # independent draws of the same stated law: one member of each class + a plain draw
    rng = np.random.default_rng(12)
    for k in sizes:
        nested = labels[index[:, :k]].sum(axis=1).astype(int)
        assert nested.min() >= 1 and (k - nested).min() >= 1  # both classes in every prefix
        support, pmf = _stated_pmf(k, m, m_c, replace)
        assert _chi2_pvalue(nested, support, pmf, B) > 1e-3
        mean = float(support @ pmf)
        assert abs(nested.mean() - mean) < 4 * nested.std() / np.sqrt(B)
        indep = np.empty(B, dtype=int)
        for b in range(B):
            if replace:
                plain = rng.integers(0, m, k - 2)
            else:
                forced = [rng.choice(s) for s in strata]
                plain = rng.choice(np.delete(np.arange(m), forced), k - 2, replace=False)
            indep[b] = 1 + int(labels[plain].sum())
        se = np.sqrt(nested.var() / B + indep.var() / B)
        assert abs(nested.mean() - indep.mean()) < 4 * se
    if not replace:
        assert all(np.unique(row).size == row.size for row in index[:200])


def test_stratified_draws_seeding():
    X, y = make_logistic_regression(200, 3, random_state=2)
    a = DSufficiency(sizes=5, n_repeats=16, random_state=4, n_jobs=1).fit(X, y)
    b = DSufficiency(sizes=5, n_repeats=16, random_state=4, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(a.loss_replicates_, b.loss_replicates_)
    # the draws do not depend on how the two classes are coded
    est = BootstrapSampleSize()
    s1 = est._prepare(X, y)
    s2 = est._prepare(X, 1 - y)
    sizes = np.array([10, 50])
    seeds = np.random.SeedSequence(0).spawn(3)
    idx = []
    for state in (s1, s2):
        captured = {}
        est._criterion = lambda st, draws, c=captured: c.setdefault("i", draws.index)
        est._evaluate_chunk_inner(state, sizes, seeds, 200)
        idx.append(captured["i"])
    np.testing.assert_array_equal(idx[0], idx[1])
