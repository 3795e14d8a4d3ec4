"""report.sarif: SARIF 2.1.0 for code scanning (GitHub and others).

Rules carry their help text and a numeric ``security-severity`` in GitHub's bands; results
carry the finding's stable fingerprint as a partial fingerprint, so alerts survive re-runs.
Findings on live cloud assets have no file, so they carry a logical location naming the
asset. Waived findings are suppressed with the waiver's justification. GitHub's limits are
kept: at most 25,000 results per run and a file of at most 10 MB once gzip-compressed (the
upload limit; the most severe results are kept, the lowest severities cut first, and the cut
is recorded in the run's properties), 20 tags per rule, names of at most 255 and
descriptions of at most 1,024 characters.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from typing import Any

from assessor import __version__
from assessor.models import AuditResult, Finding, FindingStatus, RuleSummary, Severity
from assessor.renderers.base import NO_CONTEXT, ReportContext

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/assessor/assessor"
MAX_RESULTS = 25_000
# Code scanning refuses a SARIF upload over 10 MB gzip-compressed; stay under it.
MAX_GZIP_BYTES = 10_000_000
MAX_TAGS = 20
MAX_NAME = 255
MAX_DESCRIPTION = 1_024
FINGERPRINT_KEY = "assessorFinding/v1"

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub's bands: critical > 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
    Severity.INFO: "0.0",
}


def render(result: AuditResult, context: ReportContext = NO_CONTEXT) -> bytes:
    """SARIF 2.1.0 for code scanning, within GitHub's size limits (see :func:`fit`)."""
    return fit(result).data


@dataclass(frozen=True)
class Fitted:
    """The SARIF file as written, and how many results had to be left out and why."""

    data: bytes
    dropped: int
    limit: str | None


# The last fit, so the run's warning does not render a large SARIF file a second time.
_last: list[tuple[AuditResult, tuple[int, int], Fitted]] = []


def fit(result: AuditResult, max_gzip_bytes: int = MAX_GZIP_BYTES) -> Fitted:
    """The most severe results that fit both limits: 25,000 results, and the compressed
    size (found by halving the number of results kept, so at most ~15 renders when a run
    is over; one render otherwise)."""
    limits = (MAX_RESULTS, max_gzip_bytes)
    for seen, seen_limits, fitted in _last:
        if seen is result and seen_limits == limits:
            return fitted
    ordered = _by_severity(result.findings)
    keep = min(len(ordered), MAX_RESULTS)
    data = _dump(sarif_log(result, kept=ordered[:keep], total=len(ordered)))
    reason = f"{MAX_RESULTS} results per run" if keep < len(ordered) else None
    if len(gzip.compress(data)) > max_gzip_bytes:
        low, high = 0, keep  # low fits (an empty run is tiny), high does not
        while high - low > 1:
            middle = (low + high) // 2
            candidate = _dump(sarif_log(result, kept=ordered[:middle], total=len(ordered)))
            if len(gzip.compress(candidate)) <= max_gzip_bytes:
                low = middle
            else:
                high = middle
        keep = low
        reason = f"{max_gzip_bytes:,} bytes of gzip-compressed SARIF (the upload limit)"
        data = _dump(sarif_log(result, kept=ordered[:keep], total=len(ordered), reason=reason))
    fitted = Fitted(data, len(ordered) - keep, reason)
    _last[:] = [(result, limits, fitted)]
    return fitted


