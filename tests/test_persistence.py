"""Every exported estimator survives pickle and ``skops.io`` with its answers unchanged.

Each estimator that a subpackage lists in ``__all__`` is fitted with small settings on tiny
data, written and read back (pickle; ``skops.io.dumps``/``loads`` with the trusted types
named explicitly), and the copy must give the same predictions / transforms and the same
fitted attributes (``sample_size_``, ``coef_``, ``sizes_``, ...) as the original.

skops and torch: the skorch-backed estimators (``neural``, ``distillation`` students,
the pruners) do round-trip through skops, but only because ``skorch.NeuralNet.__getstate__``
stores its torch objects (module, optimizer, criterion) as ``torch.save`` bytes, which
``__setstate__`` reads back with ``torch.load``: skops sees bytes, not tensors (it has no
loader for torch types), so its audit of "trusted types" does not cover that payload. Load
such a file only from a source you would trust with a pickle.
"""

import importlib
import inspect
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression

sio = pytest.importorskip("skops.io")

SUBPACKAGES = ("sample_size", "landscape", "pruning", "neural", "distillation", "rademacher",
               "data_quality", "fmri", "preprocessing")
#: bases that are exported for subclassing, not fitted as they are
BASES = {"SampleSizeEstimator", "BasePruner"}

RNG = np.random.default_rng(0)
X = RNG.normal(size=(60, 3))
Y = X @ [1.0, -1.0, 0.5] + RNG.normal(size=60)
Y01 = (Y > 0).astype(int)
TEXTS = ["The quick dog ran. It was fast. Then it slept.", "A quick test. Another one here."]


def _net(cls_name="MLPClassifier", **kw):
    from skcomplexity import neural

    if cls_name.startswith("MLP"):
        kw = {"hidden_units": (4,), **kw}
    return getattr(neural, cls_name)(max_epochs=2, device="cpu", random_state=0, **kw)


def _pruner(name, **kw):
    from skcomplexity import pruning

    return getattr(pruning, name)(_net(), fraction=0.5, random_state=0, **kw), (X, Y01)


def _distill(name, teacher, y, **kw):
    from skcomplexity import distillation

    est = getattr(distillation, name)(teacher, **{"hidden_units": (4,), "max_epochs": 2,
                                                 "device": "cpu", "random_state": 0, **kw})
    return est, (X, y)


def _sample_size(name, y=Y, **kw):
    from skcomplexity import sample_size

    return getattr(sample_size, name)(**kw), (X, y)


def _fmri(name):
    from skcomplexity import fmri
    from skcomplexity.datasets import make_fmri_decoding

    rec = make_fmri_decoding(duration=40, scan_shape=(4, 4, 4), n_features=3, random_state=0)
    if name == "MaxPool3DCompressor":
        return fmri.MaxPool3DCompressor(2), (rec.scans,)
    kw = dict(delay=rec.delay, video_fps=rec.video_fps, fmri_hz=rec.fmri_hz)
    return fmri.DeltaRidgeDecoder(1.0, **kw), (rec.frames, rec.scans)


def _table():
    from skcomplexity.preprocessing import TableEncoder

    frame = pd.DataFrame({"income": RNG.normal(size=20).round(2).astype(str),
                          "city": RNG.choice(["north", "south", "west"], size=20)})
    frame.loc[3, "income"] = "?"
    return TableEncoder(), (frame,)


def _text(name, **kw):
    from skcomplexity import data_quality

    return getattr(data_quality, name)(random_state=0, **kw), (TEXTS,)


