"""Baselines: findings already known when a CI job was adopted, matched by fingerprint.

A baselined finding is reported as such and does not count towards ``--fail-on``; a new
finding does. The fingerprint (see :mod:`assessor.findings.identity`) is the rule, the asset's
identity and an evidence key, never a line, so moving code or reformatting changes nothing,
and a same-named resource in another root module is a different asset. Entries may carry a
reason and an expiry; an expired entry stops applying, and entries that match nothing are
listed as stale.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from assessor.inputs import read_json_model
from assessor.models import (
    AuditResult,
    Baseline,
    BaselineEntry,
    BaselineOutcome,
    Finding,
    FindingStatus,
)


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file (``assessor baseline create``)."""
    return read_json_model(path, Baseline)


def apply_baseline(
    findings: Sequence[Finding], baseline: Baseline, path: str, today: date
) -> tuple[list[Finding], BaselineOutcome]:
    """Mark the findings a baseline knows (unless its entry expired by ``today``) as baselined, and
    say what matched, what is stale and what expired."""
    active = {e.fingerprint: e for e in baseline.entries if e.expires is None or e.expires >= today}
    expired = {e.fingerprint: e for e in baseline.entries if e.fingerprint not in active}
    seen: set[str] = set()
    result = []
    for finding in findings:
        seen.add(finding.fingerprint)
        if finding.status is FindingStatus.OPEN and finding.fingerprint in active:
            finding = finding.model_copy(update={"status": FindingStatus.BASELINED})
        result.append(finding)
    outcome = BaselineOutcome(
        path=path,
        matched=sum(1 for f in result if f.status is FindingStatus.BASELINED),
        stale=tuple(e for e in baseline.entries if e.fingerprint not in seen),
        expired=tuple(e for fp, e in sorted(expired.items()) if fp in seen),
    )
    return result, outcome


def baseline_from(result: AuditResult, previous: Baseline | None = None) -> Baseline:
    """Every open or baselined finding; with ``previous``, its entries that still match keep
    their reason and expiry."""
    assets = {asset.id: asset for asset in result.assets}
    kept = {e.fingerprint: e for e in previous.entries} if previous else {}
    entries = []
    for finding in result.findings:
        if finding.status is FindingStatus.WAIVED:
            continue
        asset = assets.get(finding.asset_id)
        entries.append(
            kept.get(finding.fingerprint)
            or BaselineEntry(
                fingerprint=finding.fingerprint,
                rule_id=finding.rule_id,
                asset_id=finding.asset_id,
                account=asset.account if asset else "",
            )
        )
    unique = {entry.fingerprint: entry for entry in entries}
    ordered = sorted(
        unique.values(), key=lambda e: (e.rule_id, e.account, e.asset_id, e.fingerprint)
    )
    return Baseline(entries=tuple(ordered))


def render_baseline(baseline: Baseline) -> bytes:
    """A baseline as its file's bytes: sorted keys, so it diffs cleanly in review."""
    data = baseline.model_dump(mode="json")
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8")
