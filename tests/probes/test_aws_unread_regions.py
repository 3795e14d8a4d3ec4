"""A bucket (or a copy) whose location a listing gives is never dropped because its region
is not read: not enabled for the account, or not selected with --aws-regions."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner

from assessor.catalog import Catalog
from assessor.cli import main
from assessor.demo.estate import DemoBucket, create_bucket
from assessor.inventory import run_probes
from assessor.models import GapReason
from assessor.probes.aws import AwsProbe
from assessor.probes.base import ProbeConfig
from assessor.testing.emulators import moto_server, pointed_at


@pytest.fixture(scope="module")
def hong_kong_not_enabled() -> Iterator[str]:
    """A moto server for an account that has not opted in to ap-east-1 (nor to any other
    opt-in region), yet holds a bucket there: AWS keeps the data of a disabled region."""
    with moto_server(opted_in=()) as endpoint, pointed_at(endpoint, None):
        create_bucket(DemoBucket("acme-hk-archive", "ap-east-1", {"data-class": "pii"}))
        create_bucket(DemoBucket("acme-us-data", "us-east-1"))
        yield endpoint


def test_a_bucket_in_a_region_not_enabled_is_an_asset_with_a_gap_for_its_details(
    hong_kong_not_enabled: str, catalog: Catalog, tmp_path: Path
) -> None:
    with pointed_at(hong_kong_not_enabled, None):
        result = CliRunner().invoke(
            main,
            [
                "audit",
                "--probe",
                "aws",
                "--aws-services",
                "s3",
                "-o",
                str(tmp_path),
                "--format",
                "json",
            ],
            env=dict(os.environ),
        )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text())
    bucket = next(a for a in report["assets"] if a["name"] == "acme-hk-archive")
    assert bucket["region"] == "ap-east-1" and bucket["location"]["country"] == "HK"
    assert bucket["encryption"] is None  # not read, so not claimed either way
    found = {f["rule_id"]: f for f in report["findings"] if f["asset_id"] == bucket["id"]}
    assert found["COC-001"]["severity"] in ("high", "critical")
    gap = next(g for g in report["gaps"] if g["region"] == "ap-east-1" and g["service"] == "s3")
    assert gap["reason"] == "region_disabled" and gap["resource"] == "acme-hk-archive"
    assert "not enabled for the account" in gap["message"]
    assert "encryption, replication, public access and tags were not read" in gap["message"]
    # The bucket in an enabled region was read as usual.
    us = next(a for a in report["assets"] if a["name"] == "acme-us-data")
    assert us["encryption"] is not None


def test_a_bucket_outside_the_selected_regions_keeps_its_location(
    aws: str, catalog: Catalog
) -> None:
    create_bucket(DemoBucket("acme-eu", "eu-west-1", {"data-class": "pii"}))
    create_bucket(DemoBucket("acme-us", "us-east-1"))
    config = ProbeConfig({"services": ("s3",), "regions": ("us-east-1",)})
    inventory = run_probes([AwsProbe(config)], catalog)
    eu = next(asset for asset in inventory.assets if asset.name == "acme-eu")
    assert eu.location is not None and eu.location.country == "IE" and eu.encryption is None
    gap = next(g for g in inventory.gaps if g.region == "eu-west-1")
    assert gap.resource == "acme-eu" and "not selected by --aws-regions" in gap.message
    assert gap.reason is GapReason.REGION_DISABLED


def test_a_secret_replica_in_a_region_not_read_is_still_a_flow(aws: str, catalog: Catalog) -> None:
    client = boto3.client("secretsmanager", region_name="us-east-1")
    client.create_secret(
        Name="db-password",
        SecretString="x",
        AddReplicaRegions=[{"Region": "ap-east-1"}, {"Region": "eu-west-1"}],
    )
    config = ProbeConfig({"services": ("secretsmanager",), "regions": ("us-east-1",)})
    inventory = run_probes([AwsProbe(config)], catalog)
    (secret,) = inventory.assets
    targets = {flow.target_region: flow for flow in secret.flows}
    assert set(targets) == {"ap-east-1", "eu-west-1"}
    assert targets["ap-east-1"].target_location is not None
    assert targets["ap-east-1"].target_location.country == "HK"


def test_key_and_database_replicas_in_regions_not_read_stay_flows(
    aws: str, catalog: Catalog
) -> None:
    kms = boto3.client("kms", region_name="us-east-1")
    key = kms.create_key(MultiRegion=True, Description="orders")["KeyMetadata"]
    kms.replicate_key(KeyId=key["KeyId"], ReplicaRegion="ap-east-1")
    rds = boto3.client("rds", region_name="us-east-1")
    rds.create_db_instance(
        DBInstanceIdentifier="orders",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="admin",
        MasterUserPassword="password123",
        AllocatedStorage=20,
    )
    source = rds.describe_db_instances(DBInstanceIdentifier="orders")["DBInstances"][0]
    boto3.client("rds", region_name="ap-east-1").create_db_instance_read_replica(
        DBInstanceIdentifier="orders-hk",
        SourceDBInstanceIdentifier=source["DBInstanceArn"],
        DBInstanceClass="db.t3.micro",
    )
    config = ProbeConfig({"services": ("kms", "rds"), "regions": ("us-east-1",)})
    inventory = run_probes([AwsProbe(config)], catalog)
    by_kind = {asset.kind: asset for asset in inventory.assets if asset.region == "us-east-1"}
    for kind in ("key", "db-instance"):
        flows = by_kind[kind].flows
        assert [flow.target_region for flow in flows] == ["ap-east-1"], kind
        assert flows[0].target_location is not None
        assert flows[0].target_location.country == "HK"
