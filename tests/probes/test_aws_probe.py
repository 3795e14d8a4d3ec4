"""The AWS probe against a moto server over HTTP (and a fault proxy in front of it)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner

from assessor.catalog import Catalog
from assessor.cli import main
from assessor.demo.estate import DemoBucket, DemoInstance, create_bucket, seed_aws
from assessor.inventory import run_probes
from assessor.models import Asset, GapReason, Inventory, KeyCustody
from assessor.probes.aws import AwsClients, AwsProbe
from assessor.probes.base import ProbeConfig, ReadOnlyViolation
from assessor.testing.emulators import pointed_at
from assessor.testing.faultproxy import aws_error, ec2_error, fault_proxy
from assessor.testing.probes import scan

MANY_REGIONS = {
    "us-east-1": "US",
    "us-west-2": "US",
    "eu-west-1": "IE",
    "eu-central-1": "DE",
    "eu-west-2": "GB",
    "ap-northeast-1": "JP",
    "ap-southeast-2": "AU",
    "sa-east-1": "BR",
    "ca-central-1": "CA",
    "ap-south-1": "IN",
    "ap-east-1": "HK",
}


# Retries back off for seconds; tests of gaps need the verdict, not the patience.
FAST = {"max-attempts": "2"}


def _by_name(inventory: Inventory) -> dict[str, Asset]:
    return {asset.name: asset for asset in inventory.assets}


def test_lists_every_bucket_with_region_country_and_facts(aws: str, catalog: Catalog) -> None:
    for region in MANY_REGIONS:
        create_bucket(DemoBucket(f"acme-{region}", region, {"Data-Class": "PII"}))
    create_bucket(DemoBucket("acme-keyed", "eu-west-1", kms_key=True, block_public=False))

    inventory = scan(AwsProbe, catalog, services="s3")
    assets = _by_name(inventory)

    for region, country in MANY_REGIONS.items():
        bucket = assets[f"acme-{region}"]
        assert bucket.region == region
        assert bucket.location is not None and bucket.location.country == country
        assert bucket.id == f"arn:aws:s3:::acme-{region}"
        assert bucket.classification == "pii"
        assert bucket.public_access_blocked is True
        assert bucket.encryption is not None
        assert bucket.encryption.custody is KeyCustody.PROVIDER_MANAGED
    keyed = assets["acme-keyed"]
    assert keyed.encryption is not None
    assert keyed.encryption.custody is KeyCustody.CUSTOMER_MANAGED
    assert keyed.encryption.key_region == "eu-west-1"
    assert keyed.public_access_blocked is False
    assert assets["acme-ap-east-1"].location.jurisdictions == ("CN", "HK")  # type: ignore[union-attr]


def test_replication_becomes_a_located_flow(aws: str, catalog: Catalog) -> None:
    seed_aws(
        (
            DemoBucket("acme-eu", "eu-west-1", replicate_to="acme-hk"),
            DemoBucket("acme-hk", "ap-east-1"),
        ),
        (),
    )
    flows = _by_name(scan(AwsProbe, catalog, services="s3"))["acme-eu"].flows
    assert len(flows) == 1
    assert flows[0].target_id == "arn:aws:s3:::acme-hk"
    assert flows[0].target_region == "ap-east-1"
    assert flows[0].target_location is not None
    assert flows[0].target_location.country == "HK"


def test_instances_in_enabled_regions_and_regions_not_enabled_as_a_note(
    aws: str, catalog: Catalog
) -> None:
    seed_aws((), (DemoInstance("api-1", "us-east-1"), DemoInstance("etl", "ap-east-1")))
    probe = AwsProbe(ProbeConfig({"services": ("ec2",)}))
    inventory = run_probes([probe], catalog)
    instances = {a.name: a for a in inventory.assets if a.kind == "instance"}
    assert set(instances) == {"api-1", "etl"}
    assert instances["etl"].region == "ap-east-1"  # opted in (see assessor.testing.moto_main)
    assert instances["etl"].id.startswith("arn:aws:ec2:ap-east-1:123456789012:instance/i-")
    # Regions that are not enabled cannot hold anything: a note naming them, not a gap.
    assert not inventory.gaps
    [disabled] = [note for note in probe.notes() if "not enabled" in note]
    assert "me-central-1" in disabled and "ap-east-1" not in disabled
    assert "us-gov-west-1" not in disabled  # another partition's region is not ours


def test_regions_option_narrows_the_ec2_scan(aws: str, catalog: Catalog) -> None:
    seed_aws((), (DemoInstance("api-1", "us-east-1"), DemoInstance("etl", "eu-west-1")))
    inventory = scan(AwsProbe, catalog, regions="eu-west-1", services="ec2")
    assert {a.name for a in inventory.assets if a.kind == "instance"} == {"etl"}


def test_access_denied_region_and_throttled_service_become_gaps(aws: str, catalog: Catalog) -> None:
    for region in ("us-east-1", "eu-west-1", "eu-central-1"):
        create_bucket(DemoBucket(f"acme-{region}", region, {"data-class": "pii"}))
    seed_aws((), (DemoInstance("api-1", "us-east-1"), DemoInstance("etl", "eu-west-1")))

    def rule(request):  # type: ignore[no-untyped-def]
        if request.region == "eu-west-1" and request.service == "s3":
            return aws_error("AccessDenied")
        if request.region == "eu-west-1" and request.service == "ec2":
            return ec2_error("RequestLimitExceeded", 503)
        return None

    with fault_proxy(aws, rule) as proxy, pointed_at(proxy, None):
        inventory = scan(
            AwsProbe, catalog, regions="us-east-1,eu-west-1,eu-central-1", services="s3,ec2", **FAST
        )

    names = _by_name(inventory)
    # The denied bucket is still listed (ListBuckets answered) but its details are a gap.
    assert {"acme-us-east-1", "acme-eu-central-1", "api-1"} <= set(names)
    assert "etl" not in names
    denied = [g for g in inventory.gaps if g.reason is GapReason.ACCESS_DENIED]
    assert len(denied) == 1 and denied[0].region == "eu-west-1" and denied[0].service == "s3"
    assert "acme-eu-west-1" in denied[0].message
    # One gap for the throttled service in that region, naming every operation it cost.
    [throttled] = [g for g in inventory.gaps if g.reason is GapReason.THROTTLED]
    assert (throttled.region, throttled.service) == ("eu-west-1", "ec2")
    assert "DescribeInstances: RequestLimitExceeded" in throttled.message
    assert "DescribeVolumes: RequestLimitExceeded" in throttled.message
    assert names["acme-eu-west-1"].encryption is not None
    assert names["acme-eu-west-1"].encryption.custody is KeyCustody.UNKNOWN


def test_denied_identity_is_a_gap_not_a_crash(aws: str, catalog: Catalog) -> None:
    def rule(request):  # type: ignore[no-untyped-def]
        return aws_error("AccessDenied") if request.service == "sts" else None

    with fault_proxy(aws, rule) as proxy, pointed_at(proxy, None):
        inventory = scan(AwsProbe, catalog)
    assert inventory.assets == ()
    assert [g.reason for g in inventory.gaps] == [GapReason.ACCESS_DENIED]


def test_mutating_call_through_the_probe_session_is_refused(aws: str) -> None:
    create_bucket(DemoBucket("acme-keep", "us-east-1"))
    clients = AwsClients(allowed=AwsProbe.allowed_operations)
    s3 = clients.get("s3", "us-east-1")
    assert s3.list_buckets()["Buckets"]  # a declared read goes through
    with pytest.raises(ReadOnlyViolation, match="s3:DeleteBucket"):
        s3.delete_bucket(Bucket="acme-keep")
    with pytest.raises(ReadOnlyViolation, match="ec2:RunInstances"):
        clients.get("ec2", "us-east-1").run_instances(ImageId="ami-1", MinCount=1, MaxCount=1)
    assert [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]] == ["acme-keep"]


def test_cli_audit_flags_hong_kong_and_replication_into_it(aws: str, tmp_path: Path) -> None:
    """The foundation issue's acceptance check, through the real command."""
    buckets = [DemoBucket(f"fleet-{region}", region) for region in MANY_REGIONS]
    buckets.append(DemoBucket("fleet-eu-replicated", "eu-west-1", replicate_to="fleet-ap-east-1"))
    seed_aws(tuple(buckets), ())
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "audit",
            "--probe",
            "aws",
            "--output",
            str(out),
            "--format",
            "json,html",
            "--fail-on",
            "high",
        ],
        env=dict(os.environ),
    )
    assert result.exit_code == 1, result.output
    report = json.loads((out / "report.json").read_text())
    located = {a["name"]: (a["region"], a["location"]["country"]) for a in report["assets"]}
    for region, country in MANY_REGIONS.items():
        assert located[f"fleet-{region}"] == (region, country)
    fired = {(f["rule_id"], f["asset_id"]) for f in report["findings"]}
    assert ("COC-001", "arn:aws:s3:::fleet-ap-east-1") in fired
    assert ("COC-004", "arn:aws:s3:::fleet-eu-replicated") in fired
    assert not any(f["asset_id"] == "arn:aws:s3:::fleet-us-east-1" for f in report["findings"])
    html = (out / "report.html").read_text()
    assert "fleet-ap-east-1" in html and "COC-004" in html


