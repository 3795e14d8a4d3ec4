"""What changed since the previous run of the same scope (pure functions over the store's
answers), with the finding lifecycle of cloud security services and OCSF status names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from assessor.heap import cycles_collected_after
from assessor.history.store import HistoryStore, OpenFinding, OpenSpan, RunRecord, gap_key
from assessor.models import (
    AuditResult,
    CoverageGap,
    FindingChange,
    FindingStatus,
    Lifecycle,
    RunDiff,
    Severity,
    TrendPoint,
    assembled,
    shared_fields_set,
)

TREND_RUNS = 12
_CHANGE_FIELDS = shared_fields_set(FindingChange.model_fields)
_OCSF_STATUS = {lifecycle: lifecycle.ocsf_status for lifecycle in Lifecycle}


def since_last_run(store: HistoryStore, result: AuditResult, scope: str) -> RunDiff:
    """The run against what its scope's latest run left open: the open spans are read once
    (the store keeps them for recording this run), full details only for findings that ended."""
    past = store.runs(scope, TREND_RUNS - 1)
    previous = past[0] if past else None
    with cycles_collected_after():
        spans = store.open_spans(scope)
        current = {finding.fingerprint for finding in result.findings}
        ended = store.ended(scope, spans.findings.keys() - current)
        return compare(result, previous, spans.findings, ended, set(spans.assets), past[::-1])


def compare(
    result: AuditResult,
    previous: RunRecord | None,
    open_before: Mapping[str, OpenSpan],
    ended: Mapping[str, OpenFinding],
    assets_before: set[str],
    past: Sequence[RunRecord] = (),
) -> RunDiff:
    """``open_before`` holds every finding open before; ``ended`` those of them the result
    no longer has. Changes come by lifecycle; within one, the run's findings keep the
    result's order (worst first, then rule and asset) and ended ones are put in it."""
    now = result.generated_at
    by_lifecycle: dict[Lifecycle, list[FindingChange]] = {lifecycle: [] for lifecycle in Lifecycle}
    current = {finding.fingerprint: finding for finding in result.findings}
    risk_of = {line.fingerprint: risk.id for risk in result.risks for line in risk.lines}
    ages: dict[datetime, int] = {}  # a scope's findings share the few moments runs began
    for fingerprint, finding in current.items():
        known = open_before.get(fingerprint)
        first_seen = known.first_seen_at if known else now
        if finding.status is not FindingStatus.OPEN:
            lifecycle = Lifecycle.WAIVED
        elif known is None:
            lifecycle = Lifecycle.NEW
        else:
            lifecycle = Lifecycle.STILL_OPEN
        age = ages.get(first_seen)
        if age is None:
            age = ages[first_seen] = max(0, (now - first_seen).days)
        # What _change builds, inline: this loop runs once per finding of the run.
        values = {
            "fingerprint": fingerprint,
            "lifecycle": lifecycle,
            "ocsf_status": _OCSF_STATUS[lifecycle],
            "rule_id": finding.rule_id,
            "asset_id": finding.asset_id,
            "severity": finding.severity,
            "title": finding.title,
            "first_seen": first_seen,
            "age_days": age,
            "note": None,
            "risk_id": risk_of.get(fingerprint),
        }
        by_lifecycle[lifecycle].append(
            assembled(FindingChange, _CHANGE_FIELDS, values, compact=False)
        )
    old_gaps = {gap_key(gap) for gap in (previous.gaps if previous else [])}
    new_gaps = [gap for gap in result.gaps if gap_key(gap) not in old_gaps]
    for fingerprint, gone in ended.items():
        hidden = next((gap for gap in result.gaps if _covers(gap, gone)), None)
        lifecycle = Lifecycle.UNKNOWN if hidden else Lifecycle.RESOLVED
        note = f"coverage gap: {hidden.message}" if hidden else None
        by_lifecycle[lifecycle].append(
            _change(
                fingerprint,
                lifecycle,
                gone.rule_id,
                gone.asset_id,
                gone.severity,
                gone.title,
                gone.first_seen_at,
                now,
                note,
                risk_id=gone.risk_id,
            )
        )
    assets_now = {asset.id for asset in result.assets}
    gaps_now = {gap_key(gap) for gap in result.gaps}
    trend = [_point(run) for run in past]
    trend.append(TrendPoint(run_id=result.run_id or 0, at=now, open_by_severity=_open(result)))
    for lifecycle in (Lifecycle.RESOLVED, Lifecycle.UNKNOWN):
        by_lifecycle[lifecycle].sort(key=lambda c: (-c.severity.rank, c.rule_id, c.asset_id))
    return RunDiff(
        previous_run=previous.id if previous else None,
        previous_at=previous.started_at if previous else None,
        findings=tuple(change for changes in by_lifecycle.values() for change in changes),
        assets_added=tuple(sorted(assets_now - assets_before)) if previous else (),
        assets_removed=tuple(sorted(assets_before - assets_now)),
        gaps_appeared=tuple(sorted({gap_key(g) for g in new_gaps})),
        gaps_disappeared=tuple(sorted(old_gaps - gaps_now)),
        trend=tuple(trend),
    )


