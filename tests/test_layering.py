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
