"""The index probes' shared kit, checked over every probe: error codes come from the
providers' own definitions, no fault is told apart by its message, and every SDK client a
probe builds is behind the read-only guard."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

from assessor.probes.live import ErrorTable

PROBES = Path(__file__).resolve().parents[2] / "assessor" / "probes"
TABLES = {
    "alibaba": "assessor.probes.alibaba.probe",
    "tencent": "assessor.probes.tencent.probe",
    "huawei": "assessor.probes.huawei.probe",
}


@pytest.mark.parametrize("probe", sorted(TABLES))
def test_every_error_code_cites_its_definition_and_sdk_tables_really_name_it(probe: str) -> None:
    table: ErrorTable = importlib.import_module(TABLES[probe]).ERRORS
    checked = 0
    for entry in table.entries():
        if entry.source.startswith("https://"):
            continue  # the provider's API reference: no table ships in its SDK
        module = importlib.import_module(entry.source)  # a module of the installed SDK
        text = inspect.getsource(module)
        assert f"'{entry.code}'" in text or f'"{entry.code}"' in text, (entry.code, entry.source)
        checked += 1
    if probe == "tencent":
        assert checked >= 5  # Tencent ships its tables: most codes are checked against them


def test_the_sdk_table_check_would_catch_a_code_that_does_not_exist() -> None:
    # The codes the Tencent probe waited for before (NotEnabled, NotOpen, RecorderNotExist)
    # are in none of Config's tables; the real ones are.
    text = inspect.getsource(importlib.import_module("tencentcloud.config.v20220802.errorcodes"))
    for invented in (
        "NotEnabled",
        "NotOpen",
        "RecorderNotExist",
        "ResourceNotFound.RecorderNotExists",
    ):
        assert f"'{invented}'" not in text
    for real in ("ResourceNotFound.RecorderIsNotExist", "FailedOperation.RecorderIsClose"):
        assert f"'{real}'" in text


MESSAGE_MATCHING = re.compile(
    r"[^a-z]in \(?str\((e|exc|err|error)\)|str\((e|exc|err|error)\)\.(startswith|endswith|lower)\("
    r"|(message|msg)\.(startswith|endswith|lower)\(|\.message\.startswith"
)


def test_no_probe_tells_faults_apart_by_message_text() -> None:
    hits = [
        f"{path.relative_to(PROBES)}:{number}: {line.strip()}"
        for path in sorted(PROBES.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if MESSAGE_MATCHING.search(line)
    ]
    assert not hits, hits


# SDK clients the index probes build, and the guards that may hold them.
SDK_CLIENTS = {
    "AssetServiceClient",
    "Bucket",
    "CommonClient",
    "ConfigClient",
    "CosS3Client",
    "ObsClient",
    "RdsClient",
    "ResourceGraphClient",
    "RmsClient",
    "Service",
    "TagClient",
}
GUARDS = {"GuardedClient", "_Common", "RpcApi"}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _name(node.func)
    return ""


def _unguarded(tree: ast.Module) -> list[tuple[int, str]]:
    """Every reference to an SDK client class that is not inside a guard's call, and not in a
    factory function whose every call is inside one."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

    def guarded(node: ast.AST) -> bool:
        while node in parents:
            node = parents[node]
            if isinstance(node, ast.Call) and _name(node.func) in GUARDS:
                return True
            if isinstance(node, ast.ClassDef) and node.name in GUARDS:
                return True
        return False

    def enclosing_function(node: ast.AST) -> str | None:
        while node in parents:
            node = parents[node]
            if isinstance(node, ast.FunctionDef):
                return node.name
        return None

    annotations = {
        id(inner)
        for node in ast.walk(tree)
        for annotation in (
            getattr(node, "annotation", None)
            if isinstance(node, ast.arg | ast.AnnAssign)
            else None,
            node.returns if isinstance(node, ast.FunctionDef) else None,
        )
        if annotation is not None
        for inner in ast.walk(annotation)
    }
    found = []
    references = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Name | ast.Attribute)
        and _name(node) in SDK_CLIENTS
        and id(node) not in annotations  # a type named, not a client built
    ]
    for node in references:
        if guarded(node):
            continue
        factory = enclosing_function(node)
        calls = [
            call
            for call in ast.walk(tree)
            if isinstance(call, ast.Call) and _name(call.func) == factory
        ]
        if factory and calls and all(guarded(call) for call in calls):
            continue  # built in a factory whose every result goes straight into a guard
        found.append((node.lineno, _name(node)))
    return found


def test_every_sdk_client_a_probe_builds_is_behind_the_read_only_guard() -> None:
    listed: dict[str, list[str]] = {}
    problems = []
    for path in sorted(PROBES.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = sorted(
            {
                _name(node)
                for node in ast.walk(tree)
                if isinstance(node, ast.Name | ast.Attribute) and _name(node) in SDK_CLIENTS
            }
        )
        if names:
            listed[str(path.relative_to(PROBES))] = names
        problems += [f"{path.relative_to(PROBES)}:{line} {name}" for line, name in _unguarded(tree)]
    # The list, so a new client shows up in review: every index probe's SDKs are here.
    assert {"tencent/probe.py", "huawei/probe.py", "gcp/probe.py", "azure/probe.py"} <= set(listed)
    assert not problems, problems


def test_the_guard_check_finds_a_client_outside_a_guard() -> None:
    tree = ast.parse(
        "def scan():\n"
        "    ok = GuardedClient(ConfigClient(a, b), 'tencent', OPS)\n"
        "    bad = TagClient(a, b)\n"
    )
    assert _unguarded(tree) == [(3, "TagClient")]
