import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.datasets import load_breast_cancer, make_classification

from skcomplexity.models._identifiability import (
    IdentifiabilityWarning,
    aliased_columns,
    check_identifiability,
    separation,
)
from skcomplexity.sample_size import (
    ALCSampleSize,
    APVCSampleSize,
    LagrangeMultiplierSampleSize,
    LikelihoodRatioSampleSize,
    WaldSampleSize,
)
from skcomplexity.sample_size._common import prepare_glm_data

TESTS = (LagrangeMultiplierSampleSize, LikelihoodRatioSampleSize, WaldSampleSize)


def test_aliased_columns_match_the_rank_and_keep_the_first_copy():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(40, 3))
    X = np.c_[np.ones(40), A, A[:, 1], 2 * A[:, 0] - A[:, 2], np.full(40, 7.0), rng.normal(size=40)]
    keep, aliased = aliased_columns(X)
    assert keep.tolist() == [0, 1, 2, 3, 7]
    assert keep.size == np.linalg.matrix_rank(X)
    assert {j: c.tolist() for j, c in aliased.items()} == {4: [2], 5: [1, 3], 6: [0]}


@pytest.mark.parametrize("gap", [1e-1, 1e-3, 1e-4, 1e-6, 1e-7, 1e-8, 1e-9, 1e-12, 0.0])
@pytest.mark.parametrize("scale", [1.0, 1e-150, 1e150, 1e-170, 1e160])
def test_gram_screen_gives_the_column_by_column_answer(monkeypatch, gap, scale):
    # a column off a combination of earlier ones by a relative gap around R's 1e-7: the
    # Gram screen must either hand over to Gram-Schmidt or agree with it, at any scale
    # (including Gram entries that overflow or underflow)
    rng = np.random.default_rng(1)
    A = rng.normal(size=(500, 4))
    combo = A[:, 0] - 0.5 * A[:, 2]
    noise = rng.normal(size=500)
    noise -= A @ np.linalg.lstsq(A, noise, rcond=None)[0]  # orthogonal to A
    col = combo + gap * np.linalg.norm(combo) / np.linalg.norm(noise) * noise
    X = scale * np.c_[np.ones(500), A, col, rng.normal(size=500)]
    fast = aliased_columns(X)
    import skcomplexity.models._identifiability as ident
    monkeypatch.setattr(ident, "_clearly_independent", lambda X, tol: False)
    slow = aliased_columns(X)
    assert fast[0].tolist() == slow[0].tolist()
    assert {j: c.tolist() for j, c in fast[1].items()} == {j: c.tolist() for j, c in slow[1].items()}
    # the screen itself: it passes a clear gap, never a gap near the tolerance nor a Gram
    # matrix that underflows (1e-170) or overflows (1e160)
    monkeypatch.undo()
    clear = gap >= 1e-1 and scale in (1.0, 1e-150, 1e150)
    assert ident._clearly_independent(X, ident.ALIAS_TOL) == clear


def test_make_classification_redundant_features_are_found():
    X, y = make_classification(200, 6, n_informative=3, n_redundant=2, random_state=0)
    keep, aliased = aliased_columns(np.c_[np.ones(200), X])
    assert len(aliased) == 2 and keep.size == np.linalg.matrix_rank(np.c_[np.ones(200), X]) == 5


def test_separation_against_known_cases():
    x = np.r_[np.linspace(-2, -0.1, 10), np.linspace(0.1, 2, 10)]
    y = (x > 0).astype(float)
    assert separation(np.c_[np.ones(20), x], y)[0] == "complete"
    # two objects of different classes at x = 0: the boundary can only touch them
    xq, yq = np.r_[x, 0.0, 0.0], np.r_[y, 0.0, 1.0]
    kind, b = separation(np.c_[np.ones(22), xq], yq)
    assert kind == "quasi-complete"
    assert b[1] > 0 and abs(b[0]) < 1e-9 * abs(b[1])
    # overlapping classes: no separation, and statsmodels fits finite coefficients
    rng = np.random.default_rng(0)
    xo = rng.normal(size=40)
    yo = (xo + rng.normal(size=40) > 0).astype(float)
    assert separation(np.c_[np.ones(40), xo], yo)[0] is None
    assert np.all(np.abs(sm.Logit(yo, np.c_[np.ones(40), xo]).fit(disp=0).params) < 10)


def test_breast_cancer_is_separated_and_statsmodels_agrees():
    X, y = load_breast_cancer(return_X_y=True)
    Z = np.c_[np.ones(len(y)), (X - X.mean(0)) / X.std(0)]
    kind, b = separation(Z, y)
    assert kind == "complete"
    s = 2 * y - 1
    assert np.all(s * (Z @ b) > 0)  # the direction found separates every object
    # along the direction the log-likelihood increases to its supremum 0: no finite MLE
    from skcomplexity.models.glm import log_likelihood

    ll = [log_likelihood(Z, y, t * b, "binomial") for t in (1, 1e2, 1e4, 1e6)]
    assert np.all(np.diff(ll) > 0) and -1e-3 < ll[-1] < 0


def test_check_identifiability_names_the_columns():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(30, 2))
    X = np.c_[np.ones(30), A, A[:, 0], np.full(30, 2.0)]
    with pytest.warns(IdentifiabilityWarning) as rec:
        check_identifiability(X, feature_names=["a", "b", "a2", "k"])
    text = str(rec[0].message)
    assert "'a2' is a linear combination of 'a'" in text
    assert "'k' is constant (aliased with the intercept)" in text


