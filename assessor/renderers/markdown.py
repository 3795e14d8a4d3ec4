"""report.md: a summary short enough for a pull-request comment or a CI job summary.

It speaks in risks (one fact about one asset, with the policy lines it breaks), so it stays
short however large the estate: the estate-level lines, then the worst open risks, then a
count of the rest. Names are escaped so a hostile bucket name cannot inject links or break
the table.
"""

from __future__ import annotations

import re

from assessor.findings.risks import new_risks
from assessor.models import AuditResult, FindingStatus, Lifecycle, Severity
from assessor.renderers.base import (
    NO_CONTEXT,
    ReportContext,
    estate_phrase,
    risk_phrase,
    tallies,
)

TOP = 15
GAP_ROWS = 8  # the pull-request comment stays short; the HTML report lists every gap
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~])")


def escape(text: str) -> str:
    """``text`` with Markdown's special characters escaped and on one line (names are attacker-
    controlled)."""
    return _SPECIAL.sub(r"\\\1", text.replace("\n", " ").replace("\r", " "))


def render(result: AuditResult, context: ReportContext = NO_CONTEXT, top: int = TOP) -> bytes:
    """A short Markdown summary (the pull-request comment and CI step summary): counts, the
    estate-level lines, and the ``top`` worst open risks with their policy lines."""
    summary = result.summary
    open_risks = [risk for risk in result.risks if risk.status is FindingStatus.OPEN]
    counts = tallies(result)
    assets = {asset.id: asset for asset in result.assets}
    lines = ["## assessor: data residency risk", ""]
    score = f"**Risk score {result.scores.overall:g}/100** · " if result.scores else ""
    lines.append(
        f"{score}{summary.asset_count} assets · {counts.open_risks} open risks "
        f"({counts.open_findings} findings) · {counts.waived} waived · "
        f"{counts.baselined} baselined · {summary.gap_count} coverage gaps"
    )
    if result.parts:
        lines.append(
            f"\nAssessed {len(result.parts)} parts at a time: each part's findings are in its "
            f"own report ({escape(result.parts[0])} to {escape(result.parts[-1])})."
        )
    lines += ["", "| severity | open risks |", "|---|---|"]
    for severity in reversed(Severity):
        lines.append(f"| {severity.value} | {counts.open_risks_by_severity.get(severity, 0)} |")
    if result.estate_risks:
        lines += ["", "**What is where, and who could be compelled**", ""]
        for line in result.estate_risks:
            lines.append(f"- {line.severity.value}: {escape(estate_phrase(line, context))}")
    if open_risks:
        lines += ["", "| severity | asset | risk | policy lines |", "|---|---|---|---|"]
        for risk in open_risks[:top]:
            asset = assets.get(risk.asset_id)
            name = asset.name if asset else risk.asset_id
            rules = ", ".join(line.rule_id for line in risk.lines)
            phrase = risk_phrase(risk.fact, risk.subject, context)
            lines.append(
                f"| {risk.severity.value} | {escape(name)} | {escape(phrase)} | {escape(rules)} |"
            )
        if len(open_risks) > top:
            lines.append(f"\n…and {len(open_risks) - top} more open risks in the full report.")
    if result.changes is not None and result.changes.previous_run is not None:
        changes = result.changes
        new_findings = {c.fingerprint for c in changes.findings if c.lifecycle is Lifecycle.NEW}
        fresh = new_risks(result.risks, new_findings)
        changed = ", ".join(f"{changes.count(lc)} {lc.value.replace('_', ' ')}" for lc in Lifecycle)
        lines += [
            "",
            f"**Since run {changes.previous_run}:** {len(fresh)} new risks "
            f"({len(new_findings)} new findings); findings: {changed}.",
        ]
        for risk in fresh[:top]:
            asset = assets.get(risk.asset_id)
            name = asset.name if asset else risk.asset_id
            phrase = risk_phrase(risk.fact, risk.subject, context)
            lines.append(f"- new: {risk.severity.value} {escape(name)}: {escape(phrase)}")
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
    """The summary for ``$GITHUB_STEP_SUMMARY``: as many top risks as fit in 1 MiB."""
    top = 50
    text = render(result, top=top)
    while len(text) > STEP_SUMMARY_LIMIT and top > 1:
        top //= 2
        text = render(result, top=top)
    return text[:STEP_SUMMARY_LIMIT]
