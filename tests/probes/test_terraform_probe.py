"""The Terraform probe on a directory that mixes providers, aliases, variables, tfvars and a
local module, and on a JSON plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assessor.catalog import Catalog
from assessor.errors import InputError
from assessor.models import FlowKind, GapReason
from assessor.probes.terraform import TerraformProbe
from assessor.testing.probes import scan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "terraform"


def test_every_data_bearing_resource_with_region_country_file_and_lines(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(FIXTURES)
    inventory = scan(TerraformProbe, catalog, path=("estate",))
    assets = {a.id: a for a in inventory.assets}
    expected = {  # estate: the root module, relative to the working directory
        # address: (region, country, file, start line, end line)
        "aws_s3_bucket.data": ("eu-west-1", "IE", "estate/main.tf", 29, 34),
        "aws_s3_bucket.dr": ("ap-east-1", "HK", "estate/main.tf", 36, 39),
        "aws_instance.api": ("us-east-1", "US", "estate/main.tf", 52, 59),
        "aws_dynamodb_table.sessions": ("eu-west-1", "IE", "estate/main.tf", 61, 66),
        "google_storage_bucket.reports": ("eur4", None, "estate/main.tf", 73, 76),
        "alicloud_oss_bucket.mirror": ("cn-hangzhou", "CN", "estate/main.tf", 78, 80),
        "module.store.aws_s3_bucket.store": (
            "ap-east-1",
            "HK",
            "estate/modules/store/main.tf",
            9,
            12,
        ),
    }
    for address, (region, country, path, start, end) in expected.items():
        asset = assets[f"estate:{address}"]
        assert asset.region == region, address
        assert asset.location is not None and asset.location.country == country, address
        assert asset.source is not None
        assert (asset.source.path, asset.source.start_line, asset.source.end_line) == (
            path,
            start,
            end,
        )
        assert asset.account == "terraform:estate"
    assert (
        assets["estate:aws_s3_bucket.data"].name == "acme-prod-data"
    )  # local + tfvars interpolation
    assert assets["estate:aws_s3_bucket.data"].classification == "pii"
    assert assets["estate:module.store.aws_s3_bucket.store"].source.module == "module.store"  # type: ignore[union-attr]
    replication = assets["estate:aws_s3_bucket.data"].flows
    assert [(f.kind, f.target_id, f.target_region) for f in replication] == [
        (FlowKind.REPLICATION, "aws_s3_bucket.dr", "ap-east-1")
    ]
    assert assets["estate:aws_dynamodb_table.sessions"].flows[0].target_region == "ap-southeast-1"
    mystery = assets["estate:aws_s3_bucket.mystery"]
    assert mystery.location is not None and mystery.location.known is False
    assert "var.unset_region" in mystery.attributes["location_note"]
    notes = inventory.probes[0].notes
    assert any("not modelled" in note and "aws_iam_role" in note for note in notes)
    assert any(note.startswith("1 resources of global types") for note in notes)
    # Geo-redundant Azure storage copies into the region's pair, which the catalog knows.
    [geo] = assets["estate:azurerm_storage_account.eu"].flows
    assert (geo.target_region, geo.target_location.country) == ("northeurope", "IE")  # type: ignore[union-attr]
    assert "estate:aws_s3_bucket_replication_configuration.data" not in assets


def test_assume_region_only_when_told(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    monkeypatch.setenv("AWS_REGION", "eu-north-1")
    plain = scan(TerraformProbe, catalog, path=(str(tmp_path),)).assets[0]
    assert plain.region is None and "no provider aws block" in plain.attributes["location_note"]
    assumed = scan(
        TerraformProbe, catalog, path=(str(tmp_path),), **{"assume-region": ("yes",)}
    ).assets[0]
    assert assumed.region == "eu-north-1"


def test_unparsable_file_is_a_gap_and_the_rest_is_scanned(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "good.tf").write_text(
        'provider "aws" {\n  region = "eu-west-1"\n}\nresource "aws_s3_bucket" "ok" {\n  bucket = "ok"\n}\n'
    )
    (tmp_path / "bad.tf").write_text('resource "aws_s3_bucket" "broken" {\n  bucket = \n}\n')
    inventory = scan(TerraformProbe, catalog, path=(".",))
    assert [a.id for a in inventory.assets] == [".:aws_s3_bucket.ok"]
    [gap] = inventory.gaps
    assert gap.reason is GapReason.ERROR and gap.message.startswith("bad.tf:2")
    with pytest.raises(InputError) as caught:
        scan(TerraformProbe, catalog, path=(".",), strict=("yes",))
    assert caught.value.path == "bad.tf" and caught.value.line == 2


def test_plan_regions_from_values_provider_config_and_variables(catalog: Catalog) -> None:
    inventory = scan(TerraformProbe, catalog, plan=(str(FIXTURES / "plan.json"),))
    assets = {a.id: a for a in inventory.assets}
    assert assets["plan:aws_s3_bucket.logs"].region == "eu-west-1"  # the resource's own region
    assert (
        assets["plan:aws_s3_bucket.copy"].region == "ap-east-1"
    )  # aws.replica → var.replica_region
    assert (
        assets["plan:module.db.aws_dynamodb_table.orders"].region == "us-east-1"
    )  # provider constant
    assert assets["plan:aws_s3_bucket.logs"].flows[0].target_region == "ap-east-1"
    assert assets["plan:module.db.aws_dynamodb_table.orders"].flows[0].target_region == "cn-north-1"
    assert assets["plan:aws_s3_bucket.logs"].attributes["address"] == "aws_s3_bucket.logs"


def test_a_plan_is_placed_and_linked_as_its_configuration_would_be(
    catalog: Catalog, tmp_path: Path
) -> None:
    """The plan path shares the .tf path's rules: null is unset, global types are global,
    zones name regions, providers' defaults apply, and a destination known only after apply
    is found through the configuration's references."""
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    _planned("aws_s3_bucket", "source", {"bucket": "src", "region": None}),
                    _planned("aws_s3_bucket", "replica", {"region": "eu-central-1"}),
                    _planned(
                        "aws_s3_bucket_replication_configuration",
                        "this",
                        {"bucket": "src", "rule": [{"destination": [{"storage_class": "X"}]}]},
                    ),
                    _planned("aws_iam_role", "replication", {"name": "replication"}),
                    _planned("aws_instance", "web", {"availability_zone": "ap-east-1a"}),
                    _planned("tencentcloud_mysql_instance", "db", {"instance_name": "db"}),
                ]
            }
        },
        "configuration": {
            "provider_config": {
                "aws": {"expressions": {"region": {"constant_value": "eu-west-1"}}}
            },
            "root_module": {
                "resources": [
                    {
                        "address": "aws_s3_bucket_replication_configuration.this",
                        "provider_config_key": "aws",
                        "expressions": {
                            "bucket": {"references": ["aws_s3_bucket.source.id"]},
                            "rule": [
                                {
                                    "destination": [
                                        {
                                            "bucket": {
                                                "references": [
                                                    "aws_s3_bucket.replica.arn",
                                                    "aws_s3_bucket.replica",
                                                ]
                                            }
                                        }
                                    ]
                                }
                            ],
                        },
                    }
                ]
            },
        },
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    assets = {a.id: a for a in scan(TerraformProbe, catalog, plan=(str(path),)).assets}
    source = assets["plan:aws_s3_bucket.source"]
    assert source.region == "eu-west-1"  # region = null: the provider's
    assert [(f.target_id, f.target_region) for f in source.flows] == [
        ("aws_s3_bucket.replica", "eu-central-1")
    ]
    assert assets["plan:aws_iam_role.replication"].region == "global"
    assert assets["plan:aws_instance.web"].region == "ap-east-1"
    database = assets["plan:tencentcloud_mysql_instance.db"]
    assert database.region == "ap-guangzhou" and database.location.country == "CN"
    assert "provider's default region" in database.attributes["location_note"]
    assert "plan:aws_s3_bucket_replication_configuration.this" not in assets


