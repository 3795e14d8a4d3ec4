"""Command-line behaviour: exit codes, inventory → evaluate, schema, option errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from assessor.cli import main
from assessor.demo.estate import DemoBucket, create_bucket
from assessor.models import AuditResult, Inventory


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
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    result = _run(*args, "-o", str(tmp_path))
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    assert message in result.output  # type: ignore[attr-defined]


@pytest.mark.parametrize("model", ["audit-result", "inventory", "rule-pack"])
def test_schema_command_prints_json_schema(model: str) -> None:
    result = _run("schema", "--model", model)
    schema = json.loads(result.output)  # type: ignore[attr-defined]
    assert schema["type"] == "object" and schema["properties"]


def test_probes_command_lists_builtin_probes() -> None:
    result = _run("probes")
    assert "aws" in result.output and "gcs" in result.output  # type: ignore[attr-defined]