#: name -> () -> (unfitted estimator, fit arguments); the first argument is also what
#: predict / transform are called on
ESTIMATORS = {
    # sample_size
    "ACCSampleSize": lambda: _sample_size("ACCSampleSize", n_draws=50, n_repeats=5,
                                          random_state=0),
    "ALCSampleSize": lambda: _sample_size("ALCSampleSize", n_draws=50, n_repeats=5,
                                          random_state=0),
    "APVCSampleSize": lambda: _sample_size("APVCSampleSize", n_repeats=5, random_state=0),
    "BootstrapSampleSize": lambda: _sample_size("BootstrapSampleSize", n_repeats=5,
                                                random_state=0),
    "CrossValidationSampleSize": lambda: _sample_size("CrossValidationSampleSize", n_repeats=5,
                                                      random_state=0),
    "DSufficiency": lambda: _sample_size("DSufficiency", n_repeats=5, random_state=0),
    "KLNeighbourSampleSize": lambda: _sample_size("KLNeighbourSampleSize", n_repeats=5,
                                                  random_state=0),
    "KLSufficiency": lambda: _sample_size("KLSufficiency", n_repeats=5, random_state=0),
    "LagrangeMultiplierSampleSize": lambda: _sample_size("LagrangeMultiplierSampleSize"),
    "LearningCurveSampleSize": lambda: _sample_size(
        "LearningCurveSampleSize", estimator=LinearRegression(), scoring="r2",
        target_score=0.3, n_repeats=3, random_state=0),
    "LikelihoodRatioSampleSize": lambda: _sample_size("LikelihoodRatioSampleSize"),
    "LogisticZTestSampleSize": lambda: _sample_size("LogisticZTestSampleSize", y=Y01),
    "MSufficiency": lambda: _sample_size("MSufficiency", n_repeats=5, random_state=0),
    "SSufficiency": lambda: _sample_size("SSufficiency", n_repeats=5, random_state=0),
    "SufficientSampleSize": lambda: _sample_size(
        "SufficientSampleSize", method="cross-validation", params={"n_repeats": 5},
        random_state=0),
    "UtilitySampleSize": lambda: _sample_size("UtilitySampleSize", n_draws=20, n_repeats=5,
                                              random_state=0),
    "WaldSampleSize": lambda: _sample_size("WaldSampleSize"),
    # pruning
    "BelsleyFeatureSelector": lambda: (importlib.import_module(
        "skcomplexity.pruning").BelsleyFeatureSelector(), (X, Y)),
    "BelsleyPruner": lambda: _pruner("BelsleyPruner"),
    "GradientCovariancePruner": lambda: _pruner("GradientCovariancePruner"),
    "MagnitudePruner": lambda: _pruner("MagnitudePruner"),
    "OBDPruner": lambda: _pruner("OBDPruner"),
    "PosteriorRatioPruner": lambda: _pruner("PosteriorRatioPruner"),
    "RandomPruner": lambda: _pruner("RandomPruner"),
    # neural
    "MLPClassifier": lambda: (_net(), (X, Y01)),
    "MLPRegressor": lambda: (_net("MLPRegressor"), (X, Y)),
    "CNNClassifier": lambda: (_net("CNNClassifier", channels=(2,), padding="same"), (X, Y01)),
    "TransformerClassifier": lambda: (_net("TransformerClassifier", d_model=4, d_ff=8), (X, Y01)),
    # distillation
    "DistilledLinearRegression": lambda: (importlib.import_module(
        "skcomplexity.distillation").DistilledLinearRegression(
            LinearRegression().fit(X, Y), alpha=0.5), (X, Y)),
    "DistillationClassifier": lambda: _distill(
        "DistillationClassifier", LogisticRegression().fit(X, Y01), Y01),
    "DistillationRegressor": lambda: _distill(
        "DistillationRegressor", LinearRegression().fit(X, Y), Y),
    "MultiDomainDistillationClassifier": lambda: _distill(
        "MultiDomainDistillationClassifier", LogisticRegression().fit(X, Y01), Y01),
    "BayesianDistillationClassifier": lambda: _distill(
        "BayesianDistillationClassifier", _net().fit(X, Y01), Y01, hidden_units=(3,)),
    "AntiDistillationClassifier": lambda: _distill(
        "AntiDistillationClassifier", _net().fit(X, Y01), Y01, hidden_units=(6,),
        expand_epochs=1),
    # rademacher
    "RandomLabelRademacher": lambda: (importlib.import_module(
        "skcomplexity.rademacher").RandomLabelRademacher(LogisticRegression(), n_repeats=3,
                                                         random_state=0), (X,)),
    # data_quality
    "SentenceShuffler": lambda: _text("SentenceShuffler"),
    "SynonymReplacer": lambda: _text("SynonymReplacer", p=1.0, synonyms={"quick": ["rapid"]}),
    # fmri, preprocessing
    "MaxPool3DCompressor": lambda: _fmri("MaxPool3DCompressor"),
    "DeltaRidgeDecoder": lambda: _fmri("DeltaRidgeDecoder"),
    "TableEncoder": _table,
}