def compare_runs(store: HistoryStore, first: RunRecord, second: RunRecord) -> RunDiff:
    """``assessor history diff A B``: what changed from run A to run B."""
    before, after = store.findings_at(first), store.findings_at(second)
    changes = []
    for fingerprint, found in after.items():
        if found.status is not FindingStatus.OPEN:
            lifecycle = Lifecycle.WAIVED
        else:
            lifecycle = Lifecycle.STILL_OPEN if fingerprint in before else Lifecycle.NEW
        changes.append(
            _change(
                fingerprint,
                lifecycle,
                found.rule_id,
                found.asset_id,
                found.severity,
                found.title,
                found.first_seen_at,
                second.started_at,
                risk_id=found.risk_id,
            )
        )
    gaps = [CoverageGap.model_validate(gap) for gap in second.gaps]
    for fingerprint, gone in before.items():
        if fingerprint not in after:
            hidden = next((gap for gap in gaps if _covers(gap, gone)), None)
            changes.append(
                _change(
                    fingerprint,
                    Lifecycle.UNKNOWN if hidden else Lifecycle.RESOLVED,
                    gone.rule_id,
                    gone.asset_id,
                    gone.severity,
                    gone.title,
                    gone.first_seen_at,
                    second.started_at,
                    f"coverage gap: {hidden.message}" if hidden else None,
                    risk_id=gone.risk_id,
                )
            )
    assets_before, assets_after = store.assets_at(first), store.assets_at(second)
    old_gaps = {gap_key(g) for g in first.gaps}
    new_gaps = {gap_key(g) for g in second.gaps}
    return RunDiff(
        previous_run=first.id,
        previous_at=first.started_at,
        findings=tuple(
            sorted(
                changes, key=lambda c: (list(Lifecycle).index(c.lifecycle), c.rule_id, c.asset_id)
            )
        ),
        assets_added=tuple(sorted(assets_after - assets_before)),
        assets_removed=tuple(sorted(assets_before - assets_after)),
        gaps_appeared=tuple(sorted(new_gaps - old_gaps)),
        gaps_disappeared=tuple(sorted(old_gaps - new_gaps)),
        trend=(_point(first), _point(second)),
    )


def _covers(gap: CoverageGap, finding: OpenFinding) -> bool:
    """Could this gap hide the finding's asset? (same account, region and service, where the
    gap names them)."""
    return (
        (gap.account is None or gap.account == finding.account)
        and (gap.region is None or gap.region == finding.region)
        and (gap.service is None or gap.service == finding.service)
    )


def _change(
    fingerprint: str,
    lifecycle: Lifecycle,
    rule_id: str,
    asset_id: str,
    severity: Severity,
    title: str,
    first_seen: datetime,
    now: datetime,
    note: str | None = None,
    *,
    risk_id: str | None = None,
) -> FindingChange:
    # Built from validated findings and stored rows: checked once, where they came from.
    return assembled(
        FindingChange,
        _CHANGE_FIELDS,
        {
            "fingerprint": fingerprint,
            "lifecycle": lifecycle,
            "ocsf_status": _OCSF_STATUS[lifecycle],
            "rule_id": rule_id,
            "asset_id": asset_id,
            "severity": severity,
            "title": title,
            "first_seen": first_seen,
            "age_days": max(0, (now - first_seen).days),
            "note": note,
            "risk_id": risk_id,
        },
        compact=False,  # lives for one report
    )


def _open(result: AuditResult) -> dict[Severity, int]:
    counts = {severity: 0 for severity in Severity}
    for finding in result.findings:
        if finding.status is FindingStatus.OPEN:
            counts[finding.severity] += 1
    return counts


def _point(run: RunRecord) -> TrendPoint:
    return TrendPoint(
        run_id=run.id,
        at=run.started_at,
        open_by_severity={Severity(k): v for k, v in run.open_by_severity.items()},
    )
