"""Lanczos top eigenvalue: the error estimate, the subsample warm start, and
linear operators from elsewhere (scipy, curvlinops-style ``to_scipy()``)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.linalg import aslinearoperator

torch = pytest.importorskip("torch")

from skcomplexity.landscape import (  # noqa: E402
    HessianOperator,
    dense_hessian,
    hessian_spread,
    hessian_trace,
    top_eigenvalue,
)
from skcomplexity.landscape._krylov import _lanczos  # noqa: E402

CE = torch.nn.CrossEntropyLoss(reduction="none")


def _sym(rng, p, decay):
    """A random symmetric matrix with eigenvalues ``±decay**k`` (a known spectrum)."""
    Q, _ = np.linalg.qr(rng.normal(size=(p, p)))
    lam = decay ** np.arange(p) * rng.choice([-1.0, 1.0], size=p)
    lam[0] = abs(lam[0]) * 3.0
    return (Q * lam) @ Q.T, lam


@settings(max_examples=40, deadline=None, derandomize=True)
@given(p=st.integers(5, 60), decay=st.floats(0.5, 0.99), seed=st.integers(0, 2 ** 16),
       tol=st.sampled_from([1e-2, 1e-3, 1e-6]), k=st.sampled_from([1, 5]))
def test_error_estimate_is_honest(p, decay, seed, tol, k):
    """Whenever the recurrence says it converged, the Ritz value is within tol (whether
    the host reads the coefficients after every step or every k steps)."""
    rng = np.random.default_rng(seed)
    A, lam = _sym(rng, p, decay)
    At = torch.as_tensor(A)
    res = _lanczos(lambda V: V @ At, torch.as_tensor(rng.normal(size=(1, p))), tol, 500,
                   check_every=k)
    assert res.converged[0]
    truth = lam[np.argmax(np.abs(lam))]
    assert abs(res.values[0] - truth) <= tol * abs(truth) * 1.0001 + 1e-12


def test_ritz_vector_is_the_eigenvector():
    rng = np.random.default_rng(0)
    A, _ = _sym(rng, 40, 0.8)
    lam, vec = top_eigenvalue(aslinearoperator(A), tol=1e-10, return_vector=True, random_state=0)
    w, V = np.linalg.eigh(A)
    assert lam == pytest.approx(w[-1], rel=1e-10)
    assert abs(vec @ V[:, -1]) == pytest.approx(1.0, abs=1e-8)


def test_linear_operators_from_elsewhere():
    rng = np.random.default_rng(1)
    A, lam = _sym(rng, 30, 0.9)

    class CurvlinopsLike:  # the part of curvlinops' interface that is used
        shape = A.shape

        def to_scipy(self):
            return aslinearoperator(A)

    for op in (aslinearoperator(A), CurvlinopsLike()):
        assert top_eigenvalue(op, tol=1e-10, random_state=0) == pytest.approx(lam[0], rel=1e-9)
        assert hessian_trace(op, method="exact") == pytest.approx(np.trace(A), rel=1e-10)
        np.testing.assert_allclose(dense_hessian(op), A, atol=1e-12)
    # Hutchinson with Rademacher probes: within five standard errors of the trace
    est, se = hessian_trace(aslinearoperator(A), n_probes=400, random_state=0, return_std=True)
    assert abs(est - np.trace(A)) < 5 * se
    with pytest.raises(TypeError, match="per-object"):
        hessian_spread(aslinearoperator(A))
    with pytest.raises(TypeError, match="Unexpected keyword"):
        top_eigenvalue(aslinearoperator(A), batch_size=3)
    with pytest.raises(ValueError, match="square"):
        top_eigenvalue(aslinearoperator(rng.normal(size=(3, 4))))


@pytest.fixture(scope="module")
def wide_data():
    """1,200 objects (enough for the automatic warm start) through a tiny float64 MLP."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X = torch.as_tensor(rng.normal(size=(1200, 5)))
    y = torch.as_tensor(np.argmax(X.numpy() @ rng.normal(size=(5, 3))
                                  + rng.normal(size=(1200, 3)), axis=1))
    net = torch.nn.Sequential(torch.nn.Linear(5, 6), torch.nn.ReLU(),
                              torch.nn.Linear(6, 3)).double()
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(50):
        opt.zero_grad()
        CE(net(X), y).mean().backward()
        opt.step()
    return net, X, y


