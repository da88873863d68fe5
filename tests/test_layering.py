"""The dependency rules of DESIGN.md, checked on the source: ``landscape`` never imports
``sample_size``, and nothing inside the package imports ``cli``."""

import ast
from pathlib import Path

import pytest

import skcomplexity

PACKAGE = Path(skcomplexity.__file__).parent


def _imported_modules(path):
    """Absolute dotted names of every module a source file imports (relative ones resolved)."""
    tree = ast.parse(path.read_text())
    parts = ("skcomplexity",) + path.relative_to(PACKAGE).with_suffix("").parts
    package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ((node.module,) if node.module else ()))
            else:
                module = node.module or ""
            names.append(module)
            names.extend(f"{module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", sorted((PACKAGE / "landscape").rglob("*.py")), ids=lambda p: p.name)
def test_landscape_never_imports_sample_size(path):
    bad = [m for m in _imported_modules(path) if m.startswith("skcomplexity.sample_size")]
    assert bad == [], f"{path.name} imports {bad}"


def test_nothing_imports_the_cli():
    offenders = {
        str(path.relative_to(PACKAGE)): [m for m in _imported_modules(path)
                                         if m == "skcomplexity.cli" or m.startswith("skcomplexity.cli.")]
        for path in PACKAGE.rglob("*.py") if path.relative_to(PACKAGE).parts[0] != "cli"
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_checker_sees_a_relative_import():
    # the resolver itself, on a file placed like landscape/curve.py
    src = PACKAGE / "landscape" / "curve.py"
    names = _imported_modules(src)
    assert "skcomplexity._decision.sufficient_size" in names
    assert "skcomplexity.landscape._model.per_object_losses" in names


def _cross_package_private_imports(path, source=None):
    """``(module, name)`` of each private thing ``path`` imports from another package.

    Private: an underscore name, or any name from a private module below another
    subpackage (``..models._identifiability``); the package's top-level private modules
    (``skcomplexity._validation``, ``skcomplexity._parallel``) are the shared lower layer
    and may be imported from anywhere, but only their public names. Relative and absolute
    (``from skcomplexity.x._y import z``, ``import skcomplexity.x._y``) imports both count.
    """
    tree = ast.parse(path.read_text() if source is None else source)
    parts = ("skcomplexity",) + path.relative_to(PACKAGE).with_suffix("").parts
    package = parts[:-1]

    def home(dotted):  # skcomplexity.<subpackage>, or skcomplexity for its top-level modules
        return dotted[:2] if len(dotted) > 1 and (PACKAGE / dotted[1]).is_dir() else dotted[:1]

    def private_module(dotted):  # a private module below another subpackage
        return len(home(dotted)) == 2 and any(p.startswith("_") for p in dotted[2:])

    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                module = tuple(alias.name.split("."))
                if module[0] == "skcomplexity" and home(module) != home(parts) \
                        and private_module(module):
                    bad.append((alias.name, None))
            continue
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package[: len(package) - node.level + 1]
            module = base + (tuple(node.module.split(".")) if node.module else ())
        elif (node.module or "").split(".")[0] == "skcomplexity":
            module = tuple(node.module.split("."))
        else:
            continue
        if home(module) == home(parts):
            continue
        bad.extend((".".join(module), a.name) for a in node.names
                   if private_module(module)
                   or a.name.startswith("_") and not a.name.startswith("__"))
    return bad


def test_no_private_name_crosses_a_package():
    """DESIGN: what two packages share is public in the lower one (issue 23, item 1)."""
    bad = {str(p.relative_to(PACKAGE)): _cross_package_private_imports(p)
           for p in PACKAGE.rglob("*.py")}
    assert {k: v for k, v in bad.items() if v} == {}


def test_the_private_name_check_sees_one():
    src = ("from ..landscape._model import _encode_y\nfrom ._orderings import _x\n"
           "from .._validation import check_positive\n")
    assert _cross_package_private_imports(PACKAGE / "pruning" / "_pruners.py", src) == [
        ("skcomplexity.landscape._model", "_encode_y")]
    top = "from .landscape._model import _is_torch_model\nfrom ._parallel import _x\n"
    assert _cross_package_private_imports(PACKAGE / "metrics.py", top) == [
        ("skcomplexity.landscape._model", "_is_torch_model")]


def test_the_private_module_check_sees_one():
    # a public name from another subpackage's private module, relative or absolute
    src = ("from ..models._identifiability import IdentifiabilityWarning\n"
           "from skcomplexity.neural._estimators import MLPClassifier\n"
           "import skcomplexity.landscape._model\n"
           "from ..models import IdentifiabilityWarning\n"
           "from ._base import SampleSizeEstimator\n"
           "from skcomplexity.sample_size._base import Draws\n")
    assert _cross_package_private_imports(PACKAGE / "sample_size" / "statistical.py", src) == [
        ("skcomplexity.models._identifiability", "IdentifiabilityWarning"),
        ("skcomplexity.neural._estimators", "MLPClassifier"),
        ("skcomplexity.landscape._model", None)]
