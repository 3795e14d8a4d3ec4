"""The organization's own residency policy (``--policy FILE``), turned into rules.

Each policy entry says where data of one classification may be (``allowed``) or must not be
(``denied``). Places are country codes (``DE``), jurisdictions (``EU``), provider regions
(``aws:us-east-1``) and country groups (``in:eu-locations``, ``in:five-eyes``), which the
policy can define or extend. An entry becomes one rule of the ``residency`` pack; it checks
the asset's own location and every place its data is copied to.

A rule's id is the entry's ``id`` or is derived from a stable key the entry carries (its
``name``, else its classification), never from its position: reordering a policy or editing
its place lists changes no finding's fingerprint and no baseline entry.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assessor.catalog import Catalog
from assessor.engine.conditions import GROUP_PREFIX
from assessor.engine.loader import LoadedRule, Overrides, compile_rule
from assessor.errors import InputError
from assessor.inputs import LineMap, load_validated_yaml
from assessor.models import CountryGroup, PolicyEntry, Provider, ResidencyPolicy, Rule, SourceRef

PACK = "residency"


@dataclass(frozen=True)
class LoadedPolicy:
    """A validated policy: the catalog with its groups, its rules, and parameter overrides."""

    catalog: Catalog
    rules: list[LoadedRule]
    overrides: Overrides


@dataclass(frozen=True)
class Places:
    """A policy entry's place list, split by kind."""

    countries: frozenset[str]
    regions: frozenset[str]


def load_policy(path: Path, catalog: Catalog) -> LoadedPolicy:
    """Read an organization's residency policy into rules, the catalog with the groups it defines,
    and parameter overrides; errors name file, line and field."""
    policy, lines = load_validated_yaml(path, ResidencyPolicy)
    name = str(path)
    catalog = catalog.with_groups(_groups(policy, catalog, name, lines))
    ids = _entry_ids(policy, name, lines)
    rules = [
        _entry_rule(policy, entry, index, ids[index], catalog, name, lines)
        for index, entry in enumerate(policy.rules)
    ]
    overrides: Overrides = {rule: dict(values) for rule, values in policy.parameters.items()}
    return LoadedPolicy(catalog, rules, overrides)


def entry_key(entry: PolicyEntry) -> str:
    """What identifies an entry across edits: its name, else the data class it governs."""
    return entry.name or _slug(entry.classification)


def derived_id(key: str) -> str:
    """``RES-`` and three digits from the key's hash: the same key, the same id, wherever
    the entry sits in the file."""
    number = int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % 1000
    return f"RES-{number:03d}"


def _entry_ids(policy: ResidencyPolicy, name: str, lines: LineMap) -> list[str]:
    ids: list[str] = []
    seen: dict[str, int] = {}
    keys: dict[str, int] = {}
    for index, entry in enumerate(policy.rules):
        line = lines.get(("rules", index), 1)
        key = entry_key(entry)
        if entry.id is None and key in keys:
            raise InputError(
                name,
                line,
                f"rules[{index}]",
                f"another entry (line {keys[key]}) has the key {key!r}: give each a name",
            )
        keys.setdefault(key, line)
        rule_id = entry.id or derived_id(key)
        if rule_id in seen:
            raise InputError(
                name,
                line,
                f"rules[{index}].id",
                f"{rule_id} is also the id of the entry at line {seen[rule_id]}: "
                "give one of them an explicit id",
            )
        seen[rule_id] = line
        ids.append(rule_id)
    return ids


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "any"


def _groups(
    policy: ResidencyPolicy, catalog: Catalog, name: str, lines: LineMap
) -> dict[str, CountryGroup]:
    known = catalog.groups()
    made = {}
    for group_name, definition in policy.groups.items():
        base = known.get(group_name)
        if definition.extend and base is None:
            raise InputError(
                name,
                lines.get(("groups", group_name), 1),
                f"groups.{group_name}.extend",
                f"there is no group {group_name!r} to extend",
            )
        countries = set(definition.countries) | set(definition.extend)
        if base is not None and not definition.countries:
            countries |= base.countries
        made[group_name] = CountryGroup(
            name=group_name,
            description=definition.description or (base.description if base else group_name),
            countries=frozenset(countries),
            sources=base.sources if base else (),
        )
    return made


