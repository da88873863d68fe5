"""The one-pass computations of issue 24 (items 4, 5) against the straightforward ones.

Each fast path is pinned, on small cases, to the computation it replaced (kept in
the code as the reference), to a tight tolerance; and chunking / ``n_jobs`` do not
change any fitted number.
"""

import os

import numpy as np
import pytest

from skcomplexity.datasets import make_linear_regression
from skcomplexity.sample_size._bayes_base import posterior_path
from skcomplexity.sample_size.bayesian import KLNeighbourSampleSize


def _kl_neighbour_reference(est, X, y):
    """KL-neighbours' criterion size by size: ``_value`` on every batch of ``posterior_path``."""
    from skcomplexity.sample_size._results import Draws

    est._validate_params()
    data = est._prepare(*est._check_xy(X, y))
    sizes = est._size_grid(*X.shape)
    seeds = np.random.SeedSequence(est.random_state).spawn(est.n_repeats + 1)[:-1]
    k1 = max(int(sizes[0]), 2)
    labels = est._binary_labels(data)
    strata = None if labels is None else sorted(
        (np.flatnonzero(labels == 0), np.flatnonzero(labels == 1)), key=lambda s: s[0])
    drawn = [est._draw(s, int(sizes[-1]), X.shape[0], strata, k1) for s in seeds]
    draws = Draws(index=np.stack([d[0] for d in drawn]), sizes=sizes,
                  rngs=[d[1] for d in drawn], n_samples=X.shape[0], replace=False)
    return np.stack([est._value(data, batch, draws.rngs)
                     for batch in posterior_path(data, draws, est.prior_precision)])


@pytest.mark.parametrize("family", ["gaussian", "binomial"])
@pytest.mark.parametrize("sizes", [None, [8, 9, 40, 41, 150, 300]])
def test_kl_neighbours_one_pass_equals_size_by_size(family, sizes):
    X, y = make_linear_regression(300, 4, random_state=3)
    if family == "binomial":
        y = (y > np.median(y)).astype(int)
    est = KLNeighbourSampleSize(sizes=sizes, n_repeats=6, random_state=1)
    fast = est.fit(X, y).criterion_replicates_
    ref = _kl_neighbour_reference(KLNeighbourSampleSize(sizes=sizes, n_repeats=6,
                                                        random_state=1), X, y)
    assert np.all(np.isfinite(ref))
    np.testing.assert_allclose(fast, ref, rtol=1e-11, atol=0)


def test_kl_neighbours_blocks_do_not_matter(monkeypatch):
    # the rows are taken in blocks of a fixed number of elements; one row per block
    # gives the same numbers as the default blocks
    import skcomplexity.sample_size._utility_kl as kl

    X, y = make_linear_regression(200, 3, random_state=0)
    est = KLNeighbourSampleSize(sizes=[10, 57, 200], n_repeats=4, random_state=0)
    default = est.fit(X, y).criterion_replicates_
    monkeypatch.setattr(kl, "_LOO_BLOCK_ELEMENTS", 1)
    np.testing.assert_allclose(est.fit(X, y).criterion_replicates_, default,
                               rtol=1e-12, atol=0)


# ------------------------------------------------------------------ chunks and n_jobs
def _fitted(est):
    return {k: v for k, v in vars(est).items() if k.endswith("_") and not k.startswith("_")}


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        va, vb = a[k], b[k]
        if isinstance(va, np.ndarray):
            np.testing.assert_array_equal(va, vb, err_msg=k)
        elif isinstance(va, (tuple, list)) and va and isinstance(va[0], (float, int, np.number)):
            assert tuple(va) == tuple(vb), k
        elif isinstance(va, (float, int, str, type(None), np.number)):
            assert (va == vb) or (va != va and vb != vb), k


