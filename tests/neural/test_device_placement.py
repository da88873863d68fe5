"""Every tensor a loss, a target, a teacher output or a mask creates lives on the model's device.

CI has no GPU, so the ``meta`` device stands in for a second device: torch refuses to mix
meta and CPU tensors in one operation exactly as it refuses to mix CUDA and CPU ones ("Tensor
on device cpu is not on the expected device meta"), a 0-dim CPU scalar aside, as on CUDA. A
training step taken with the module on ``meta`` and the batch as the loader hands it over (on
the CPU) therefore fails wherever the code forgets to move a tensor onto the model's device --
the four CUDA failures of issue 22 (a distillation target left on the CPU) fail here on the CPU.
"""

import copy
import os
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.datasets import make_classification, make_regression  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from skorch.callbacks import Callback  # noqa: E402

from skcomplexity.distillation import (  # noqa: E402
    AntiDistillationClassifier,
    BayesianDistillationClassifier,
    DistillationClassifier,
    DistillationRegressor,
    MultiDomainDistillationClassifier,
    distillation_loss,
    expand_mlp,
    regression_distillation_loss,
    soft_targets,
)
from skcomplexity.neural import (  # noqa: E402
    CNNClassifier,
    MLPClassifier,
    MLPModule,
    MLPRegressor,
    TransformerClassifier,
)

META = torch.device("meta")


class _FirstBatch(Callback):
    """Keeps the first training batch exactly as the loader yields it (CPU tensors)."""

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training and not hasattr(self, "batch"):
            self.batch = batch


def _step_on_meta(estimator):
    """One training step of ``estimator``'s net with its module on the meta device."""
    net = copy.deepcopy(estimator.net_)
    batch = dict(net.callbacks_)["first_batch"].batch
    net.module_.to(META)
    net.device = META  # skorch moves inputs (and, in its own get_loss, targets) to net.device
    step = net.train_step_single(batch)
    return step["loss"], step["y_pred"]


