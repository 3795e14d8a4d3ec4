"""Loads rule packs from YAML, validating every field and naming file and line on error."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from assessor.catalog import Catalog
from assessor.engine.conditions import CompileError, Predicate, compile_condition
from assessor.engine.fields import PLACEHOLDER, Getter, getter
from assessor.errors import InputError
from assessor.inputs import LineMap, dotted, line_for, load_validated_yaml
from assessor.models import Rule, RulePack, Severity
from assessor.resources import data_dir

RULE_FILE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class CompiledEscalation:
    """A severity escalation, compiled: the severity it raises to when its predicate holds,
    and why."""

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
    # Each lowers the severity one step when its predicate holds (severity is unused).
    lowerings: tuple[CompiledEscalation, ...] = ()


# Rule id → parameter name → value, from a policy file or --set.
Overrides = dict[str, dict[str, object]]


def builtin_rules_dir() -> Path:
    """The built-in rule packs: ``rules/`` in a checkout, ``assessor/_data/rules`` in a wheel."""
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
    lines: LineMap,
    base: tuple[str | int, ...],
    overrides: Overrides,
) -> LoadedRule:
    """Compile a validated rule's conditions; errors point at the rule's file and line."""
    params: dict[str, object] = {key: p.default for key, p in rule.parameters.items()}
    for identity in (rule.id, rule.name, *rule.aliases):
        params.update(overrides.get(identity, {}))

    def fail(where: tuple[str | int, ...], message: str) -> InputError:
        return InputError(name, line_for(lines, where), dotted(where), message)

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
        lowerings = tuple(
            CompiledEscalation(
                compile_condition(step.when, catalog, ("lower", i, "when"), params=params),
                rule.severity,
                step.reason,
            )
            for i, step in enumerate(rule.lower)
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
        rule,
        pack,
        name,
        lines.get(base, 1),
        predicate,
        escalations,
        tuple(evidence),
        params,
        lowerings,
    )
