"""Evaluates compiled rules over an inventory: a pure function from assets to findings.

Large estates repeat themselves: thousands of buckets share a provider, a region, a data
class and a replication target. A rule that reads none of an asset's identity fields (id,
name, account) gives the same answer for every asset of the same *shape*, so its outcome is
computed once per shape and reused. A shape is made of only the parts of an asset the rule
reads (its place, its data, its keys, its public access, its flows: ``COMPONENTS``), so a
rule about the provider's jurisdiction is asked once per provider and data class, not once
per region and replication target. Only the finding's message, which names the asset, is
rendered per asset.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter

from assessor.catalog import Catalog
from assessor.engine.fields import (
    ATTRIBUTE_PREFIX,
    FLOW_FIELDS,
    PLACEHOLDER,
    TAG_PREFIX,
    Context,
    getter,
    record_count,
)
from assessor.engine.loader import LoadedRule
from assessor.engine.outcomes import FoundFindings, MessagePart, Outcome
from assessor.heap import cycles_collected_after
from assessor.models import (
    SEVERITY_ORDER,
    Asset,
    Fact,
    Finding,
    Rule,
    Selector,
    comparisons,
    shared_mapping,
)

IDENTITY_FIELDS = frozenset({"id", "name", "account"})
# Attributes that are part of an asset's shape (``Evaluator._shape``); any other attribute
# may differ between assets of one shape, so a rule reading it is evaluated per asset.
SHAPE_ATTRIBUTES = frozenset({f"{ATTRIBUTE_PREFIX}location_note"})
# Facts whose findings show where the location came from, when a probe says.
_PLACED_BY = frozenset({Fact.LOCATION, Fact.OPERATOR, Fact.COVERAGE})

Shape = tuple[object, ...]


# Shapes whose outcomes are kept. Real estates repeat a few thousand shapes; past this
# many, the caches start again, so an estate of endless shapes cannot grow them unbounded.
SHAPES_HELD = 200_000


def evaluate(
    assets: Iterable[Asset],
    rules: Sequence[LoadedRule],
    catalog: Catalog,
    evaluator: Evaluator | None = None,
) -> FoundFindings:
    """Every finding of every rule on every asset, in a deterministic order (each built
    when read: ``FoundFindings``); by ``evaluator`` (of the same rules) when one is kept."""
    if evaluator is not None:
        return evaluator.findings(assets)
    with cycles_collected_after():  # outcomes are trees; a million of them need no search
        # The evaluator (and its caches) is let go before the findings are sorted: a
        # million findings' sort needs the room (``Evaluator.findings`` keeps it).
        return Evaluator(rules, catalog).run(assets).sorted()


@dataclass
class _Group:
    """Rules that read the same components of an asset, with their outcomes per shape."""

    components: tuple[int, ...]  # positions in a shape (``COMPONENTS``)
    rules: list[LoadedRule]
    outcomes: dict[Shape, list[Outcome]]


@dataclass
class _Plan:
    """The rules split by whether their outcome depends only on an asset's shape."""

    groups: list[_Group]
    per_asset: list[LoadedRule]
    tag_keys: tuple[str, ...]
    reads_record_count: bool


