"""Belsley diagnostics (Table 5.1) and BelsleyFeatureSelector."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skcomplexity.pruning import BelsleyFeatureSelector, belsley_diagnostics, belsley_order


def _table51_params():
    x = np.arange(1001) * 0.02  # 0.00, 0.02, ..., 20.00
    return np.c_[np.sin(x), np.cos(x), 2 + np.cos(x), 2 + np.sin(x), np.cos(x) + np.sin(x), x]


def test_table_5_1_condition_indices_and_proportions():
    W = _table51_params()
    diag = belsley_diagnostics(np.cov(W.T))
    eta = diag.condition_indices
    # the three well-conditioned rows of Table 5.1: 1.0, 1.5, 3.3
    np.testing.assert_allclose(eta[:3], [1.000, 1.547, 3.323], atol=1e-3)
    # the other three are at machine-noise level (the text prints 2e15, 8e15, 1e16)
    assert np.all(eta[3:] > 1e14)
    q = diag.variance_proportions
    # column q6 in rows 1-3: 3e-4, 3e-2, 9e-1 in the table (truncated mantissas)
    np.testing.assert_allclose(q[:3, 5], [3.62e-4, 3.19e-2, 0.968], rtol=1e-2)
    # q1..q5 vanish on the well-conditioned rows (1e-16-ish in the table)
    assert np.all(q[:3, :5] < 1e-12)
    # each parameter's proportions sum to one over the components
    np.testing.assert_allclose(q.sum(axis=0), 1.0)
    # the worst component is one of the degenerate ones; x (parameter 6) plays no part in it
    assert diag.worst_component >= 3
    assert q[diag.worst_component, 5] < 1e-12
    assert diag.least_relevant != 5


def test_table_5_1_needs_standardisation():
    W = _table51_params()
    raw = belsley_diagnostics(np.cov(W.T), standardize=False)
    # raw covariance does not reproduce the table (spec §3.2: 16.2 and 36.3)
    assert raw.condition_indices[1] > 10


def test_design_matches_covariance_scale():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 4)) @ rng.normal(size=(4, 4))
    d_design = belsley_diagnostics(X, kind="design")
    d_cov = belsley_diagnostics(np.cov(X.T))
    # classical (design) condition indices are the square roots of the covariance ones
    np.testing.assert_allclose(d_design.condition_indices ** 2, d_cov.condition_indices, rtol=1e-8)
    np.testing.assert_allclose(d_design.variance_proportions, d_cov.variance_proportions,
                               atol=1e-8)


def test_summary_and_frame():
    W = _table51_params()
    diag = belsley_diagnostics(np.cov(W.T), names=list("abcdef"))
    text = diag.summary().as_text()
    assert "Belsley collinearity diagnostics" in text and "cond. index" in text and " f " in text
    df = diag.to_frame()
    assert list(df.columns) == ["condition index", *"abcdef"]
    assert df.shape == (6, 7)


def test_belsley_order_picks_collinear_first():
    p = 6
    A = np.eye(p)
    A[3, 4] = A[4, 3] = 0.99
    order = belsley_order(A)
    assert sorted(order.tolist()) == list(range(p))
    assert order[0] in (3, 4)
    # batched removal orders everything too
    assert sorted(belsley_order(A, batch_size_remove=4).tolist()) == list(range(p))
    assert len(belsley_order(A, 2, update="conditional")) == 2


def test_synthetic_covariance_keeps_first_parameter_last():
    # A_synthetic of §5.4.1: the relevant first parameter is independent of the others
    p = 30
    A = np.full((p, p), 0.95)
    np.fill_diagonal(A, 1.0)
    A[0, 1:] = A[1:, 0] = 1e-3
    order = belsley_order(A)
    assert order[-1] == 0 or order[-2] == 0


def _collinear_data(seed=0, n=200):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)) * [1.0, 3.0, 0.5, 2.0] + [0, 5, -1, 2]
    dep = 2 * X[:, 0] - X[:, 2] + 1e-3 * rng.normal(size=n)
    return np.c_[X[:, :2], dep, X[:, 2:]]  # column 2 is the collinear one


def test_selector_drops_exactly_the_collinear_column():
    X = _collinear_data()
    # the column with the largest proportion on the worst component is the constructed one
    sel = BelsleyFeatureSelector(condition_threshold=30).fit(X)
    np.testing.assert_array_equal(sel.get_support(), [True, True, False, True, True])
    assert sel.dropped_ == [2]
    assert sel.condition_indices_[-1] < 30
    assert sel.transform(X).shape == (200, 4)


def test_selector_keeps_independent_and_duplicates_keep_first():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(100, 5))
    sel = BelsleyFeatureSelector().fit(X)
    assert sel.get_support().all()
    Xd = np.c_[X, X[:, 1]]
    sel = BelsleyFeatureSelector().fit(Xd)
    np.testing.assert_array_equal(sel.get_support(), [True] * 5 + [False])


def test_selector_in_pipeline_with_names():
    pd = pytest.importorskip("pandas")
    from sklearn.linear_model import Ridge

    X = pd.DataFrame(_collinear_data(), columns=list("abcde"))
    y = X["a"].to_numpy() + 0.1
    pipe = make_pipeline(StandardScaler(), BelsleyFeatureSelector(), Ridge())
    pipe = pipe.set_output(transform="pandas").fit(X, y)
    sel = pipe[1]
    assert list(sel.get_feature_names_out()) == ["a", "b", "d", "e"]
    assert "c" in sel.diagnostics_.summary().as_text()


def test_bad_input():
    X = _collinear_data()
    Xc = X.copy()
    Xc[:, 3] = 7.0
    with pytest.raises(ValueError, match=r"constant"):
        BelsleyFeatureSelector().fit(Xc)
    with pytest.raises(ValueError, match="condition_threshold"):
        BelsleyFeatureSelector(condition_threshold=0.5).fit(X)
    with pytest.raises(ValueError, match="proportion_threshold"):
        BelsleyFeatureSelector(proportion_threshold=1.5).fit(X)
    with pytest.raises(ValueError, match="constant"):
        belsley_diagnostics(np.diag([1.0, 0.0, 2.0]))
    with pytest.raises(ValueError, match="square"):
        belsley_diagnostics(np.ones((3, 2)))
    with pytest.raises(ValueError, match="symmetric"):
        belsley_diagnostics(np.array([[1.0, 0.5], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="kind"):
        belsley_diagnostics(np.eye(2), kind="gram")
    with pytest.raises(ValueError, match="NaN"):
        belsley_diagnostics(np.array([[1.0, np.nan], [np.nan, 1.0]]))
    with pytest.raises(ValueError, match="n_remove"):
        belsley_order(np.eye(3), 5)


def test_importable_without_torch():
    code = ("import sys; import skcomplexity.pruning as p; p.BelsleyFeatureSelector; "
            "p.belsley_diagnostics; assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


@parametrize_with_checks([BelsleyFeatureSelector()])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_dependence_rule_without_near_dependence_is_the_saliency_order():
    # a well-conditioned covariance (classical index < 30): the proportions say nothing,
    # so the order is exactly ascending saliency, and no decomposition follows the first
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(500, 12))
    C = np.cov(Z.T)
    assert np.sqrt(belsley_diagnostics(C).condition_indices[-1]) < 30
    sal = rng.random(12)
    np.testing.assert_array_equal(belsley_order(C, saliency=sal), np.argsort(sal))
    # the text's rule is still there without a saliency
    assert sorted(belsley_order(C).tolist()) == list(range(12))


def _two_dependences(n=400, seed=0):
    """Columns 3 = 0 + 1 and 6 = 4 - 5 (up to 1e-3 noise); 2 and 7 independent."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 8))
    X[:, 3] = X[:, 0] + X[:, 1] + 1e-3 * X[:, 3]
    X[:, 6] = X[:, 4] - X[:, 5] + 1e-3 * X[:, 6]
    return np.cov(X.T)


