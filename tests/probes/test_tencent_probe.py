"""The tencent probe: the real Tencent Cloud API SDKs (Config, Tag) and the COS SDK, unmodified,
against a loopback server that speaks their wire shapes and checks TC3 and COS signatures."""

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
from assessor.probes.tencent import TencentProbe
from assessor.testing.probes import named, scan
from assessor.testing.servers.base import Answer, serving
from assessor.testing.servers.tencent import TencentApi

OWNER, MEMBER = "100000000001", "100000000002"


def _item(kind: str, name: str, region: str, owner: str = OWNER, **tags: str) -> dict[str, Any]:
    return {
        "ResourceType": kind,
        "ResourceId": name,
        "ResourceName": name,
        "ResourceRegion": region,
        "ResourceOwnerId": owner,
        "ResourceStatus": "",
        "ResourceDelete": 0,
        "ResourceCreateTime": "2024-01-01 00:00:00",
        "Tags": [{"TagKey": k, "TagValue": v} for k, v in tags.items()],
        "ResourceZone": "",
        "ConfigStatus": 1,
    }


def estate() -> TencentApi:
    items = [_item("QCS::CVM::Instance", f"ins-{n}", "ap-singapore") for n in range(450)]
    items += [
        _item("QCS::COS::Bucket", "data-1250000000", "ap-guangzhou", **{"data-class": "pii"}),
        _item("QCS::CDB::Instance", "cdb-orders", "ap-hongkong", MEMBER),
    ]
    api = TencentApi(items)
    api.groups["group-1"] = {MEMBER}
    api.tagged = [
        {
            "Resource": "qcs::cvm:ap-beijing:uin/100000000001:instance/ins-tagged",
            "Tags": [{"TagKey": "data-class", "TagValue": "internal"}],
        },
    ]
    api.buckets = [
        {"name": "data-1250000000", "region": "ap-guangzhou"},
        {
            "name": "eu-1250000000",
            "region": "eu-frankfurt",
            "replicate_to": ("dr-1250000000", "ap-shanghai"),
        },
    ]
    return api


@pytest.fixture
def tencent(monkeypatch: pytest.MonkeyPatch) -> Iterator[TencentApi]:
    api = estate()
    with serving(api) as url:
        monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", api.secret_id)
        monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", api.secret_key)
        monkeypatch.setenv("ASSESSOR_TENCENT_ENDPOINT", url)
        yield api


def test_every_resource_across_pages_and_the_replication_into_the_prc(
    tencent: TencentApi, catalog: Catalog
) -> None:
    inventory = scan(TencentProbe, catalog)
    assert not inventory.gaps
    assert len(inventory.assets) == len(tencent.items) + 1  # and a bucket Config did not list
    pages = [
        r for r in tencent.requests if r.headers.get("x-tc-action") == "ListDiscoveredResources"
    ]
    assert len(pages) == 3 and all(r.json()["MaxResults"] == 200 for r in pages)
    bucket = named(inventory, "data-1250000000")
    assert bucket.location.country == "CN" and bucket.classification == "pii"
    assert named(inventory, "cdb-orders").location.country == "HK"
    (flow,) = named(inventory, "eu-1250000000").flows
    assert flow.target_region == "ap-shanghai" and flow.target_location.country == "CN"
    assert inventory.probes[0].notes == ("resources listed by Cloud Config",)


@pytest.mark.parametrize("recorder", ["absent", "closed"])
def test_without_cloud_config_the_tag_service_lists_everything_once_and_says_so(
    tencent: TencentApi, catalog: Catalog, recorder: str
) -> None:
    # Config never set up (ResourceNotFound.RecorderIsNotExist) or switched off
    # (FailedOperation.RecorderIsClose): the Tag service names a CVM, a COS bucket that COS
    # lists too, and a MySQL instance whose backups are copied into Beijing.
    tencent.recorder = recorder
    tencent.tagged += [
        {
            "Resource": "qcs::cos:ap-guangzhou:uid/1250000000:prefix//1250000000/data",
            "Tags": [{"TagKey": "data-class", "TagValue": "pii"}],
        },
        {
            "Resource": f"qcs::cdb:ap-singapore:uin/{OWNER}:instanceId/cdb-sg",
            "Tags": [{"TagKey": "app", "TagValue": "orders"}],
        },
    ]
    tencent.remote_backups["cdb-sg"] = ["ap-beijing"]
    inventory = scan(TencentProbe, catalog)
    assert not inventory.gaps
    names = sorted(asset.name for asset in inventory.assets)
    assert names == ["cdb-sg", "data-1250000000", "eu-1250000000", "ins-tagged"]  # each once
    bucket = named(inventory, "data-1250000000")
    assert bucket.classification == "pii" and bucket.location.country == "CN"
    (backup,) = named(inventory, "cdb-sg").flows
    assert backup.kind is FlowKind.BACKUP and backup.target_region == "ap-beijing"
    assert named(inventory, "cdb-sg").account == OWNER
    assert "Tag service" in inventory.probes[0].notes[0]