def _planned(kind: str, name: str, values: dict[str, object]) -> dict[str, object]:
    return {
        "address": f"{kind}.{name}",
        "mode": "managed",
        "type": kind,
        "name": name,
        "values": values,
    }


def test_a_file_that_is_not_a_plan_is_an_input_error(catalog: Catalog, tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_text('{"resources": []}')
    with pytest.raises(InputError, match="not a Terraform JSON plan"):
        scan(TerraformProbe, catalog, plan=(str(tmp_path / "plan.json"),))


def test_modules_that_cannot_be_read_are_coverage_gaps(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.tf").write_text(
        'module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n\n'
        'module "gone" {\n  source = "./modules/gone"\n}\n'
    )
    gaps = sorted(scan(TerraformProbe, catalog, path=(".",)).gaps, key=lambda g: g.resource or "")
    assert [g.resource for g in gaps] == ["main.tf:1", "main.tf:5"]
    assert "is not in this repository" in gaps[0].message
    assert "has no .tf files" in gaps[1].message


def test_hostile_expressions_cost_only_their_own_block(catalog: Catalog, tmp_path: Path) -> None:
    """A reference cycle, an expression nested past any real one and a file python-hcl2
    cannot transform: each is an unknown location or a gap naming its file; everything
    else is read."""
    depth = 400
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = "eu-west-1"\n}\n'
        'resource "aws_s3_bucket" "a" {\n  region = aws_s3_bucket.b.region\n}\n'
        'resource "aws_s3_bucket" "b" {\n  region = aws_s3_bucket.a.region\n}\n'
        'resource "aws_s3_bucket" "deep" {\n  region = '
        + "(" * depth
        + '"eu-west-1"'
        + ")" * depth
        + "\n}\n"
        'resource "aws_s3_bucket" "fine" {\n  bucket = "fine"\n}\n'
    )
    (tmp_path / "lists.tf").write_text(
        'resource "aws_s3_bucket" "lists" {\n  tags = ' + "[" * depth + "]" * depth + "\n}\n"
    )
    inventory = scan(TerraformProbe, catalog, path=(str(tmp_path),))
    assets = {a.id.split(":", 1)[1]: a for a in inventory.assets}
    assert assets["aws_s3_bucket.fine"].region == "eu-west-1"
    assert "refers to itself" in assets["aws_s3_bucket.a"].attributes["location_note"]
    assert assets["aws_s3_bucket.a"].region is None
    assert "nested more than 64 deep" in assets["aws_s3_bucket.deep"].attributes["location_note"]
    (gap,) = inventory.gaps
    assert gap.message.endswith("lists.tf does not parse: nested too deeply to read")
    with pytest.raises(InputError, match="nested too deeply"):
        scan(TerraformProbe, catalog, path=(str(tmp_path),), strict=("yes",))
