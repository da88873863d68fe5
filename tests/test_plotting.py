import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from skcomplexity.datasets import make_linear_regression  # noqa: E402
from skcomplexity.plotting import SampleSizeDisplay  # noqa: E402
from skcomplexity.sample_size import (  # noqa: E402
    APVCSampleSize,
    UtilitySampleSize,
    WaldSampleSize,
    sufficient_size,
)


def _lines(ax):
    """Horizontal and vertical reference lines drawn on ``ax``: ({y: label}, {x: label})."""
    hlines, vlines = {}, {}
    for line in ax.get_lines():
        x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        if x.size == 2 and np.all(y == y[0]) and tuple(x) == (0.0, 1.0):
            hlines[float(y[0])] = line.get_label()
        elif y.size == 2 and np.all(x == x[0]) and tuple(y) == (0.0, 1.0):
            vlines[float(x[0])] = line.get_label()
    return hlines, vlines


def test_display_from_estimator_draws_curve_threshold_and_m_star():
    X, y = make_linear_regression(120, 4, random_state=0)
    est = WaldSampleSize(sizes=20).fit(X, y)
    disp = est.plot()
    assert isinstance(disp, SampleSizeDisplay)
    np.testing.assert_allclose(disp.line_.get_xdata(), est.sizes_)
    np.testing.assert_allclose(disp.line_.get_ydata(), est.criterion_)
    hlines, vlines = _lines(disp.ax_)
    assert list(hlines.items()) == [(pytest.approx(0.8), "threshold")]
    assert vlines == {float(est.sample_size_): f"m* = {est.sample_size_}"}
    labels = [t.get_text() for t in disp.ax_.get_legend().get_texts()]
    assert labels == ["WaldSampleSize", "threshold", f"m* = {est.sample_size_}"]
    assert disp.ax_.get_xlabel() == "sample size k (rows)"
    assert disp.ax_.get_ylabel() == "power of the Wald test"
    matplotlib.pyplot.close(disp.figure_)


def test_display_draws_the_std_band_of_a_stochastic_method():
    X, y = make_linear_regression(80, 3, random_state=1)
    est = APVCSampleSize(n_repeats=4, sizes=6, random_state=0).fit(X, y)
    disp = est.plot()
    (band,) = disp.ax_.collections
    verts = band.get_paths()[0].vertices
    # the band spans mean - std .. mean + std at every grid size, clipped at 0 (a variance
    # cannot be negative)
    lo = np.maximum(est.criterion_ - est.criterion_std_, 0.0)
    hi = est.criterion_ + est.criterion_std_
    for k, a, b in zip(est.sizes_, lo, hi):
        ys = verts[np.isclose(verts[:, 0], k), 1]
        assert ys.min() == pytest.approx(a) and ys.max() == pytest.approx(b)
    matplotlib.pyplot.close(disp.figure_)


def test_relative_threshold_draws_two_lines_around_the_reference():
    X, y = make_linear_regression(80, 3, random_state=2)
    est = APVCSampleSize(n_repeats=3, sizes=5, threshold=0.2, threshold_mode="relative",
                         random_state=0).fit(X, y)
    disp = est.plot()
    hlines, _ = _lines(disp.ax_)
    ref = est.criterion_[-1]
    assert sorted(hlines) == pytest.approx(sorted([ref - est.threshold_, ref + est.threshold_]))
    matplotlib.pyplot.close(disp.figure_)


def test_utility_cost_is_not_drawn_as_a_level():
    X, y = make_linear_regression(80, 3, random_state=3)
    est = UtilitySampleSize(n_repeats=3, sizes=5, random_state=0).fit(X, y)
    disp = est.plot()
    hlines, vlines = _lines(disp.ax_)
    assert hlines == {}
    assert list(vlines) == ([] if est.sample_size_ is None else [float(est.sample_size_)])
    matplotlib.pyplot.close(disp.figure_)


def test_plot_requires_fit():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        WaldSampleSize().plot()


@pytest.mark.parametrize(
    "holds, expected",
    [([True, True, True], 10), ([False, True, True], 20), ([True, False, True], 30),
     ([True, True, False], None), ([False, False, False], None)],
)
def test_decision_rule_for_all_larger_sizes(holds, expected):
    assert sufficient_size([10, 20, 30], holds) == expected


