"""report.csv: one row per finding, for spreadsheets, with the risk it belongs to.

Cells that a spreadsheet would run as a formula (starting with = + - @ or a tab) are
prefixed with a quote: resource names and tags are attacker-controlled.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from assessor.models import AuditResult, Risk
from assessor.renderers.base import NO_CONTEXT, ReportContext, risk_phrase

COLUMNS = (
    "severity",
    "status",
    "rule_id",
    "rule_name",
    "pack",
    "title",
    "asset_id",
    "asset_name",
    "provider",
    "account",
    "region",
    "country",
    "message",
    "evidence",
    "waiver_owner",
    "waiver_reason",
    "waiver_expires",
    "fingerprint",
    "risk_id",
    "risk",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _phrase(risk: Risk | None, context: ReportContext) -> str:
    return risk_phrase(risk.fact, risk.subject, context) if risk is not None else ""


_BATCH = 1000  # rows per piece written


def render(result: AuditResult, context: ReportContext = NO_CONTEXT) -> bytes:
    """One row per finding, with its asset's place, for spreadsheets."""
    return b"".join(chunks(result, context))


def chunks(result: AuditResult, context: ReportContext = NO_CONTEXT) -> Iterator[bytes]:
    """:func:`render`'s bytes, a thousand rows at a time, built as they are written."""
    assets = {asset.id: asset for asset in result.assets}
    risks = {line.fingerprint: risk for risk in result.risks for line in risk.lines}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for position, finding in enumerate(result.findings, 1):
        asset = assets.get(finding.asset_id)
        location = asset.location if asset else None
        waiver = finding.waiver
        row = (
            finding.severity.value,
            finding.status.value,
            finding.rule_id,
            finding.rule_name,
            finding.pack,
            finding.title,
            finding.asset_id,
            asset.name if asset else "",
            asset.provider.value if asset else "",
            asset.account if asset else "",
            asset.region if asset else "",
            "/".join(location.places()) if location else "unknown",
            finding.message,
            json.dumps(finding.evidence, ensure_ascii=False, sort_keys=True),
            waiver.owner if waiver else "",
            waiver.reason if waiver else "",
            waiver.expires.isoformat() if waiver else "",
            finding.fingerprint,
            risks[finding.fingerprint].id if finding.fingerprint in risks else "",
            _phrase(risks.get(finding.fingerprint), context),
        )
        writer.writerow([_cell(value) for value in row])
        if position % _BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
