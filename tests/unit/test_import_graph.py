"""The modules of market/ import each other one way: no cycle, and no import of a market
module hidden inside a function, behind `importlib.import_module` or behind an ImportError
guard (such imports are how cycles hide). The graph is read from the source, not by
importing it."""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "market"
SKIPPED = {"migrations"}  # generated; they import nothing of the app at run time


@dataclass(frozen=True)
class Import:
    source: str  # importing module
    target: str  # imported module
    path: str
    line: int
    how: str  # "top", "function", "guard" or "importlib"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _files() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in sorted(PACKAGE.rglob("*.py"))
        if not SKIPPED.intersection(path.relative_to(PACKAGE).parts)
    }


def _resolve(name: str, modules: set[str]) -> str | None:
    """The module an imported name lives in (`market.db.transaction` -> `market.db`)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _guards_import_error(node: ast.Try) -> bool:
    names = {"ImportError", "ModuleNotFoundError"}
    for handler in node.handlers:
        if handler.type is not None and names & {
            n.id for n in ast.walk(handler.type) if isinstance(n, ast.Name)
        }:
            return True
    return False


def _imported_names(node: ast.AST, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - node.level + 1]
            origin = ".".join([*base, *([node.module] if node.module else [])])
        else:
            origin = node.module or ""
        return [origin, *(f"{origin}.{alias.name}" for alias in node.names)]
    if (
        isinstance(node, ast.Call)
        and ast.unparse(node.func) in {"importlib.import_module", "import_module", "__import__"}
        and node.args
    ):
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return [first.value]
        return ["market.<computed>"]  # a name computed at run time: refused below
    return []


def imports() -> list[Import]:
    files = _files()
    modules = set(files)
    found: list[Import] = []
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_package = path.name == "__init__.py"
        relative = str(path.relative_to(ROOT))

        def visit(
            node: ast.AST,
            how: str,
            module: str = module,
            relative: str = relative,
            is_package: bool = is_package,
        ) -> None:
            for child in ast.iter_child_nodes(node):
                inner = how
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                    inner = "function"
                elif isinstance(child, ast.Try) and _guards_import_error(child) and how == "top":
                    inner = "guard"
                kind = "importlib" if isinstance(child, ast.Call) else inner
                targets: set[str] = set()
                for name in _imported_names(child, module, is_package):
                    if name == "market.<computed>":
                        targets.add(name)
                    elif name == "market" or name.startswith("market."):
                        target = _resolve(name, modules)
                        if target and target != module:
                            targets.add(target)
                for target in sorted(targets):
                    found.append(Import(module, target, relative, child.lineno, kind))
                visit(child, inner)

        visit(tree, "top")
    return found


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path that ends where it starts, or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := walk(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (cycle := walk(start)):
            return cycle
    return None


def test_the_graph_is_read() -> None:
    found = imports()
    pairs = {(i.source, i.target) for i in found}
    # A few arrows every version of the app has: the reader sees them.
    assert ("market.app", "market.routes") in pairs
    assert ("market.tasks.services", "market.db") in pairs
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_market_import_inside_a_function_or_behind_a_guard() -> None:
    hidden = [i for i in imports() if i.how != "top"]
    listing = "\n".join(f"  {i.path}:{i.line} ({i.how}) imports {i.target}" for i in hidden)
    if hidden:
        pytest.fail(
            "market modules are imported at the top of a module, never inside a function, "
            "through importlib or behind an ImportError guard:\n" + listing,
            pytrace=False,
        )


def test_the_import_graph_has_no_cycle() -> None:
    edges: dict[str, set[str]] = {}
    lines: dict[tuple[str, str], str] = {}
    for i in imports():  # every import counts, wherever it stands
        edges.setdefault(i.source, set()).add(i.target)
        lines.setdefault((i.source, i.target), f"{i.path}:{i.line}")
    cycle = find_cycle(edges)
    if cycle is not None:
        steps = "\n".join(f"  {a} -> {b}   ({lines[(a, b)]})" for a, b in itertools.pairwise(cycle))
        pytest.fail("the modules of market/ import each other in a cycle:\n" + steps, pytrace=False)
