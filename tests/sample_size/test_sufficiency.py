"""D-, M-, KL- and S-sufficiency: theorems 28–31 on the synthetic data of §4.6,
the batched paths against clone-and-fit, Table 4.6's KL/S rows, bad input and
the scikit-learn estimator checks."""

import warnings

import numpy as np
import pytest
from sklearn.linear_model import BayesianRidge, LinearRegression, LogisticRegression, Ridge
from sklearn.utils.estimator_checks import parametrize_with_checks

from skcomplexity.datasets import (
    load_dataset,
    make_linear_regression,
    make_logistic_regression,
)
from skcomplexity.models.posterior import conjugate_posterior, gaussian_kl
from skcomplexity.sample_size.sufficiency import (
    PUBLISHED_PARAMS,
    DSufficiency,
    KLSufficiency,
    MSufficiency,
    SSufficiency,
    get_gaussian_posterior,
)


@pytest.fixture(scope="module")
def reg1000():
    return make_linear_regression(1000, 20, random_state=307)


@pytest.fixture(scope="module")
def clf1000():
    return make_logistic_regression(1000, 20, random_state=307)


@pytest.fixture(scope="module")
def reg500():
    return make_linear_regression(500, 10, random_state=307)


def _decreasing_to_zero(curve, frac=0.05):
    curve = np.asarray(curve)
    return curve[-1] < frac * curve[0] and np.all(np.isfinite(curve))


# ------------------------------------------------------------ D and M (Thm 28)
@pytest.mark.parametrize("data", ["reg1000", "clf1000"])
def test_d_and_m_tend_to_zero(data, request):
    X, y = request.getfixturevalue(data)
    kw = dict(n_repeats=100, sizes=np.linspace(40, 1000, 10).astype(int), random_state=0)
    d = DSufficiency(**kw).fit(X, y)
    m = MSufficiency(**kw).fit(X, y)
    assert d.estimator_kind_ == ("linear" if data == "reg1000" else "logistic")
    assert _decreasing_to_zero(d.criterion_)
    assert _decreasing_to_zero(m.criterion_)
    # D is (up to noise) monotone: the second half is below the first half
    assert d.criterion_[5:].max() < d.criterion_[:5].min()
    # m* non-increasing in ε (absolute rule), Figs. 4.7
    for est in (d, m):
        eps = np.logspace(np.log10(est.criterion_.min()), np.log10(est.criterion_.max()), 15)
        ms = [est.sample_size_for(e, "absolute") for e in eps]
        ms = [np.inf if v is None else v for v in ms]
        assert all(a >= b for a, b in zip(ms, ms[1:], strict=False))


def test_m_expectation_identity_of_theorem_28(reg500):
    # E l(D_m, ŵ_k) = -m/2 log(2πσ²) - (||y - X m_k||² + tr(XᵀX Σ_k)) / (2σ²), with m_k, Σ_k
    # the bootstrap mean and covariance of ŵ_k: check on the replicates themselves.
    from skcomplexity.models.glm import fit_linear_prefix

    X, y = reg500
    idx = np.random.default_rng(0).integers(0, 500, size=(400, 60))
    coef, b0 = fit_linear_prefix(X, y, idx, np.array([60]), fit_intercept=False)
    coef = coef[:, 0]
    ll = -250 * np.log(2 * np.pi) - 0.5 * np.sum((y - coef @ X.T) ** 2, axis=1)
    mk, Sk = coef.mean(axis=0), np.cov(coef.T, ddof=0)
    expected = -250 * np.log(2 * np.pi) - 0.5 * (np.sum((y - X @ mk) ** 2) + np.trace(X.T @ X @ Sk))
    assert ll.mean() == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("est", [LinearRegression(), Ridge(alpha=2.5),
                                 LinearRegression(fit_intercept=False)])
def test_batched_linear_matches_clone_and_fit(est):
    X, y = load_dataset("servo")
    kw = dict(n_repeats=15, sizes=6, random_state=3)
    a = DSufficiency(est, **kw).fit(X, y)
    b = DSufficiency(est, batched=False, **kw).fit(X, y)
    assert a.estimator_kind_ == "linear" and b.estimator_kind_ == "generic"
    np.testing.assert_allclose(a.loss_replicates_, b.loss_replicates_, rtol=1e-8)
    assert a.sample_size_ == b.sample_size_


def test_batched_logistic_matches_clone_and_fit():
    X, y = make_logistic_regression(200, 4, random_state=1)
    est = LogisticRegression(C=5.0, tol=1e-12, max_iter=10_000)
    kw = dict(n_repeats=8, sizes=4, random_state=3)
    a = MSufficiency(est, **kw).fit(X, y)
    b = MSufficiency(est, batched=False, **kw).fit(X, y)
    assert a.estimator_kind_ == "logistic"
    np.testing.assert_allclose(a.loss_replicates_, b.loss_replicates_, rtol=1e-6)


