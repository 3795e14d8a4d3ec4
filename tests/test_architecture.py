"""The pipeline's direction is the import direction: contracts over the import graph.

probes → inventory → engine → findings → renderers, with history and delivery beside the
renderers; only the callers wire stages together, and they are ordered too: ``cli`` →
``in_parts`` (an organization a part at a time) → ``run`` → ``shards`` → ``demo`` →
``testing``, each importing only callers after it. Imports are read from the source (also
those inside functions), the contracts hold transitively (the engine must not reach a probe
through the inventory either), and no module may reach itself.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "assessor"
STAGES = ("probes", "inventory", "engine", "findings", "renderers", "history", "delivery")
# In order: a caller imports only the callers after it (the CLI runs the run core, which
# runs shards; the demo starts the test servers), never one before it.
CALLERS = ("__main__", "cli", "in_parts", "run", "shards", "demo", "testing")

# stage → what it must never import, directly or through anything it imports.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "models": (*STAGES, "catalog", "inputs", *CALLERS),
    "catalog": (*STAGES, *CALLERS),
    "inputs": (*STAGES, "catalog", *CALLERS),
    "probes": ("inventory", "engine", "findings", "renderers", "history", "delivery", *CALLERS),
    "inventory": ("engine", "findings", "renderers", "history", "delivery", *CALLERS),
    "engine": ("probes", "inventory", "renderers", "history", "delivery", *CALLERS),
    "findings": ("probes", "inventory", "renderers", "history", "delivery", *CALLERS),
    "renderers": ("probes", "inventory", "engine", "catalog", "history", "delivery", *CALLERS),
    "history": ("probes", "inventory", "engine", "renderers", "delivery", *CALLERS),
    "delivery": ("probes", "inventory", "engine", "renderers", "history", *CALLERS),
}
# The engine stamps each finding with its fingerprint as it makes it (a million findings
# cannot afford a second pass); the identity module depends on the models only.
ALLOWED_ACROSS = {("assessor.engine.outcomes", "assessor.findings.identity")}
MAX_LINES = 500


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


@cache
def direct_imports(module: str) -> frozenset[str]:
    """The assessor modules ``module`` imports (``from a import b`` counts b when it is a
    module, else a)."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            found |= {name for name in names if name in MODULES}
            if node.module in MODULES and not all(name in MODULES for name in names):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in MODULES}
    # Importing a.b.c runs a/__init__ and a/b/__init__ too.
    for name in list(found):
        parts = name.split(".")
        found |= {
            ".".join(parts[:end])
            for end in range(2, len(parts))
            if ".".join(parts[:end]) in MODULES
        }
    found.discard(module)
    return frozenset(found)


def reachable(module: str) -> dict[str, str]:
    """Every module reachable from ``module``, with the first module that imports it."""
    seen: dict[str, str] = {}
    stack = [module]
    while stack:
        current = stack.pop()
        for target in direct_imports(current):
            if target not in seen and (current, target) not in ALLOWED_ACROSS:
                seen[target] = current
                stack.append(target)
    return seen


def test_the_graph_is_read() -> None:
    # Guard against a contract test that passes because it sees nothing.
    assert "assessor.probes.aws" in MODULES and "assessor.run" in MODULES
    assert "assessor.probes.base" in reachable("assessor.inventory")
    assert "assessor.findings.result" in direct_imports("assessor.run")


@pytest.mark.parametrize("stage", sorted(FORBIDDEN))
def test_stage_never_imports_what_comes_after_or_beside_it(stage: str) -> None:
    problems = []
    for module in sorted(name for name in MODULES if _stage(name) == stage):
        for target, via in reachable(module).items():
            if _stage(target) in FORBIDDEN[stage]:
                problems.append(f"{module} reaches {target} (imported by {via})")
    assert not problems, "\n".join(problems)


def test_only_callers_wire_stages_together() -> None:
    problems = []
    for module in sorted(MODULES):
        own = _stage(module)
        if own in CALLERS:
            continue
        stages = {
            _stage(target)
            for target in direct_imports(module)
            if _stage(target) in STAGES
            and _stage(target) != own
            and (module, target) not in ALLOWED_ACROSS
        }
        if len(stages) > 1:
            problems.append(f"{module} imports the stages {sorted(stages)}")
    assert not problems, "\n".join(problems)


def test_callers_import_only_the_callers_after_them() -> None:
    problems = []
    for module in sorted(MODULES):
        own = _stage(module)
        if own not in CALLERS:
            continue
        before = CALLERS[: CALLERS.index(own)]
        for target in direct_imports(module):
            if _stage(target) in before:
                problems.append(f"{module} imports {target}, a caller before it")
    assert not problems, "\n".join(problems)


def import_cycles(edges: Callable[[str], Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm,
    iterative): each is an import cycle, listed with all its members."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in sorted(MODULES):
        if root in index:
            continue
        work = [(root, iter(sorted(edges(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(edges(target)))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                members = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.append(member)
                    if member == node:
                        break
                if len(members) > 1:
                    cycles.append(sorted(members))
    return cycles


def _imports_outside_own_packages(module: str) -> set[str]:
    """What ``module`` imports, less the packages it sits in: Python has run their
    ``__init__`` before the module itself, so that edge is no cycle."""
    return {target for target in direct_imports(module) if not module.startswith(target + ".")}


def test_no_import_cycle_in_the_package() -> None:
    cycles = import_cycles(_imports_outside_own_packages)
    assert not cycles, "import cycles:\n" + "\n".join(" ↔ ".join(c) for c in cycles)


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import() -> None:
    # What the run core and shards were before: run imported shards inside a function,
    # and shards imported run inside another.
    graph = {
        "assessor.run": {"assessor.shards", "assessor.catalog"},
        "assessor.shards": {"assessor.shards.remote"},
        "assessor.shards.remote": {"assessor.run"},
    }
    assert import_cycles(lambda module: graph.get(module, set())) == [
        ["assessor.run", "assessor.shards", "assessor.shards.remote"]
    ]


def test_no_probe_imports_the_engine_even_a_third_party_one_would_see() -> None:
    for module in (name for name in MODULES if _stage(name) == "probes"):
        assert not any(_stage(target) == "engine" for target in reachable(module)), module


def test_no_module_is_over_the_size_a_newcomer_can_read() -> None:
    long = {
        name: lines
        for name, path in MODULES.items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_the_database_layer_is_loaded_only_by_runs_that_keep_history() -> None:
    # SQLAlchemy and Alembic take about 0.35 s to import: every audit without --history,
    # and every shard worker, would pay it for nothing.
    probe = "import sys, assessor.cli, assessor.shards; print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'alembic'}))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
