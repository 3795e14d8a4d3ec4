"""The scheduled report: history (SQLite and PostgreSQL), what changed, publishing, webhooks."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage

from assessor.cli import main
from assessor.delivery import notify
from assessor.demo.estate import DemoBucket, create_bucket
from assessor.testing.emulators import pointed_at
from assessor.testing.faultproxy import aws_error, fault_proxy
from assessor.testing.webhooks import Receiver, receiver


def _audit(out: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        [
            "audit",
            "--probe",
            "aws",
            "--aws-regions",
            "us-east-1,ap-east-1",
            "--aws-services",
            "s3,ec2",
            "-o",
            str(out),
            "--format",
            "json,html,md",
            *extra,
        ],
        env=dict(os.environ),
    )
    return result.exit_code, result.output


def _changes(out: Path) -> dict[str, set[str]]:
    report = json.loads((out / "report.json").read_text())
    found: dict[str, set[str]] = {}
    for change in report["changes"]["findings"]:
        found.setdefault(change["lifecycle"], set()).add(change["asset_id"])
    return found


def test_second_run_shows_new_resolved_and_still_open(
    aws: str, tmp_path: Path, history: str
) -> None:
    create_bucket(DemoBucket("acme-hk-keep", "ap-east-1"))
    create_bucket(DemoBucket("acme-hk-old", "ap-east-1"))
    create_bucket(DemoBucket("acme-us", "us-east-1"))
    assert _audit(tmp_path / "one", "--history", history)[0] == 0
    first = json.loads((tmp_path / "one/report.json").read_text())["changes"]
    assert first["previous_run"] is None
    assert {c["lifecycle"] for c in first["findings"]} == {"new"}

    s3 = boto3.client("s3", region_name="ap-east-1")
    s3.delete_bucket(Bucket="acme-hk-old")
    create_bucket(DemoBucket("acme-hk-new", "ap-east-1"))
    code, output = _audit(tmp_path / "two", "--history", history)
    assert code == 0, output
    changes = _changes(tmp_path / "two")
    assert changes["new"] == {"arn:aws:s3:::acme-hk-new"}
    assert changes["resolved"] == {"arn:aws:s3:::acme-hk-old"}
    assert changes["still_open"] == {"arn:aws:s3:::acme-hk-keep"}
    report = json.loads((tmp_path / "two/report.json").read_text())
    statuses = {c["lifecycle"]: c["ocsf_status"] for c in report["changes"]["findings"]}
    assert statuses == {"new": "New", "resolved": "Resolved", "still_open": "In Progress"}
    assert report["changes"]["assets_added"] == ["arn:aws:s3:::acme-hk-new"]
    assert report["changes"]["assets_removed"] == ["arn:aws:s3:::acme-hk-old"]
    assert len(report["changes"]["trend"]) == 2
    html = (tmp_path / "two/report.html").read_text()
    assert 'data-testid="since-last-run"' in html and 'data-testid="trend-chart"' in html
    assert "Since run" in (tmp_path / "two/report.md").read_text()

    listed = CliRunner().invoke(main, ["history", "list", "--history", history, "--format", "json"])
    runs = json.loads(listed.output)
    assert [r["id"] for r in runs] == sorted((r["id"] for r in runs), reverse=True)
    assert len(runs) == 2
    shown = json.loads(
        CliRunner()
        .invoke(
            main, ["history", "show", str(runs[0]["id"]), "--history", history, "--format", "json"]
        )
        .output
    )
    assert {f["asset_id"] for f in shown["findings"]} >= {"arn:aws:s3:::acme-hk-new"}
    diff = json.loads(
        CliRunner()
        .invoke(
            main,
            [
                "history",
                "diff",
                str(runs[1]["id"]),
                str(runs[0]["id"]),
                "--history",
                history,
                "--format",
                "json",
            ],
        )
        .output
    )
    assert {c["asset_id"] for c in diff["findings"] if c["lifecycle"] == "resolved"} == {
        "arn:aws:s3:::acme-hk-old"
    }
    pruned = CliRunner().invoke(main, ["history", "prune", "--keep", "1", "--history", history])
    assert pruned.exit_code == 0 and "removed 1 runs" in pruned.output
    again = json.loads(
        CliRunner()
        .invoke(main, ["history", "list", "--history", history, "--format", "json"])
        .output
    )
    assert [r["id"] for r in again] == [runs[0]["id"]]


def test_a_finding_hidden_by_a_new_access_denied_is_unknown_not_resolved(
    aws: str, tmp_path: Path
) -> None:
    history = str(tmp_path / "state.sqlite")
    create_bucket(DemoBucket("acme-hk-a", "ap-east-1"))
    create_bucket(DemoBucket("acme-hk-b", "ap-east-1"))
    assert _audit(tmp_path / "one", "--history", history)[0] == 0

    def deny(request):  # type: ignore[no-untyped-def]
        locating = "location" in request.path and "acme-hk-b" in request.path
        return aws_error("AccessDenied") if locating else None

    with fault_proxy(aws, deny) as proxy, pointed_at(proxy, None):
        assert _audit(tmp_path / "two", "--history", history)[0] == 0
    changes = _changes(tmp_path / "two")
    assert changes["unknown"] == {"arn:aws:s3:::acme-hk-b"}
    assert "resolved" not in changes
    report = json.loads((tmp_path / "two/report.json").read_text())
    assert report["changes"]["gaps_appeared"]
    unknown = next(c for c in report["changes"]["findings"] if c["lifecycle"] == "unknown")
    assert unknown["ocsf_status"] == "Other" and "coverage gap" in unknown["note"]


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    monkeypatch.setattr(notify, "BACKOFF_SECONDS", 0.01)
    with receiver(failures=1) as listening:
        yield listening


def test_publish_to_s3_and_notify_one_digest(aws: str, tmp_path: Path, hook: Receiver) -> None:
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="reports")
    create_bucket(DemoBucket("acme-hk", "ap-east-1"))
    code, output = _audit(
        tmp_path / "out",
        "--history",
        str(tmp_path / "h.sqlite"),
        "--publish",
        "s3://reports/acme",
        "--notify",
        hook.url,
    )
    assert code == 0, output
    s3 = boto3.client("s3", region_name="us-east-1")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="reports")["Contents"]}
    assert {"acme/latest/report.html", "acme/latest/report.json", "acme/latest/report.md"} <= keys
    dated = [k for k in keys if k.startswith("acme/runs/") and k.endswith("report.html")]
    assert len(dated) == 1
    head = s3.head_object(Bucket="reports", Key="acme/latest/report.html")
    assert head["ContentType"].startswith("text/html")
    assert (
        s3.get_object(Bucket="reports", Key=dated[0])["Body"].read()
        == (tmp_path / "out/report.html").read_bytes()
    )
    [message] = hook.messages  # one digest, delivered after one 503 and a retry
    assert message["status"] == "completed"
    assert "2 new risks (3 findings)" in message["text"]  # where it is, and its keys
    assert [f["asset"] for f in message["new_findings"] if f["rule_id"] == "COC-001"] == ["acme-hk"]
    assert "acme-hk" in message["text"] and message["report_url"].startswith(
        "s3://reports/acme/runs/"
    )
    assert "AWS_SECRET_ACCESS_KEY" not in json.dumps(message)
    assert os.environ["AWS_SECRET_ACCESS_KEY"] not in json.dumps(message)


def test_publish_to_gcs(aws: str, gcs_endpoint: str, tmp_path: Path) -> None:
    with pointed_at(aws, gcs_endpoint):
        client = storage.Client(project="acme", credentials=AnonymousCredentials())
        client.create_bucket("acme-reports")
        code, output = _audit(tmp_path / "out", "--publish", "gs://acme-reports/nightly")
        assert code == 0, output
        blobs = {b.name: b for b in client.list_blobs("acme-reports")}
    assert "nightly/latest/report.json" in blobs
    assert blobs["nightly/latest/report.json"].content_type == "application/json"


def test_failed_upload_exits_3_keeps_reports_and_sends_a_failure_message(
    aws: str, tmp_path: Path, hook: Receiver
) -> None:
    code, output = _audit(
        tmp_path / "out", "--publish", "s3://no-such-bucket/x", "--notify", hook.url
    )
    assert code == 3, output
    assert "no-such-bucket" in output
    assert (tmp_path / "out/report.html").exists()
    statuses = [m["status"] for m in hook.messages]
    assert statuses == ["failed", "completed"]


def test_unreadable_rule_pack_sends_a_failure_message(
    aws: str, tmp_path: Path, hook: Receiver
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("pack: [")
    code, _ = _audit(tmp_path / "out", "--rules", str(bad), "--notify", hook.url)
    assert code == 2
    assert [m["status"] for m in hook.messages] == ["failed"]
    assert "bad.yaml" in hook.messages[0]["text"]


def test_a_run_that_crashes_while_recording_leaves_nothing_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    from assessor.history.store import HistoryStore
    from assessor.models import AuditResult, Summary

    store = HistoryStore.open(str(tmp_path / "h.sqlite"))
    summary = Summary(
        asset_count=0,
        finding_count=0,
        gap_count=0,
        by_severity={},
        by_country={},
        by_provider={},
        worst_severity=None,
    )
    result = AuditResult(tool_version="t", generated_at=datetime.now(UTC), summary=summary)

    def crash(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(HistoryStore, "_record_assets", crash)
    with pytest.raises(RuntimeError):
        store.record(result, "scope")
    assert store.runs() == []
