"""Terraform as people write it: a corpus of fixtures, each modelling a pattern found in
public configurations by the providers and module authors (its README names which), each
with an ``expected.json`` of where every resource is."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from assessor.catalog import Catalog
from assessor.cli import main
from assessor.inventory import run_probes
from assessor.models import Asset, Inventory
from assessor.probes.base import ProbeConfig
from assessor.probes.terraform import TerraformProbe

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "terraform" / "corpus"
CASES = sorted(path for path in CORPUS.iterdir() if (path / "expected.json").is_file())
PROVIDERS = ("aws", "azure", "google", "alicloud", "tencentcloud", "huaweicloud")


def _scan(case: Path, expected: dict[str, Any], catalog: Catalog) -> Inventory:
    config = ProbeConfig(
        {
            "path": (str(case / expected["scan"]),),
            "repo-root": (str(case / expected["repo_root"]),),
        }
    )
    return run_probes([TerraformProbe(config)], catalog)


def _by_address(inventory: Inventory) -> dict[str, Asset]:
    return {asset.id.split(":", 1)[1]: asset for asset in inventory.assets}


def test_the_corpus_covers_every_provider_twice() -> None:
    for provider in PROVIDERS:
        cases = [case for case in CASES if case.name.startswith(provider)]
        assert len(cases) >= 2, provider
        assert all((case / "README.md").is_file() for case in cases)


@pytest.mark.parametrize("case", CASES, ids=lambda path: path.name)
def test_every_resource_is_located_as_expected(case: Path, catalog: Catalog) -> None:
    expected = json.loads((case / "expected.json").read_text())
    inventory = _scan(case, expected, catalog)
    assets = _by_address(inventory)
    for address, (region, country) in expected["located"].items():
        assert address in assets, f"{address} missing; found {sorted(assets)}"
        asset = assets[address]
        assert asset.region == region, (address, asset.region, asset.attributes)
        countries = country if isinstance(country, list) else [country]
        assert asset.location is not None and sorted(asset.location.countries) == sorted(countries)
    assert set(assets) == set(expected["located"]), "every resource and nothing else"
    for address in expected.get("absent", []):
        assert address not in assets
    for address, targets in expected.get("flows", {}).items():
        assert sorted(flow.target_region or "?" for flow in assets[address].flows) == targets
    for address, targets in expected.get("flow_targets", {}).items():
        found = sorted(str(flow.target_id) for flow in assets[address].flows)
        assert found == targets, (address, found)
    for address, conditions in expected.get("flow_conditions", {}).items():
        found = [flow.condition or "" for flow in assets[address].flows]
        assert len(found) == len(conditions), (address, found)
        for text, condition in zip(conditions, sorted(found), strict=True):
            assert text in condition if text else not condition, (address, found)
    for address, text in expected.get("notes_contain", {}).items():
        assert text in assets[address].attributes.get("location_note", ""), (
            address,
            assets[address].attributes,
        )
    for address, name in expected.get("names", {}).items():
        assert assets[address].name == name
    for address, value in expected.get("classification", {}).items():
        assert assets[address].classification == value
    messages = " ".join(gap.message for gap in inventory.gaps)
    for text in expected.get("gaps_contain", []):
        assert text in messages
    if not expected.get("gaps_contain"):
        assert not inventory.gaps, inventory.gaps


def test_databases_in_mainland_china_or_hong_kong_are_flagged_high(tmp_path: Path) -> None:
    for case in CASES:
        expected = json.loads((case / "expected.json").read_text())
        if not expected.get("severe"):
            continue
        out = tmp_path / case.name
        ran = CliRunner().invoke(
            main,
            [
                "ci",
                str(case / expected["scan"]),
                "--format",
                "json",
                "-o",
                str(out),
                "--fail-on",
                "none",
            ],
            env=dict(os.environ),
        )
        assert ran.exit_code == 0, ran.output
        report = json.loads((out / "report.json").read_text())
        severe = {
            finding["asset_id"].split(":", 1)[1]
            for finding in report["findings"]
            if finding["severity"] in ("high", "critical")
        }
        assert set(expected["severe"]) <= severe, (case.name, severe)


def test_nothing_outside_the_repository_is_read(catalog: Catalog, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "main.tf").write_text('resource "aws_s3_bucket" "secret" { bucket = "x" }\n')
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "main.tf").write_text('module "up" {\n  source = "../outside"\n}\n')
    (repo / "link").symlink_to(outside)
    (repo / "linked.tf").write_text('module "via_link" {\n  source = "./link"\n}\n')
    config = ProbeConfig({"path": (str(repo),), "repo-root": (str(repo),)})
    inventory = run_probes([TerraformProbe(config)], catalog)
    assert not inventory.assets
    assert sum("leaves the repository" in gap.message for gap in inventory.gaps) == 2


def test_registry_modules_without_init_say_to_run_it(catalog: Catalog, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'module "kms" {\n  source = "terraform-aws-modules/kms/aws"\n}\n'
    )
    config = ProbeConfig({"path": (str(tmp_path),), "repo-root": (str(tmp_path),)})
    inventory = run_probes([TerraformProbe(config)], catalog)
    (gap,) = inventory.gaps
    assert "run terraform init" in gap.message and gap.resource.endswith("main.tf:1")


def test_an_example_calling_its_module_two_levels_up_through_the_ci_job(tmp_path: Path) -> None:
    """``assessor ci examples/complete`` inside a module repository (a git work tree): the
    module two levels up is read, with the example's provider region."""
    import shutil
    import subprocess

    repo = tmp_path / "terraform-aws-store"
    shutil.copytree(CORPUS / "aws-module-example", repo)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    out = tmp_path / "ci"
    ran = CliRunner().invoke(
        main,
        ["ci", str(repo / "examples" / "complete"), "--format", "json", "-o", str(out)],
        env=dict(os.environ),
    )
    assert ran.exit_code == 1, ran.output  # buckets in Hong Kong fail the job at high
    report = json.loads((out / "report.json").read_text())
    located = {a["id"].split(":", 1)[1]: a["location"]["country"] for a in report["assets"]}
    assert located['module.store.aws_s3_bucket.this["customers"]'] == "HK"
    assert not report["gaps"]