def test_display_reads_at_both_scales_log_x_and_bands_within_range():
    """Sizes spanning more than a decade get a log x-axis; a non-negative criterion's band never
    goes below zero; the forecast past the data is drawn."""
    from skcomplexity.sample_size import KLSufficiency

    X, y = make_linear_regression(400, 12, noise=1.0, random_state=0)
    est = KLSufficiency(n_repeats=8, random_state=0).fit(X, y)
    disp = est.plot()
    assert disp.ax_.get_xscale() == "log"
    assert "nats" in disp.ax_.get_ylabel()
    for band in disp.ax_.collections:
        verts = band.get_paths()[0].vertices
        assert verts[:, 1].min() >= 0
    if est.extrapolated_size_ is not None:
        _, vlines = _lines(disp.ax_)
        assert any(label.startswith("forecast ~") for label in vlines.values())
    matplotlib.pyplot.close(disp.figure_)
    small = SampleSizeDisplay(np.arange(50, 60), np.linspace(1, 0.5, 10)).plot()
    assert small.ax_.get_xscale() == "linear"
    matplotlib.pyplot.close(small.figure_)


def test_std_band_of_a_probability_stays_in_0_1():
    disp = SampleSizeDisplay(np.arange(10, 60, 10), np.array([0.1, 0.5, 0.9, 0.97, 0.99]),
                             np.full(5, 0.3)).plot()
    verts = disp.ax_.collections[0].get_paths()[0].vertices
    assert verts[:, 1].min() >= 0 and verts[:, 1].max() <= 1
    matplotlib.pyplot.close(disp.figure_)


def test_comparison_display_from_compare_methods():
    from skcomplexity.plotting import SampleSizeComparisonDisplay
    from skcomplexity.sample_size import compare_methods

    X, y = make_linear_regression(300, 4, random_state=0)
    table = compare_methods(X, y, ["auto", "wald", "apvc"], random_state=0,
                            params={"auto": {"n_repeats": 10}, "apvc": {"n_repeats": 5}})
    disp = SampleSizeComparisonDisplay.from_table(table, n_samples=300).plot()
    labels = [t.get_text() for t in disp.ax_.get_yticklabels()]
    assert labels == ["auto", "wald", "apvc"][::-1] or labels == ["auto", "wald", "apvc"]
    points = {}
    for line in disp.ax_.get_lines():
        x, yy = line.get_xdata(), line.get_ydata()
        if len(x) == 1:
            points[int(round(yy[0]))] = float(x[0])
    answers = table["sample_size"].astype(float).fillna(table["extrapolated"]).to_numpy()
    # the dots sit at m* (or the forecast), top row first
    assert sorted(points.values()) == pytest.approx(sorted(answers[~np.isnan(answers)]))
    _, vlines = _lines(disp.ax_)
    assert vlines == {300.0: "rows at hand (300)"}
    assert disp.ax_.get_xlabel().startswith("sufficient sample size (rows)")
    matplotlib.pyplot.close(disp.figure_)


def test_a_curve_that_crosses_zero_gets_a_symlog_axis_linear_within_the_threshold():
    # cross-validation's train - test gap: hundreds of nats negative at small k, then ~0
    sizes = np.array([10, 20, 40, 80, 160, 320, 640])
    gap = np.array([-2000.0, -300.0, -20.0, -1.0, 0.2, 0.08, 0.03])
    disp = SampleSizeDisplay(sizes, gap, np.abs(gap) / 2, threshold=0.05, sample_size=640).plot()
    assert disp.ax_.get_yscale() == "symlog"
    assert disp.ax_.yaxis.get_transform().linthresh == pytest.approx(0.05)
    lo, hi = disp.ax_.get_ylim()
    assert lo <= -2000 and hi >= 0.2  # the whole curve is on the axis
    matplotlib.pyplot.close(disp.figure_)
    # a curve that crosses zero within a small range stays linear; a positive one is unchanged
    for values in (np.array([-0.1, -0.02, 0.01, 0.04, 0.03, 0.02, 0.01]), np.abs(gap)):
        disp = SampleSizeDisplay(sizes, values, None, threshold=0.05).plot()
        assert disp.ax_.get_yscale() == ("linear" if values.min() < 0 else "log")
        matplotlib.pyplot.close(disp.figure_)


def test_cross_validation_display_reads_its_label_from_the_class():
    from skcomplexity.sample_size import CrossValidationSampleSize

    X, y = make_linear_regression(150, 6, random_state=0)
    est = CrossValidationSampleSize(n_repeats=10, random_state=0).fit(X, y)
    disp = est.plot()
    assert disp.ax_.get_ylabel() == CrossValidationSampleSize.criterion_label
    crit = est.criterion_[np.isfinite(est.criterion_)]
    if crit.min() < 0 < crit.max() and np.abs(crit).max() > 100 * est.threshold_:
        assert disp.ax_.get_yscale() == "symlog"
    matplotlib.pyplot.close(disp.figure_)