def test_generic_estimator_and_scoring():
    from sklearn.tree import DecisionTreeRegressor

    X, y = make_linear_regression(120, 3, random_state=0)
    est = DSufficiency(DecisionTreeRegressor(max_depth=3, random_state=0), n_repeats=5,
                       sizes=4, scoring="neg_mean_squared_error", random_state=0).fit(X, y)
    assert est.estimator_kind_ == "generic"
    assert np.all(est.loss_replicates_ <= 0)


def test_n_jobs_invariance():
    X, y = make_linear_regression(150, 4, random_state=0)
    a = DSufficiency(n_repeats=20, sizes=5, random_state=0, n_jobs=1).fit(X, y)
    b = DSufficiency(n_repeats=20, sizes=5, random_state=0, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(a.loss_replicates_, b.loss_replicates_)
    c = KLSufficiency(n_repeats=40, random_state=0, n_jobs=1).fit(X, y)
    d = KLSufficiency(n_repeats=40, random_state=0, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(c.criterion_replicates_, d.criterion_replicates_)


# ------------------------------------------------- KL and S (Thms 29–31)
def test_kl_s_converge_and_lambda_min_grows(reg500):
    X, y = reg500
    kw = dict(n_repeats=30, random_state=0, threshold=0.05, decision_rule="all",
              track_lambda_min=True)
    kl = KLSufficiency(**kw).fit(X, y)
    s = SSufficiency(**kw).fit(X, y)
    assert kl.posterior_kind_ == "conjugate"
    assert _decreasing_to_zero(kl.criterion_, 0.02)
    assert 1 - s.criterion_[-1] < 0.2 * (1 - s.criterion_[0])
    assert s.criterion_[-1] > 0.99
    # Fig. 4.8: λ_min(X_kᵀX_k) grows and lies above √k for large k
    lam, k = kl.lambda_min_, kl.sizes_
    assert np.all(np.diff(lam) >= -1e-9)
    assert np.all(lam[k >= 100] > np.sqrt(k[k >= 100]))
    # m* non-increasing in ε
    for est in (kl, s):
        ms = [est.sample_size_for(e) for e in np.logspace(-3, -0.5, 12)]
        ms = [np.inf if v is None else v for v in ms]
        assert all(a >= b for a, b in zip(ms, ms[1:], strict=False))


def test_kl_path_value_equals_refit(reg500):
    X, y = reg500
    est = KLSufficiency(n_repeats=2, random_state=5, standardize=False, standardize_target=False,
                        sigma2=1.0, divergence="observed",
                        fit_intercept=False).fit(X, y)
    # rebuild replicate 0's order and compare one size against explicit posteriors
    from skcomplexity._parallel import root_seed_sequence, spawn_generators

    order = spawn_generators(root_seed_sequence(5), 2)[0].permutation(500)
    k = 37
    m1, c1 = conjugate_posterior(X[order[:k]], y[order[:k]])
    m2, c2 = conjugate_posterior(X[order[:k + 1]], y[order[:k + 1]])
    j = int(np.flatnonzero(est.sizes_ == k)[0])
    assert est.criterion_replicates_[j, 0] == pytest.approx(gaussian_kl(m1, c1, m2, c2),
                                                            abs=1e-10)


def test_laplace_and_protocol_paths():
    X, y = make_logistic_regression(300, 4, random_state=0)
    s = SSufficiency(n_repeats=10, sizes=8, random_state=0).fit(X, y)
    assert s.posterior_kind_ == "laplace"
    assert s.criterion_[-1] > s.criterion_[0]
    Xr, yr = make_linear_regression(200, 3, random_state=0)
    kl = KLSufficiency(BayesianRidge(), n_repeats=4, sizes=6, random_state=0).fit(Xr, yr)
    assert kl.posterior_kind_ == "generic"
    assert kl.criterion_[-1] < kl.criterion_[0]


def test_missing_posterior_protocol_is_a_clear_error():
    X, y = make_linear_regression(60, 3, random_state=0)
    with pytest.raises(TypeError, match="get_gaussian_posterior.*coef_.*sigma_"):
        KLSufficiency(LinearRegression(), n_repeats=2).fit(X, y)
    with pytest.raises(TypeError, match="Gaussian posterior"):
        get_gaussian_posterior(Ridge().fit(X, y))


# ----------------------------------------------------------------- Table 4.6
@pytest.mark.parametrize("name", ["boston", "diabetes", "forest_fires", "servo"])
def test_table_4_6_kl_much_larger_than_s(name):
    X, y = load_dataset(name)
    m, n = X.shape
    grid = np.arange(2 * (n + 1), m)  # the published grid starts at 2(n + 1)
    kl = KLSufficiency(n_repeats=100, sizes=grid, random_state=0, **PUBLISHED_PARAMS).fit(X, y)
    s = SSufficiency(n_repeats=100, sizes=grid, random_state=0, **PUBLISHED_PARAMS).fit(X, y)
    # published: KL needs (almost) the whole sample, S the first grid point
    assert kl.sample_size_ is not None and kl.sample_size_ >= 0.8 * m
    assert s.sample_size_ is not None and s.sample_size_ <= 0.25 * m
    assert kl.sample_size_ > 3 * s.sample_size_


# ----------------------------------------------------------------- bad input
@pytest.mark.parametrize("cls", [DSufficiency, MSufficiency, KLSufficiency, SSufficiency])
def test_bad_input(cls):
    X, y = make_linear_regression(40, 3, random_state=0)
    small = dict(n_repeats=3, sizes=4)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        cls(**small).fit(Xn, y)
    with pytest.raises(ValueError, match="n_samples"):
        cls(**small).fit(X[:4], y[:4])
    with pytest.raises(ValueError, match="threshold"):
        cls(threshold=0.0, **small).fit(X, y)
    with pytest.raises(ValueError, match="threshold"):
        cls(threshold=-1.0, **small).fit(X, y)
    with pytest.raises(ValueError, match="threshold_mode"):
        cls(threshold_mode="halve", **small).fit(X, y)
    with pytest.raises(ValueError, match="single class"):
        cls(family="binomial", **small).fit(X, np.zeros(40))
    with pytest.raises(ValueError, match="family"):
        cls(family="poisson", **small).fit(X, y)
    with pytest.raises(TypeError, match="n_repeats"):
        cls(n_repeats=2.5, sizes=4).fit(X, y)


def test_plots():
    import matplotlib

    matplotlib.use("Agg")
    from sklearn.preprocessing import StandardScaler

    X, y = make_linear_regression(80, 3, random_state=0)
    kl = KLSufficiency(n_repeats=5, random_state=0, track_lambda_min=True).fit(X, y)
    # λ_min(Z_k^T Z_k) recomputed along each order: one SeedSequence child per order (the
    # seeding convention), each a random permutation of the rows, on the z-scored design
    # with its intercept column
    Z = np.column_stack([np.ones(len(y)), StandardScaler().fit_transform(X)])
    for r, child in enumerate(np.random.SeedSequence(0).spawn(5 + 1)[:5]):
        order = np.random.default_rng(child).permutation(len(y))
        expected = [np.linalg.eigvalsh(Z[order[:k]].T @ Z[order[:k]])[0] for k in kl.sizes_]
        np.testing.assert_allclose(kl.lambda_min_replicates_[:, r], expected, rtol=1e-10)
    ax = kl.plot_lambda_min()
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), kl.lambda_min_)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), np.sqrt(kl.sizes_), rtol=1e-15)
    np.testing.assert_allclose(kl.lambda_min_, kl.lambda_min_replicates_.mean(axis=1),
                               rtol=1e-12)
    for est in (kl, DSufficiency(n_repeats=5, sizes=4, random_state=0).fit(X, y)):
        disp = est.plot()  # the drawn curve and level are the fitted ones
        np.testing.assert_array_equal(disp.line_.get_xdata(), est.sizes_)
        np.testing.assert_array_equal(disp.line_.get_ydata(), est.criterion_)
        assert [ln.get_ydata()[0] for ln in disp.ax_.lines
                if ln.get_label() == "threshold"] == [est.threshold_]


