import numpy as np
import pytest

from skcomplexity.datasets import make_linear_regression
from skcomplexity.plotting import SampleSizeDisplay
from skcomplexity.sample_size import WaldSampleSize, sufficient_size


def test_display_from_estimator_draws_curve_threshold_and_m_star():
    X, y = make_linear_regression(120, 4, random_state=0)
    est = WaldSampleSize(sizes=20).fit(X, y)
    disp = est.plot()
    assert isinstance(disp, SampleSizeDisplay)
    np.testing.assert_allclose(disp.line_.get_ydata(), est.criterion_)
    labels = [t.get_text() for t in disp.ax_.get_legend().get_texts()]
    assert f"m* = {est.sample_size_}" in labels


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
