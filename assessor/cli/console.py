"""Everything the command line prints. Results and tables go to stdout; progress, summaries
and errors to stderr, so stdout stays machine-readable."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from assessor.models import Confidence, FindingStatus, Lifecycle, Location, RunDiff, Severity
from assessor.run import RunOutcome

if TYPE_CHECKING:
    from assessor.history.store import OpenFinding, RunRecord


def error(message: str) -> None:
    click.echo(f"assessor: error: {message}", err=True)


def warning(message: str) -> None:
    click.echo(f"assessor: warning: {message}", err=True)


def note(message: str) -> None:
    click.echo(message, err=True)


def out(text: str) -> None:
    click.echo(text)


def progress() -> Callable[[str, int, int], None] | None:
    """A one-line running count on a terminal; nothing when stderr is a file or pipe."""
    if not sys.stderr.isatty():
        return None

    def show(probe: str, assets: int, gaps: int) -> None:
        click.echo(f"\r{probe}: {assets} assets, {gaps} gaps", nl=False, err=True)

    return show


def outcome(run: RunOutcome) -> None:
    """What a finished run prints: history, delivery, counts, warnings, files written."""
    if sys.stderr.isatty():
        note("")
    result = run.result
    if run.run_id is not None:
        note(f"recorded run {run.run_id} in the history")
    for published in run.published:
        note(f"published {len(published.copies)} reports to {published.url}")
    for problem in run.delivery_errors:
        error(problem)
    summary = result.summary
    counts = ", ".join(
        f"{summary.by_severity.get(sev, 0)} {sev.value}" for sev in reversed(Severity)
    )
    note(
        f"{summary.asset_count} assets, {summary.finding_count} findings ({counts}), "
        f"{summary.gap_count} coverage gaps"
    )
    waived = sum(1 for finding in result.findings if finding.status is FindingStatus.WAIVED)
    if waived or result.expired_waivers:
        note(f"{waived} findings waived; {len(result.expired_waivers)} waivers expired")
    if result.baseline:
        baseline = result.baseline
        note(
            f"baseline: {baseline.matched} known findings, {len(baseline.stale)} stale entries, "
            f"{len(baseline.expired)} expired entries (their findings count again)"
        )
    if result.scores:
        note(f"risk score {result.scores.overall:g} / 100")
    for message in run.warnings:
        warning(message)
    # A part's files are in its folder (``parts/part-K``) below the organization's.
    folders = tuple(f"/{part}" for part in result.parts)
    tops = [path for path in run.written if not path.parent.as_posix().endswith(folders)]
    for path in tops:
        note(f"wrote {path}")
    if result.parts:
        note(
            f"wrote the reports of {len(result.parts)} parts ({result.parts[0]} to "
            f"{result.parts[-1]}) beside them: {len(run.written) - len(tops)} files"
        )


# --- history ------------------------------------------------------------------------------


def run_json(run: RunRecord) -> dict[str, Any]:
    return {
        "id": run.id,
        "scope": run.scope,
        "started_at": run.started_at.isoformat(),
        "tool_version": run.tool_version,
        "assets": run.asset_count,
        "findings": run.finding_count,
        "open_by_severity": run.open_by_severity,
        "gaps": run.gaps,
    }


def runs(records: Sequence[RunRecord], as_json: bool) -> None:
    if as_json:
        out(json.dumps([run_json(run) for run in records], indent=2))
        return
    for run in records:
        counts = run.open_by_severity
        out(
            f"{run.id:>5}  {run.started_at:%Y-%m-%d %H:%M}  {run.asset_count:>6} assets  "
            f"{counts.get('critical', 0)} critical {counts.get('high', 0)} high open  "
            f"{run.scope}"
        )


def run_findings(run: RunRecord, findings: Sequence[OpenFinding], as_json: bool) -> None:
    if as_json:
        data = {
            **run_json(run),
            "findings": [
                {
                    "fingerprint": f.fingerprint,
                    "rule_id": f.rule_id,
                    "asset_id": f.asset_id,
                    "severity": f.severity.value,
                    "status": f.status.value,
                    "first_seen": f.first_seen_at.isoformat(),
                }
                for f in findings
            ],
        }
        out(json.dumps(data, indent=2))
        return
    out(f"run {run.id} at {run.started_at:%Y-%m-%d %H:%M} ({run.scope})")
    for f in findings:
        out(f"  {f.severity.value:<8} {f.rule_id:<8} {f.status.value:<9} {f.asset_id}")


def run_diff(diff: RunDiff, as_json: bool) -> None:
    if as_json:
        out(diff.model_dump_json(indent=2))
        return
    out(
        f"{diff.risks(Lifecycle.NEW)} new risks ({diff.count(Lifecycle.NEW)} findings), "
        f"{diff.risks(Lifecycle.RESOLVED)} resolved risks "
        f"({diff.count(Lifecycle.RESOLVED)} findings)"
    )
    for change in diff.findings:
        remark = f"  ({change.note})" if change.note else ""
        out(
            f"{change.lifecycle.value:<11} {change.severity.value:<8} {change.rule_id:<8} "
            f"{change.asset_id}{remark}"
        )
    for label, values in (
        ("asset added", diff.assets_added),
        ("asset removed", diff.assets_removed),
        ("gap appeared", diff.gaps_appeared),
        ("gap disappeared", diff.gaps_disappeared),
    ):
        for value in values:
            out(f"{label}: {value}")


# --- catalog --------------------------------------------------------------------------------


def region_rows(rows: Sequence[Location], as_json: bool) -> None:
    if as_json:
        out(json.dumps([row.model_dump(mode="json") for row in rows], indent=2))
        return
    for row in rows:
        where = ", ".join(filter(None, [row.city, row.country or "/".join(row.countries)]))
        operator = f"  operated by {row.operator}" if row.operator else ""
        provider_name = row.provider.value if row.provider else "?"
        if not row.known:
            out(f"{provider_name:<8} {row.region or '?':<26} unknown location")
            continue
        source = f"  [{row.confidence.value if row.confidence else '?'}: {row.source}]"
        out(f"{provider_name:<8} {row.region or '':<26} {where:<32} {row.name}{operator}{source}")


def catalog_check(rows: Sequence[Location], as_json: bool) -> None:
    """Where the catalog's knowledge is thin: per provider, rows by confidence tag (V
    verified, R reputable secondary, K widely known, U uncertain), and each row that is
    not verified, with what is uncertain about it and its source."""
    by_provider: dict[str, list[Location]] = {}
    for row in rows:
        by_provider.setdefault(row.provider.value if row.provider else "?", []).append(row)
    report: dict[str, dict[str, Any]] = {
        provider: {
            "rows": len(members),
            "by_confidence": {
                tag.value: sum(1 for row in members if row.confidence is tag) for tag in Confidence
            },
            "not_verified": [
                {
                    "region": row.region,
                    "confidence": row.confidence.value if row.confidence else None,
                    "where": ", ".join(filter(None, [row.city, "/".join(row.countries)])),
                    "operator": row.operator,
                    "source": row.source,
                }
                for row in members
                if row.confidence is not Confidence.VERIFIED
            ],
        }
        for provider, members in sorted(by_provider.items())
    }
    if as_json:
        out(json.dumps(report, indent=2))
        return
    for provider, facts in report.items():
        counts = "  ".join(f"{tag} {count}" for tag, count in facts["by_confidence"].items())
        out(f"{provider:<8} {facts['rows']:>4} rows   {counts}")
        for row in facts["not_verified"]:
            operator = f", operator {row['operator']}" if row["operator"] else ""
            out(
                f"    {row['confidence']}  {row['region']:<28} {row['where']}{operator}"
                f"  ({row['source']})"
            )