def _places(
    tokens: tuple[str, ...], key: str, index: int, catalog: Catalog, name: str, lines: LineMap
) -> Places:
    countries: set[str] = set()
    regions: set[str] = set()
    jurisdiction_members: dict[str, set[str]] = {}
    for code, country in catalog.countries().items():
        for jurisdiction in country.jurisdictions:
            jurisdiction_members.setdefault(jurisdiction, set()).add(code)
    for position, token in enumerate(tokens):
        where = lines.get(("rules", index, key, position), lines.get(("rules", index, key), 1))
        if token.startswith(GROUP_PREFIX):
            try:
                countries |= catalog.group(token[len(GROUP_PREFIX) :]).countries
            except KeyError as error:
                raise InputError(name, where, f"rules[{index}].{key}", str(error.args[0])) from None
        elif ":" in token:
            provider, _, region = token.partition(":")
            if (
                provider not in {p.value for p in Provider}
                or not catalog.locate(Provider(provider), region).known
            ):
                raise InputError(
                    name,
                    where,
                    f"rules[{index}].{key}",
                    f"{token!r} is not a region in the catalog (write provider:region)",
                )
            regions.add(f"{provider}:{catalog.locate(Provider(provider), region).region}")
        elif token.upper() in jurisdiction_members:
            countries |= jurisdiction_members[token.upper()]
        elif len(token) == 2 and token.isalpha():
            countries.add(token.upper())
        else:
            raise InputError(
                name,
                where,
                f"rules[{index}].{key}",
                f"{token!r} is not a country, jurisdiction, provider:region or in:GROUP",
            )
    return Places(frozenset(countries), frozenset(regions))


def _within(prefix: str, places: Places) -> dict[str, Any]:
    """The location at ``prefix`` lies entirely inside the places."""
    options: list[dict[str, Any]] = []
    if places.countries:
        options.append(
            {
                "all": [
                    {"field": f"{prefix}.known", "op": "eq", "value": True},
                    {
                        "field": f"{prefix}.countries",
                        "op": "subset_of",
                        "value": sorted(places.countries),
                    },
                ]
            }
        )
    if places.regions:
        options.append(
            {"field": f"{prefix}.provider_region", "op": "in", "value": sorted(places.regions)}
        )
    return {"any": options}


def _touches(prefix: str, places: Places) -> dict[str, Any]:
    """The location at ``prefix`` lies at least partly inside the places."""
    options: list[dict[str, Any]] = []
    if places.countries:
        options.append(
            {"field": f"{prefix}.countries", "op": "intersects", "value": sorted(places.countries)}
        )
    if places.regions:
        options.append(
            {"field": f"{prefix}.provider_region", "op": "in", "value": sorted(places.regions)}
        )
    return {"any": options}


def _entry_rule(
    policy: ResidencyPolicy,
    entry: PolicyEntry,
    index: int,
    rule_id: str,
    catalog: Catalog,
    name: str,
    lines: LineMap,
) -> LoadedRule:
    if not entry.allowed and not entry.denied:
        raise InputError(
            name,
            lines.get(("rules", index), 1),
            f"rules[{index}]",
            "an entry needs allowed or denied places",
        )
    breaches: list[dict[str, Any]] = []
    described = []
    if entry.allowed:
        allowed = _places(entry.allowed, "allowed", index, catalog, name, lines)
        breaches.append({"not": _within("location", allowed)})
        breaches.append({"flows": {"where": {"not": _within("target", allowed)}}})
        described.append(f"allowed only in {', '.join(entry.allowed)}")
    if entry.denied:
        denied = _places(entry.denied, "denied", index, catalog, name, lines)
        breaches.append(_touches("location", denied))
        breaches.append({"flows": {"where": _touches("target", denied)}})
        described.append(f"denied in {', '.join(entry.denied)}")
    conditions: list[dict[str, Any]] = [{"any": breaches}]
    if entry.classification != "*":
        conditions.insert(
            0, {"field": "classification", "op": "eq", "value": entry.classification.lower()}
        )
    data = f"{entry.classification} data" if entry.classification != "*" else "data"
    rule = Rule.model_validate(
        {
            "id": rule_id,
            # Where the data (or a copy of it) is: the policy judges location.
            "fact": "location",
            "name": f"residency.{entry_key(entry)}",
            "title": f"Policy: {data} {' and '.join(described)}",
            "severity": entry.severity,
            "policy": f"{policy.name}, entry {entry_key(entry)}",
            "rationale": entry.description
            or (f"The organization's residency policy says {data} is {' and '.join(described)}."),
            "remediation": "Move the data, or its copies, to a place the policy allows, "
            "or change the policy with the data owner's approval.",
            "message": "{name} ("
            + data
            + ", in {location.name}) or a copy of it breaks the policy: "
            + "; ".join(described)
            + ".",
            "sources": [
                SourceRef(
                    title=f"{policy.name} ({Path(name).name})", url=Path(name).resolve().as_uri()
                )
            ],
            "when": {"all": conditions} if len(conditions) > 1 else conditions[0],
        }
    )
    return compile_rule(rule, PACK, catalog, name, lines, ("rules", index), {})
