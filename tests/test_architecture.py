"""The package's shape: no import cycle, package imports at the top, modules and functions small.

The layers and the target boundary are import-linter contracts (pyproject.toml), run by
``make lint``; the test below runs them too, so that ``pytest`` alone enforces them."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.support.helpers import ROOT

SOURCE = ROOT / "generator"
PACKAGE = SOURCE / "dictgen"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 40


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, ast.Module]:
    return {_module_name(p): ast.parse(p.read_text(encoding="utf-8")) for p in sorted(PACKAGE.rglob("*.py"))}


def _targets(node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The package modules an import statement loads (``from dictgen import x`` loads dictgen.x)."""
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
        name: set().union(*(_targets(n, known) for n in _top_level_imports(tree))) - {name, "dictgen"}
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
    known = set(modules) | {"dictgen"}
    hidden = []
    for name, tree in modules.items():
        top = set(map(id, _top_level_imports(tree)))
        imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
        hidden += [f"{name}:{n.lineno}" for n in imports if id(n) not in top and _targets(n, known)]
    assert hidden == []


def test_the_import_contracts_hold() -> None:
    """lint-imports: the stages are layers, and the core never imports a target."""
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


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
