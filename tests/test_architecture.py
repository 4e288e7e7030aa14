"""The layout's rules, checked on the source: no import cycles, backends named only in
graph/stores/, every module importable on its own."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("graph", "loaders", "api", "cli", "viz", "bench", "tracking")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")) if (ROOT / package).is_dir() else []:
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Project modules `name` imports anywhere in its file (type-only and local imports too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names = [base, *(f"{base}.{a.name}" for a in node.names)]
        else:
            continue
        for target in names:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            # A package's __init__ importing its own submodules is not a cycle through it.
            if target and target != name and not target.startswith(name + "."):
                targets.add(target)
    return targets


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(groups)


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_in_a_cycle() -> None:
    graph = {name: _imports(name, path) for name, path in MODULES.items()}
    assert len(graph) > 40  # the walk really found the packages
    assert _cycles(graph) == []


BACKEND_CLASSES = re.compile(r"\b(MemoryStore|Neo4jStore|Executor)\b|backend\s*==")


def test_backends_are_named_only_in_graph_stores() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for name, path in MODULES.items()
        if not name.startswith("graph.stores")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BACKEND_CLASSES.search(line)
    ]
    assert offenders == []


CYPHER = re.compile(r"\b(MATCH|MERGE|UNWIND|DETACH DELETE)\b[^\n]*[(\[]")


def test_cypher_lives_in_one_module() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for name, path in MODULES.items()
        if name != "graph.stores.neo4j.cypher" and CYPHER.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# `__main__` modules run their command when imported; Alembic's migration scripts run inside
# Alembic only (tracking/stores/migrations: env.py and the revisions).
def _importable(module: str) -> bool:
    migration = module.startswith("tracking.stores.migrations.") and not module.endswith(
        "migrations.versions"
    )
    return not module.endswith("__main__") and not migration


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _importable(m)))
def test_every_module_imports_alone_in_a_fresh_interpreter(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