#: What each file may hold besides builtin containers, numbers and numpy arrays: the types
#: ``skops.io.get_untrusted_types`` reports, which the test then trusts explicitly. Every
#: file holds the estimator's own class; the rest is listed here by group.
SEED = ["numpy.random.bit_generator.SeedSequence"]  # the resampling methods keep their seed
#: a fitted skorch net: its callbacks, history, iterator, optimizer, and the print sink of
#: its PrintLog (the torch module/optimizer state itself travels as torch.save bytes)
SKORCH = ["builtins.print", "functools.partial", "skcomplexity.neural._loader.BatchLoader",
          "skorch.callbacks.logging.EpochTimer", "skorch.callbacks.logging.PrintLog",
          "skorch.callbacks.scoring.PassthroughScoring", "skorch.dataset.Dataset",
          "skorch.history.History", "skorch.setter.optimizer_setter", "torch.optim.adam.Adam"]
CLASSIFIER_NET = SKORCH + ["skorch.callbacks.scoring.EpochScoring",
                           "skorch.utils._indexing_other", "skorch.utils.to_numpy",
                           "torch.nn.modules.loss.CrossEntropyLoss"]
REGRESSOR_NET = SKORCH + ["torch.nn.modules.loss.MSELoss"]
MLP = ["skcomplexity.neural._modules.MLPModule"]
#: a fitted skcomplexity.neural.MLPClassifier held inside (a pruner's or a teacher)
MLP_CLASSIFIER = CLASSIFIER_NET + MLP + ["skcomplexity.neural._estimators.MLPClassifier",
                                         "skorch.classifier.NeuralNetClassifier"]
PRUNER = MLP_CLASSIFIER + ["skcomplexity.landscape._model.ParameterIndex"]
HINTON_CLASSIFIER = CLASSIFIER_NET + MLP + [
    "skcomplexity.distillation.hinton._DistillationNetClassifier", "skorch.utils._indexing_dict"]
EXTRA_UNTRUSTED = {
    **{name: SEED for name in (
        "ACCSampleSize", "ALCSampleSize", "APVCSampleSize", "BootstrapSampleSize",
        "CrossValidationSampleSize", "DSufficiency", "KLNeighbourSampleSize", "KLSufficiency",
        "LearningCurveSampleSize", "MSufficiency", "SSufficiency", "UtilitySampleSize")},
    "SufficientSampleSize": SEED + ["skcomplexity.sample_size.heuristic.CrossValidationSampleSize"],
    "BelsleyFeatureSelector": ["skcomplexity.pruning.belsley.BelsleyDiagnostics"],
    **{name: PRUNER for name in ("BelsleyPruner", "GradientCovariancePruner", "MagnitudePruner",
                                 "OBDPruner", "PosteriorRatioPruner", "RandomPruner")},
    "MLPClassifier": CLASSIFIER_NET + MLP + ["skorch.classifier.NeuralNetClassifier"],
    "MLPRegressor": REGRESSOR_NET + MLP + ["skorch.regressor.NeuralNetRegressor"],
    "CNNClassifier": CLASSIFIER_NET + ["skcomplexity.neural._modules.CNNModule",
                                       "skorch.classifier.NeuralNetClassifier"],
    "TransformerClassifier": CLASSIFIER_NET + ["skcomplexity.neural._modules.TransformerModule",
                                               "skorch.classifier.NeuralNetClassifier"],
    "DistillationClassifier": HINTON_CLASSIFIER,
    "MultiDomainDistillationClassifier": HINTON_CLASSIFIER,
    "DistillationRegressor": REGRESSOR_NET + MLP + [
        "skcomplexity.distillation.hinton._DistillationNetRegressor"],
    "BayesianDistillationClassifier": MLP_CLASSIFIER + [  # the MLP teacher, then the student
        "skcomplexity.distillation.bayesian.MeanFieldMLP",
        "skcomplexity.distillation.bayesian._VariationalNetClassifier"],
    "AntiDistillationClassifier": MLP_CLASSIFIER,  # the MLP teacher and the student alike
}


