"""The package's shape: imports flow one way, targets read only the contract, modules stay small."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import ROOT

PACKAGE = ROOT / "generator"
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 40
# What a target may import from the package: the contract and the leaves it is made of.
TARGET_MAY_IMPORT = {"dictgen.choices", "dictgen.errors", "dictgen.render.filters", "dictgen.render.contract"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, ast.Module]:
    return {_module_name(p): ast.parse(p.read_text(encoding="utf-8")) for p in sorted(PACKAGE.rglob("*.py"))}


def _targets(node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The package modules an import statement loads (``from dictgen import x`` loads generator.x)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in known}
    base = node.module or ""
    found = {f"{base}.{alias.name}" for alias in node.names} & known
    return found or ({base} & known)


def _top_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    return [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {
        name: set().union(*(_targets(n, known) for n in _top_level_imports(tree))) - {name, "generator"}
        for name, tree in modules.items()
    }


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as a path, or an empty list."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return []


def test_the_import_graph_has_no_cycle() -> None:
    assert _cycle(_graph()) == []


def test_the_cycle_finder_finds_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_package_modules_are_imported_at_the_top_only() -> None:
    """No TYPE_CHECKING imports and no function-local imports between the package's modules."""
    modules = _modules()
    known = set(modules) | {"generator"}
    hidden = []
    for name, tree in modules.items():
        top = set(map(id, _top_level_imports(tree)))
        imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
        hidden += [f"{name}:{n.lineno}" for n in imports if id(n) not in top and _targets(n, known)]
    assert hidden == []


def test_targets_import_only_the_contract() -> None:
    graph = _graph()
    for name, imports in graph.items():
        if name.startswith("dictgen.targets."):
            assert imports <= TARGET_MAY_IMPORT, name
    assert not any(m.startswith("dictgen.targets") for m in graph["dictgen.render.contract"])


def test_modules_and_functions_stay_small() -> None:
    too_long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES:
            too_long.append(f"{path.name}: {len(text.splitlines())} lines")
        functions = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.FunctionDef)]
        too_long += [
            f"{path.name}: {f.name}()"
            for f in functions
            if (f.end_lineno or f.lineno) - f.lineno + 1 > MAX_FUNCTION_LINES
        ]
    assert too_long == []