class Evaluator:
    """Runs rules over assets, caching outcomes per asset shape."""

    def __init__(self, rules: Sequence[LoadedRule], catalog: Catalog) -> None:
        self.catalog = catalog
        self.plan = _plan(rules)
        self.messages = {id(item): _message_parts(item.rule) for item in rules}
        self.identity_parts = {
            id(part)
            for parts in self.messages.values()
            for part in parts
            if not isinstance(part, str) and getattr(part, "field", None) in IDENTITY_FIELDS
        }
        self._admitted: dict[tuple[object, str, str], _Plan] = {}
        self._cache: dict[Shape, list[Outcome]] = {}

    def findings(self, assets: Iterable[Asset]) -> FoundFindings:
        """Every finding on ``assets``, in the order every output uses. One evaluator may
        be asked again (an organization's parts, one after another): it keeps its caches."""
        with cycles_collected_after():  # outcomes are trees; a million of them need no search
            return self.run(assets).sorted()

    def run(self, assets: Iterable[Asset]) -> FoundFindings:
        """Every finding of the evaluator's rules on ``assets``, in input order."""
        findings = FoundFindings(self.catalog)
        for asset in assets:
            rules = self._rules_for(asset)
            context = Context(asset, self.catalog)
            shape = self._shape(asset)
            # An asset like one seen before costs one look-up; one that is not is evaluated
            # only by the groups whose parts of it are new.
            outcomes = self._cache.get(shape)
            if outcomes is None:
                if len(self._cache) >= SHAPES_HELD:
                    self._forget()
                outcomes = self._cache[shape] = self._shaped(rules.groups, shape, context)
            if rules.per_asset:
                outcomes = [*outcomes, *self._outcomes(rules.per_asset, context)]
            findings.add(outcomes, asset)
        return findings

    def _forget(self) -> None:
        """Start every cache of outcomes again (the groups admitted per selector share
        their dicts with the plan's)."""
        self._cache.clear()
        for group in self.plan.groups:
            group.outcomes.clear()

    def _shaped(self, groups: list[_Group], shape: Shape, context: Context) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for group in groups:
            key = tuple([shape[index] for index in group.components])
            found = group.outcomes.get(key)
            if found is None:
                found = group.outcomes[key] = self._outcomes(group.rules, context)
            outcomes += found
        return outcomes

    def _rules_for(self, asset: Asset) -> _Plan:
        """The rules whose selectors admit the asset's provider, service and kind, found once
        per combination: a million buckets then never ask the network rules about a bucket.
        Each group keeps its outcomes: the provider, service and kind are in every shape."""
        key = (asset.provider, asset.service, asset.kind)
        rules = self._admitted.get(key)
        if rules is None:
            plan = self.plan
            groups = [
                _Group(group.components, admitted, group.outcomes)
                for group in plan.groups
                if (admitted := [item for item in group.rules if selected(item.rule.select, asset)])
            ]
            rules = _Plan(
                groups,
                [item for item in plan.per_asset if selected(item.rule.select, asset)],
                plan.tag_keys,
                plan.reads_record_count,
            )
            self._admitted[key] = rules
        return rules

    def _shape(self, asset: Asset) -> Shape:
        """Each part of an asset a shape-cached rule can read (``COMPONENTS``, in order), and
        nothing that names it.

        Locations are not in the shape: they follow from provider, region and country.
        """
        encryption = asset.encryption
        return (
            (asset.provider, asset.service, asset.kind),
            (
                asset.region,
                asset.country,
                asset.vendor,
                asset.attributes.get("location_note"),  # SHAPE_ATTRIBUTES
            ),
            (
                asset.classification,
                tuple(map(asset.tags.get, self.plan.tag_keys)),
                record_count(asset) if self.plan.reads_record_count else None,
            ),
            (encryption.custody, encryption.key_region) if encryption else None,
            asset.public_access_blocked,
            tuple((f.kind, f.target_region, f.target_country, f.target_id) for f in asset.flows),
        )

    def _outcomes(self, rules: Iterable[LoadedRule], context: Context) -> list[Outcome]:
        outcomes = []
        for item in rules:  # each admits the asset (``_rules_for``)
            evidence = item.predicate(context)
            if evidence is None:
                continue
            severity = item.rule.severity
            for name, read in item.evidence:
                found = read(context)
                if isinstance(found, tuple):
                    evidence[name] = ", ".join(found) or "none"
                else:
                    evidence[name] = "unknown" if found is None else str(found)
            note = context.asset.attributes.get("location_note")
            if note and item.rule.fact in _PLACED_BY:
                # Where the location came from (a provider's default, a parent): part of
                # what the finding shows, so a reader can check it.
                evidence.setdefault("attributes.location_note", note)
            for step in item.escalations:
                if step.severity.rank > severity.rank and step.predicate(context) is not None:
                    severity = step.severity
                    evidence["severity raised"] = (
                        f"{item.rule.severity.value} → {severity.value}: {step.reason}"
                    )
            for step in item.lowerings:
                if severity.rank > 0 and step.predicate(context) is not None:
                    lowered = SEVERITY_ORDER[severity.rank - 1]
                    evidence["severity lowered"] = (
                        f"{severity.value} → {lowered.value}: {step.reason}"
                    )
                    severity = lowered
            # Render what does not name the asset once, joined into as few texts as it can
            # be; keep the rest for each asset.
            message: list[MessagePart] = []
            for part in self.messages[id(item)]:
                if not isinstance(part, str) and id(part) not in self.identity_parts:
                    part = part(context)
                if isinstance(part, str) and message and isinstance(message[-1], str):
                    message[-1] += part
                else:
                    message.append(part)
            # Shapes differ in fields the evidence does not show: one copy per distinct evidence.
            outcomes.append(Outcome(item, shared_mapping(evidence), severity, message))
        return outcomes