# ------------------------------------------------------------ sklearn checks
def _checks_instances():
    small = dict(n_repeats=3, sizes=3, random_state=0)
    return [DSufficiency(**small), MSufficiency(**small), KLSufficiency(**small),
            SSufficiency(**small)]


@parametrize_with_checks(_checks_instances())
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        check(estimator)


def test_kl_binary_one_step_route_against_converged_route(monkeypatch):
    # the default binary KL reads the MAP and xᵀΣx of each prefix by Newton against a
    # reference Hessian (laplace_one_step_path); the route before it fitted every prefix's
    # full Laplace posterior to a Newton decrement of 1e-10 (laplace_rows_path): the same
    # curve and answer
    from skcomplexity.models.glm import laplace_rows_path
    from skcomplexity.sample_size import KLSufficiency, posterior_proximity

    X, y = make_logistic_regression(2500, 5, random_state=2)
    fast = KLSufficiency(n_repeats=20, random_state=0).fit(X, y)

    def full_route(X, y, index, sizes, alpha, tol, held):
        for k, (mean, cov) in zip(sizes, laplace_rows_path(X, y, index,
                                                           [(0, int(k)) for k in sizes], alpha),
                                  strict=True):
            x = X[index[:, k]]
            yield mean, np.einsum("rp,rpq,rq->r", x, cov, x), np.ones(len(mean), dtype=bool)

    monkeypatch.setattr(posterior_proximity, "laplace_one_step_path", full_route)
    slow = KLSufficiency(n_repeats=20, random_state=0).fit(X, y)
    np.testing.assert_allclose(fast.criterion_replicates_, slow.criterion_replicates_,
                               rtol=1e-5)
    assert fast.sample_size_ == slow.sample_size_


