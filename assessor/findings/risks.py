"""Findings grouped into risks: one fact about one asset, with every policy line it breaks.

One fact breaks several packs at once (a bucket in Hong Kong breaks the Clean Network's
PRC-region line, the countries-of-concern pack and the organization's own policy), and each
pack says so again. A reader wants the fact once, with the lines under it. So each rule
declares the fact it judges (:class:`~assessor.models.Fact`), each finding's *subject* comes
from its asset (the country, the holder, the destination), and the findings of one asset,
fact and subject are one :class:`~assessor.models.Risk`. The same fact and subject across
many assets is an :class:`~assessor.models.EstateRisk`: a line of the report's first screen.

The findings themselves are unchanged: fingerprints, baselines, waivers, SARIF and history
stay per finding.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from assessor.findings.identity import asset_identity
from assessor.models import (
    Asset,
    AuditResult,
    EstateRisk,
    Fact,
    Finding,
    FindingStatus,
    PolicyLine,
    Provider,
    Risk,
    RuleSummary,
    Severity,
    assembled,
    shared_fields_set,
)

UNKNOWN = "unknown"
_LINE_FIELDS = shared_fields_set(PolicyLine.model_fields)
_RISK_FIELDS = shared_fields_set(Risk.model_fields)
ESTATE_LINES = 10  # the first screen answers "what is where, who can be compelled" in ten


def judged(fact: Fact, asset: Asset, finding: Finding) -> Fact:
    """The fact a finding judges. A location rule that fired on a copy (its evidence names
    the flows: an organization's policy judges both) judges where the copy goes; one that
    fired on an asset whose location is unknown judges coverage, as the countries-of-concern
    pack's unknown-location rule does."""
    if fact is Fact.LOCATION and "flows" in finding.evidence:
        return Fact.COPY
    if (
        fact is Fact.LOCATION
        and not (asset.location and asset.location.known)
        and not asset.country
    ):
        return Fact.COVERAGE
    return fact


def subject(asset: Asset, fact: Fact) -> str:
    """What ``fact`` is about for ``asset``: a country, the holder, a data class, a vendor."""
    location = asset.location
    if fact is Fact.LOCATION:
        countries = location.countries if location and location.known else ()
        return "/".join(countries) or asset.country or UNKNOWN
    if fact is Fact.OPERATOR:
        return (location.operator if location else None) or UNKNOWN
    if fact in (Fact.PROVIDER, Fact.KEY_CUSTODY):
        return asset.vendor or asset.provider.value
    if fact is Fact.COPY:
        own = set(location.countries) if location else set()
        return ", ".join(sorted(_destinations(asset) - own)) or UNKNOWN
    if fact is Fact.COVERAGE:
        return "unknown location"
    if fact is Fact.VOLUME:
        return asset.classification or "unclassified"
    return asset.vendor or asset.name  # vendor, carrier


def _destinations(asset: Asset) -> set[str]:
    found: set[str] = set()
    for flow in asset.flows:
        target = flow.target_location
        if target is not None and target.known:
            found.update(target.countries)
        elif flow.target_country:
            found.add(flow.target_country)
    return found


def group(
    findings: Sequence[Finding], assets: Mapping[str, Asset], rules: Iterable[RuleSummary]
) -> list[Risk]:
    """Every finding in exactly one risk, open and worst first. A finding whose rule
    declares no fact (a result written before rules did) is in none."""
    facts = {rule.id: rule.fact for rule in rules}
    grouped: dict[tuple[str, Fact, str], list[Finding]] = defaultdict(list)
    # An asset's findings mostly judge a few facts: each subject is worked out once.
    subjects: dict[tuple[str, Fact], str] = {}
    for finding in findings:
        fact = facts.get(finding.rule_id)
        asset = assets.get(finding.asset_id)
        if fact is None or asset is None:
            continue
        fact = judged(fact, asset, finding)
        about = subjects.get((asset.id, fact))
        if about is None:
            about = subjects[(asset.id, fact)] = subject(asset, fact)
        grouped[(asset.id, fact, about)].append(finding)
    risks = [
        _risk(fact, about, members, assets[asset_id])
        for (asset_id, fact, about), members in grouped.items()
    ]
    return sorted(risks, key=_order)


def _order(risk: Risk) -> tuple[bool, int, str, str, str]:
    open_first = risk.status is not FindingStatus.OPEN
    return (open_first, -risk.severity.rank, risk.asset_id, risk.fact.value, risk.subject)


def _risk(fact: Fact, about: str, members: Sequence[Finding], asset: Asset) -> Risk:
    open_members = [f for f in members if f.status is FindingStatus.OPEN]
    counted = open_members or list(members)
    worst = max((f.severity for f in counted), key=lambda severity: severity.rank)
    status = FindingStatus.OPEN if open_members else counted[0].status
    material = "\x1f".join((asset_identity(asset), fact.value, about))
    digest = hashlib.sha256(material.encode("utf-8")).hexdigest()
    # Built from validated findings and assets, so not validated again (a risk per asset and
    # fact, a line per finding: hundreds of thousands of them in a large estate).
    lines = tuple(
        assembled(
            PolicyLine,
            _LINE_FIELDS,
            {
                "rule_id": f.rule_id,
                "pack": f.pack,
                "severity": f.severity,
                "status": f.status,
                "fingerprint": f.fingerprint,
            },
        )
        for f in sorted(members, key=lambda f: (-f.severity.rank, f.pack, f.rule_id))
    )
    return assembled(
        Risk,
        _RISK_FIELDS,
        {
            "id": digest[:16],
            "asset_id": asset.id,
            "fact": fact,
            "subject": about,
            "severity": worst,
            "status": status,
            "lines": lines,
        },
    )


def with_risks(result: AuditResult) -> AuditResult:
    """The result with its findings grouped into risks, the estate-level lines, and the open
    risks counted in its summary."""
    assets = {asset.id: asset for asset in result.assets}
    risks = group(result.findings, assets, result.rules)
    open_risks = Counter(risk.severity for risk in risks if risk.status is FindingStatus.OPEN)
    summary = result.summary.model_copy(
        update={
            "risk_count": open_risks.total(),
            "open_risks_by_severity": {s: open_risks.get(s, 0) for s in Severity},
        }
    )
    return result.model_copy(
        update={
            "risks": tuple(risks),
            "estate_risks": tuple(estate(risks, assets)),
            "summary": summary,
        }
    )


# The pack an organization's residency policy becomes (``engine.residency.PACK``; not
# imported from there, since the renderers read this module and never the engine). Each of
# its rules judges location.
RESIDENCY_PACK = "residency"


def regrouped(result: AuditResult, declared: Mapping[str, Fact]) -> AuditResult:
    """A result written before rules declared their fact, grouped into risks by the facts
    ``declared`` (rule id → fact) gives its rules; residency rules judge location."""

    def fact(rule: RuleSummary) -> Fact | None:
        residency = Fact.LOCATION if rule.pack == RESIDENCY_PACK else None
        return rule.fact or declared.get(rule.id) or residency

    rules = tuple(rule.model_copy(update={"fact": fact(rule)}) for rule in result.rules)
    return with_risks(result.model_copy(update={"rules": rules}))


def estate(risks: Sequence[Risk], assets: Mapping[str, Asset]) -> list[EstateRisk]:
    """The same open fact and subject across assets, worst and widest first, at most
    :data:`ESTATE_LINES` of them."""
    tally = EstateTally()
    tally.add(risks, assets)
    return tally.lines()


class EstateTally:
    """Open risks counted by fact and subject, over one estate or over its parts in turn
    (an organization assessed a shard at a time: the parts hold different assets)."""

    def __init__(self) -> None:
        self._counts: dict[tuple[Fact, str], _Count] = {}

    def add(self, risks: Iterable[Risk], assets: Mapping[str, Asset]) -> None:
        """Count the open ones of ``risks``, whose assets are in ``assets``."""
        members: dict[tuple[Fact, str], list[Risk]] = defaultdict(list)
        for risk in risks:
            if risk.status is FindingStatus.OPEN:
                members[(risk.fact, risk.subject)].append(risk)
        for key, found in members.items():
            count = self._counts.setdefault(key, _Count())
            held = [assets[r.asset_id] for r in found if r.asset_id in assets]
            worst = max((r.severity for r in found), key=lambda s: s.rank)
            if count.severity is None or worst.rank > count.severity.rank:
                count.severity = worst
            count.assets += len({r.asset_id for r in found})
            count.accounts |= {(a.provider, a.account) for a in held}
            count.providers |= {a.provider.value for a in held}
            count.findings += sum(len(r.lines) for r in found)

    def lines(self) -> list[EstateRisk]:
        """Worst and widest first, at most :data:`ESTATE_LINES`."""
        lines = [
            EstateRisk(
                fact=fact,
                subject=about,
                severity=count.severity,
                asset_count=count.assets,
                account_count=len(count.accounts),
                providers=tuple(sorted(count.providers)),
                finding_count=count.findings,
            )
            for (fact, about), count in self._counts.items()
            if count.severity is not None
        ]
        lines.sort(key=lambda line: (-line.severity.rank, -line.asset_count, line.fact.value))
        return lines[:ESTATE_LINES]


@dataclass
class _Count:
    severity: Severity | None = None
    assets: int = 0
    accounts: set[tuple[Provider, str]] = field(default_factory=set)
    providers: set[str] = field(default_factory=set)
    findings: int = 0


def new_risks(risks: Sequence[Risk], new_findings: set[str]) -> list[Risk]:
    """Open risks every open policy line of which is a new finding: the risk itself is new."""
    return [
        risk
        for risk in risks
        if risk.status is FindingStatus.OPEN
        and all(
            line.fingerprint in new_findings
            for line in risk.lines
            if line.status is FindingStatus.OPEN
        )
    ]
