"""Every built-in rule: its own examples pass, and it carries sources and metadata."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from assessor.catalog import load_catalog
from assessor.cli import main
from assessor.engine.examples import run_examples
from assessor.engine.loader import LoadedRule, builtin_rules_dir, load_rules

BUILTIN = load_rules([builtin_rules_dir()], load_catalog())
OUTCOMES = list(run_examples(BUILTIN, load_catalog()))


@pytest.mark.parametrize(
    "outcome",
    OUTCOMES,
    ids=[f"{o.rule_id}-{'v' if o.expected_to_fire else 'c'}{o.index}" for o in OUTCOMES],
)
def test_rule_example(outcome) -> None:  # type: ignore[no-untyped-def]
    assert outcome.passed, outcome.detail


@pytest.mark.parametrize("item", BUILTIN, ids=[item.rule.id for item in BUILTIN])
def test_rule_metadata_is_complete(item: LoadedRule) -> None:
    rule = item.rule
    assert rule.sources and all(s.url.startswith("https://") for s in rule.sources)
    assert rule.examples.violating and rule.examples.compliant
    assert len(rule.rationale) > 40 and len(rule.remediation) > 20
    assert "{" in rule.message, "a finding message should name the asset"


def test_ids_names_and_aliases_are_unique() -> None:
    identities = [i for item in BUILTIN for i in (item.rule.id, item.rule.name, *item.rule.aliases)]
    assert len(identities) == len(set(identities))


def test_cli_rules_test_passes_for_builtin_packs() -> None:
    result = CliRunner().invoke(main, ["rules", "test"])
    assert result.exit_code == 0, result.output
    assert f"{len(OUTCOMES)} passed, 0 failed" in result.output


def test_cli_rules_test_fails_on_a_wrong_example(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.engine.test_loader_errors import GOOD_RULE

    path = tmp_path / "wrong.yaml"
    path.write_text(
        GOOD_RULE.replace(
            "compliant: [{provider: aws, region: us-east-1}]",
            "compliant: [{provider: aws, region: ap-east-1}]",
        )
    )
    result = CliRunner().invoke(main, ["rules", "test", str(path)])
    assert result.exit_code == 1
    assert "1 passed, 1 failed" in result.output
    assert "FAIL ORG-001" in result.output


def test_cli_rules_list_and_show() -> None:
    listed = CliRunner().invoke(main, ["rules", "list"])
    assert listed.exit_code == 0
    assert all(item.rule.id in listed.output for item in BUILTIN)
    shown = CliRunner().invoke(main, ["rules", "show", "location.country-of-concern"])
    assert shown.exit_code == 0 and '"id": "COC-001"' in shown.output
    assert CliRunner().invoke(main, ["rules", "show", "NOPE-999"]).exit_code == 2


def test_hikvision_and_dahua_equipment_is_flagged_with_the_entity_list_as_evidence(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    import json

    declared = tmp_path / "equipment.yaml"
    declared.write_text(
        "organization: acme\nitems:\n"
        "  - {name: Lobby cameras, kind: equipment, vendor: hikvision, country: US}\n"
        "  - {name: Warehouse NVR, kind: equipment, vendor: dahua, country: US}\n"
        "  - {name: Core router, kind: equipment, vendor: huawei, country: US}\n"
    )
    ran = CliRunner().invoke(
        main,
        [
            "audit",
            "--probe",
            "declared",
            "--declared-file",
            str(declared),
            "-o",
            str(tmp_path),
            "--format",
            "json",
        ],
    )
    assert ran.exit_code == 0, ran.output
    findings = json.loads((tmp_path / "report.json").read_text())["findings"]
    listed = {f["asset_id"].rsplit(":", 1)[-1]: f for f in findings if f["rule_id"] == "CLN-010"}
    assert set(listed) == {"lobby-cameras", "warehouse-nvr"}
    for finding in listed.values():
        assert "entity-list" in finding["evidence"]["vendor_profile.named_in"]
        assert finding["severity"] == "high"
    # Huawei is Clean Path's own finding, not a second one.
    assert {f["rule_id"] for f in findings if f["asset_id"].endswith("core-router")} == {"CLN-005"}
