"""report.md: a summary short enough for a pull-request comment or a CI job summary.

The most severe open findings first, then a count of the rest; names are escaped so a
hostile bucket name cannot inject links or break the table.
"""

from __future__ import annotations

import re

from assessor.models import AuditResult, FindingStatus, Lifecycle, Severity
from assessor.renderers.base import NO_CONTEXT, ReportContext

TOP = 20
GAP_ROWS = 10  # the pull-request comment stays short; the HTML report lists every gap
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~])")


def escape(text: str) -> str:
    """``text`` with Markdown's special characters escaped and on one line (names are attacker-
    controlled)."""
    return _SPECIAL.sub(r"\\\1", text.replace("\n", " ").replace("\r", " "))


def render(result: AuditResult, context: ReportContext = NO_CONTEXT, top: int = TOP) -> bytes:
    """A short Markdown summary (the pull-request comment and CI step summary): counts and the
    ``top`` worst open findings."""
    summary = result.summary
    open_findings = [f for f in result.findings if f.status is FindingStatus.OPEN]
    waived = sum(1 for f in result.findings if f.status is FindingStatus.WAIVED)
    baselined = sum(1 for f in result.findings if f.status is FindingStatus.BASELINED)
    assets = {asset.id: asset for asset in result.assets}
    lines = ["## assessor: data residency risk", ""]
    score = f"**Risk score {result.scores.overall:g}/100** · " if result.scores else ""
    lines.append(
        f"{score}{summary.asset_count} assets · {len(open_findings)} open findings"
        f" · {waived} waived · {baselined} baselined · {summary.gap_count} coverage gaps"
    )
    lines += ["", "| severity | open |", "|---|---|"]
    for severity in reversed(Severity):
        count = sum(1 for f in open_findings if f.severity is severity)
        lines.append(f"| {severity.value} | {count} |")
    if open_findings:
        lines += ["", "| severity | rule | asset | finding |", "|---|---|---|---|"]
        for finding in open_findings[:top]:
            asset = assets.get(finding.asset_id)
            name = asset.name if asset else finding.asset_id
            lines.append(
                f"| {finding.severity.value} | {finding.rule_id} | {escape(name)} "
                f"| {escape(finding.message)} |"
            )
        if len(open_findings) > top:
            lines.append(
                f"\n…and {len(open_findings) - top} more open findings in the full report."
            )
    if result.changes is not None and result.changes.previous_run is not None:
        changes = result.changes
        counts = ", ".join(f"{changes.count(lc)} {lc.value.replace('_', ' ')}" for lc in Lifecycle)
        lines += ["", f"**Since run {changes.previous_run}:** {counts}."]
        for change in changes.findings:
            if change.lifecycle in (Lifecycle.NEW, Lifecycle.RESOLVED, Lifecycle.UNKNOWN):
                lines.append(
                    f"- {change.lifecycle.value}: {change.severity.value} {change.rule_id} "
                    f"{escape(change.asset_id)}"
                )
    if result.gaps:
        lines += [
            "",
            f"> **Coverage is incomplete:** {len(result.gaps)} part(s) of the estate could not "
            "be read; findings cannot be ruled out there.",
            "",
            "| reason | account | region | service | resource |",
            "|---|---|---|---|---|",
        ]
        for gap in result.gaps[:GAP_ROWS]:
            cells = (gap.account, gap.region, gap.service or gap.probe, gap.resource)
            lines.append(
                f"| {gap.reason.value} | " + " | ".join(escape(c or "") for c in cells) + " |"
            )
        if len(result.gaps) > GAP_ROWS:
            lines.append(
                f"\n{len(result.gaps) - GAP_ROWS} more coverage gap(s) in the full report."
            )
    if result.expired_waivers:
        lines.append(f"\n> {len(result.expired_waivers)} waiver(s) expired and no longer apply.")
    return ("\n".join(lines) + "\n").encode("utf-8")


STEP_SUMMARY_LIMIT = 1_000_000  # GitHub allows 1 MiB per step summary


def step_summary(result: AuditResult) -> bytes:
    """The summary for ``$GITHUB_STEP_SUMMARY``: as many top findings as fit in 1 MiB."""
    top = 50
    text = render(result, top=top)
    while len(text) > STEP_SUMMARY_LIMIT and top > 1:
        top //= 2
        text = render(result, top=top)
    return text[:STEP_SUMMARY_LIMIT]