def test_dependence_rule_breaks_each_near_dependence_at_its_cheapest_member():
    C = _two_dependences()
    eta = np.sqrt(belsley_diagnostics(C).condition_indices)
    assert np.sum(eta > 30) == 2  # two near-dependences, everything else below 5
    assert eta[-3] < 5
    sal = np.array([5.0, 1.0, 0.1, 4.0, 6.0, 7.0, 2.0, 0.2])
    # one at a time: the cheapest involved parameter overall (1, of the first dependence),
    # then the cheapest of the dependence left (6); then no collinearity: by saliency
    np.testing.assert_array_equal(belsley_order(C, saliency=sal),
                                  [1, 6, 2, 7, 3, 0, 4, 5])
    # two per decomposition: both dependences at once, the two cheapest involved
    np.testing.assert_array_equal(belsley_order(C, saliency=sal, batch_size_remove=2),
                                  [1, 6, 2, 7, 3, 0, 4, 5])
    # the independent parameters 2 and 7 are the cheapest, yet the text's rule removes a
    # collinear one first; the dependence rule only reaches them once no dependence is left
    assert belsley_order(C)[0] in (0, 1, 3, 4, 5, 6)
    with pytest.raises(ValueError, match="saliency"):
        belsley_order(C, saliency=sal[:3])
    with pytest.raises(ValueError, match="condition_threshold"):
        belsley_order(C, saliency=sal, condition_threshold=0.5)
    with pytest.raises(ValueError, match="proportion_threshold"):
        belsley_order(C, saliency=sal, proportion_threshold=1.0)