def selected(selector: Selector, asset: Asset) -> bool:
    """Whether a rule's selector (providers, services, kinds) admits the asset."""
    return (
        (not selector.providers or asset.provider in selector.providers)
        and (not selector.services or asset.service in selector.services)
        and (not selector.kinds or asset.kind in selector.kinds)
    )


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings worst first, then by rule, asset and fingerprint: the order every output uses.

    Sorted once per key, least significant first (each sort is stable): a key per finding
    instead of a tuple per finding, which for a million findings is 90 MiB less at the peak.
    """
    ordered = list(findings)
    for key in _SORT_KEYS:
        ordered.sort(key=key)
    return ordered


_SORT_KEYS: tuple[Callable[[Finding], str | int], ...] = (
    attrgetter("fingerprint"),
    attrgetter("asset_id"),
    attrgetter("rule_id"),
    lambda finding: -finding.severity.rank,
)


def _message_parts(rule: Rule) -> list[MessagePart]:
    parts: list[MessagePart] = []
    position = 0
    for match in PLACEHOLDER.finditer(rule.message):
        parts.append(rule.message[position : match.start()])
        read = getter(match.group(1), in_flow=False)
        parts.append(_shown(match.group(1), read) if read else match.group(0))
        position = match.end()
    parts.append(rule.message[position:])
    return parts


def _shown(field: str, read: Callable[[Context], object]) -> Callable[[Context], str]:
    def show(context: Context) -> str:
        found = read(context)
        if isinstance(found, tuple):
            return ", ".join(str(value) for value in found) or "none"
        return "unknown" if found in (None, "") else str(found)

    show.field = field  # type: ignore[attr-defined]
    return show


def _plan(rules: Sequence[LoadedRule]) -> _Plan:
    groups: dict[tuple[str, ...], list[LoadedRule]] = {}
    per_asset: list[LoadedRule] = []
    tag_keys: set[str] = set()
    reads_record_count = False
    for item in rules:
        # Message parts that name the asset are rendered per asset whatever the shape.
        fields = rule_fields(item.rule) | (message_fields(item.rule) - IDENTITY_FIELDS)
        tag_keys |= {name[len(TAG_PREFIX) :] for name in fields if name.startswith(TAG_PREFIX)}
        reads_record_count |= "record_count" in fields
        components = {component(name) for name in fields}
        if item.rule.fact in _PLACED_BY:
            components.add("place")  # its evidence shows the location note
        if IDENTITY in components:
            per_asset.append(item)
        else:
            components.add("what")
            groups.setdefault(tuple(sorted(components)), []).append(item)
    order = list(COMPONENTS)
    return _Plan(
        [
            _Group(tuple(sorted(map(order.index, key))), members, {})
            for key, members in groups.items()
        ],
        per_asset,
        tuple(sorted(tag_keys)),
        reads_record_count,
    )


IDENTITY = "identity"
# The parts of an asset a field belongs to (see ``Evaluator._components``); fields that
# belong to none of them (and names no table here knows) make a rule per asset.
COMPONENTS = {
    "what": frozenset({"provider", "service", "kind"}),
    "place": frozenset({"region", "vendor", *SHAPE_ATTRIBUTES}),
    "data": frozenset({"classification", "record_count"}),
    "keys": frozenset(),
    "access": frozenset({"public_access_blocked"}),
    "flows": frozenset({"flow_count", *FLOW_FIELDS}),
}
_PREFIXES = (
    ("provider_profile.", "what"),
    ("location.", "place"),
    ("vendor_profile.", "place"),
    ("holder.", "place"),
    (TAG_PREFIX, "data"),
    ("encryption.", "keys"),
    ("key_location.", "keys"),
)


def component(field: str) -> str:
    """Which part of an asset a rule field reads: ``IDENTITY`` for what names the asset
    (id, name, account) or varies per asset (attributes other than the location note)."""
    for name, fields in COMPONENTS.items():
        if field in fields:
            return name
    for prefix, name in _PREFIXES:
        if field.startswith(prefix):
            return name
    return IDENTITY


def message_fields(rule: Rule) -> set[str]:
    """The fields a rule's message names in ``{placeholders}``."""
    return {match.group(1) for match in PLACEHOLDER.finditer(rule.message)}


def rule_fields(rule: Rule) -> set[str]:
    """Every field a rule's conditions and evidence read."""
    fields = set(rule.evidence)
    conditions = (*(step.when for step in rule.escalate), *(step.when for step in rule.lower))
    for condition in (rule.when, *conditions):
        fields |= {leaf.field for leaf in comparisons(condition)}
    return fields
