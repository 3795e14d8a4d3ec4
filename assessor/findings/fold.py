"""An organization assessed a part at a time, folded into one organization-level result.

No rule reads another asset (a flow carries its target's location), so an estate split
into parts (shards of accounts) gives each asset the findings it would get in the whole.
What the organization's report leads with is counted over the parts as each is assessed:
the summary, the estate-level risk lines, the scores of accounts and of the estate, and the
open findings that decide the exit code. Each part's assets, findings and risks are written
in that part's own reports and then let go, so memory is bounded by the largest part, not
by the organization.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from assessor.findings.risks import EstateTally
from assessor.findings.scoring import METHOD, blend
from assessor.models import (
    AuditResult,
    BaselineOutcome,
    CoverageGap,
    FindingStatus,
    ProbeRun,
    RiskScore,
    Scores,
    Severity,
    Summary,
    Waiver,
)

DRIVERS = 5  # as ``scoring.score``: the assets that drive the estate's score


@dataclass
class _Spread:
    """An account's (or the estate's) asset scores, as ``blend`` needs them."""

    worst: float = 0.0
    total: float = 0.0
    count: int = 0

    def add(self, value: float) -> None:
        self.worst = max(self.worst, value)
        self.total += value
        self.count += 1

    def blended(self) -> float:
        return blend(self.worst, self.total, self.count)


class EstateFold:
    """Folds the assessed results of an estate's parts, one at a time."""

    def __init__(self) -> None:
        self.parts = 0
        self.assets = 0
        self.findings = 0
        self.open_risks = 0
        self.by_severity: Counter[Severity] = Counter()
        self.open_by_severity: Counter[Severity] = Counter()
        self.by_status: Counter[FindingStatus] = Counter()
        self.open_risks_by_severity: Counter[Severity] = Counter()
        self.by_country: Counter[str] = Counter()
        self.by_provider: Counter[str] = Counter()
        self.estate = EstateTally()
        self.accounts: dict[str, _Spread] = {}
        self.overall = _Spread()
        self.drivers: list[tuple[float, str, RiskScore]] = []
        self.expired: dict[Waiver, None] = {}  # in the order first seen
        self.unused_in: Counter[Waiver] = Counter()  # parts in which each matched nothing
        self.baseline: BaselineOutcome | None = None
        self.stale_in: Counter[str] = Counter()  # parts in which each entry (fingerprint) was stale

    def add(self, part: AuditResult) -> None:
        """Count one assessed part; nothing of it is kept but counts and the drivers."""
        self.parts += 1
        summary = part.summary
        self.assets += summary.asset_count
        self.findings += summary.finding_count
        self.open_risks += summary.risk_count
        self.by_severity.update(summary.by_severity)
        self.by_country.update(summary.by_country)
        self.by_provider.update(summary.by_provider)
        self.by_status.update(summary.by_status)
        self.open_risks_by_severity.update(summary.open_risks_by_severity)
        self.open_by_severity.update(
            finding.severity for finding in part.findings if finding.status is FindingStatus.OPEN
        )
        self.estate.add(part.risks, {asset.id: asset for asset in part.assets})
        scored = part.scores.assets if part.scores else {}
        for asset in part.assets:
            found = scored.get(asset.id)
            value = found.score if found else 0.0
            account = f"{asset.provider.value}:{asset.account}"
            self.accounts.setdefault(account, _Spread()).add(value)
            self.overall.add(value)
        candidates = [(score.score, asset_id, score) for asset_id, score in scored.items()]
        self.drivers = heapq.nsmallest(
            DRIVERS, [*self.drivers, *candidates], key=lambda item: (-item[0], item[1])
        )
        # A waiver (or a baseline entry) of the whole organization is unused only if no part
        # used it: it matched nothing in every part.
        self.expired.update(dict.fromkeys(part.expired_waivers))
        self.unused_in.update(part.unused_waivers)
        if part.baseline is not None:
            self.stale_in.update(entry.fingerprint for entry in part.baseline.stale)
            self.baseline = part.baseline.model_copy(
                update={
                    "matched": part.baseline.matched
                    + (self.baseline.matched if self.baseline else 0)
                }
            )

    def failing(self, threshold: Severity) -> int:
        """Open findings at or above ``threshold``: what ``--fail-on`` counts."""
        return sum(
            count
            for severity, count in self.open_by_severity.items()
            if severity.at_least(threshold)
        )

    def result(
        self, template: AuditResult, probes: Sequence[ProbeRun], gaps: Sequence[CoverageGap]
    ) -> AuditResult:
        """The organization's result: ``template``'s run facts (tool, time, rules), the
        counts folded here, and no per-asset lists (each part's reports hold those)."""
        present = [severity for severity, count in self.by_severity.items() if count]
        worst = max(present, key=lambda severity: severity.rank, default=None)
        summary = Summary(
            asset_count=self.assets,
            finding_count=self.findings,
            risk_count=self.open_risks,
            gap_count=len(gaps),
            by_severity={severity: self.by_severity.get(severity, 0) for severity in Severity},
            by_country=dict(sorted(self.by_country.items())),
            by_provider=dict(sorted(self.by_provider.items())),
            worst_severity=worst,
            by_status={status: self.by_status.get(status, 0) for status in FindingStatus},
            open_risks_by_severity={
                severity: self.open_risks_by_severity.get(severity, 0) for severity in Severity
            },
        )
        scores = Scores(
            overall=self.overall.blended(),
            accounts={name: spread.blended() for name, spread in sorted(self.accounts.items())},
            assets={asset_id: score for _, asset_id, score in self.drivers},
            drivers=tuple(asset_id for _, asset_id, _ in self.drivers),
            method=METHOD,
        )
        baseline = self.baseline
        if baseline is not None:
            stale = [e for e in baseline.stale if self.stale_in[e.fingerprint] == self.parts]
            baseline = baseline.model_copy(update={"stale": tuple(stale)})
        return template.model_copy(
            update={
                "probes": tuple(probes),
                "assets": (),
                "findings": (),
                "risks": (),
                "estate_risks": tuple(self.estate.lines()),
                "gaps": tuple(gaps),
                "summary": summary,
                "scores": scores,
                "expired_waivers": tuple(self.expired),
                "unused_waivers": tuple(
                    waiver for waiver, parts in self.unused_in.items() if parts == self.parts
                ),
                "baseline": baseline,
                "changes": None,
            }
        )