def test_kl_binary_streams_rows_a_small_budget_cannot_hold(monkeypatch):
    # under a budget that holds only part of an order's gathered rows, the binary KL's
    # Laplace path keeps what fits and gathers the rest again at every product: the same
    # curve (to rounding) instead of a refusal
    from skcomplexity._memory import memory_budget
    from skcomplexity.sample_size import KLSufficiency, posterior_proximity

    X, y = make_logistic_regression(3000, 5, random_state=2)
    full = KLSufficiency(n_repeats=8, random_state=0).fit(X, y)
    seen, path = [], posterior_proximity.laplace_one_step_path

    def spy(*args, held=None, **kwargs):
        seen.append(held)
        return path(*args, held=held, **kwargs)

    monkeypatch.setattr(posterior_proximity, "laplace_one_step_path", spy)
    fixed, per, top_held = posterior_proximity.one_step_memory(3000, 5, 3000, 2999, 50, 8,
                                                               2**40)
    budget = fixed + per - 8 * 6 * 2000  # room for 999 of the 2,999 rows
    with memory_budget(budget):
        small = KLSufficiency(n_repeats=8, random_state=0).fit(X, y)
    assert top_held == 2999 and seen and all(0 < h < 2999 for h in seen)
    # the budget travels with the prepared state, so that a worker process (whose budget
    # module has its default) holds the rows the fit's own budget allows
    est = KLSufficiency(n_repeats=8, random_state=0)
    with memory_budget(budget):
        state = est._prepare(*est._check_xy(X, y))
    assert state.memory_budget == budget
    np.testing.assert_allclose(small.criterion_replicates_, full.criterion_replicates_,
                               rtol=1e-9)
    assert small.sample_size_ == full.sample_size_


def test_one_step_memory_holds_large_tables_in_the_default_budget():
    # 1,000,000 x 100 binary under the default 2 GiB: the design and its copy are fixed,
    # an order holds as many gathered rows as the rest of the budget allows (not refused);
    # 100,000 x 20 holds every row
    from skcomplexity._memory import DEFAULT_MEMORY_BUDGET
    from skcomplexity.sample_size.posterior_proximity import one_step_memory

    fixed, per, held = one_step_memory(10**6, 100, 10**6, 10**6 - 1, 50, 100,
                                       DEFAULT_MEMORY_BUDGET)
    assert fixed + per <= DEFAULT_MEMORY_BUDGET and 0 < held < 10**6 - 1
    assert fixed >= 2 * 10**6 * 101 * 8  # the design and one more copy
    fixed, per, held = one_step_memory(10**5, 20, 10**5, 10**5 - 1, 50, 100,
                                       DEFAULT_MEMORY_BUDGET)
    assert held == 10**5 - 1 and fixed + per <= DEFAULT_MEMORY_BUDGET


def test_kl_binary_held_rows_follow_the_fits_budget_in_workers():
    # two workers under a tight budget hold what the fit's budget allows (it travels with
    # the prepared state): bitwise the one-process numbers, which differ in the last bits
    # from those of every row held
    from skcomplexity._memory import memory_budget
    from skcomplexity.sample_size import KLSufficiency, posterior_proximity

    X, y = make_logistic_regression(3000, 5, random_state=2)
    fixed, per, _ = posterior_proximity.one_step_memory(3000, 5, 3000, 2999, 50, 8, 2**40)
    with memory_budget(fixed + per - 8 * 6 * 2000):
        one = KLSufficiency(n_repeats=8, random_state=0).fit(X, y)
        two = KLSufficiency(n_repeats=8, random_state=0, n_jobs=2).fit(X, y)
    full = KLSufficiency(n_repeats=8, random_state=0, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(two.criterion_replicates_, one.criterion_replicates_)
    np.testing.assert_allclose(full.criterion_replicates_, one.criterion_replicates_, rtol=1e-9)
