"""Assembles an AuditResult from an inventory, the rules that ran and their findings: waivers
and a baseline decide which findings count, findings are grouped into risks (one fact about
one asset), scores weigh the risks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from assessor import __version__
from assessor.engine.loader import LoadedRule
from assessor.findings.baseline import apply_baseline
from assessor.findings.risks import with_risks
from assessor.findings.scoring import score
from assessor.findings.waivers import apply_waivers
from assessor.models import (
    AuditResult,
    Baseline,
    Finding,
    FindingStatus,
    Inventory,
    RuleSummary,
    Severity,
    Summary,
    Waiver,
)

UNKNOWN_COUNTRY = "unknown"


@dataclass(frozen=True)
class Acceptance:
    """Risks the organization has accepted: waivers, and a baseline of known findings (the
    baseline's path is named in the report)."""

    waivers: tuple[Waiver, ...] = ()
    baseline: tuple[Path, Baseline] | None = None


def assemble(
    inventory: Inventory,
    rules: Sequence[LoadedRule],
    findings: Sequence[Finding],
    acceptance: Acceptance,
    today: date,
) -> AuditResult:
    """Apply waivers (a file's and those written next to resources in code) and a baseline,
    score, and build the result."""
    assets = {asset.id: asset for asset in inventory.assets}
    waivers = [
        *acceptance.waivers,
        *(waiver for asset in inventory.assets for waiver in asset.waivers),
    ]
    outcome = apply_waivers(findings, assets, rules, waivers, today)
    final, baselined = outcome.findings, None
    if acceptance.baseline is not None:
        path, baseline = acceptance.baseline
        final, baselined = apply_baseline(final, baseline, str(path), today)
    result = with_risks(build_result(inventory, rules, final))
    return result.model_copy(
        update={
            "scores": score(inventory.assets, result.risks),
            "expired_waivers": tuple(outcome.expired),
            "unused_waivers": tuple(outcome.unused),
            "baseline": baselined,
        }
    )


def build_result(
    inventory: Inventory, rules: Sequence[LoadedRule], findings: Sequence[Finding]
) -> AuditResult:
    """The result of evaluating ``rules`` on ``inventory``: assets, findings, rule summaries and
    counts."""
    summaries = sorted(
        (
            RuleSummary(
                id=item.rule.id,
                name=item.rule.name,
                pack=item.pack,
                title=item.rule.title,
                severity=item.rule.severity,
                policy=item.rule.policy,
                rationale=item.rule.rationale,
                remediation=item.rule.remediation,
                sources=item.rule.sources,
                fact=item.rule.fact,
            )
            for item in rules
        ),
        key=lambda rule: rule.id,
    )
    return AuditResult(
        tool_version=__version__,
        generated_at=inventory.generated_at,
        probes=inventory.probes,
        packs=tuple(sorted({item.pack for item in rules})),
        rules=tuple(summaries),
        assets=inventory.assets,
        findings=tuple(findings),
        gaps=inventory.gaps,
        summary=summarize(inventory, findings),
    )


def summarize(inventory: Inventory, findings: Sequence[Finding]) -> Summary:
    """Counts for the report's summary: findings by severity, assets by country, gaps."""
    by_severity = Counter(finding.severity for finding in findings)
    by_status = Counter(finding.status for finding in findings)
    by_country: Counter[str] = Counter()
    for asset in inventory.assets:
        for country in asset.location.places() if asset.location else (UNKNOWN_COUNTRY,):
            by_country[country] += 1
    by_provider = Counter(asset.provider.value for asset in inventory.assets)
    worst = max(by_severity, key=lambda s: s.rank) if by_severity else None
    return Summary(
        asset_count=len(inventory.assets),
        finding_count=len(findings),
        gap_count=len(inventory.gaps),
        by_severity={severity: by_severity.get(severity, 0) for severity in Severity},
        by_country=dict(sorted(by_country.items())),
        by_provider=dict(sorted(by_provider.items())),
        worst_severity=worst,
        by_status={status: by_status.get(status, 0) for status in FindingStatus},
    )


def at_or_above(findings: Sequence[Finding], threshold: Severity) -> list[Finding]:
    """Open findings at or above the threshold: what ``--fail-on`` counts (waived ones don't)."""
    return [
        finding
        for finding in findings
        if finding.status is FindingStatus.OPEN and finding.severity.at_least(threshold)
    ]
