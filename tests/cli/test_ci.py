"""`assessor ci` as a pipeline runs it: exit codes, baselines, inline waivers, SARIF."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from assessor.cli import main

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "terraform" / "estate"
SARIF_SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "data" / "sarif-schema-2.1.0.json"
RISKY = (
    '\nresource "aws_s3_bucket" "new_hk" {\n  provider = aws.dr\n  bucket   = "acme-new-hk"\n}\n'
)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "infra")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path


def _ci(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["ci", *args])
    return result.exit_code, result.output


def _report(out: str = "assessor-ci") -> dict:  # type: ignore[type-arg]
    return json.loads(Path(out, "report.json").read_text())


def test_ci_fails_on_high_and_points_every_finding_at_file_and_line(repo: Path) -> None:
    code, output = _ci("infra")
    assert code == 1, output
    report = _report()
    by_id = {a["id"]: a for a in report["assets"]}
    fired = {(f["rule_id"], f["asset_id"]) for f in report["findings"]}
    # The bucket that replicates into Hong Kong through the aliased provider aws.dr:
    assert ("COC-004", "infra:aws_s3_bucket.data") in fired
    assert by_id["infra:aws_s3_bucket.data"]["source"] == {
        "path": "infra/main.tf",
        "start_line": 29,
        "end_line": 34,
        "module": "",
        "address": "aws_s3_bucket.data",
    }
    assert ("COC-005", "infra:aws_s3_bucket.mystery") in fired
    unknown = next(f for f in report["findings"] if f["rule_id"] == "COC-005")
    assert "var.unset_region" in unknown["evidence"]["attributes.location_note"]
    log = json.loads(Path("assessor-ci/report.sarif").read_text())
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text()))
    run = log["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    for item in run["results"]:
        physical = item["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"].startswith("infra/")
        assert physical["region"]["startLine"] >= 1
        assert item["partialFingerprints"]["assessorFinding/v1"]
        assert rules[item["ruleId"]]["properties"]["security-severity"]
    assert run["automationDetails"]["id"].startswith("assessor/terraform")
    assert {p.name for p in Path("assessor-ci").iterdir()} == {
        "report.sarif",
        "report.junit.xml",
        "report.md",
        "report.json",
    }


def test_baseline_absorbs_known_findings_survives_line_moves_and_catches_new_ones(
    repo: Path,
) -> None:
    assert _ci("infra", "-o", "first")[0] == 1
    created = CliRunner().invoke(
        main, ["baseline", "create", "first/report.json", "--output", ".assessor-baseline.json"]
    )
    assert created.exit_code == 0, created.output
    baseline = json.loads(Path(".assessor-baseline.json").read_text())
    assert baseline["schema_version"] == "1" and baseline["entries"]
    keys = [(e["rule_id"], e["account"], e["asset_id"]) for e in baseline["entries"]]
    assert keys == sorted(keys)

    code, output = _ci("infra", "--baseline", ".assessor-baseline.json", "-o", "second")
    assert code == 0, output
    assert all(f["status"] == "baselined" for f in _report("second")["findings"])

    # Blank lines and comments above existing resources change no fingerprint.
    main_tf = Path("infra/main.tf")
    main_tf.write_text(
        "# moved things around\n\n\n"
        + main_tf.read_text().replace(
            'resource "aws_s3_bucket" "data"',
            '# the data bucket\n\nresource "aws_s3_bucket" "data"',
        )
    )
    code, output = _ci("infra", "--baseline", ".assessor-baseline.json", "-o", "third")
    assert code == 0, output
    moved = {a["id"]: a for a in _report("third")["assets"]}["infra:aws_s3_bucket.data"]
    assert moved["source"]["start_line"] == 34  # the line moved, the identity did not

    # One new risky resource fails the job with exactly its findings.
    main_tf.write_text(main_tf.read_text() + RISKY)
    code, output = _ci("infra", "--baseline", ".assessor-baseline.json", "-o", "fourth")
    assert code == 1, output
    new = [f for f in _report("fourth")["findings"] if f["status"] == "open"]
    assert {f["asset_id"] for f in new} == {"infra:aws_s3_bucket.new_hk"}
    results = json.loads(Path("fourth/report.sarif").read_text())["runs"][0]["results"]
    states = {
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: r["baselineState"]
        for r in results
    }
    assert (
        states["infra:aws_s3_bucket.new_hk"] == "new"
        and states["infra:aws_s3_bucket.dr"] == "unchanged"
    )

    # --update keeps matching entries (with their reasons) and adds the new ones.
    data = json.loads(Path(".assessor-baseline.json").read_text())
    data["entries"][0]["reason"] = "accepted by the CISO"
    Path(".assessor-baseline.json").write_text(json.dumps(data))
    CliRunner().invoke(
        main,
        [
            "baseline",
            "create",
            "fourth/report.json",
            "--update",
            "--output",
            ".assessor-baseline.json",
        ],
    )
    updated = json.loads(Path(".assessor-baseline.json").read_text())["entries"]
    assert any(e["reason"] == "accepted by the CISO" for e in updated)
    assert any(e["asset_id"] == "infra:aws_s3_bucket.new_hk" for e in updated)


def test_expired_baseline_entries_count_again_and_stale_ones_are_listed(repo: Path) -> None:
    _ci("infra", "-o", "first")
    CliRunner().invoke(main, ["baseline", "create", "first/report.json", "-o", "b.json"])
    data = json.loads(Path("b.json").read_text())
    for entry in data["entries"]:
        entry["expires"] = "2020-01-01"
    data["entries"].append({**data["entries"][0], "fingerprint": "0" * 32, "expires": None})
    Path("b.json").write_text(json.dumps(data))
    code, _ = _ci("infra", "--baseline", "b.json", "-o", "again")
    assert code == 1
    outcome = _report("again")["baseline"]
    assert outcome["matched"] == 0 and len(outcome["expired"]) == len(data["entries"]) - 1
    assert [e["fingerprint"] for e in outcome["stale"]] == ["0" * 32]


def test_same_address_in_another_root_module_is_not_absorbed(repo: Path) -> None:
    shutil.copytree("infra", "other")
    _ci("infra", "-o", "a")
    CliRunner().invoke(main, ["baseline", "create", "a/report.json", "-o", "b.json"])
    code, _ = _ci("infra", "other", "--baseline", "b.json", "-o", "both")
    assert code == 1
    findings = _report("both")["findings"]
    statuses = {f["asset_id"]: f["status"] for f in findings if f["rule_id"] == "COC-001"}
    # The same address in other/ is another asset: its finding is new, not absorbed.
    assert statuses == {
        "infra:aws_s3_bucket.dr": "baselined",
        "other:aws_s3_bucket.dr": "open",
        "infra:module.store.aws_s3_bucket.store": "baselined",
        "other:module.store.aws_s3_bucket.store": "open",
        "infra:alicloud_oss_bucket.mirror": "baselined",
        "other:alicloud_oss_bucket.mirror": "open",
    }


def test_inline_waivers_apply_and_expire(repo: Path) -> None:
    main_tf = Path("infra/main.tf")
    text = main_tf.read_text()
    text = text.replace(
        'resource "aws_s3_bucket" "dr" {',
        '# assessor:waive COC-001 reason="DR copy approved (SEC-42)" expires=2999-01-01\n'
        '# assessor:waive CLN-003 reason="old approval" expires=2020-01-01\n'
        'resource "aws_s3_bucket" "dr" {',
    )
    main_tf.write_text(text)
    _ci("infra")
    report = _report()
    dr = {f["rule_id"]: f for f in report["findings"] if f["asset_id"] == "infra:aws_s3_bucket.dr"}
    assert dr["COC-001"]["status"] == "waived"
    assert dr["COC-001"]["waiver"]["reason"] == "DR copy approved (SEC-42)"
    assert dr["COC-001"]["waiver"]["source"] == "infra/main.tf:36"
    assert dr["CLN-003"]["status"] == "open"
    assert [w["rule"] for w in report["expired_waivers"]] == ["CLN-003"]


def test_step_summary_and_usage_errors(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = repo / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    _ci("infra")
    text = summary.read_text()
    assert text.startswith("earlier step\n## assessor") and "COC-004" in text
    assert _ci()[0] == 2
    assert _ci("infra", "--format", "pdf")[0] == 2
    Path("infra/broken.tf").write_text("resource {")
    assert _ci("infra", "--strict")[0] == 2


def test_audit_with_the_terraform_probe_gives_the_same_findings(repo: Path) -> None:
    _ci("infra", "-o", "ci")
    result = CliRunner().invoke(
        main,
        [
            "audit",
            "--probe",
            "terraform",
            "--terraform-path",
            "infra",
            "-o",
            "audit",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert [f["fingerprint"] for f in _report("ci")["findings"]] == [
        f["fingerprint"] for f in _report("audit")["findings"]
    ]
