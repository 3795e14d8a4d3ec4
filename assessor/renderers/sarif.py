"""report.sarif: SARIF 2.1.0 for code scanning (GitHub and others).

Rules carry their help text and a numeric ``security-severity`` in GitHub's bands; results
carry the finding's stable fingerprint as a partial fingerprint, so alerts survive re-runs.
Findings on live cloud assets have no file, so they carry a logical location naming the
asset. Waived findings are suppressed with the waiver's justification. GitHub's limits are
kept: at most 25,000 results per run (the most severe are kept and the cut is recorded in
the run's properties), 20 tags per rule, names of at most 255 and descriptions of at most
1,024 characters.
"""

from __future__ import annotations

import json
import re
from typing import Any

from assessor import __version__
from assessor.models import AuditResult, Finding, FindingStatus, RuleSummary, Severity
from assessor.renderers.base import NO_CONTEXT, ReportContext

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/assessor/assessor"
MAX_RESULTS = 25_000
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
    return (json.dumps(sarif_log(result), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def sarif_log(result: AuditResult, category: str | None = None) -> dict[str, Any]:
    rules = list(result.rules)
    rule_index = {rule.id: index for index, rule in enumerate(rules)}
    kept, dropped = _within_limit(result.findings)
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
            f"{MAX_RESULTS} results per run; the JSON report has them all"
        )
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _category(result: AuditResult) -> str:
    """One category per kind of job (probes and what they scanned), so several assessor jobs
    in one repository do not close each other's alerts."""
    scopes = "+".join(f"{run.name}:{run.scope}" for run in result.probes) or "assessor"
    return "assessor/" + re.sub(r"[^A-Za-z0-9_.:+-]+", "-", scopes).strip("-")


def truncation_note(result: AuditResult) -> str | None:
    """What the CLI prints on stderr when results had to be cut."""
    _, dropped = _within_limit(result.findings)
    if not dropped:
        return None
    return f"SARIF: {dropped} lower-severity results left out (limit {MAX_RESULTS} per run)"


def _within_limit(findings: tuple[Finding, ...]) -> tuple[list[Finding], int]:
    ordered = sorted(findings, key=lambda f: -f.severity.rank)  # stable: keeps report order
    return ordered[:MAX_RESULTS], max(0, len(ordered) - MAX_RESULTS)


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
