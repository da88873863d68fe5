"""The package-internal import graph of skcomplexity has no cycle (issue 23, item 4).

Every ``import`` / ``from ... import`` of every module counts, including the
ones inside functions (a lazy import still ties the two modules together: it
only moves the failure from import time to call time).
"""

import ast
from pathlib import Path

import skcomplexity

PACKAGE = Path(skcomplexity.__file__).parent


def _module_name(path):
    parts = ("skcomplexity",) + path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules():
    return {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _imports(name, path, modules):
    """The package modules ``path`` (the module ``name``) imports, relative imports resolved.

    ``from P import x`` is an edge to the module ``P.x`` when there is one, else to ``P``.
    """
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                if f"{module}.{alias.name}" in modules:
                    out.add(f"{module}.{alias.name}")
                elif module in modules:
                    out.add(module)
    out.discard(name)
    return out


def import_graph():
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def find_cycle(graph):
    """One cycle of ``graph`` as a list of nodes (first == last), or None."""
    state = {}  # 1: on the current path, 2: done

    def visit(node, path):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, path)
                if found:
                    return found
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node, [])
            if found:
                return found
    return None


def test_no_import_cycle_in_skcomplexity():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_graph_sees_relative_and_lazy_imports():
    graph = import_graph()
    # top level of the module
    assert "skcomplexity.landscape._operator" in graph["skcomplexity.landscape.curvature"]
    assert "skcomplexity._parallel" in graph["skcomplexity.landscape.curve"]
    # inside a function (landscape._measure imports ``from . import hessian`` lazily)
    assert "skcomplexity.landscape.hessian" in graph["skcomplexity.landscape._measure"]
    assert "skcomplexity.neural" in graph["skcomplexity.landscape._model"]


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
