"""`audit`, `inventory`, `evaluate`: exit codes, inventory → evaluate, option errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from assessor.cli import main
from assessor.demo.estate import DemoBucket, create_bucket
from assessor.models import AuditResult, Inventory
from assessor.testing.webhooks import receiver


@pytest.fixture
def small_estate(aws: str) -> str:
    create_bucket(DemoBucket("acme-hk-data", "ap-east-1", {"data-class": "pii"}))
    create_bucket(DemoBucket("acme-us-data", "us-east-1"))
    return aws


def _run(*args: str) -> object:
    return CliRunner().invoke(main, list(args), env=dict(os.environ))


@pytest.mark.parametrize(
    ("fail_on", "code"), [("none", 0), ("critical", 0), ("high", 1), ("low", 1)]
)
def test_exit_code_follows_fail_on(
    small_estate: str, tmp_path: Path, fail_on: str, code: int
) -> None:
    result = _run(
        "audit",
        "--probe",
        "aws",
        "--aws-regions",
        "us-east-1,ap-east-1",
        "--aws-services",
        "s3,ec2",
        "-o",
        str(tmp_path),
        "--format",
        "json",
        "--fail-on",
        fail_on,
    )
    assert result.exit_code == code, result.output  # type: ignore[attr-defined]
    assert (tmp_path / "report.json").exists() and not (tmp_path / "report.html").exists()


def test_inventory_then_evaluate_gives_the_audit_findings(
    small_estate: str, tmp_path: Path
) -> None:
    inventory_file = tmp_path / "inventory.json"
    assert (
        _run(
            "inventory",
            "--probe",
            "aws",
            "--aws-regions=us-east-1,ap-east-1",
            "--aws-services=s3,ec2",
            "-o",
            str(inventory_file),
        ).exit_code
        == 0
    )  # type: ignore[attr-defined]
    saved = Inventory.model_validate_json(inventory_file.read_bytes())
    assert {a.name for a in saved.assets} == {"acme-hk-data", "acme-us-data"}

    evaluated = _run("evaluate", str(inventory_file), "-o", str(tmp_path / "e"), "--format", "json")
    audited = _run(
        "audit",
        "--probe",
        "aws",
        "--aws-regions",
        "us-east-1,ap-east-1",
        "--aws-services",
        "s3,ec2",
        "-o",
        str(tmp_path / "a"),
        "--format",
        "json",
    )
    assert evaluated.exit_code == audited.exit_code == 0  # type: ignore[attr-defined]
    from_inventory = AuditResult.model_validate_json((tmp_path / "e/report.json").read_bytes())
    from_audit = AuditResult.model_validate_json((tmp_path / "a/report.json").read_bytes())
    assert [f.fingerprint for f in from_inventory.findings] == [
        f.fingerprint for f in from_audit.findings
    ]
    assert from_audit.findings and from_audit.findings[0].asset_id == "arn:aws:s3:::acme-hk-data"


def test_evaluate_rejects_a_malformed_inventory(tmp_path: Path) -> None:
    bad = tmp_path / "inventory.json"
    bad.write_text(json.dumps({"generated_at": "2026-01-01T00:00:00Z", "assets": [{"id": 1}]}))
    result = _run("evaluate", str(bad), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "inventory.json" in result.output and "assets.0" in result.output  # type: ignore[attr-defined]


def test_pack_selection(tmp_path: Path) -> None:
    assert _run("rules", "list", "--pack", "nope").exit_code == 2  # type: ignore[attr-defined]
    listed = _run("rules", "list", "--pack", "countries-of-concern")
    assert "COC-001" in listed.output  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["audit", "--probe", "aws", "--aws-color", "red"], "unknown option '--aws-color'"),
        (["audit", "--probe", "aws", "--aws-regions"], "--aws-regions needs a value"),
        (["audit", "--probe", "nope"], "no probe named 'nope'"),
        (["audit", "--probe", "aws", "--format", "pdf"], "unknown format"),
        (["audit", "--probe", "aws", "--aws-services", "s3,nosuch"], "unknown nosuch"),
        (["audit", "--probe", "terraform", "--terraform-strict", "maybe"], "must be yes or no"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    result = _run(*args, "-o", str(tmp_path))
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    assert message in result.output  # type: ignore[attr-defined]


def test_a_bad_probe_option_value_exits_2_naming_it_before_any_call(tmp_path: Path) -> None:
    with receiver(failures=10**6, path="") as endpoint:  # an AWS endpoint that only counts
        env = {**os.environ, "AWS_ENDPOINT_URL": endpoint.url, "AWS_ACCESS_KEY_ID": "x"}
        env["AWS_SECRET_ACCESS_KEY"] = "x"
        result = CliRunner().invoke(
            main,
            ["audit", "--probe", "aws", "--aws-concurrency", "many", "-o", str(tmp_path)],
            env=env,
        )
    assert result.exit_code == 2, result.output
    assert "--aws-concurrency must be a whole number, not 'many'" in result.output
    assert "Traceback" not in result.output
    assert endpoint.requests == 0 and not (tmp_path / "report.json").exists()
