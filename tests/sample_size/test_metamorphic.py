"""Metamorphic laws of the front door's default (``method="auto"``).

Law (linear-Gaussian model, noise variance estimated from the data): the
KL divergence between neighbouring posteriors is about ``p / (2k)`` nats for
``p`` parameters, so

* m* does not decrease when the number of features ``d`` grows;
* m* is invariant to the noise level ``σ`` (the criterion is measured in units
  of the estimated noise, so scaling the noise does not move it);
* m* is set by the data, not by the grid: it is neither the grid's second point
  nor within a few rows of ``n``, and refining the grid moves it by no more than
  the Monte Carlo noise of the "for all k >= m*" rule (a finer grid has more chances
  to fail; 25% here with 20 orders).
"""

import numpy as np
import pytest

from skcomplexity import SufficientSampleSize


def _data(d, sigma, n=1500, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w = rng.normal(0.0, 0.5, d)
    return X, X @ w + sigma * rng.standard_normal(n)


def _m_star(X, y, sizes=150):
    return SufficientSampleSize(random_state=0,
                                params={"n_repeats": 20, "sizes": sizes}).fit(X, y)


@pytest.fixture(scope="module")
def by_setting():
    return {(d, s): _m_star(*_data(d, s)) for d, s in [(3, 0.5), (3, 1.0), (3, 2.0), (6, 1.0),
                                                        (12, 1.0)]}


def test_m_star_grows_with_dimension(by_setting):
    ms = [by_setting[(d, 1.0)].sample_size_ for d in (3, 6, 12)]
    assert all(m is not None for m in ms)
    assert ms[0] <= ms[1] <= ms[2] and ms[2] > ms[0]


def test_m_star_invariant_to_noise_level(by_setting):
    ests = [by_setting[(3, s)] for s in (0.5, 1.0, 2.0)]
    step = np.diff(ests[0].sizes_).max()
    ms = [e.sample_size_ for e in ests]
    assert max(ms) - min(ms) <= step, ms


def test_answer_not_set_by_the_grid(by_setting):
    for est in by_setting.values():
        m, sizes = est.sample_size_, est.sizes_
        assert m is not None and m > sizes[1] and m < 1500 - 50
    X, y = _data(6, 1.0)
    coarse, fine = by_setting[(6, 1.0)], _m_star(X, y, sizes=400)
    assert abs(coarse.sample_size_ - fine.sample_size_) <= 0.25 * coarse.sample_size_


# --------------------------------------------------------------- D and M
# Law (linear-Gaussian model, σ² estimated, threshold_mode="per_object"): the replicate
# estimates move by σ (XᵀX)⁻¹Xᵀε-type terms, exactly linear in the noise, and the
# log-likelihood is measured in units of the estimated σ², so D(k) and M(k) are exactly
# invariant to σ for the same noise draw; they grow with the number of parameters p
# (sqrt(D)/m ≈ sqrt(p/2)/k, M/m ≈ p/(2k²)), so m* ≈ 70 sqrt(p) does not decrease with d.
@pytest.mark.parametrize("cls_name", ["DSufficiency", "MSufficiency"])
def test_d_m_laws(cls_name):
    from skcomplexity import sample_size

    cls = getattr(sample_size, cls_name)

    def fit(d, sigma):
        return cls(n_repeats=100, sizes=40, random_state=0).fit(*_data(d, sigma))

    low, high = fit(3, 0.5), fit(3, 2.0)
    assert low.sample_size_ == high.sample_size_
    np.testing.assert_allclose(low.criterion_, high.criterion_, rtol=1e-6)
    big = fit(12, 1.0)
    assert big.sample_size_ > low.sample_size_
    for est in (low, big):
        assert est.sizes_[1] < est.sample_size_ < 1500 - 50
    # with a known σ² (an absolute scale) m* must grow with the true noise level
    known = [cls(n_repeats=100, sizes=40, sigma2=1.0, random_state=0).fit(*_data(3, s))
             for s in (0.5, 2.0)]
    assert (known[1].sample_size_ or np.inf) > known[0].sample_size_


def test_plot_uses_a_log_axis_for_a_criterion_spanning_orders_of_magnitude():
    import matplotlib

    matplotlib.use("Agg")
    from skcomplexity.plotting import SampleSizeDisplay

    disp = SampleSizeDisplay(np.arange(10, 60, 10), 10.0 ** -np.arange(5), None, 1e-3, 40).plot()
    assert disp.ax_.get_yscale() == "log"
    flat = SampleSizeDisplay(np.arange(10, 60, 10), np.linspace(1, 2, 5), None, 1.5, 40).plot()
    assert flat.ax_.get_yscale() == "linear"