def test_an_account_group_is_read_through_the_aggregator(
    tencent: TencentApi, catalog: Catalog
) -> None:
    inventory = scan(TencentProbe, catalog, aggregator="group-1", **{"skip-cos": "yes"})
    assert [asset.name for asset in inventory.assets] == ["cdb-orders"]


def test_throttling_is_retried_and_a_denied_bucket_is_one_gap(
    tencent: TencentApi, catalog: Catalog
) -> None:
    seen = {"count": 0}

    def faults(request: Any) -> Answer | None:
        if request.headers.get("x-tc-action"):
            seen["count"] += 1
            if seen["count"] == 1:
                error = {
                    "Error": {"Code": "RequestLimitExceeded", "Message": "slow"},
                    "RequestId": "r",
                }
                return Answer.of(200, {"Response": error})
        if request.headers.get("host", "").startswith("eu-1250000000"):
            return Answer(
                403,
                b"<Error><Code>AccessDenied</Code><Message>no</Message><Resource>x</Resource>"
                b"<RequestId>r</RequestId></Error>",
                content_type="application/xml",
            )
        return None

    tencent.fault = faults
    inventory = scan(TencentProbe, catalog)
    (gap,) = inventory.gaps
    assert (
        gap.reason is GapReason.ACCESS_DENIED
        and gap.service == "cos"
        and gap.region == "eu-frankfurt"
    )
    assert named(inventory, "eu-1250000000").location.country == "DE"  # still an asset


def test_the_audit_flags_the_prc_copy_and_the_cam_policy_is_reads_only(
    tencent: TencentApi, tmp_path: Path
) -> None:
    ran = CliRunner().invoke(
        main,
        ["audit", "--probe", "tencent", "-o", str(tmp_path), "--format", "json"],
        env=dict(os.environ),
    )
    assert ran.exit_code == 0, ran.output
    report = json.loads((tmp_path / "report.json").read_text())
    names = {asset["id"]: asset["name"] for asset in report["assets"]}
    fired = {(names[f["asset_id"]], f["rule_id"]) for f in report["findings"]}
    assert ("eu-1250000000", "COC-004") in fired and ("cdb-orders", "COC-001") in fired
    policy = json.loads(CliRunner().invoke(main, ["policy", "tencent"]).output)
    (statement,) = policy["statement"]
    assert statement["action"] == sorted(TencentProbe.read_operations)


def test_a_wrong_key_is_refused_by_the_signature_check(
    tencent: TencentApi, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "wrong")
    inventory = scan(TencentProbe, catalog)
    assert not inventory.assets and {g.reason for g in inventory.gaps} == {GapReason.ACCESS_DENIED}


ROLE = f"qcs::cam::uin/{OWNER}:roleName/assessor-audit"


def test_a_named_cam_role_is_assumed_and_every_read_signs_with_its_temporary_keys(
    tencent: TencentApi, catalog: Catalog
) -> None:
    tencent.keys.roles.add(ROLE)
    inventory = scan(TencentProbe, catalog, **{"role-arn": ROLE})
    assert not inventory.gaps and len(inventory.assets) == len(tencent.items) + 1
    assumed = [r for r in tencent.requests if r.headers.get("x-tc-action") == "AssumeRole"]
    assert len(assumed) == 1 and assumed[0].json()["RoleArn"] == ROLE
    # The long-term key signs only the AssumeRole call; Config and COS (which the server
    # refuses without the session token) sign with the temporary key.
    (temporary,) = tencent.keys.issued
    assert tencent.keys.signers[0] == tencent.secret_id
    assert set(tencent.keys.signers[1:]) == {temporary} and len(tencent.keys.signers) > 3
    assert f"read as the role {ROLE}" in inventory.probes[0].notes


def test_a_role_that_cannot_be_assumed_is_one_sts_gap_and_nothing_is_read_as_the_caller(
    tencent: TencentApi, catalog: Catalog
) -> None:
    inventory = scan(TencentProbe, catalog, **{"role-arn": ROLE})
    (gap,) = inventory.gaps
    assert gap.service == "sts" and not inventory.assets
    assert [r.headers.get("x-tc-action") for r in tencent.requests] == ["AssumeRole"]