def test_cli_audit_reports_denied_service_in_both_reports(aws: str, tmp_path: Path) -> None:
    create_bucket(DemoBucket("acme-open", "us-east-1"))
    create_bucket(DemoBucket("acme-locked", "eu-west-1"))

    def rule(request):  # type: ignore[no-untyped-def]
        if request.region == "eu-west-1" and request.service == "s3":
            return aws_error("AccessDenied")
        return None

    out = tmp_path / "out"
    with fault_proxy(aws, rule) as proxy, pointed_at(proxy, None):
        result = CliRunner().invoke(
            main,
            [
                "audit",
                "--probe",
                "aws",
                "--aws-regions",
                "us-east-1,eu-west-1",
                "--aws-services",
                "s3",
                "-o",
                str(out),
            ],
            env=dict(os.environ),
        )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    gaps = [g for g in report["gaps"] if g["reason"] == "access_denied"]
    assert gaps and gaps[0]["region"] == "eu-west-1"
    html = (out / "report.html").read_text()
    assert "access_denied" in html and "acme-locked" in html


def test_aws_policy_lists_only_reads_for_every_declared_operation() -> None:
    result = CliRunner().invoke(main, ["aws-policy", "--org-role", "AssessorAudit"])
    assert result.exit_code == 0
    policy = json.loads(result.output)
    reads, assume = policy["Statement"]
    actions = reads["Action"]
    assert reads["Effect"] == "Allow" and len(actions) == len(AwsProbe.read_operations)
    assert "s3:ListAllMyBuckets" in actions and "s3:GetReplicationConfiguration" in actions
    assert "rds:DescribeDBSnapshots" in actions and "es:DescribeDomains" in actions
    assert all(a.split(":")[1].startswith(("List", "Get", "Describe")) for a in actions)
    # The one non-read: assuming the audit role, and only that role.
    assert assume["Action"] == ["sts:AssumeRole"]
    assert assume["Resource"] == "arn:aws:iam::*:role/AssessorAudit"
