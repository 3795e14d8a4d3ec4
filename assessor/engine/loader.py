"""Loads rule packs from YAML, validating every field and naming file and line on error."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from assessor.catalog import Catalog
from assessor.engine.conditions import CompileError, Predicate, compile_condition
from assessor.errors import InputError
from assessor.models import Rule, RulePack
from assessor.resources import data_dir

RULE_FILE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class LoadedRule:
    """A validated rule, its pack, where it came from, and its compiled condition."""

    rule: Rule
    pack: str
    path: str
    line: int
    predicate: Predicate


def builtin_rules_dir() -> Path:
    return data_dir("rules")


def rule_files(paths: Iterable[Path]) -> list[Path]:
    """Rule files under the given files and directories, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.suffix in RULE_FILE_SUFFIXES and p.is_file())
            )
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(str(path), None, None, "no such rule file or directory")
    return found


def load_rules(
    paths: Iterable[Path], catalog: Catalog, packs: Iterable[str] = ()
) -> list[LoadedRule]:
    """Load every pack under ``paths``; keep only ``packs`` when any are named."""
    wanted = set(packs)
    loaded: list[LoadedRule] = []
    seen: dict[str, str] = {}
    for path in rule_files(paths):
        pack_rules = load_pack(path, catalog)
        if wanted and (not pack_rules or pack_rules[0].pack not in wanted):
            continue
        for item in pack_rules:
            for identity in (item.rule.id, item.rule.name, *item.rule.aliases):
                if identity in seen:
                    raise InputError(
                        item.path,
                        item.line,
                        "id",
                        f"{identity!r} is already defined in {seen[identity]}",
                    )
                seen[identity] = f"{item.path}:{item.line}"
            loaded.append(item)
    missing = wanted - {item.pack for item in loaded}
    if missing:
        raise InputError(", ".join(sorted(missing)), None, "pack", "no such rule pack")
    return loaded


def load_pack(path: Path, catalog: Catalog) -> list[LoadedRule]:
    """Parse, validate and compile one pack file."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(name, None, None, f"cannot read: {error.strerror}") from None
    data, lines = parse_yaml_with_lines(text, name)
    try:
        pack = RulePack.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        path_in_file = _data_path(data, first["loc"])
        raise InputError(
            name, _line_for(lines, path_in_file), _dotted(path_in_file), first["msg"]
        ) from None
    loaded = []
    for index, rule in enumerate(pack.rules):
        base: tuple[str | int, ...] = ("rules", index)
        try:
            predicate = compile_condition(rule.when, catalog)
        except CompileError as error:
            where = (*base, *error.path)
            raise InputError(name, _line_for(lines, where), _dotted(where), error.message) from None
        loaded.append(LoadedRule(rule, pack.pack, name, lines.get(base, 1), predicate))
    return loaded


def parse_yaml_with_lines(text: str, name: str) -> tuple[Any, dict[tuple[str | int, ...], int]]:
    """Safe-load YAML and record the 1-based line of every mapping key and list item."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise InputError(name, line, None, f"invalid YAML: {error.problem}") from None
    lines: dict[tuple[str | int, ...], int] = {}
    if root is None:
        raise InputError(name, 1, None, "the file is empty")
    # Scalars are resolved by the safe loader's own rules (ints, floats, booleans, null).
    scalars = yaml.SafeLoader("")
    try:
        return _to_python(root, (), lines, name, scalars), lines
    finally:
        scalars.dispose()


def _to_python(
    node: yaml.Node,
    path: tuple[str | int, ...],
    lines: dict[tuple[str | int, ...], int],
    name: str,
    scalars: yaml.SafeLoader,
) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in result:
                raise InputError(name, key_node.start_mark.line + 1, str(key), "duplicate key")
            child = (*path, key)
            lines[child] = key_node.start_mark.line + 1
            result[key] = _to_python(value_node, child, lines, name, scalars)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _to_python(item, (*path, i), lines, name, scalars) for i, item in enumerate(node.value)
        ]
    return scalars.construct_object(node, deep=True)


def _data_path(data: Any, loc: Iterable[Any]) -> tuple[str | int, ...]:
    """Map a pydantic error location onto the data, skipping union tags it inserts."""
    current = data
    path: list[str | int] = []
    for part in loc:
        in_dict = isinstance(current, dict) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and part < len(current)
        if in_dict or in_list:
            current = current[part]
            path.append(part)
        elif isinstance(current, dict) and part == "not_" and "not" in current:
            current = current["not"]
            path.append("not")
        elif isinstance(current, dict | list):
            continue
        else:
            break
    # A missing field is reported at its parent, under the field's name.
    last = list(loc)[-1] if loc else None
    if isinstance(last, str) and (not path or path[-1] != last) and isinstance(current, dict):
        return (*path, last)
    return tuple(path)


def _line_for(lines: dict[tuple[str | int, ...], int], path: tuple[str | int, ...]) -> int:
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return 1


def _dotted(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


def iter_rules(loaded: Iterable[LoadedRule]) -> Iterator[Rule]:
    return (item.rule for item in loaded)
