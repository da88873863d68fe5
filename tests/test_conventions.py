"""Conventions every exported estimator keeps: declared parameter constraints, a docstring
with Parameters and Examples, and a fit that validates through them (one way to validate)."""

import importlib
import inspect

import pytest
from sklearn.base import BaseEstimator

SUBPACKAGES = ["sample_size", "landscape", "pruning", "neural", "distillation", "rademacher",
               "data_quality", "fmri", "preprocessing", "models"]


def _exported():
    found = {}
    for sub in SUBPACKAGES:
        try:
            module = importlib.import_module(f"skcomplexity.{sub}")
        except ImportError:  # an optional dependency that is not installed
            continue
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if (inspect.isclass(obj) and issubclass(obj, BaseEstimator)
                    and not inspect.isabstract(obj) and not name.startswith("Base")):
                found.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
    return [found[k] for k in sorted(found)]


ESTIMATORS = _exported()


def test_there_are_estimators():
    assert len(ESTIMATORS) > 30


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_parameter_constraints_cover_every_parameter(cls):
    constraints = getattr(cls, "_parameter_constraints", None)
    assert isinstance(constraints, dict), f"{cls.__name__} declares no _parameter_constraints"
    params = set(cls._get_param_names())
    missing = params - set(constraints)
    assert not missing, f"{cls.__name__}: no constraint for {sorted(missing)}"


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_docstring_has_parameters_and_an_example(cls):
    doc = inspect.getdoc(cls) or ""
    if cls._get_param_names():
        assert "Parameters\n----------" in doc, f"{cls.__name__}: no Parameters section"
    assert "Examples\n--------" in doc and ">>>" in doc, f"{cls.__name__}: no example"


def test_test_module_basenames_are_unique():
    # the test directories are not packages (rootdir-based import), so two test modules with
    # the same file name cannot both be collected: CI stops at collection ("import file mismatch")
    from collections import Counter
    from pathlib import Path

    root = Path(__file__).parent
    names = Counter(p.name for p in root.rglob("test_*.py"))
    assert not [n for n, c in names.items() if c > 1]


def test_no_module_over_700_lines():
    # issue 23: a module past 700 lines is split along its seams into private modules
    from pathlib import Path

    import skcomplexity

    package = Path(skcomplexity.__file__).parent
    lines = {str(p.relative_to(package)): len(p.read_text().splitlines())
             for p in package.rglob("*.py")}
    long = {name: n for name, n in lines.items() if n > 700}
    assert long == {}