def test_the_cam_policy_for_a_role_allows_assuming_only_that_role() -> None:
    ran = CliRunner().invoke(main, ["policy", "tencent", "--org-role", "assessor-audit"])
    assert ran.exit_code == 0, ran.output
    reads, assume = json.loads(ran.output)["statement"]
    assert reads["action"] == sorted(TencentProbe.read_operations)
    assert assume == {
        "effect": "allow",
        "action": ["sts:AssumeRole"],
        "resource": ["qcs::cam::uin/*:roleName/assessor-audit"],
    }


def test_a_mysql_backup_copied_into_the_prc_is_a_flow_and_a_denied_policy_is_one_gap(
    tencent: TencentApi, catalog: Catalog
) -> None:
    tencent.items.append(_item("QCS::CDB::Instance", "cdb-fra", "eu-frankfurt"))
    tencent.remote_backups["cdb-fra"] = ["ap-shanghai"]

    def asked() -> list[str]:
        return [
            r.json()["InstanceId"]
            for r in tencent.requests
            if r.headers.get("x-tc-action") == "DescribeRemoteBackupConfig"
        ]

    inventory = scan(TencentProbe, catalog, **{"skip-cos": "yes"})
    assert not inventory.gaps and sorted(asked()) == ["cdb-fra", "cdb-orders"]
    (flow,) = named(inventory, "cdb-fra").flows
    assert flow.kind is FlowKind.BACKUP and flow.target_location.country == "CN"
    assert not named(inventory, "cdb-orders").flows

    def deny_orders(request: Any) -> Answer | None:
        if b"cdb-orders" in request.body and request.headers.get("x-tc-action", "").startswith(
            "DescribeRemote"
        ):
            error = {"Error": {"Code": "UnauthorizedOperation", "Message": "no"}, "RequestId": "r"}
            return Answer.of(200, {"Response": error})
        return None

    tencent.fault = deny_orders
    inventory = scan(TencentProbe, catalog, **{"skip-cos": "yes"})
    (gap,) = inventory.gaps
    assert (gap.reason, gap.service, gap.region) == (GapReason.ACCESS_DENIED, "cdb", "ap-hongkong")
    assert named(inventory, "cdb-orders").location.country == "HK"  # still an asset
    tencent.requests.clear()
    scan(TencentProbe, catalog, **{"skip-cos": "yes", "skip-cdb": "yes"})
    assert not asked()


def test_an_account_sts_will_not_name_is_said_and_everything_is_still_read(
    tencent: TencentApi, catalog: Catalog
) -> None:
    def caller_identity_denied(request: Any) -> Answer | None:
        if request.headers.get("x-tc-action") == "GetCallerIdentity":
            error = {"Error": {"Code": "UnauthorizedOperation", "Message": "no"}, "RequestId": "r"}
            return Answer.of(200, {"Response": error})
        return None

    tencent.fault = caller_identity_denied
    inventory = scan(TencentProbe, catalog)
    assert not inventory.gaps and len(inventory.assets) == len(tencent.items) + 1
    assert any("could not be named" in note for note in inventory.probes[0].notes)


def test_dnspod_records_are_endpoints_and_an_empty_domain_is_not_a_gap(
    tencent: TencentApi, catalog: Catalog
) -> None:
    tencent.domains["example.com"] = [
        {"Name": "www", "Type": "A", "Value": "202.97.1.1"},
        {"Name": "img", "Type": "CNAME", "Value": "img.example.com.cdn.dnsv1.com"},
        {"Name": "@", "Type": "MX", "Value": "mx.example.net"},
    ]
    tencent.domains["empty.com"] = []  # DNSPod answers ResourceNotFound.NoDataOfRecord
    tencent.domains["secret.com"] = [{"Name": "a", "Type": "A", "Value": "59.43.1.1"}]
    tencent.denied_domains.add("secret.com")
    inventory = scan(TencentProbe, catalog, **{"skip-cos": "yes"})
    zone = named(inventory, "example.com")
    assert (zone.kind, zone.region, zone.service) == ("domain", "global", "dnspod")
    assert zone.attributes["endpoints"] == "202.97.1.1 img.example.com.cdn.dnsv1.com"
    assert "endpoints" not in named(inventory, "empty.com").attributes
    (gap,) = [g for g in inventory.gaps if g.service == "dnspod"]
    assert gap.resource == "secret.com" and gap.reason.value == "access_denied"