def test_warm_start_gives_the_full_eigenvalue_in_fewer_products(wide_data):
    net, X, y = wide_data
    w = np.linalg.eigvalsh(dense_hessian(net, X, y, loss=CE, dtype=torch.float64))
    truth = w[np.argmax(np.abs(w))]
    products = {}
    for warm in (None, "auto", 300):
        H = HessianOperator(net, X, y, loss=CE, dtype=torch.float64)
        lam = top_eigenvalue(H, tol=1e-8, random_state=0, warm_start=warm)
        assert lam == pytest.approx(truth, rel=1e-7)
        products[warm] = H.n_products
    assert products["auto"] < products[None]
    assert products[300] < products[None]
    # a warm start from a subsample is not an approximation: the same value at a loose tol
    lam_loose = top_eigenvalue(net, X, y, loss=CE, dtype=torch.float64, tol=1e-3,
                               random_state=1)
    assert abs(lam_loose - truth) <= 1e-3 * abs(truth)


def test_warm_start_validated(wide_data):
    net, X, y = wide_data
    with pytest.raises(ValueError, match="warm_start"):
        top_eigenvalue(net, X, y, loss=CE, warm_start=0)
    with pytest.raises(ValueError, match="warm_start"):
        top_eigenvalue(net, X, y, loss=CE, warm_start="yes")


def test_curvlinops_operator_gives_our_numbers(wide_data):
    """The real thing where curvlinops is installed (a benchmark peer, not a dependency)."""
    curvlinops = pytest.importorskip("curvlinops")
    net, X, y = wide_data
    X, y = X[:200], y[:200]
    params = [p for p in net.parameters() if p.requires_grad]
    op = curvlinops.HessianLinearOperator(net, torch.nn.CrossEntropyLoss(), params, [(X, y)],
                                          check_deterministic=False)
    ours = top_eigenvalue(net, X, y, loss=CE, dtype=torch.float64, tol=1e-10, random_state=0)
    assert top_eigenvalue(op, tol=1e-10, random_state=0) == pytest.approx(ours, rel=1e-8)
    assert hessian_trace(op, method="exact") == pytest.approx(
        hessian_trace(net, X, y, loss=CE, dtype=torch.float64, method="exact"), rel=1e-8)


def test_no_warm_start_when_the_basis_cannot_be_kept(wide_data, monkeypatch):
    """The warm vector is a Ritz vector: with a Krylov basis too large to keep, the
    recurrence starts from the random vector instead (same answer, no wasted pre-phase)."""
    import skcomplexity.landscape._krylov as kr

    net, X, y = wide_data
    H0 = HessianOperator(net, X, y, loss=CE, dtype=torch.float64)
    lam0 = top_eigenvalue(H0, tol=1e-8, random_state=0, warm_start=None)
    monkeypatch.setattr(kr, "_REORTH_BYTES", H0.n_params * 8 * 4)  # room for 4 vectors
    H = HessianOperator(net, X, y, loss=CE, dtype=torch.float64)
    lam = top_eigenvalue(H, tol=1e-8, random_state=0, maxiter=500)
    assert lam == pytest.approx(lam0, rel=1e-7)


def test_warm_start_cascade_levels():
    """The pre-phase runs on nested subsamples, smallest first, each an eighth of the next."""
    import skcomplexity.landscape.hessian as hh

    net = torch.nn.Linear(3, 2)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 3)).astype(np.float32)
    y = rng.integers(0, 2, 2000)
    H = HessianOperator(net, X, y, loss=CE)
    assert hh._warm_levels(H, "auto") == [31, 250]
    assert hh._warm_levels(H, 300) == [37, 300]
    assert hh._warm_levels(H, 200) == [25, 200] and hh._warm_levels(H, 120) == [120]
    assert hh._warm_levels(H, 2000) == [] and hh._warm_levels(H, None) == []
    assert hh._warm_levels(H.subset(np.arange(1000)), "auto") == []


