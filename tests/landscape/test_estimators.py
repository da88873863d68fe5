"""The estimator contract of DESIGN.md (``_parameter_constraints`` + ``_fit_context``) for
whatever estimator the landscape and fMRI packages define.

``skcomplexity.landscape`` has no estimator today (functions, ``HessianOperator`` and the
``LandscapeCurve`` result); the walk below makes sure one added later follows the contract.
"""

import importlib
import inspect
import pkgutil

import pytest
from sklearn.base import BaseEstimator

import skcomplexity.fmri
import skcomplexity.landscape


def _estimators(package):
    found = {}
    names = [package.__name__] + [info.name for info in pkgutil.walk_packages(
        package.__path__, package.__name__ + ".")]
    for name in names:
        try:
            module = importlib.import_module(name)
        except ImportError:  # an optional dependency (torch) is missing
            continue
        for attr, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, BaseEstimator)
                    and obj.__module__.startswith(package.__name__)
                    and not attr.startswith("_") and not inspect.isabstract(obj)):
                found[obj.__qualname__] = obj
    return sorted(found.values(), key=lambda c: c.__name__)


class _Validated(Exception):
    pass


def test_the_walk_finds_the_fmri_estimators():
    names = [c.__name__ for c in _estimators(skcomplexity.fmri)]
    assert names == ["DeltaRidgeDecoder", "MaxPool3DCompressor"]


@pytest.mark.parametrize("package", [skcomplexity.landscape, skcomplexity.fmri],
                         ids=lambda p: p.__name__)
def test_every_estimator_validates_declaratively(package, monkeypatch):
    def validate(self):
        raise _Validated

    for cls in _estimators(package):
        assert set(cls().get_params(deep=False)) <= set(cls._parameter_constraints), cls
        with monkeypatch.context() as m:
            m.setattr(cls, "_validate_params", validate)
            with pytest.raises(_Validated):  # fit runs inside sklearn.base._fit_context
                cls().fit(None, None)