def test_prepare_glm_data_drops_aliased_columns():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(50, 3))
    X = np.c_[X, X[:, 0] + X[:, 1]]
    with pytest.warns(IdentifiabilityWarning, match="column 3 is a linear combination"):
        data = prepare_glm_data(X, rng.normal(size=50), "gaussian")
    assert data.columns.tolist() == [0, 1, 2, 3]
    assert data.X.shape == (50, 4)


@pytest.mark.parametrize("cls", TESTS)
def test_rank_deficient_design_gives_the_answer_of_the_identifiable_part(cls):
    # make_classification's redundant features used to give m* ~ 1e3 with "Singular" warnings
    X, y = make_classification(300, 6, n_informative=3, n_redundant=2, random_state=0)
    keep, _ = aliased_columns(np.c_[np.ones(300), X])
    feats = keep[1:] - 1
    with pytest.warns(IdentifiabilityWarning, match="Aliased columns"):
        est = cls(test_index=[0]).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ref = cls(test_index=[0]).fit(X[:, feats], y)
    assert est.sample_size_ == ref.sample_size_ < 10_000
    assert np.isnan(est.coef_).sum() == 2


@pytest.mark.parametrize("cls", TESTS)
def test_separated_classes_give_a_stated_ridge_forecast(cls):
    # load_breast_cancer used to give m* = 1 (LM, LR) or ~2e16 (Wald)
    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    with pytest.warns(IdentifiabilityWarning, match="ridge fit with prior_precision=1.0"):
        est = cls().fit(X, y)
    assert est.separation_ == "complete" and est.prior_precision_ == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = cls(prior_precision=1.0).fit(X, y)
    assert est.sample_size_ == ref.sample_size_
    assert 10 < est.sample_size_ < 100_000


@pytest.mark.parametrize("cls", TESTS)
def test_aliased_tested_column_is_a_clear_error(cls):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(80, 2))
    X = np.c_[X, X[:, 0]]
    y = X[:, 0] + rng.normal(size=80)
    with pytest.warns(IdentifiabilityWarning):
        with pytest.raises(ValueError, match=r"test_index holds aliased columns \[2\]"):
            cls(test_index=[2]).fit(X, y)


@pytest.mark.parametrize("cls", [APVCSampleSize, ALCSampleSize])
def test_bayesian_methods_with_a_constant_column_equal_the_identifiable_part(cls):
    # a constant column (aliased with the intercept) used to make these "never enough data"
    rng = np.random.default_rng(4)
    X = rng.normal(size=(150, 3))
    y = X @ [1.0, -0.5, 0.3] + rng.normal(size=150)
    sizes = np.arange(10, 151, 10)
    with pytest.warns(IdentifiabilityWarning, match="column 3 is constant"):
        # Table 4.3's l = 0.5: the defaults (in standardised units) need more than 150 rows here
        est = cls(n_repeats=5, sizes=sizes, random_state=0, threshold=0.5).fit(
            np.c_[X, np.full(150, 4.0)], y)
    ref = cls(n_repeats=5, sizes=sizes, random_state=0, threshold=0.5).fit(X, y)
    np.testing.assert_allclose(est.criterion_, ref.criterion_, rtol=1e-8)
    assert est.sample_size_ == ref.sample_size_ is not None


def test_overlap_certificate_agrees_with_the_linear_program(monkeypatch):
    # the cheap certificate of no separation (Gordan's alternative from the logistic fit)
    # only ever skips the linear program where the program finds no separation
    from skcomplexity.models import _identifiability as ident

    rng = np.random.default_rng(0)
    cases, certified = [], 0
    for trial in range(60):
        n, d = int(rng.integers(10, 300)), int(rng.integers(1, 6))
        X = np.c_[np.ones(n), rng.normal(size=(n, d))]
        y = (X[:, 1:] @ rng.normal(size=d) * rng.choice([0.5, 2.0, 8.0, 50.0])
             + rng.logistic(size=n) > 0).astype(float)
        if trial % 3 == 0:  # quasi-complete: a separable set and one tied row of each class
            y = (X[:, 1] > 0).astype(float)
            X[0, 1:], X[1, 1:], y[0], y[1] = 0.0, 0.0, 0.0, 1.0
        if 0 < y.sum() < n:
            cases.append((X, y))
    fast = [ident.separation(X, y)[0] for X, y in cases]
    for X, y in cases:
        certified += ident._overlap_certificate(X, y, np.abs(X).max(axis=0))
    monkeypatch.setattr(ident, "_overlap_certificate", lambda X, y, scale: False)
    assert fast == [ident.separation(X, y)[0] for X, y in cases]
    assert "quasi-complete" in fast and None in fast and certified >= 10


def test_separation_check_holds_no_copy_of_the_design():
    # the certificate works on the design itself (scale on p-vectors, Gram matrices in
    # blocks of 8 MiB): on 60,000 x 41 (19 MiB) the traced peak stays below one copy
    import tracemalloc

    from skcomplexity.models import _identifiability as ident

    rng = np.random.default_rng(1)
    X = np.c_[np.ones(60_000), rng.normal(size=(60_000, 40))]
    y = (X[:, 1:6].sum(axis=1) + rng.logistic(size=60_000) > 0).astype(float)
    tracemalloc.start()
    try:
        kind, direction = ident.separation(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert kind is None and not direction.any()
    assert peak < 0.75 * X.nbytes  # (it was three copies: |X|, X / scale and A)
    # and the whole check on a design with every column kept: the separation check runs on
    # the design itself, not on a column selection of it (it was one more copy)
    tracemalloc.start()
    try:
        report = ident.check_identifiability(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report.separation is None and report.keep.size == X.shape[1]
    assert peak < 0.75 * X.nbytes