class _HostReads:
    """Counts the calls that make a device wait for the host (issue 22): reads of a tensor's
    value (``item``, ``tolist``, ``cpu``, ``bool``/``float``/``int``/``index``), ``.to``
    with a device, and tensors made from host data (``torch.as_tensor``/``torch.tensor`` of
    a non-tensor, a blocking host-to-device copy on CUDA)."""

    METHODS = ("item", "tolist", "cpu", "__bool__", "__float__", "__int__", "__index__")

    def __init__(self, monkeypatch):
        self.calls = []
        for name in self.METHODS:
            self._spy_method(monkeypatch, name)
        orig_to = torch.Tensor.to

        def to(t, *args, **kwargs):
            if "device" in kwargs or any(isinstance(a, (str, torch.device)) for a in args):
                self.calls.append("to")
            return orig_to(t, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, "to", to)
        for name in ("as_tensor", "tensor"):
            orig = getattr(torch, name)

            def make(data, *args, _orig=orig, _name=name, **kwargs):
                if not torch.is_tensor(data):
                    self.calls.append(_name)
                return _orig(data, *args, **kwargs)

            monkeypatch.setattr(torch, name, make)

    def _spy_method(self, monkeypatch, name):
        orig = getattr(torch.Tensor, name)

        def spy(t, *args, **kwargs):
            self.calls.append(name)
            return orig(t, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, spy)


@pytest.mark.parametrize("k", [1, 3, 5])
def test_lanczos_reads_the_host_once_every_k_steps(monkeypatch, k):
    """The coefficients stay on the device: a run of N steps reads them at most
    ceil(N / k) + _EXTRA_CHECKS times, one transfer each, and nothing else reaches the
    host; the values are those of a check after every step, with at most k - 1 more
    products."""
    import skcomplexity.landscape._krylov as kr

    rng = np.random.default_rng(3)
    Q, _ = np.linalg.qr(rng.normal(size=(300, 300)))
    At = torch.as_tensor((Q * np.linspace(-1, 1.01, 300)) @ Q.T)  # slow: 40 steps at 1e-12
    V0 = torch.as_tensor(rng.normal(size=(2, 300)))
    ref = _lanczos(lambda V: V @ At, V0, 1e-12, 40, check_every=1)
    for tol in (1e-12, 1e-6):
        products = []

        def apply(V, products=products):
            products.append(1)
            return V @ At

        base = _lanczos(lambda V: V @ At, V0, tol, 40, check_every=1)
        with monkeypatch.context() as m:
            reads = _HostReads(m)
            res = _lanczos(apply, V0, tol, 40, check_every=k)
        n = len(products)
        assert res.steps == n and res.settled == base.steps
        assert base.steps <= n <= base.steps + k - 1
        assert len(reads.calls) == res.checks <= -(-n // k) + kr._EXTRA_CHECKS, reads.calls
        assert set(reads.calls) == {"cpu"}
        np.testing.assert_array_equal(res.values, base.values)
        np.testing.assert_array_equal(res.errors, base.errors)
    assert ref.steps == 40 and not ref.converged.any()  # the long case did run N = 40 steps


def test_top_eigenvalue_syncs_and_value_with_k_steps_between_reads(wide_data, monkeypatch):
    """The whole top_eigenvalue path (warm-start cascade included) with the accelerator's
    schedule forced on the CPU: the same eigenvalue as a read after every step (and as
    the dense Hessian), at most k - 1 more full products, and host reads only at the
    checks plus a constant (the start vector, the subsample, each warm Ritz vector)."""
    import skcomplexity.landscape._krylov as kr
    import skcomplexity.landscape.hessian as hh

    net, X, y = wide_data
    w = np.linalg.eigvalsh(dense_hessian(net, X, y, loss=CE, dtype=torch.float64))
    truth = w[np.argmax(np.abs(w))]
    out = {}
    for k in (1, 5):
        runs = []

        def spy(*args, _orig=hh._lanczos, runs=runs, **kwargs):
            res = _orig(*args, **kwargs)
            runs.append(res)
            return res

        H = HessianOperator(net, X, y, loss=CE, dtype=torch.float64)
        with monkeypatch.context() as m:
            m.setattr(kr, "_default_check_every", lambda device, k=k: k)
            m.setattr(hh, "_lanczos", spy)
            reads = _HostReads(m)
            lam = top_eigenvalue(H, tol=1e-8, random_state=0)
        checks = sum(r.checks for r in runs)
        assert checks <= sum(-(-r.steps // k) + kr._EXTRA_CHECKS for r in runs)
        assert len(reads.calls) - checks <= 2 + (len(runs) - 1), reads.calls
        out[k] = lam, H.n_products, len(reads.calls), len(runs)
    assert out[5][0] == out[1][0] == pytest.approx(truth, rel=1e-7)
    assert out[1][1] <= out[5][1] <= out[1][1] + 4
    assert out[5][3] == out[1][3] >= 2  # the warm start ran
    assert out[5][2] < out[1][2] / 2