def test_data_sources_hbr_vaults_and_provider_environment_variables(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "main.tf").write_text(
        """
data "alicloud_regions" "current" {
  name = "cn-hongkong"
}

resource "alicloud_hbr_vault" "source" {
  vault_name = "source"
  region     = "eu-central-1"
}

resource "alicloud_hbr_replication_vault" "copy" {
  vault_name                    = "copy"
  region                        = data.alicloud_regions.current.name
  replication_source_vault_id   = alicloud_hbr_vault.source.id
  replication_source_region_id  = "eu-central-1"
}

resource "tencentcloud_mysql_instance" "db" {
  instance_name = "db"
}
"""
    )
    monkeypatch.setenv("TENCENTCLOUD_REGION", "ap-shanghai")
    config = ProbeConfig(
        {"path": (str(tmp_path),), "repo-root": (str(tmp_path),), "assume-region": ("yes",)}
    )
    inventory = run_probes([TerraformProbe(config)], catalog)
    assets = _by_address(inventory)
    assert "data.alicloud_regions.current" not in assets  # data sources are not assets
    copy = assets["alicloud_hbr_replication_vault.copy"]
    assert copy.region == "cn-hongkong" and copy.location.country == "HK"
    (flow,) = assets["alicloud_hbr_vault.source"].flows
    assert flow.kind.value == "backup" and flow.target_region == "cn-hongkong"
    db = assets["tencentcloud_mysql_instance.db"]
    assert db.region == "ap-shanghai" and "TENCENTCLOUD_REGION" in db.attributes["location_note"]


def test_tencent_code_with_no_region_is_in_guangzhou_unless_the_environment_says(
    tmp_path: Path,
) -> None:
    """The Tencent Cloud provider's own default decides, and the finding says so; with
    --assume-region the CI environment's TENCENTCLOUD_REGION wins."""
    case = CORPUS / "tencentcloud-default-region"

    def audit(*extra: str, env: dict[str, str]) -> tuple[int, dict[str, Any]]:
        out = tmp_path / str(len(list(tmp_path.iterdir())))
        ran = CliRunner().invoke(
            main, ["ci", str(case), "--format", "json", "-o", str(out), *extra], env=env
        )
        return ran.exit_code, json.loads((out / "report.json").read_text())

    code, report = audit(env={"TENCENTCLOUD_REGION": "ap-singapore"})
    assert code == 1  # without --assume-region the variable is not read: Guangzhou
    bucket = next(a for a in report["assets"] if a["id"].endswith("tencentcloud_cos_bucket.bucket"))
    assert (bucket["region"], bucket["location"]["country"]) == ("ap-guangzhou", "CN")
    finding = next(
        f for f in report["findings"] if f["asset_id"] == bucket["id"] and f["rule_id"] == "COC-001"
    )
    assert finding["severity"] == "high"
    assert "provider's default region" in finding["evidence"]["attributes.location_note"]

    methodology = " ".join(note for run in report["probes"] for note in run["notes"])
    assert "placed in their provider's own default region" in methodology
    assert (
        "tencentcloud: ap-guangzhou (TENCENTCLOUD_REGION or a profile overrides it)" in methodology
    )

    _, report = audit("--assume-region", env={"TENCENTCLOUD_REGION": "ap-singapore"})
    bucket = next(a for a in report["assets"] if a["id"].endswith("tencentcloud_cos_bucket.bucket"))
    assert (bucket["region"], bucket["location"]["country"]) == ("ap-singapore", "SG")
    assert "TENCENTCLOUD_REGION" in bucket["attributes"]["location_note"]
    assert not any(
        f["asset_id"] == bucket["id"] for f in report["findings"] if f["rule_id"] == "COC-001"
    )
