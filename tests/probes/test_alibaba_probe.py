"""The alibaba probe: the real Resource Center (tea) and OSS (oss2) SDKs, unmodified, against a
loopback server that speaks both wire shapes and checks their signatures."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from assessor.catalog import Catalog
from assessor.cli import main
from assessor.models import FlowKind, GapReason
from assessor.probes.alibaba import AlibabaProbe
from assessor.testing.probes import named, scan
from assessor.testing.servers.alibaba import AlibabaApi
from assessor.testing.servers.base import Answer, serving
from tests.auditing import audited

ACCOUNT, MEMBER = "1111222233334444", "5555666677778888"


def _row(kind: str, name: str, region: str, account: str = ACCOUNT, **tags: str) -> dict[str, Any]:
    return {
        "ResourceType": kind,
        "ResourceId": name,
        "ResourceName": name,
        "RegionId": region,
        "ZoneId": f"{region}-a" if region != "global" else "",
        "AccountId": account,
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
    }


# As DescribePhysicalConnections answers one (the VPC API reference's example, trimmed).
PHYSICAL_CONNECTION: dict[str, Any] = {
    "PhysicalConnectionId": "pc-bp1ciz7ekd2grn1as****",
    "Name": "hk-office-line",
    "Type": "VPC",
    "LineOperator": "CT",
    "AccessPointId": "ap-cn-hongkong-kc-A",
    "PeerLocation": "Kwai Chung office",
    "PortType": "1000Base-LX",
    "Bandwidth": 1000,
    "Status": "Enabled",
    "BusinessStatus": "Normal",
    "CreationTime": "2026-03-19T08:49:07Z",
    "ProductType": "VirtualPhysicalConnection",
    "Spec": "1G",
}


def estate() -> AlibabaApi:
    rows = [_row("ACS::ECS::Instance", f"i-{n}", "eu-central-1") for n in range(230)]
    rows += [
        _row("ACS::OSS::Bucket", "acme-hk-pii", "cn-hongkong", **{"data-class": "pii"}),
        _row("ACS::OSS::Bucket", "acme-fra", "eu-central-1"),
        _row("ACS::RDS::DBInstance", "rm-orders", "cn-shanghai", MEMBER),
        _row("ACS::RAM::Role", "auditor", "global"),
    ]
    api = AlibabaApi(rows)
    api.directories["rd-acme"] = {MEMBER}
    api.buckets = [
        {"name": "acme-hk-pii", "region": "cn-hongkong"},
        {
            "name": "acme-fra",
            "region": "eu-central-1",
            "replicate_to": ("acme-sh-copy", "cn-shanghai"),
        },
        {"name": "acme-unlisted", "region": "us-west-1"},
    ]
    return api


@pytest.fixture
def alibaba(monkeypatch: pytest.MonkeyPatch) -> Iterator[AlibabaApi]:
    api = estate()
    with serving(api) as url:
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", api.access_key_id)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", api.access_key_secret)
        monkeypatch.setenv("ASSESSOR_ALIBABA_ENDPOINT", url)
        yield api


def test_every_resource_across_pages_with_its_region_and_country(
    alibaba: AlibabaApi, catalog: Catalog
) -> None:
    inventory = scan(AlibabaProbe, catalog)
    assert not inventory.gaps
    assert len(inventory.assets) == len(alibaba.resources) + 1  # and the bucket RC did not list
    searches = [r for r in alibaba.requests if r.headers.get("x-acs-action") == "SearchResources"]
    assert len(searches) == 3
    bucket = named(inventory, "acme-hk-pii")
    assert bucket.location.country == "HK" and bucket.classification == "pii"
    assert named(inventory, "rm-orders").location.country == "CN"
    role = named(inventory, "auditor")
    assert role.region == "global" and not role.location.known  # said, never guessed
    unlisted = named(inventory, "acme-unlisted")
    assert unlisted.location.country == "US"


def test_a_replication_rule_into_the_prc_is_a_flow_on_its_source(
    alibaba: AlibabaApi, catalog: Catalog
) -> None:
    inventory = scan(AlibabaProbe, catalog)
    (flow,) = named(inventory, "acme-fra").flows
    assert flow.target_region == "cn-shanghai" and flow.target_location.country == "CN"


def test_the_audit_flags_hong_kong_and_the_copy_into_the_prc(
    alibaba: AlibabaApi, tmp_path: Path
) -> None:
    ran = CliRunner().invoke(
        main,
        ["audit", "--probe", "alibaba", "-o", str(tmp_path), "--format", "json"],
        env=dict(os.environ),
    )
    assert ran.exit_code == 0, ran.output
    report = json.loads((tmp_path / "report.json").read_text())
    names = {asset["id"]: asset["name"] for asset in report["assets"]}
    fired: dict[str, set[str]] = {}
    for finding in report["findings"]:
        fired.setdefault(names[finding["asset_id"]], set()).add(finding["rule_id"])
    assert {"COC-001", "CLN-003"} <= fired["acme-hk-pii"]
    assert "COC-004" in fired["acme-fra"]  # replicates into Shanghai
    assert "ACR-001" in fired["i-7"]  # any resource at Alibaba Cloud: the Commerce review


def test_a_resource_directory_scope_searches_across_accounts(
    alibaba: AlibabaApi, catalog: Catalog
) -> None:
    inventory = scan(AlibabaProbe, catalog, scope="rd-acme", **{"skip-oss": "yes"})
    assert [asset.name for asset in inventory.assets] == ["rm-orders"]
    assert inventory.assets[0].account == MEMBER


def test_throttling_a_disabled_resource_center_and_a_denied_bucket_are_gaps(
    alibaba: AlibabaApi, catalog: Catalog
) -> None:
    calls = {"count": 0}

    def faults(request: Any) -> Answer | None:
        if request.headers.get("x-acs-action"):
            calls["count"] += 1
            if calls["count"] == 1:  # one throttled page, then fine
                return Answer.of(429, {"Code": "Throttling.User", "Message": "slow down"})
        if request.path.startswith("/acme-hk-pii"):
            return Answer(
                403,
                b"<Error><Code>AccessDenied</Code><Message>no</Message></Error>",
                content_type="application/xml",
            )
        return None

    alibaba.fault = faults
    inventory = scan(AlibabaProbe, catalog)
    (gap,) = inventory.gaps
    assert gap.reason is GapReason.ACCESS_DENIED and gap.service == "oss"
    assert gap.region == "cn-hongkong"
    assert named(inventory, "acme-hk-pii").location.country == "HK"  # still an asset
    alibaba.fault = None
    alibaba.disabled = True
    inventory = scan(AlibabaProbe, catalog, **{"skip-oss": "yes"})
    (gap,) = inventory.gaps
    assert gap.reason is GapReason.NOT_ENABLED and gap.operation == "resourcecenter:SearchResources"


def test_wrong_credentials_are_refused_by_the_signature_check(
    alibaba: AlibabaApi, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "not-the-secret")
    inventory = scan(AlibabaProbe, catalog)
    assert not inventory.assets
    assert {gap.reason for gap in inventory.gaps} == {GapReason.ACCESS_DENIED}


def test_the_ram_policy_lists_only_declared_reads() -> None:
    ran = CliRunner().invoke(main, ["policy", "alibaba"])
    (statement,) = json.loads(ran.output)["Statement"]
    assert statement["Action"] == sorted(AlibabaProbe.read_operations)
    reads = ("Search", "List", "Get", "Describe")
    assert all(a.split(":")[1].startswith(reads) for a in statement["Action"])
    ran = CliRunner().invoke(main, ["policy", "alibaba", "--org-role", "audit"])
    reads, assume = json.loads(ran.output)["Statement"]
    assert reads == statement  # the same reads, and assuming only that role
    assert assume == {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE_POLICY}


ROLE = f"acs:ram::{ACCOUNT}:role/assessor-audit"
ROLE_POLICY = "acs:ram:*:*:role/audit"


def test_a_named_ram_role_is_assumed_and_every_read_signs_with_its_session_keys(
    alibaba: AlibabaApi, catalog: Catalog
) -> None:
    alibaba.keys.roles.add(ROLE)
    inventory = scan(AlibabaProbe, catalog, **{"role-arn": ROLE})
    assert not inventory.gaps and len(inventory.assets) >= len(alibaba.resources)
    assumed = [r for r in alibaba.requests if r.headers.get("x-acs-action") == "AssumeRole"]
    assert len(assumed) == 1 and assumed[0].query["RoleArn"] == ROLE
    # The long-term key signs only AssumeRole; Resource Center and OSS (which the server
    # refuses without the session token) sign with the temporary key.
    (temporary,) = alibaba.keys.issued
    assert alibaba.keys.signers[0] == alibaba.access_key_id
    assert set(alibaba.keys.signers[1:]) == {temporary} and len(alibaba.keys.signers) > 3
    assert f"read as the role {ROLE}" in inventory.probes[0].notes


def test_a_role_that_cannot_be_assumed_is_one_sts_gap_and_nothing_is_read_as_the_caller(
    alibaba: AlibabaApi, catalog: Catalog
) -> None:
    inventory = scan(AlibabaProbe, catalog, **{"role-arn": ROLE})
    (gap,) = inventory.gaps
    assert gap.service == "sts" and not inventory.assets
    assert [r.headers.get("x-acs-action") for r in alibaba.requests] == ["AssumeRole"]


def test_a_role_sessions_keys_from_the_environment_carry_their_token(
    alibaba: AlibabaApi, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    alibaba.keys.issued["STS.session"] = ("session-secret", "session-token")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "STS.session")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "session-secret")
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "session-token")
    inventory = scan(AlibabaProbe, catalog)
    assert not inventory.gaps and set(alibaba.keys.signers) == {"STS.session"}


def test_an_rds_backup_kept_in_the_prc_is_a_flow_and_a_refused_policy_is_one_gap(
    alibaba: AlibabaApi, catalog: Catalog
) -> None:
    alibaba.resources.append(_row("ACS::RDS::DBInstance", "rm-fra", "eu-central-1"))
    alibaba.cross_backups["rm-fra"] = "cn-shanghai"

    def policies(request: Any) -> list[str]:
        return [
            r.query.get("DBInstanceId", "")
            for r in alibaba.requests
            if r.headers.get("x-acs-action") == "DescribeInstanceCrossBackupPolicy"
        ]

    inventory = scan(AlibabaProbe, catalog, **{"skip-oss": "yes"})
    assert not inventory.gaps and sorted(policies(None)) == ["rm-fra", "rm-orders"]
    (flow,) = named(inventory, "rm-fra").flows
    assert flow.kind is FlowKind.BACKUP and flow.target_location.country == "CN"
    assert not named(inventory, "rm-orders").flows

    def deny_orders(request: Any) -> Answer | None:
        if request.query.get("DBInstanceId") == "rm-orders":
            return Answer.of(403, {"Code": "NoPermission", "Message": "no", "RequestId": "r"})
        return None

    alibaba.fault = deny_orders
    inventory = scan(AlibabaProbe, catalog, **{"skip-oss": "yes"})
    (gap,) = inventory.gaps
    assert (gap.reason, gap.service, gap.region) == (GapReason.ACCESS_DENIED, "rds", "cn-shanghai")
    assert named(inventory, "rm-orders").location.country == "CN"  # still an asset
    assert named(inventory, "rm-fra").flows
    alibaba.requests.clear()
    scan(AlibabaProbe, catalog, **{"skip-oss": "yes", "skip-rds": "yes"})
    assert not policies(None)


def test_a_page_throttled_past_the_retries_keeps_every_resource_read_before_it(
    alibaba: AlibabaApi, catalog: Catalog
) -> None:
    # Page 1 (100 resources) holds the PII bucket and the RDS instance backed up into China.
    first = [
        _row("ACS::OSS::Bucket", "acme-fra", "eu-central-1", **{"data-class": "pii"}),
        _row("ACS::RDS::DBInstance", "rm-fra", "eu-central-1"),
        _row("ACS::KMS::Key", "key-1", "eu-central-1"),
        _row("ACS::VPC::VPC", "vpc-1", "eu-central-1"),
    ]
    alibaba.resources[:] = first + [
        _row("ACS::ECS::Instance", f"i-{n}", "eu-central-1") for n in range(250)
    ]
    alibaba.cross_backups["rm-fra"] = "cn-shanghai"

    def second_page_throttled(request: Any) -> Answer | None:
        if request.headers.get("x-acs-action") == "SearchResources" and request.query.get(
            "NextToken"
        ):
            return Answer.of(
                400, {"Code": "Throttling.User", "Message": "slow down", "RequestId": "r"}
            )
        return None

    alibaba.fault = second_page_throttled
    inventory = scan(AlibabaProbe, catalog, **{"max-attempts": "2"})
    (gap,) = [gap for gap in inventory.gaps if gap.service == "resourcecenter"]
    assert gap.reason is GapReason.THROTTLED and gap.operation == "resourcecenter:SearchResources"
    assert "resources after page 1 not read" in gap.message
    names = {asset.name for asset in inventory.assets}
    assert {"rm-fra", "key-1", "vpc-1"} <= names and len(
        [n for n in names if n.startswith("i-")]
    ) == 96
    bucket = named(inventory, "acme-fra")
    assert bucket.classification == "pii" and bucket.tags == {"data-class": "pii"}
    assert bucket.flows  # its replication into Shanghai, read after the index
    (backup,) = named(inventory, "rm-fra").flows
    assert backup.kind is FlowKind.BACKUP and backup.target_location.country == "CN"


def test_a_denied_bucket_or_database_read_names_it_and_its_account(
    alibaba: AlibabaApi, catalog: Catalog
) -> None:
    def denied(request: Any) -> Answer | None:
        if request.path.startswith("/acme-hk-pii"):
            return Answer(
                403,
                b"<Error><Code>AccessDenied</Code><Message>no</Message></Error>",
                content_type="application/xml",
            )
        if request.query.get("DBInstanceId") == "rm-orders":
            return Answer.of(403, {"Code": "NoPermission", "Message": "no", "RequestId": "r"})
        return None

    alibaba.fault = denied
    inventory = scan(AlibabaProbe, catalog)
    gaps = {gap.operation: gap for gap in inventory.gaps}
    bucket = gaps["oss:GetBucketReplication"]
    assert (bucket.resource, bucket.account, bucket.region) == (
        "acme-hk-pii",
        ACCOUNT,
        "cn-hongkong",
    )
    database = gaps["rds:DescribeInstanceCrossBackupPolicy"]
    assert database.account == MEMBER and database.resource.endswith("rm-orders")
    assert named(inventory, "acme-hk-pii").location.country == "HK"
    assert named(inventory, "rm-orders").location.country == "CN"


def test_an_express_connect_line_from_china_telecom_is_a_carrier_flagged_high(
    alibaba: AlibabaApi, tmp_path: Path
) -> None:
    """LineOperator CT is China Telecom: a carrier asset, CLN-006 on evidence; a region the
    RAM policy denies is one gap naming it, and the rest is read."""
    alibaba.physical_connections["cn-hongkong"] = [PHYSICAL_CONNECTION]
    alibaba.physical_connections["eu-central-1"] = [
        {
            **PHYSICAL_CONNECTION,
            "PhysicalConnectionId": "pc-fra",
            "Name": "fra",
            "LineOperator": "Equinix",
        }
    ]
    alibaba.denied_vpc_regions.add("cn-shanghai")
    out = tmp_path / "out"
    report = audited(
        out,
        "--probe",
        "alibaba",
        "--alibaba-skip-oss",
        "yes",
    )
    assets = {a["name"]: a for a in report["assets"]}
    line = assets["hk-office-line"]
    assert (line["kind"], line["vendor"], line["region"]) == (
        "carrier",
        "china-telecom",
        "cn-hongkong",
    )
    assert assets["fra"]["kind"] == "carrier" and assets["fra"]["vendor"] is None
    fired = {(f["rule_id"], f["asset_id"]) for f in report["findings"]}
    assert ("CLN-006", line["id"]) in fired and ("CLN-006", assets["fra"]["id"]) not in fired
    (gap,) = [g for g in report["gaps"] if g["service"] == "vpc"]
    assert gap["region"] == "cn-shanghai" and gap["reason"] == "access_denied"
    assert gap["operation"] == "vpc:DescribePhysicalConnections"
    calls = [
        r
        for r in alibaba.requests
        if r.headers.get("x-acs-action") == "DescribePhysicalConnections"
    ]
    # One call in each region the index shows the account in: cn-hongkong, cn-shanghai,
    # eu-central-1.
    assert len(calls) == 3


def test_dns_records_are_endpoints_and_a_refused_domain_is_a_gap_naming_it(
    alibaba: AlibabaApi, catalog: Catalog
) -> None:
    alibaba.domains["example.cn"] = [
        {"RR": "www", "Type": "A", "Value": "202.97.1.1"},
        {"RR": "cdn", "Type": "CNAME", "Value": "example.cn.w.kunlunaq.com"},
        {"RR": "@", "Type": "MX", "Value": "mx.example.net"},
        {"RR": "@", "Type": "TXT", "Value": "v=spf1 -all"},
    ]
    alibaba.domains["private.cn"] = [{"RR": "a", "Type": "A", "Value": "10.0.0.1"}]
    alibaba.denied_domains.add("private.cn")
    inventory = scan(AlibabaProbe, catalog, **{"skip-oss": "yes"})
    zone = named(inventory, "example.cn")
    assert (zone.kind, zone.region) == ("domain", "global")
    assert zone.attributes["endpoints"] == "202.97.1.1 example.cn.w.kunlunaq.com"
    (gap,) = [g for g in inventory.gaps if g.service == "alidns"]
    assert gap.resource == "private.cn" and gap.reason.value == "access_denied"
    assert named(inventory, "private.cn").attributes.get("endpoints") is None  # kept, unread
