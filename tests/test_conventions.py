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


# --- one way to validate: every public fit runs under scikit-learn's _fit_context -------------
def _fit_context_code():
    from sklearn.base import _fit_context

    return _fit_context(prefer_skip_nested_validation=True)(lambda self: self).__code__


FIT_CONTEXT_CODE = _fit_context_code()


def _fit_is_validated(cls):
    """Whether the ``fit`` a user calls on ``cls`` is scikit-learn's ``_fit_context`` wrapper.

    An override whose body only calls ``super().fit(...)`` (a class documenting its own
    arguments) is followed to the ``fit`` it delegates to, along ``cls``'s MRO as ``super``
    does; anything else that is not the wrapper fails.
    """
    for klass in cls.__mro__:
        fit = vars(klass).get("fit")
        if fit is None:
            continue
        code = fit.__code__
        if code is FIT_CONTEXT_CODE:
            return True
        if set(code.co_names) != {"super", "fit"}:
            return False
    return False


FITTERS = [cls for cls in ESTIMATORS if hasattr(cls, "fit")]


@pytest.mark.parametrize("cls", FITTERS, ids=lambda c: c.__name__)
def test_fit_runs_under_fit_context(cls):
    assert _fit_is_validated(cls), (
        f"{cls.__name__}.fit is not wrapped by sklearn.base._fit_context")


def test_fit_context_check_can_fail():
    from sklearn.base import _fit_context

    class ByHand(BaseEstimator):
        def fit(self, X, y=None):
            self._validate_params()
            return self

    class Delegates(ByHand):
        def fit(self, X, y=None):
            return super().fit(X, y)

    class Wrapped(BaseEstimator):
        @_fit_context(prefer_skip_nested_validation=True)
        def fit(self, X, y=None):
            return self

    class DelegatesToWrapped(Wrapped):
        def fit(self, X, y=None):
            """Documents the subclass's arguments."""
            return super().fit(X, y)

    class DoesMore(Wrapped):
        def fit(self, X, y=None):
            self.extra_ = 1
            return super().fit(X, y)

    assert not _fit_is_validated(ByHand)
    assert not _fit_is_validated(Delegates)
    assert not _fit_is_validated(DoesMore)
    assert _fit_is_validated(Wrapped)
    assert _fit_is_validated(DelegatesToWrapped)


def test_no_fit_validates_its_parameters_by_hand():
    # the parameters are checked by _fit_context, once: no fit calls _validate_params itself
    import ast
    from pathlib import Path

    import skcomplexity

    package = Path(skcomplexity.__file__).parent
    by_hand = []
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name in ("fit", "_fit", "partial_fit"):
                for call in ast.walk(node):
                    if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                            and call.func.attr == "_validate_params"):
                        by_hand.append(f"{path.relative_to(package)}:{call.lineno}")
    assert by_hand == []


def _api_reference():
    """``(section, module, name)`` for every entry of docs/api.rst's autosummary lists."""
    import re
    from pathlib import Path

    api = Path(__file__).resolve().parents[1] / "docs" / "api.rst"
    if not api.exists():
        pytest.skip("no docs/ in this installation")
    lines = api.read_text().splitlines()
    entries, section, module, listing = [], None, None, False
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[i + 1]) and line.strip():
            section = line.strip()
        if m := re.match(r"\.\. currentmodule:: (\S+)", line):
            module = m.group(1)
        if line.startswith(".. autosummary::"):
            listing = True
        elif listing and line.startswith("   ") and not line.strip().startswith(":"):
            entries.append((section, module, line.strip()))
        elif listing and line.strip() and not line.startswith("   "):
            listing = False
    return entries


def test_api_reference_agrees_with_all():
    # the public sections list what the packages export; the abstract bases, importable but
    # not exported, are listed only under "Base classes for developers"
    entries = _api_reference()
    assert len(entries) > 100
    misplaced = []
    for section, module, name in entries:
        mod = importlib.import_module(module)
        exported = name in getattr(mod, "__all__", ())
        developers = section == "Base classes for developers"
        if exported == developers or getattr(mod, name, None) is None:
            misplaced.append(f"{section}: {module}.{name}")
    assert misplaced == []
    listed = {(module, name) for _, module, name in entries}
    assert ("skcomplexity.sample_size", "SampleSizeEstimator") in listed
    assert ("skcomplexity.pruning", "BasePruner") in listed