def _dump(log: dict[str, Any]) -> bytes:
    return (json.dumps(log, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def sarif_log(
    result: AuditResult,
    category: str | None = None,
    kept: list[Finding] | None = None,
    total: int | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """The SARIF log of ``kept`` findings (default: all), with ``total`` the number before any were
    left out."""
    rules = list(result.rules)
    rule_index = {rule.id: index for index, rule in enumerate(rules)}
    if kept is None:
        ordered = _by_severity(result.findings)
        kept, total = ordered[:MAX_RESULTS], len(ordered)
    dropped = (total or 0) - len(kept)
    assets = {asset.id: asset for asset in result.assets}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "assessor",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(rule) for rule in rules],
            }
        },
        "automationDetails": {"id": f"{category or _category(result)}/"},
        "results": [_result(f, rule_index, assets, result.baseline is not None) for f in kept],
        "properties": {
            "assets": len(result.assets),
            "coverageGaps": len(result.gaps),
            "resultsOmitted": dropped,
        },
    }
    if dropped:
        run["properties"]["truncation"] = (
            f"{dropped} lower-severity results were left out to stay within "
            f"{reason or f'{MAX_RESULTS} results per run'}; the JSON report has them all"
        )
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _category(result: AuditResult) -> str:
    """One category per kind of job (probes and what they scanned), so several assessor jobs
    in one repository do not close each other's alerts."""
    scopes = "+".join(f"{run.name}:{run.scope}" for run in result.probes) or "assessor"
    return "assessor/" + re.sub(r"[^A-Za-z0-9_.:+-]+", "-", scopes).strip("-")


def truncation_note(result: AuditResult) -> str | None:
    """What the CLI prints on stderr when results had to be cut."""
    fitted = fit(result)
    if not fitted.dropped:
        return None
    return f"SARIF: {fitted.dropped} lower-severity results left out (limit: {fitted.limit})"


def _by_severity(findings: tuple[Finding, ...]) -> list[Finding]:
    return sorted(findings, key=lambda f: -f.severity.rank)  # stable: keeps report order


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rule(rule: RuleSummary) -> dict[str, Any]:
    sources = "\n".join(
        f"- [{s.title}]({s.url})" + (f" ({s.date})" if s.date else "") for s in rule.sources
    )
    markdown = (
        f"**{rule.title}**\n\n{rule.rationale}\n\n**Remediation.** {rule.remediation}\n\n"
        f"**Policy.** {rule.policy}\n\n**Sources**\n\n{sources}\n"
    )
    tags = ["security", "data-residency", rule.pack, rule.severity.value][:MAX_TAGS]
    return {
        "id": rule.id,
        "name": _clip(rule.name, MAX_NAME),
        "shortDescription": {"text": _clip(rule.title, MAX_DESCRIPTION)},
        "fullDescription": {"text": _clip(rule.rationale, MAX_DESCRIPTION)},
        "help": {"text": f"{rule.remediation}\n\nSources:\n{sources}", "markdown": markdown},
        "helpUri": rule.sources[0].url if rule.sources else INFORMATION_URI,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "precision": "high",
            "tags": tags,
        },
    }


def _result(
    finding: Finding, rule_index: dict[str, int], assets: dict[str, Any], baselined: bool
) -> dict[str, Any]:
    asset = assets.get(finding.asset_id)
    logical = {
        "name": asset.name if asset else finding.asset_id,
        "fullyQualifiedName": finding.asset_id,
        "kind": "resource",
    }
    location: dict[str, Any] = {"logicalLocations": [logical]}
    if asset is not None and asset.source is not None:
        # Code: point at the block to change; live cloud assets keep the logical location.
        location["physicalLocation"] = {
            "artifactLocation": {"uri": asset.source.path, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": asset.source.start_line, "endLine": asset.source.end_line},
        }
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {
            "security-severity": SECURITY_SEVERITY[finding.severity],
            "severity": finding.severity.value,
            "evidence": finding.evidence,
        },
    }
    if finding.rule_id in rule_index:
        result["ruleIndex"] = rule_index[finding.rule_id]
    if baselined:
        known = finding.status is FindingStatus.BASELINED
        result["baselineState"] = "unchanged" if known else "new"
    if finding.status is FindingStatus.WAIVED and finding.waiver:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{finding.waiver.reason} (owner {finding.waiver.owner}, "
                f"expires {finding.waiver.expires.isoformat()})",
            }
        ]
    return result
