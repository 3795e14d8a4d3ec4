"""Loads rule packs from YAML, validating every field and naming file and line on error."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from assessor.catalog import Catalog
from assessor.engine.conditions import CompileError, Predicate, compile_condition
from assessor.engine.fields import PLACEHOLDER, Getter, getter
from assessor.errors import InputError
from assessor.models import Rule, RulePack, Severity
from assessor.resources import data_dir

RULE_FILE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class CompiledEscalation:
    predicate: Predicate
    severity: Severity
    reason: str


@dataclass(frozen=True)
class LoadedRule:
    """A validated rule, its pack, where it came from, and its compiled conditions."""

    rule: Rule
    pack: str
    path: str
    line: int
    predicate: Predicate
    escalations: tuple[CompiledEscalation, ...] = ()
    evidence: tuple[tuple[str, Getter], ...] = ()
    params: dict[str, object] = field(default_factory=dict)


LineMap = dict[tuple[str | int, ...], int]
_Model = TypeVar("_Model", bound=BaseModel)

# Rule id → parameter name → value, from a policy file or --set.
Overrides = dict[str, dict[str, object]]


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
    paths: Iterable[Path],
    catalog: Catalog,
    packs: Iterable[str] = (),
    overrides: Overrides | None = None,
    extra: Iterable[LoadedRule] = (),
) -> list[LoadedRule]:
    """Load every pack under ``paths`` (plus ``extra`` rules already built, such as a
    residency policy's); keep only ``packs`` when any are named."""
    wanted = set(packs)
    overrides = overrides or {}
    loaded: list[LoadedRule] = []
    seen: dict[str, str] = {}
    batches = [load_pack(path, catalog, overrides) for path in rule_files(paths)]
    extra = list(extra)
    if extra:
        batches.append(extra)
    for pack_rules in batches:
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
    _check_overrides(overrides, loaded)
    return loaded


def _check_overrides(overrides: Overrides, loaded: list[LoadedRule]) -> None:
    by_identity = {
        identity: item
        for item in loaded
        for identity in (item.rule.id, item.rule.name, *item.rule.aliases)
    }
    for rule_id, values in overrides.items():
        item = by_identity.get(rule_id)
        if item is None:
            raise InputError("parameters", None, rule_id, "no such rule to set parameters of")
        for name in values:
            if name not in item.rule.parameters:
                declared = ", ".join(sorted(item.rule.parameters)) or "none"
                raise InputError(
                    "parameters",
                    None,
                    f"{rule_id}.{name}",
                    f"the rule has no such parameter (declared: {declared})",
                )


def load_pack(path: Path, catalog: Catalog, overrides: Overrides | None = None) -> list[LoadedRule]:
    """Parse, validate and compile one pack file."""
    pack, lines = load_validated_yaml(path, RulePack)
    name = str(path)
    return [
        compile_rule(rule, pack.pack, catalog, name, lines, ("rules", index), overrides or {})
        for index, rule in enumerate(pack.rules)
    ]


def compile_rule(
    rule: Rule,
    pack: str,
    catalog: Catalog,
    name: str,
    lines: dict[tuple[str | int, ...], int],
    base: tuple[str | int, ...],
    overrides: Overrides,
) -> LoadedRule:
    """Compile a validated rule's conditions; errors point at the rule's file and line."""
    params: dict[str, object] = {key: p.default for key, p in rule.parameters.items()}
    for identity in (rule.id, rule.name, *rule.aliases):
        params.update(overrides.get(identity, {}))

    def fail(where: tuple[str | int, ...], message: str) -> InputError:
        return InputError(name, _line_for(lines, where), _dotted(where), message)

    try:
        predicate = compile_condition(rule.when, catalog, params=params)
        escalations = tuple(
            CompiledEscalation(
                compile_condition(step.when, catalog, ("escalate", i, "when"), params=params),
                step.severity,
                step.reason,
            )
            for i, step in enumerate(rule.escalate)
        )
    except CompileError as error:
        raise fail((*base, *error.path), error.message) from None
    evidence = []
    for i, field_name in enumerate(rule.evidence):
        read = getter(field_name, in_flow=False)
        if read is None:
            raise fail((*base, "evidence", i), f"unknown field {field_name!r}")
        evidence.append((field_name, read))
    for placeholder in PLACEHOLDER.findall(rule.message):
        if getter(placeholder, in_flow=False) is None:
            raise fail((*base, "message"), f"unknown field {{{placeholder}}} in the message")
    return LoadedRule(
        rule, pack, name, lines.get(base, 1), predicate, escalations, tuple(evidence), params
    )


def load_validated_yaml(path: Path, model: type[_Model]) -> tuple[_Model, LineMap]:
    """Read a YAML file into ``model``; any problem is an InputError with file, line, field."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(name, None, None, f"cannot read: {error.strerror}") from None
    data, lines = parse_yaml_with_lines(text, name)
    try:
        return model.model_validate(data), lines
    except ValidationError as error:
        problems = error.errors()
        # A key that is there but wrong says more than a key reported missing because of it.
        first = min(problems, key=lambda problem: problem["type"] == "missing")
        path_in_file = _data_path(data, first["loc"])
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise InputError(
            name, _line_for(lines, path_in_file), _dotted(path_in_file), first["msg"] + more
        ) from None


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


_UNION_TAGS = frozenset({"all", "any", "not", "flows", "field"})


def _data_path(data: Any, loc: Sequence[Any]) -> tuple[str | int, ...]:
    """Map a pydantic error location onto the data.

    Pydantic puts the tag of a discriminated union into the location (``when.field.op``
    for the ``field`` member); a tag can also be a real key, so both readings are tried
    and the one that follows the data furthest wins.
    """
    best: tuple[str | int, ...] = ()

    def walk(current: Any, index: int, path: tuple[str | int, ...]) -> None:
        nonlocal best
        if len(path) > len(best) or (len(path) == len(best) and index == len(loc)):
            best = path
        if index == len(loc):
            return
        part = "not" if loc[index] == "not_" else loc[index]
        in_dict = isinstance(current, dict) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and part < len(current)
        if in_dict or in_list:
            walk(current[part], index + 1, (*path, part))
        elif isinstance(current, dict) and index == len(loc) - 1 and isinstance(part, str):
            best = max(best, (*path, part), key=len)  # a missing or extra field, by name
        if isinstance(part, str) and part in _UNION_TAGS:
            walk(current, index + 1, path)

    walk(data, 0, ())
    return best


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