@pytest.mark.parametrize("n_repeats, cap, chunk", [
    (100, 41, 25), (100, 100, 100), (100, 500, 100), (1000, 41, 36), (5, 2, 2), (3, 1, 1),
    (9, 4, 3), (7, 7, 7),
])
def test_balanced_chunk(n_repeats, cap, chunk):
    from skcomplexity.sample_size._chunking import _CHUNK_MULTIPLE, balanced_chunk

    got = balanced_chunk(n_repeats, cap)
    assert got == chunk and 1 <= got <= cap
    if n_repeats % (_CHUNK_MULTIPLE * got) == 0 and got < n_repeats:
        assert (n_repeats // got) % _CHUNK_MULTIPLE == 0  # equal chunks, a multiple of 4


def test_front_door_same_numbers_for_any_n_jobs_and_chunks(monkeypatch):
    import skcomplexity.sample_size._chunking as chunking
    from skcomplexity import SufficientSampleSize

    X, y = make_linear_regression(600, 4, random_state=0)
    one = SufficientSampleSize(random_state=0, params={"n_repeats": 30}).fit(X, y)
    # five chunks of at most 7 replicates, balanced to eight chunks of 4
    monkeypatch.setattr(chunking, "_CHUNK_ELEMENTS", 600 * 7)
    serial = SufficientSampleSize(random_state=0, n_jobs=1, params={"n_repeats": 30}).fit(X, y)
    two = SufficientSampleSize(random_state=0, n_jobs=2, params={"n_repeats": 30}).fit(X, y)
    _assert_same(_fitted(serial), _fitted(two))
    _assert_same(_fitted(serial.estimator_), _fitted(two.estimator_))
    # the replicate-to-seed mapping does not depend on the chunks: one chunk, same numbers
    np.testing.assert_allclose(serial.estimator_.criterion_replicates_,
                               one.estimator_.criterion_replicates_, rtol=1e-12, atol=0)
    assert serial.sample_size_ == one.sample_size_


# ------------------------------------------------------------------ D and M share replicates
def test_compare_methods_d_and_m_share_replicates_same_numbers():
    from skcomplexity.sample_size import DSufficiency, MSufficiency
    from skcomplexity.sample_size.facade import compare_methods

    X, y = make_linear_regression(400, 3, random_state=2)
    params = {"d-sufficiency": {"n_repeats": 40}, "m-sufficiency": {"n_repeats": 40}}
    _, fitted = compare_methods(X, y, ["d-sufficiency", "m-sufficiency"], params=params,
                                random_state=5, recommend=False, return_estimators=True)
    for name, cls in (("d-sufficiency", DSufficiency), ("m-sufficiency", MSufficiency)):
        alone = cls(n_repeats=40, random_state=5).fit(X, y)
        _assert_same(_fitted(fitted[name].estimator_), _fitted(alone))
    d, m = fitted["d-sufficiency"].estimator_, fitted["m-sufficiency"].estimator_
    np.testing.assert_array_equal(d.loss_replicates_, m.loss_replicates_)
    assert d.loss_replicates_ is not m.loss_replicates_


def test_shared_replicates_need_the_same_seeds_and_data():
    from skcomplexity.sample_size import DSufficiency, MSufficiency
    from skcomplexity.sample_size._shared import share_computations

    X, y = make_linear_regression(300, 3, random_state=0)
    with share_computations():
        d = DSufficiency(n_repeats=10, sizes=6, random_state=0).fit(X, y)
        m_other_seed = MSufficiency(n_repeats=10, sizes=6, random_state=1).fit(X, y)
        m_other_data = MSufficiency(n_repeats=10, sizes=6, random_state=0).fit(X, 2 * y)
        m_other_model = MSufficiency(n_repeats=10, sizes=6, random_state=0,
                                     prior_precision=1.0).fit(X, y)
    for m, kw, yy in ((m_other_seed, {"random_state": 1}, y), (m_other_data, {}, 2 * y),
                      (m_other_model, {"prior_precision": 1.0}, y)):
        alone = MSufficiency(**{"n_repeats": 10, "sizes": 6, "random_state": 0, **kw}).fit(X, yy)
        np.testing.assert_array_equal(m.loss_replicates_, alone.loss_replicates_)
        assert not np.array_equal(m.loss_replicates_, d.loss_replicates_)


def test_kl_sum_matches_leave_one_out_kl_with_infinite_terms():
    import warnings

    from skcomplexity.sample_size._utility_kl import _kl_sum, leave_one_out_kl

    rng = np.random.default_rng(0)
    s = rng.uniform(0, 1.5, size=(3, 4, 5))  # some t = h s >= 1
    g = rng.normal(size=(3, 4, 5))
    for h in (1.0, rng.uniform(0.1, 1.0, size=s.shape)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no RuntimeWarning where t >= 1
            got = _kl_sum(s, h, g, axis=2)
        np.testing.assert_array_equal(got, leave_one_out_kl(s, h, g).sum(axis=2))
        assert np.isinf(got).any() and np.isfinite(got).any()


def _square_plus(shared, i):
    return i * i + len(shared)


@pytest.mark.parametrize("share", [True, False])
def test_parallel_map_order_with_batches_per_worker(share):
    from skcomplexity._parallel import parallel_map

    shared = np.zeros(3)
    tasks = [(shared if share else np.zeros(3), i) for i in range(7)]
    assert parallel_map(_square_plus, tasks, n_jobs=2) == [i * i + 3 for i in range(7)]


def test_prefix_grams_same_for_any_memory_layout():
    from skcomplexity.models._batched import prefix_grams

    rng = np.random.default_rng(0)
    A = rng.normal(size=(500, 4))
    index = rng.integers(0, 500, size=(3, 450))
    sizes = np.array([5, 6, 40, 200, 450])  # a sparse grid: segment by segment
    C = prefix_grams(A, index, sizes)
    np.testing.assert_array_equal(prefix_grams(np.asfortranarray(A), index, sizes), C)
    for r in range(3):
        for j, k in enumerate(sizes):
            rows = A[index[r, :k]]
            np.testing.assert_allclose(C[r, j], rows.T @ rows, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("family", ["gaussian", "binomial"])
@pytest.mark.parametrize("replace", [False, True])
def test_kl_late_sizes_in_data_order_equal_per_replicate_blocks(monkeypatch, family, replace):
    # the large sizes over all rows in the data's order (rows outside a prefix set to 0)
    # give the per-replicate blocks' numbers up to round-off; with repeated rows (a draw
    # with replacement) that path is not taken
    import skcomplexity.sample_size._utility_kl as kl
    from skcomplexity.models.glm import laplace_posterior

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = rng.normal(size=120) if family == "gaussian" else (rng.random(120) < 0.5) * 1.0
    index = np.stack([rng.integers(0, 120, 120) if replace else rng.permutation(120)
                      for _ in range(3)])
    sizes = np.array([10, 30, 60, 100, 120])
    post = [[laplace_posterior(X[index[r, :k]], y[index[r, :k]], family, prior_precision=1.0)
             for k in sizes] for r in range(3)]
    means = np.array([[m for m, _ in row] for row in post])
    covs = np.array([[c for _, c in row] for row in post])
    got = kl.prefix_leave_one_out_kl(X, y, index, sizes, means, covs, family)
    monkeypatch.setattr(kl, "_LATE_FRACTION", 2.0)  # every size per replicate
    ref = kl.prefix_leave_one_out_kl(X, y, index, sizes, means, covs, family)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=0)
    assert (kl._first_sizes(index, 120, sizes) is None) == replace


# ------------------------------------------------- issue 24: kl-neighbours at its floor
def _direct_prefix_kl(X, y, index, sizes, means, covs, family, sigma2=1.0):
    """The plain computation: every replicate and size, its prefix's rows gathered."""
    from skcomplexity.models.glm import BINOMIAL
    from skcomplexity.sample_size._utility_kl import leave_one_out_kl

    out = np.empty((len(sizes), index.shape[0]))
    for r in range(index.shape[0]):
        for j, k in enumerate(sizes):
            Xk, yk = X[index[r, :k]], y[index[r, :k]]
            s = np.einsum("ip,pq,iq->i", Xk, covs[r, j], Xk)
            theta = Xk @ means[r, j]
            if family == "gaussian":
                h, g = np.full(k, 1.0 / sigma2), (yk - theta) / sigma2
            else:
                mu = BINOMIAL.mean(theta)
                h, g = mu * (1.0 - mu), yk - mu
            out[j, r] = leave_one_out_kl(s, h, g).mean()
    return out


def _posteriors(X, y, index, sizes, family, prior_precision=1.0):
    from skcomplexity.models.glm import laplace_posterior

    post = [[laplace_posterior(X[index[r, :k]], y[index[r, :k]], family,
                               prior_precision=prior_precision) for k in sizes]
            for r in range(index.shape[0])]
    return (np.array([[m for m, _ in row] for row in post]),
            np.array([[c for _, c in row] for row in post]))


@pytest.mark.parametrize("family", ["gaussian", "binomial"])
@pytest.mark.parametrize("chol_sizes, late_fraction", [(0, 2.0), (100, 2.0), (3, 2.0),
                                                       (3, 0.5), (100, 0.0)])
def test_prefix_kl_fast_paths_equal_direct_loop(monkeypatch, family, chol_sizes, late_fraction):
    # the Cholesky rows (|Lᵀx|², rows in few sizes), the pair-weight rows (vech(x xᵀ)) and
    # the rows in the data's order with a 0/1 mask each give the plain per-size numbers
    import skcomplexity.sample_size._utility_kl as kl

    rng = np.random.default_rng(1)
    X = np.column_stack([np.ones(150), rng.normal(size=(150, 3))])
    y = X @ [0.3, 1.0, -0.5, 0.2] + rng.normal(size=150)
    if family == "binomial":
        y = (y > 0.3) * 1.0
    index = np.stack([rng.permutation(150) for _ in range(4)])
    sizes = np.array([6, 7, 12, 30, 31, 64, 100, 149, 150])
    means, covs = _posteriors(X, y, index, sizes, family)
    ref = _direct_prefix_kl(X, y, index, sizes, means, covs, family)
    monkeypatch.setattr(kl, "_CHOL_SIZES", chol_sizes)
    monkeypatch.setattr(kl, "_LATE_FRACTION", late_fraction)
    monkeypatch.setattr(kl, "_CHOL_BLOCK_ELEMENTS", 64)  # several blocks per segment
    got = kl.prefix_leave_one_out_kl(X, y, index, sizes, means, covs, family)
    assert np.all(np.isfinite(ref))
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=0)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflowing row, on purpose
def test_prefix_kl_masked_rows_outside_a_prefix_enter_as_zero(monkeypatch):
    # a row whose s_i overflows is infinite only in the prefixes that hold it: outside, the
    # 0/1 mask's 0 x inf is replaced by an exact 0 (the masked block is recomputed)
    import skcomplexity.sample_size._utility_kl as kl

    rng = np.random.default_rng(2)
    X = np.column_stack([np.ones(60), rng.normal(size=(60, 2))])
    y = rng.normal(size=60)
    index = np.stack([rng.permutation(60) for _ in range(3)])
    sizes = np.array([20, 40, 60])
    means, covs = _posteriors(X, y, index, sizes, "gaussian")
    X[index[0, 50]] = 1e200  # in replicate 0's last prefix only (and others' by chance)
    monkeypatch.setattr(kl, "_LATE_FRACTION", 0.0)  # every size in the data's order
    got = kl.prefix_leave_one_out_kl(X, y, index, sizes, means, covs)
    monkeypatch.setattr(kl, "_LATE_FRACTION", 2.0)  # every size per replicate
    ref = kl.prefix_leave_one_out_kl(X, y, index, sizes, means, covs)
    assert not np.isfinite(got[2, 0]) and np.isfinite(got[:2, 0]).all()
    np.testing.assert_array_equal(np.isfinite(got), np.isfinite(ref))
    finite = np.isfinite(ref)
    np.testing.assert_allclose(got[finite], ref[finite], rtol=1e-10, atol=0)


def test_first_sizes_table():
    from skcomplexity.sample_size._utility_kl import _first_sizes

    rng = np.random.default_rng(0)
    index = np.stack([rng.permutation(50) for _ in range(3)])
    sizes = np.array([10, 25, 40])
    first = _first_sizes(index, 50, sizes)
    assert first.dtype == np.uint8 and first.shape == (3, 50)
    for r in range(3):
        pos = np.argsort(index[r])  # each row's position in replicate r's sequence
        np.testing.assert_array_equal(first[r], np.searchsorted(sizes, pos, side="right"))
    repeated = index.copy()
    repeated[1, 5] = repeated[1, 6]
    assert _first_sizes(repeated, 50, sizes) is None


def test_kl_sum_overwrite_gives_the_same_numbers():
    from skcomplexity.sample_size._utility_kl import _kl_sum

    rng = np.random.default_rng(3)
    s, g = rng.uniform(0, 1.5, size=(4, 7)), rng.normal(size=(4, 7))
    for h in (0.8, rng.uniform(0.1, 1.0, size=s.shape)):
        with np.errstate(all="ignore"):
            expected = _kl_sum(s, h, g, axis=1)
            got = _kl_sum(s.copy(), h, g.copy(), axis=1, overwrite=True)
        np.testing.assert_array_equal(got, expected)


class _Shared:
    def __init__(self, X, inner=None):
        self.X, self.inner = X, inner


def _worker_view(shared, i):
    """What a worker received: the array's type, its writability and a checksum."""
    return type(shared.inner.X).__name__, shared.inner.X.flags.writeable, float(
        shared.inner.X[:, i].sum())


class _Tensor:
    """Stands for another library's array (it has ``__dlpack__``)."""

    def __dlpack__(self):  # pragma: no cover - never called
        raise NotImplementedError


def test_parallel_map_sends_shared_arrays_as_one_memory_map_of_ours(tmp_path, monkeypatch):
    # the loky workers get read-only memory maps of one file written for the call (not
    # joblib's own temporary folder, whose deletion races the resource tracker), the same
    # values; the file is gone when the call returns
    from skcomplexity._parallel import parallel_map

    monkeypatch.setenv("JOBLIB_TEMP_FOLDER", str(tmp_path))
    X = np.asfortranarray(np.random.default_rng(0).normal(size=(20_000, 8)))  # 1.2 MiB
    shared = _Shared(None, _Shared(X))
    out = parallel_map(_worker_view, [(shared, i) for i in range(8)], n_jobs=2)
    assert out == [("memmap", False, float(X[:, i].sum())) for i in range(8)]
    assert list(tmp_path.iterdir()) == []


def test_mapped_copy_keeps_values_layout_and_identity_and_skips_small_or_foreign():
    from skcomplexity._parallel import _mapped_copy

    X = np.asfortranarray(np.random.default_rng(1).normal(size=(30_000, 5)))
    shared = _Shared(X, _Shared(X))
    with _mapped_copy(shared) as copy:
        assert isinstance(copy.X, np.memmap) and not copy.X.flags.writeable
        assert copy.X.flags.f_contiguous and copy.inner.X is copy.X
        np.testing.assert_array_equal(copy.X, X)
        folder = os.path.dirname(copy.X.filename)
    assert not os.path.exists(folder)
    with _mapped_copy(_Shared(np.zeros(10))) as copy:  # small: sent as it is
        assert copy is None
    with _mapped_copy(_Shared(X, _Tensor())) as copy:  # a copy would duplicate the tensor
        assert copy is None
