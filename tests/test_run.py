"""The run core without a command line: exit-code precedence, delivery failure, a crashed
probe, and an audit run from Python the way a user's script would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assessor import run
from assessor.catalog import Catalog
from assessor.engine.selection import RuleSelection
from assessor.errors import ExitCode
from assessor.findings.result import Acceptance
from assessor.findings.waivers import load_waivers
from assessor.inventory import take_inventory
from assessor.models import Asset, AuditResult, CoverageGap, GapReason, Provider, Severity
from assessor.probes.base import Probe, ProbeItem

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "terraform" / "estate"


class _HongKongThenCrash(Probe):
    """Yields one asset in Hong Kong, then fails the way a buggy probe would."""

    name = "flaky"
    description = "test probe"

    def scan(self) -> Iterator[ProbeItem]:
        yield Asset(
            id="hk-bucket",
            provider=Provider.AWS,
            service="s3",
            kind="bucket",
            name="hk-bucket",
            account="1",
            region="ap-east-1",
        )
        raise RuntimeError("the SDK fell over")


def _result(catalog: Catalog) -> tuple[AuditResult, tuple[object, ...]]:
    taken = take_inventory([_HongKongThenCrash()], catalog, now=NOW)
    rule_set = RuleSelection(packs=("countries-of-concern",)).load(catalog)
    return run.assess(taken.inventory, rule_set), taken.crashed


def test_a_crashed_probe_is_a_typed_gap_and_keeps_what_it_found(
    catalog: Catalog, tmp_path: Path
) -> None:
    result, crashed = _result(catalog)
    reports = run.Reports(output=tmp_path, formats=("json",))
    outcome = run.finish(result, reports=reports, crashed=crashed)  # type: ignore[arg-type]
    assert [gap.probe for gap in outcome.crashed] == ["flaky"]
    assert "RuntimeError: the SDK fell over" in outcome.crashed[0].message
    assert [asset.id for asset in outcome.result.assets] == ["hk-bucket"]
    assert any(f.rule_id == "COC-001" for f in outcome.result.findings)
    assert outcome.exit_code is ExitCode.OK  # --fail-on none: a gap alone never fails a run


# Every combination of what an outcome can hold, and the one status it exits with.
STATUS_TABLE = [
    # unread, delivery failed, failing: status
    (False, False, False, ExitCode.OK),
    (False, False, True, ExitCode.FINDINGS),
    (False, True, False, ExitCode.DELIVERY),
    (False, True, True, ExitCode.DELIVERY),  # delivery wins over findings
    (True, False, False, ExitCode.INCOMPLETE),
    (True, False, True, ExitCode.INCOMPLETE),  # a partial estate over everything
    (True, True, False, ExitCode.INCOMPLETE),
    (True, True, True, ExitCode.INCOMPLETE),
]


@pytest.mark.parametrize(("unread", "delivery_failed", "failing", "expected"), STATUS_TABLE)
def test_the_exit_status_table(
    unread: bool, delivery_failed: bool, failing: bool, expected: ExitCode
) -> None:
    status = run.exit_status(unread=unread, delivery_failed=delivery_failed, failing=failing)
    assert status is expected


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [
        (None, ExitCode.OK),
        (Severity.CRITICAL, ExitCode.OK),
        (Severity.HIGH, ExitCode.FINDINGS),
        (Severity.INFO, ExitCode.FINDINGS),
    ],
)
def test_fail_on_is_judged_on_the_result(
    catalog: Catalog, tmp_path: Path, fail_on: Severity | None, expected: ExitCode
) -> None:
    result, _ = _result(catalog)
    assert result.summary.worst_severity is Severity.HIGH
    reports = run.Reports(output=tmp_path, formats=("json",), fail_on=fail_on)
    assert run.finish(result, reports=reports).exit_code is expected


def test_a_result_with_an_unread_part_is_incomplete_unless_partial_is_allowed(
    catalog: Catalog, tmp_path: Path
) -> None:
    result, _ = _result(catalog)
    gap = CoverageGap(probe="aws", reason=GapReason.UNREAD, message="111 was not read")
    partial = result.model_copy(update={"gaps": (*result.gaps, gap)})
    reports = run.Reports(output=tmp_path, formats=("json",), fail_on=Severity.HIGH)
    assert run.finish(partial, reports=reports).exit_code is ExitCode.INCOMPLETE
    allowed = replace(reports, allow_partial=True)
    assert run.finish(partial, reports=allowed).exit_code is ExitCode.FINDINGS


def test_a_failed_delivery_is_exit_3_and_the_reports_are_still_written(
    catalog: Catalog, tmp_path: Path
) -> None:
    result, _ = _result(catalog)
    delivery = run.Delivery(publish=("ftp://nowhere/reports",))
    reports = run.Reports(output=tmp_path, formats=("json", "md"), fail_on=Severity.HIGH)
    outcome = run.finish(result, reports=reports, delivery=delivery)
    assert outcome.exit_code is ExitCode.DELIVERY
    assert "ftp://nowhere/reports" in outcome.delivery_errors[0]
    assert sorted(path.name for path in outcome.written) == ["report.json", "report.md"]
    assert all(path.is_file() for path in outcome.written)


def test_waived_findings_do_not_fail_the_run(catalog: Catalog, tmp_path: Path) -> None:
    taken = take_inventory([_HongKongThenCrash()], catalog, now=NOW).inventory
    waivers_file = tmp_path / "waivers.yaml"
    waivers_file.write_text(
        "waivers:\n  - {rule: '*', asset: hk-*, owner: cso, reason: ok, expires: 2027-01-01}\n"
    )
    waivers = tuple(load_waivers(waivers_file))
    rule_set = RuleSelection(packs=("countries-of-concern",)).load(catalog)
    result = run.assess(taken, rule_set, acceptance=Acceptance(waivers), now=NOW)
    assert result.findings and all(f.status.value == "waived" for f in result.findings)
    reports = run.Reports(output=tmp_path / "out", formats=("json",), fail_on=Severity.INFO)
    assert run.finish(result, reports=reports).exit_code is ExitCode.OK


def test_a_script_runs_an_audit_and_reads_its_outcome(tmp_path: Path) -> None:
    outcome = run.audit(
        {"terraform": run.ProbeConfig({"path": (str(FIXTURE),)})},
        reports=run.Reports(output=tmp_path, formats=("json",), fail_on=Severity.HIGH),
        now=NOW,
    )
    report = json.loads((tmp_path / "report.json").read_text())
    assert outcome.exit_code is ExitCode.FINDINGS and outcome.written == (tmp_path / "report.json",)
    assert report["generated_at"] == "2026-12-01T12:00:00Z"
    assert outcome.result.summary.finding_count == len(report["findings"]) > 0
