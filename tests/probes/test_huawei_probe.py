"""The huawei probe: the real huaweicloudsdkrms and OBS SDKs, unmodified, against a loopback
server that speaks their wire shapes and checks SDK-HMAC-SHA256 and OBS signatures."""

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
from assessor.probes.huawei import HuaweiProbe
from assessor.testing.probes import named, scan
from assessor.testing.servers.base import Answer, serving
from assessor.testing.servers.huawei import HuaweiApi
from tests.auditing import audited


def _resource(provider: str, kind: str, name: str, region: str, **tags: str) -> dict[str, Any]:
    # Config names an OBS bucket by the bucket's name, other resources by their own id.
    return {
        "id": name if provider == "obs" else f"{provider}-{name}",
        "name": name,
        "provider": provider,
        "type": kind,
        "region_id": region,
        "project_id": "p1",
        "ep_id": "0",
        "tags": tags,
        "properties": {},
    }


# As ListDirectConnects answers one (the DC API reference's example, trimmed).
DIRECT_CONNECT: dict[str, Any] = {
    "id": "6ecd9cf3-ca64-46c7-863f-f2eb1b9e838a",
    "tenant_id": "0605767ecc00d5ee2f2ec00f9a8b56bf",
    "name": "dc-hk-office",
    "description": "",
    "port_type": "10G",
    "bandwidth": 1000,
    "location": "HongKong",
    "peer_location": "Kwai Chung",
    "device_id": "205.177.10.1",
    "type": "standard",
    "hosting_id": "",
    "charge_mode": "port",
    "provider": "China Telecom",
    "admin_state_up": True,
    "vlan": 0,
    "status": "ACTIVE",
    "apply_time": "2026-03-19T08:26:38.000Z",
    "create_time": "2026-03-19T08:26:38.000Z",
    "provider_status": "ACTIVE",
    "peer_port_type": "1G",
    "peer_provider": "China Telecom",
}


def estate() -> HuaweiApi:
    rows = [_resource("ecs", "cloudservers", f"vm-{n}", "eu-west-101") for n in range(430)]
    rows += [
        # ap-southeast-1 is Hong Kong at Huawei Cloud (Singapore at AWS).
        _resource("rds", "instances", "orders-db", "ap-southeast-1", **{"data-class": "pii"}),
        _resource("obs", "buckets", "acme-data", "eu-west-101"),
        _resource("iam", "users", "auditor", "global"),
    ]
    api = HuaweiApi(rows)
    api.buckets = [
        {"name": "acme-data", "region": "eu-west-101", "replicate_to": "acme-dr"},
        {"name": "acme-dr", "region": "cn-east-3"},
    ]
    return api


@pytest.fixture
def huawei(monkeypatch: pytest.MonkeyPatch) -> Iterator[HuaweiApi]:
    api = estate()
    with serving(api) as url:
        monkeypatch.setenv("HUAWEICLOUD_SDK_AK", api.access_key)
        monkeypatch.setenv("HUAWEICLOUD_SDK_SK", api.secret_key)
        monkeypatch.setenv("HUAWEICLOUD_SDK_DOMAIN_ID", api.domain_id)
        monkeypatch.setenv("ASSESSOR_HUAWEI_ENDPOINT", url)
        yield api


def test_every_resource_across_pages_with_huaweis_own_region_meanings(
    huawei: HuaweiApi, catalog: Catalog
) -> None:
    inventory = scan(HuaweiProbe, catalog)
    assert not inventory.gaps
    assert len(inventory.assets) == len(huawei.resources) + 1  # and the bucket RMS did not list
    pages = [r for r in huawei.requests if r.path.endswith("/all-resources")]
    assert len(pages) == 3 and all(r.query["limit"] == "200" for r in pages)
    database = named(inventory, "orders-db")
    assert database.location.country == "HK" and database.classification == "pii"
    assert named(inventory, "vm-3").location.country == "IE"
    user = named(inventory, "auditor")
    assert user.region == "global" and not user.location.known
    (flow,) = named(inventory, "acme-data").flows
    assert flow.target_region == "cn-east-3" and flow.target_location.country == "CN"
    # Against this host the OBS SDK speaks the S3-compatible protocol, whose replication
    # rules name the destination as an S3 ARN: still the bucket in Shanghai.
    asked = [r for r in huawei.requests if "replication" in r.query]
    assert asked and all(r.headers["authorization"].startswith("AWS ") for r in asked)
    assert flow.target_id == "obs:::acme-dr"
    # The domain id is always passed: the SDK never asked IAM for it.
    assert not [r for r in huawei.requests if "/v3/auth/" in r.path]


def test_faults_are_gaps_and_the_rest_is_read(huawei: HuaweiApi, catalog: Catalog) -> None:
    seen = {"count": 0}

    def faults(request: Any) -> Answer | None:
        if request.path.endswith("/all-resources"):
            seen["count"] += 1
            if seen["count"] == 1:
                return Answer.of(429, {"error_code": "APIGW.0308", "error_msg": "throttled"})
        if request.path.startswith("/acme-dr"):
            return Answer(
                403,
                b"<Error><Code>AccessDenied</Code><Message>no</Message></Error>",
                content_type="application/xml",
            )
        return None

    huawei.fault = faults
    inventory = scan(HuaweiProbe, catalog)
    (gap,) = inventory.gaps
    assert (
        gap.reason is GapReason.ACCESS_DENIED and gap.service == "obs" and gap.region == "cn-east-3"
    )
    assert len(inventory.assets) == len(huawei.resources) + 1
    assert (gap.operation, gap.resource, gap.account) == (
        "obs:bucket:GetReplicationConfiguration",
        "acme-dr",
        huawei.domain_id,
    )
    huawei.fault = None
    inventory = scan(HuaweiProbe, catalog, **{"skip-obs": "yes", "domain-id": "another-domain"})
    (gap,) = inventory.gaps  # Config refuses another account's listing (HTTP 403)
    assert gap.reason is GapReason.ACCESS_DENIED and gap.operation == "rms:resources:list"
    assert not inventory.assets