def _expected_untrusted(name):
    """The estimator's own class (by the module that defines it) and its group's types."""
    cls = type(ESTIMATORS[name]()[0])
    return sorted({f"{cls.__module__}.{cls.__qualname__}", *EXTRA_UNTRUSTED.get(name, [])})


def _exported():
    names = {}
    for sub in SUBPACKAGES:
        try:
            module = importlib.import_module(f"skcomplexity.{sub}")
        except ImportError:  # torch-only subpackages without torch
            continue
        for name in getattr(module, "__all__", ()):
            try:
                obj = getattr(module, name)
            except ImportError:  # a lazily imported torch part, without torch
                continue
            if inspect.isclass(obj) and issubclass(obj, BaseEstimator) and name not in BASES:
                names[name] = sub
    return names


def test_every_exported_estimator_has_a_case():
    # a new estimator fails here until it has a case (those needing torch are listed anyway)
    assert set(_exported()) <= set(ESTIMATORS)


def _fitted(name):
    est, args = ESTIMATORS[name]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(*args)
    return est, args


def _assert_same(a, b, where):
    if isinstance(a, (BaseEstimator, type)) or callable(a) and not isinstance(a, np.ndarray):
        return  # fitted sub-estimators and modules are compared through the outputs
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, list | tuple) and not (a and isinstance(a[0], np.number)):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (u, v) in enumerate(zip(a, b, strict=True)):
            _assert_same(u, v, f"{where}[{i}]")
    elif a is None or isinstance(a, str | bool):
        assert a == b, where
    elif isinstance(a, np.ndarray | np.number | int | float):
        np.testing.assert_array_equal(a, b, err_msg=where)
    # anything else (a torch module, a skorch history) is compared through the outputs


def _outputs(est, args):
    out = {}
    for method in ("predict", "predict_proba", "decision_function", "transform"):
        if hasattr(est, method):
            try:
                out[method] = getattr(est, method)(args[0])
            except (AttributeError, NotImplementedError):
                continue
    return out


def _check_copy(name, est, copy, args):
    assert type(copy) is type(est)
    _assert_same(est.get_params(deep=False), copy.get_params(deep=False), f"{name} params")
    fitted = [k for k in vars(est) if k.endswith("_") and not k.startswith("_")]
    for key in fitted:
        _assert_same(getattr(est, key), getattr(copy, key), f"{name}.{key}")
    original, again = _outputs(est, args), _outputs(copy, args)
    assert original.keys() == again.keys()
    assert fitted or original, f"{name}: nothing to compare"  # stateless ones transform
    for method in original:
        _assert_same(original[method], again[method], f"{name}.{method}")


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_round_trip(name):
    if name not in _exported():  # its subpackage needs torch
        pytest.importorskip("torch")
    est, args = _fitted(name)
    _check_copy(name, est, pickle.loads(pickle.dumps(est)), args)
    data = sio.dumps(est)
    untrusted = sio.get_untrusted_types(data=data)
    assert sorted(untrusted) == _expected_untrusted(name)
    _check_copy(name, est, sio.loads(data, trusted=untrusted), args)
