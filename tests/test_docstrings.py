"""Every ``>>>`` example in the package's docstrings runs, and prints what it says.

This is the test command's doctest run (``--doctest-modules`` for the package, spelled as
one test per module so that it runs under the README's plain ``python -m pytest -q``).
"""

import doctest
import importlib
import pkgutil
import warnings

import numpy as np
import pytest

import skcomplexity

OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules():
    names = []
    for info in pkgutil.walk_packages(skcomplexity.__path__, "skcomplexity."):
        if ".tests" in info.name or info.name.endswith("__main__"):
            continue
        names.append(info.name)
    return sorted(names)


MODULES = _modules()


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    try:
        module = importlib.import_module(name)
    except ImportError as exc:  # an optional dependency that is not installed
        pytest.skip(f"{name}: {exc}")
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=OPTIONS)
    tests = [t for t in finder.find(module, name) if t.examples]
    # examples belong to the module that defines them: a re-export is run where it is defined
    tests = [t for t in tests if _defined_in(t, module)]
    if not tests:
        pytest.skip(f"{name} has no docstring examples")
    failures = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for test in tests:
            state = np.random.get_state()  # noqa: NPY002 - doctests may seed it
            out = []
            result = runner.run(test, out=out.append, clear_globs=True)
            np.random.set_state(state)  # noqa: NPY002
            if result.failed:
                failures.append("".join(out))
    assert not failures, "\n".join(failures)


def _defined_in(test, module):
    obj_module = getattr(test, "filename", None)
    return obj_module is None or obj_module == getattr(module, "__file__", None)