def test_the_audit_flags_hong_kong_and_the_iam_policy_is_reads_only(
    huawei: HuaweiApi, tmp_path: Path
) -> None:
    ran = CliRunner().invoke(
        main,
        ["audit", "--probe", "huawei", "-o", str(tmp_path), "--format", "json"],
        env=dict(os.environ),
    )
    assert ran.exit_code == 0, ran.output
    report = json.loads((tmp_path / "report.json").read_text())
    names = {asset["id"]: asset["name"] for asset in report["assets"]}
    fired = {(names[f["asset_id"]], f["rule_id"]) for f in report["findings"]}
    assert ("orders-db", "COC-001") in fired and ("acme-data", "COC-004") in fired
    policy = json.loads(CliRunner().invoke(main, ["policy", "huawei"]).output)
    assert policy["Statement"][0]["Action"] == sorted(HuaweiProbe.read_operations)


def test_a_wrong_key_is_refused_by_the_signature_check(
    huawei: HuaweiApi, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", "wrong")
    inventory = scan(HuaweiProbe, catalog)
    assert not inventory.assets and {g.reason for g in inventory.gaps} == {GapReason.ACCESS_DENIED}


def test_an_rds_backup_kept_in_the_prc_is_a_flow_from_one_listing_per_region(
    huawei: HuaweiApi, catalog: Catalog
) -> None:
    huawei.resources.append(_resource("rds", "instances", "fra-db", "eu-west-101"))
    huawei.offsite = [
        {"id": "rds-fra-db", "name": "fra-db", "source_region": "eu-west-101",
         "destination_region": "cn-east-3"},
    ]  # fmt: skip
    inventory = scan(HuaweiProbe, catalog, **{"skip-obs": "yes"})
    assert not inventory.gaps
    listings = [r for r in huawei.requests if r.path.endswith("/offsite-backup-instance")]
    assert len(listings) == 2  # two regions hold an instance: one listing each
    (flow,) = named(inventory, "fra-db").flows
    assert flow.kind is FlowKind.BACKUP and flow.target_location.country == "CN"
    assert not named(inventory, "orders-db").flows  # its region's listing does not name it

    calls = {"n": 0}

    def deny_first(request: Any) -> Answer | None:
        if request.path.endswith("/offsite-backup-instance"):
            calls["n"] += 1
            if calls["n"] == 1:
                return Answer.of(403, {"error_code": "DBS.280001", "error_msg": "no access"})
        return None

    huawei.fault = deny_first
    inventory = scan(HuaweiProbe, catalog, **{"skip-obs": "yes"})
    (gap,) = inventory.gaps
    assert gap.reason is GapReason.ACCESS_DENIED and gap.service == "rds"
    assert {a.name for a in inventory.assets} >= {"fra-db", "orders-db"}  # nothing dropped


def test_a_direct_connect_line_from_china_telecom_is_a_carrier_flagged_high(
    huawei: HuaweiApi, tmp_path: Path
) -> None:
    """Each region has its own project: one ListDirectConnects per region and project the
    index shows; ``provider`` China Telecom makes the line a China Telecom carrier."""
    huawei.resources.append(
        {**_resource("vpc", "vpcs", "vpc-hk", "ap-southeast-1"), "project_id": "p-hk"}
    )
    huawei.direct_connects["p-hk"] = [DIRECT_CONNECT]
    out = tmp_path / "out"
    report = audited(
        out,
        "--probe",
        "huawei",
        "--huawei-skip-obs",
        "yes",
    )
    (line,) = [a for a in report["assets"] if a["kind"] == "carrier"]
    assert (line["name"], line["vendor"], line["region"]) == (
        "dc-hk-office",
        "china-telecom",
        "ap-southeast-1",
    )
    assert ("CLN-006", line["id"]) in {(f["rule_id"], f["asset_id"]) for f in report["findings"]}
    listings = [r for r in huawei.requests if r.path.endswith("/dcaas/direct-connects")]
    assert sorted(r.path.split("/")[2] for r in listings) == ["p-hk", "p1", "p1"]


def test_dns_public_zones_list_the_endpoints_their_records_point_at(
    huawei: HuaweiApi, catalog: Catalog
) -> None:
    huawei.zones["example.com"] = [
        {"name": "www", "type": "A", "records": ["202.97.1.1"]},
        {"name": "img", "type": "CNAME", "records": ["img.example.com.cdnhwc1.com."]},
        {"name": "@", "type": "TXT", "records": ['"v=spf1 -all"']},
    ]
    inventory = scan(HuaweiProbe, catalog, **{"skip-obs": "yes"})
    zone = named(inventory, "example.com")
    assert (zone.kind, zone.region) == ("zone", "global")
    assert zone.attributes["endpoints"] == "202.97.1.1 img.example.com.cdnhwc1.com"
    zones = [r for r in huawei.requests if r.path == "/v2/zones"]
    assert len(zones) == 1 and zones[0].query["type"] == "public"
