"""Waivers (accepted risks), parameter overrides and risk scores, through the real engine."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from assessor.catalog import Catalog, locate
from assessor.cli import main
from assessor.engine.examples import example_asset
from assessor.engine.selection import RuleSelection
from assessor.errors import InputError
from assessor.findings.result import Acceptance, at_or_above
from assessor.findings.scoring import score
from assessor.findings.waivers import load_waivers
from assessor.models import FindingStatus, Inventory, Severity
from assessor.run import assess

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def _inventory(catalog: Catalog, *specs: dict[str, Any]) -> Inventory:
    assets = tuple(
        locate(example_asset("W", i, {"id": f"arn:aws:s3:::{spec['name']}", **spec}), catalog)
        for i, spec in enumerate(specs)
    )
    return Inventory(generated_at=datetime(2026, 11, 23, tzinfo=UTC), assets=assets)


def _waivers(tmp_path: Path, text: str) -> list[Any]:
    path = tmp_path / "waivers.yaml"
    path.write_text(text)
    return load_waivers(path)


def test_waiver_marks_matching_findings_and_reports_expired_and_unused(
    tmp_path: Path, catalog: Catalog
) -> None:
    waivers = _waivers(
        tmp_path,
        """
waivers:
  - {rule: COC-001, asset: "dr-*", owner: cso, reason: approved DR copy, expires: 2027-01-01}
  - {rule: location.country-of-concern, asset: "old-*", owner: cso, reason: past, expires: 2026-01-01}
  - {rule: COC-002, asset: "*", owner: cso, reason: nothing matches, expires: 2027-01-01}
""",
    )
    inventory = _inventory(
        catalog,
        {"name": "dr-copy", "provider": "aws", "region": "ap-east-1"},
        {"name": "old-copy", "provider": "aws", "region": "ap-east-1"},
    )
    rule_set = RuleSelection(packs=("countries-of-concern",)).load(catalog)
    result = assess(inventory, rule_set, acceptance=Acceptance(tuple(waivers)), now=NOW)
    by_asset = {f.asset_id: f for f in result.findings if f.rule_id == "COC-001"}
    waived = by_asset["arn:aws:s3:::dr-copy"]
    assert waived.status is FindingStatus.WAIVED and waived.waiver is not None
    assert waived.waiver.owner == "cso" and waived.waiver.source == f"{tmp_path}/waivers.yaml:3"
    assert by_asset["arn:aws:s3:::old-copy"].status is FindingStatus.OPEN
    assert [w.asset for w in result.expired_waivers] == ["old-*"]
    assert [w.rule for w in result.unused_waivers] == ["COC-002"]
    # Only the open finding counts towards --fail-on.
    assert [f.asset_id for f in at_or_above(result.findings, Severity.HIGH)] == [
        "arn:aws:s3:::old-copy"
    ]


def test_malformed_waiver_names_line_and_field(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        _waivers(
            tmp_path,
            "waivers:\n  - rule: COC-001\n    asset: x\n    owner: me\n"
            "    reason: r\n    expires: someday\n",
        )
    assert caught.value.line == 6 and caught.value.field == "waivers[0].expires"


def test_set_overrides_a_threshold_and_rejects_unknown_parameters(catalog: Catalog) -> None:
    inventory = _inventory(
        catalog,
        {
            "name": "ids",
            "provider": "aws",
            "region": "ap-east-1",
            "classification": "pii",
            "tags": {"records": "60000"},
        },
    )

    def fired(overrides: dict[str, dict[str, object]]) -> set[str]:
        rule_set = RuleSelection(packs=("us-data-security",), overrides=overrides).load(catalog)
        return {f.rule_id for f in assess(inventory, rule_set).findings}

    assert fired({}) == set()  # 60,000 is below the 100,000 threshold
    assert fired({"DSP-007": {"threshold": 50000}}) == {"DSP-007"}
    with pytest.raises(InputError, match="no such parameter"):
        fired({"DSP-007": {"treshold": 1}})


def test_cli_set_option(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["rules", "list", "--set", "DSP-007.threshold"])
    assert result.exit_code == 2 and "RULE.PARAM=VALUE" in result.output


def test_sensitive_class_escalates_severity(catalog: Catalog) -> None:
    inventory = _inventory(
        catalog,
        {"name": "plain", "provider": "alibaba", "region": "us-east-1"},
        {"name": "secret", "provider": "alibaba", "region": "us-east-1", "classification": "pii"},
    )
    result = assess(inventory, RuleSelection(packs=("alibaba-cloud-review",)).load(catalog))
    acr = {f.asset_id: f for f in result.findings if f.rule_id == "ACR-001"}
    assert acr["arn:aws:s3:::plain"].severity is Severity.HIGH
    assert acr["arn:aws:s3:::secret"].severity is Severity.CRITICAL
    assert "severity raised" in acr["arn:aws:s3:::secret"].evidence
    # Mitigating evidence is shown whether or not it mitigates.
    assert acr["arn:aws:s3:::plain"].evidence["encryption.custody"] == "unknown"


def test_scores_follow_the_documented_arithmetic(catalog: Catalog) -> None:
    inventory = _inventory(
        catalog,
        {
            "name": "hk-pii",
            "provider": "aws",
            "region": "ap-east-1",
            "classification": "pii",
            "public_access_blocked": False,
        },
        {"name": "fine", "provider": "aws", "region": "us-east-1"},
    )
    result = assess(inventory, RuleSelection(packs=("countries-of-concern",)).load(catalog))
    scores = result.scores
    assert scores is not None
    hk = scores.assets["arn:aws:s3:::hk-pii"]
    assert hk.points == 7.0  # one high finding (COC-001)
    assert (hk.data_factor, hk.exposure_factor) == (1.5, 1.25)
    assert hk.score == round(7.0 * 1.5 * 1.25, 1)
    assert "arn:aws:s3:::fine" not in scores.assets
    assert scores.overall == round(0.6 * hk.score + 0.4 * hk.score / 2, 1)
    assert scores.drivers == ("arn:aws:s3:::hk-pii",)
    assert score(inventory.assets, []).overall == 0.0


def test_cli_waivers_option_keeps_waived_findings_visible(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.json"
    inventory.write_text(
        _inventory(
            __import__("assessor.catalog", fromlist=["load_catalog"]).load_catalog(),
            {"name": "dr-copy", "provider": "aws", "region": "ap-east-1"},
        ).model_dump_json()
    )
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n  - {rule: '*', asset: 'dr-*', owner: o, reason: r, expires: 2999-01-01}\n"
    )
    result = CliRunner().invoke(
        main,
        [
            "evaluate",
            str(inventory),
            "--waivers",
            str(waivers),
            "--fail-on",
            "low",
            "-o",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["findings"] and all(f["status"] == "waived" for f in report["findings"])