@pytest.fixture(scope="module")
def clf_data():
    X, y = make_classification(120, 6, n_informative=4, n_classes=3, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def reg_data():
    X, y = make_regression(120, 5, noise=1.0, random_state=0)
    return X, y / y.std()


def _kw():
    return dict(max_epochs=1, device="cpu", random_state=0, callbacks=[("first_batch", _FirstBatch())])


def _teacher_mlp(X, y):
    return MLPClassifier(hidden_units=(6,), max_epochs=2, device="cpu", random_state=1).fit(X, y)


CLASSIFIERS = {
    "mlp": lambda X, y: MLPClassifier(hidden_units=(8,), **_kw()),
    "cnn": lambda X, y: CNNClassifier(channels=(2,), **_kw()),
    "transformer": lambda X, y: TransformerClassifier(d_model=4, d_ff=8, **_kw()),
    "hinton": lambda X, y: DistillationClassifier(
        LogisticRegression(max_iter=200).fit(X, y), hidden_units=(8,), **_kw()),
    "probabilistic": lambda X, y: DistillationClassifier(
        LogisticRegression(max_iter=200).fit(X, y), loss="probabilistic", hidden_units=(8,),
        **_kw()),
    "privileged": lambda X, y: DistillationClassifier(
        LogisticRegression(max_iter=200), privileged_features=[4, 5], refit_teacher=True,
        hidden_units=(8,), **_kw()),
    "multidomain": lambda X, y: MultiDomainDistillationClassifier(
        LogisticRegression(max_iter=200).fit(X, y), mapping=lambda Z: 0.9 * Z,
        hidden_units=(8,), **_kw()),
    "bayesian": lambda X, y: BayesianDistillationClassifier(
        _teacher_mlp(X, y), hidden_units=(6,), **_kw()),
    "anti_distillation": lambda X, y: AntiDistillationClassifier(
        _teacher_mlp(X[y < 2], y[y < 2]), hidden_units=(8,), expand_epochs=1, **_kw()),
    "anti_net2net": lambda X, y: AntiDistillationClassifier(
        _teacher_mlp(X[y < 2], y[y < 2]), init="net2net", hidden_units=(8,), **_kw()),
}


@pytest.mark.parametrize("name", sorted(CLASSIFIERS))
def test_classifier_training_step_stays_on_the_model_device(name, clf_data):
    X, y = clf_data
    est = CLASSIFIERS[name](X, y).fit(X, y)
    loss, y_pred = _step_on_meta(est)
    assert loss.device == META and y_pred.device == META
    assert loss.shape == ()


@pytest.mark.parametrize("make", [
    lambda X, y: MLPRegressor(hidden_units=(8,), **_kw()),
    lambda X, y: DistillationRegressor(Ridge().fit(X, y), hidden_units=(8,), **_kw()),
    lambda X, y: DistillationRegressor(Ridge(), refit_teacher=True, hidden_units=(), **_kw()),
], ids=["mlp", "distillation", "distillation_linear"])
def test_regressor_training_step_stays_on_the_model_device(make, reg_data):
    X, y = reg_data
    loss, _ = _step_on_meta(make(X, y).fit(X, y))
    assert loss.device == META


def test_pruner_fine_tuning_step_and_mask_stay_on_the_model_device(clf_data):
    """A pruned net's fine-tuning step and its hold-at-zero masks follow the module."""
    from skcomplexity.pruning import MagnitudePruner

    X, y = clf_data
    pruner = MagnitudePruner(MLPClassifier(hidden_units=(6,), **_kw()), fraction=0.4,
                             fine_tune_epochs=1, random_state=0).fit(X, y)
    est = copy.deepcopy(pruner.estimator_)
    loss, _ = _step_on_meta(est)
    assert loss.device == META
    net = est.net_
    net.module_.to(META)
    mask = dict(net.callbacks_)["pruning_mask"]
    mask._ready = None  # built again for the module's device
    mask.on_batch_end(net, training=True)
    assert all(m.device == META for m in mask._ready.values())
    assert all(p.device == META for p in net.module_.parameters())


def test_the_check_catches_a_target_left_on_the_cpu(clf_data):
    """The trap itself: a get_loss that does not move the target fails on meta."""
    X, y = clf_data
    est = MLPClassifier(hidden_units=(4,), **_kw()).fit(X, y)
    net = est.net_

    def careless(y_pred, y_true, X=None, training=False):
        return torch.nn.functional.cross_entropy(y_pred, y_true)

    net.get_loss = careless
    with pytest.raises(RuntimeError, match="device"):
        _step_on_meta(est)


# ------------------------------------------------------------ the loss functions alone
def _on_meta(*shape_dtypes):
    return [torch.empty(s, dtype=d, device=META) for s, d in shape_dtypes]


@pytest.mark.parametrize("kind", ["hinton", "probabilistic"])
@pytest.mark.parametrize("with_mask", [False, True])
def test_distillation_loss_creates_nothing_off_device(kind, with_mask):
    z, v, m = _on_meta(((5, 3), torch.float32), ((5, 3), torch.float32), ((5,), torch.float32))
    (y,) = _on_meta(((5,), torch.int64))
    out = distillation_loss(z, y, v, mask=m if with_mask else None, kind=kind)
    assert out.device == META
    (p,) = _on_meta(((5, 3), torch.float32))
    assert distillation_loss(z, y, teacher_proba=p).device == META
    assert soft_targets(teacher_proba=p, temperature=3.0).device == META


@pytest.mark.parametrize("with_mask", [False, True])
def test_regression_distillation_loss_creates_nothing_off_device(with_mask):
    g, y, s = _on_meta(((5, 2), torch.float32), ((5, 2), torch.float32), ((5, 2), torch.float32))
    (m,) = _on_meta(((5,), torch.float32))
    out = regression_distillation_loss(g, y, s, mask=m if with_mask else None)
    assert out.device == META


@pytest.mark.parametrize("method", ["zero_pad", "uniform_pad", "net2net"])
def test_expanding_a_cpu_teacher_into_a_student_elsewhere(method):
    """The student's index tensors and unit counts follow the student (and the teacher)."""
    teacher = MLPModule(4, 2, (3,))
    student = MLPModule(4, 5, (6,)).to(META)
    expand_mlp(teacher, student, method, random_state=0)
    assert all(p.device == META for p in student.parameters())
    expand_mlp(teacher.to(META), student, method, random_state=0)


def test_seeded_fit_is_public_and_forks(clf_data):
    """The public seeded-device context leaves the caller's RNG where it was."""
    from skcomplexity.neural import SeededFit, torch_seed

    before = torch.random.get_rng_state()
    with SeededFit(torch_seed(np.random.RandomState(0)), "cpu") as ctx:
        torch.rand(3)
        with ctx.fork():
            torch.rand(3)
    assert torch.equal(before, torch.random.get_rng_state())


def test_device_check_script_parses_and_refuses_bad_use():
    """benchmarks/device_check.sh (issue 22): valid bash, --help, and exit 2 on bad use."""
    import shutil
    import subprocess

    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash")
    script = Path(__file__).parents[2] / "benchmarks" / "device_check.sh"
    if not script.exists():
        pytest.skip("not a source checkout")
    assert subprocess.run([bash, "-n", str(script)]).returncode == 0
    out = subprocess.run([bash, str(script), "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "--device cpu --quick" in out.stdout
    bad = subprocess.run([bash, str(script), "--device", "tpu"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--device must be" in bad.stderr


@pytest.mark.slow
def test_device_check_quick_mode_passes_on_the_cpu():
    """Issue 22: the device check's quick mode, every step on the CPU, runs in CI (-m slow)."""
    import shutil
    import subprocess
    import sys

    bash = shutil.which("bash")
    script = Path(__file__).parents[2] / "benchmarks" / "device_check.sh"
    if bash is None or not script.exists():
        pytest.skip("needs bash and a source checkout")
    env = dict(os.environ, PYTHON=sys.executable, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    out = subprocess.run([bash, str(script), "--device", "cpu", "--quick"], capture_output=True,
                         text=True, env=env, timeout=420)
    tail = out.stdout[-3000:] + out.stderr[-2000:]
    assert out.returncode == 0, tail
    summary = out.stdout.split("=== device_check summary", 1)[1]
    for step in ("gpu tests", "neural suite on cpu", "bench_hessian cpu", "bench_scorers cpu",
                 "bench_scaling cpu", "bench_scaling d-sufficiency cpu"):
        assert step in summary, tail
    assert summary.strip().splitlines()[-1].split()[:2] == ["total", "passed"], tail
