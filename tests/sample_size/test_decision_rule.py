import numpy as np
import pytest

from skcomplexity.datasets import make_linear_regression
from skcomplexity.sample_size import (
    ACCSampleSize,
    ALCSampleSize,
    APVCSampleSize,
    BootstrapSampleSize,
    CrossValidationSampleSize,
    KLNeighbourSampleSize,
    sufficient_size,
)

CLASSES = [CrossValidationSampleSize, BootstrapSampleSize, APVCSampleSize, ACCSampleSize,
           ALCSampleSize, KLNeighbourSampleSize]


def test_first_rule_on_a_noisy_curve():
    sizes = [10, 20, 30, 40, 50]
    holds = [False, True, False, True, True]
    assert sufficient_size(sizes, holds) == 40
    assert sufficient_size(sizes, holds, rule="first") == 20
    assert sufficient_size(sizes, [False] * 5, rule="first") is None
    with pytest.raises(ValueError, match="decision_rule"):
        sufficient_size(sizes, holds, rule="any")


@pytest.mark.parametrize("cls", CLASSES)
def test_published_first_rule_reads_the_same_curve(cls):
    X, y = make_linear_regression(120, 3, random_state=0)
    kw = dict(sizes=12, n_repeats=8, random_state=0)
    text = cls(**kw).fit(X, y)
    published = cls(decision_rule="first", **kw).fit(X, y)
    np.testing.assert_allclose(published.criterion_, text.criterion_)
    hits = np.flatnonzero(text.criterion_holds_)
    expected = int(text.sizes_[hits[0]]) if hits.size else None
    assert published.sample_size_ == expected
    if text.sample_size_ is not None:
        assert published.sample_size_ <= text.sample_size_
    with pytest.raises(ValueError, match="decision_rule"):
        cls(decision_rule="any", **kw).fit(X, y)
