"""PHD by minimum-spanning-tree growth and the topological time series."""

import numpy as np
import pytest
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial.distance import pdist, squareform

from skcomplexity.data_quality import mst_edge_lengths, phd, topological_time_series


def _embedded_cube(d, n=1000, ambient=12, seed=0):
    """n uniform points of the unit d-cube, rotated into R^ambient."""
    rng = np.random.default_rng(seed)
    Q = np.linalg.qr(rng.normal(size=(ambient, ambient)))[0][:d]
    return rng.random((n, d)) @ Q


@pytest.mark.parametrize("seed", [0, 1])
def test_mst_total_equals_scipy(seed):
    X = np.random.default_rng(seed).normal(size=(150, 4))
    D = squareform(pdist(X))
    ours = mst_edge_lengths(D)
    ref = minimum_spanning_tree(D)
    assert ours.size == 149
    np.testing.assert_allclose(np.sort(ours), np.sort(ref.data), rtol=1e-12)


def test_mst_by_hand_with_duplicates():
    # points 0, 1, 3, 3 on a line: edges 1, 2 and 0 (scipy's csgraph would drop the zero edge)
    D = squareform(pdist(np.array([[0.0], [1.0], [3.0], [3.0]])))
    assert sorted(mst_edge_lengths(D).tolist()) == [0.0, 1.0, 2.0]
    assert mst_edge_lengths(np.zeros((1, 1))).size == 0


def test_phd_segment_by_hand():
    # on a segment the MST is the chain of gaps, its length the range of the sample (~1 for any
    # n), so the slope of log E against log n is ~0 and PHD = 1 / (1 - 0) = 1
    x = np.random.default_rng(3).random((800, 1))
    dim, fit = phd(np.c_[x, 2 * x], random_state=0, return_fit=True)
    assert abs(fit["slope"]) < 0.02 and abs(dim - 1) < 0.02
    # the fit is an ordinary least-squares line through (log n, log E)
    slope = np.polyfit(np.log(fit["sizes"]), np.log(fit["lengths"]), 1)[0]
    assert fit["slope"] == pytest.approx(slope)
    assert fit["sizes"][-1] == 800 and fit["lengths"][-1] == pytest.approx(
        np.sum(mst_edge_lengths(squareform(pdist(np.c_[x, 2 * x])))))


@pytest.mark.parametrize("d", [1, 2, 3, 4])
def test_phd_recovers_known_dimension(d):
    est = phd(_embedded_cube(d), random_state=0)
    assert abs(est - d) < 0.12 * d + 0.05


def test_phd_alpha_and_seed():
    X = _embedded_cube(2, n=600)
    # E_alpha grows like n^((d - alpha) / d): alpha changes the slope, not the dimension
    assert phd(X, alpha=2.0, random_state=0) == pytest.approx(2.0, abs=0.25)
    assert phd(X, random_state=5) == phd(X, random_state=5)
    assert np.isnan(phd(np.zeros((3, 2))))
    assert np.isnan(phd(np.zeros((50, 2)), random_state=0))  # all points coincide


def test_phd_errors():
    with pytest.raises(ValueError, match="2-D"):
        phd(np.zeros(10))
    with pytest.raises(ValueError, match="NaN"):
        phd(np.full((10, 2), np.nan))
    with pytest.raises(ValueError, match="alpha"):
        phd(np.zeros((10, 2)), alpha=0)
    with pytest.raises(ValueError, match="n_min"):
        phd(np.random.default_rng(0).random((10, 2)), n_min=10)


def test_topological_time_series_windows():
    rng = np.random.default_rng(4)
    E = rng.normal(size=(300, 5))
    tts = topological_time_series(E, window=100, stride=50, random_state=0)
    assert tts.shape == (5,)  # starts 0, 50, 100, 150, 200
    np.testing.assert_array_equal(
        tts, topological_time_series(E, window=100, stride=50, random_state=0))
    # every window is the PHD of its tokens, with one child seed per window
    seeds = np.random.SeedSequence(0).spawn(5)
    for k, a in enumerate(range(0, 201, 50)):
        assert tts[k] == phd(E[a:a + 100], random_state=seeds[k])
    assert topological_time_series(E[:50], window=100).size == 0
    with pytest.raises(ValueError, match="window"):
        topological_time_series(E, window=2)


@pytest.mark.slow
def test_phd_next_to_scikit_dimension():
    skdim = pytest.importorskip("skdim")
    for d in (2, 5, 8):
        X = _embedded_cube(d, n=1500, ambient=20, seed=d)
        ours = phd(X, random_state=0)
        twonn = skdim.id.TwoNN().fit(X).dimension_
        # both estimators are near the truth and near each other (both underestimate as d grows)
        assert abs(ours - d) < 0.2 * d
        assert abs(ours - twonn) < 0.15 * d + 0.2
