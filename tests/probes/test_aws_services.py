"""The AWS probe across every service, region and account it reads, on a moto server over
HTTP, with faults injected by a loopback proxy in front of it."""

from __future__ import annotations

import copy as copying
import json
import os
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import botocore.session
import pytest
from click.testing import CliRunner

from assessor.catalog import Catalog
from assessor.cli import main
from assessor.errors import ConfigurationError
from assessor.inventory import run_probes
from assessor.models import Asset, FlowKind, GapReason, Inventory, KeyCustody
from assessor.probes.aws import AwsProbe
from assessor.probes.aws.scheduler import BoundedScheduler, Task
from assessor.probes.aws.session import AwsClients
from assessor.probes.aws.shared import SharedLoader, shared_client_parts, shared_loader
from assessor.probes.base import ProbeConfig, ReadOnlyViolation
from assessor.testing.emulators import pointed_at
from assessor.testing.faultproxy import (
    Delay,
    Drop,
    Fault,
    Request,
    aws_error,
    aws_json_error,
    fault_proxy,
)
from assessor.testing.probes import probe_config
from tests.aws_estate import HONG_KONG, REGIONS, SOURCE, US, seed_every_service

FAST = {"max-attempts": "2"}


def _reset(endpoint: str) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()


def _scan_keeping_probe(catalog: Catalog, **options: str) -> tuple[Inventory, AwsProbe]:
    """The inventory, and the probe that read it (its call counts)."""
    probe = AwsProbe(probe_config(**options))
    return run_probes([probe], catalog), probe


@pytest.fixture(scope="module")
def estate(
    moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """One audit of the whole seeded estate through the real command, read by several tests."""
    _reset(moto_endpoint)
    out = tmp_path_factory.mktemp("estate")
    with pointed_at(moto_endpoint, None):
        ids = seed_every_service()
        result = CliRunner().invoke(
            main,
            [
                "audit",
                "--probe",
                "aws",
                "--aws-regions",
                REGIONS,
                "-o",
                str(out),
                "--format",
                "json,html",
            ],
            env=dict(os.environ),
        )
    assert result.exit_code == 0, result.output
    yield {"ids": ids, "report": json.loads((out / "report.json").read_text())}


def _assets(report: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(a["kind"], a["name"], a["region"]): a for a in report["assets"]}


def test_every_service_is_listed_with_its_location(estate: dict[str, Any]) -> None:
    assets = _assets(estate["report"])
    expected = [
        ("bucket", "src-eu", SOURCE),
        ("bucket", "dst-hk", HONG_KONG),
        ("instance", "api-1", US),
        ("volume", "data-vol", SOURCE),
        ("image", "base-image", SOURCE),
        ("image", "base-image-hk", HONG_KONG),
        ("db-instance", "orders-db", SOURCE),
        ("db-instance", "orders-db-hk", HONG_KONG),
        ("db-cluster", "analytics", US),
        ("db-cluster", "ledger", US),
        ("db-cluster", "ledger-hk", HONG_KONG),
        ("db-snapshot", "orders-snap", SOURCE),
        ("db-snapshot", "orders-snap-hk", HONG_KONG),
        ("db-cluster-snapshot", "analytics-snap", US),
        ("table", "sessions", SOURCE),
        ("table", "sessions", HONG_KONG),
        ("key", "alias/app", SOURCE),
        ("function", "resize", US),
        ("repository", "app", SOURCE),
        ("file-system", "shared-fs", SOURCE),
        ("backup-vault", "primary", SOURCE),
        ("backup-vault", "hk-vault", HONG_KONG),
        ("cluster", "warehouse", SOURCE),
        ("replication-group", "cache", SOURCE),
        ("domain", "search", SOURCE),
        ("secret", "db-password", SOURCE),
        ("secret", "db-password", HONG_KONG),
    ]
    countries = {US: "US", SOURCE: "IE", HONG_KONG: "HK"}
    for kind, name, region in expected:
        asset = assets.get((kind, name, region))
        assert asset is not None, f"{kind} {name} in {region} not listed"
        assert asset["location"]["country"] == countries[region], (kind, name)
        assert asset["account"] == "123456789012"
    snapshots = {a["id"]: a for a in estate["report"]["assets"] if a["kind"] == "snapshot"}
    copy_arn = f"arn:aws:ec2:{HONG_KONG}:123456789012:snapshot/{estate['ids']['snapshot-copy']}"
    assert snapshots[copy_arn]["location"]["country"] == "HK"
    assert assets[("table", "sessions", SOURCE)]["classification"] == "pii"
    # Listed without tags; tagged from one Tagging API call per region.
    assert assets[("function", "resize", US)]["classification"] == "pii"
    assert assets[("key", "alias/app", SOURCE)]["tags"] == {"data-class": "confidential"}
    assert assets[("function", "resize", US)]["tags"] == {"data-class": "pii"}
    assert assets[("db-instance", "orders-db", SOURCE)]["classification"] == "financial"


def test_every_copy_into_hong_kong_is_a_flow_and_a_finding(estate: dict[str, Any]) -> None:
    report = estate["report"]
    by_id = {a["id"]: a for a in report["assets"]}
    assets = _assets(report)
    snapshot = f"arn:aws:ec2:{SOURCE}:123456789012:snapshot/{estate['ids']['snapshot']}"
    sources = {
        assets[("bucket", "src-eu", SOURCE)]["id"]: "replication",
        snapshot: "snapshot-copy",
        assets[("db-instance", "orders-db", SOURCE)]["id"]: "read-replica",
        estate["ids"]["mrk"]: "key-replica",
        assets[("repository", "app", SOURCE)]["id"]: "replication",
        assets[("backup-vault", "primary", SOURCE)]["id"]: "backup",
        assets[("cluster", "warehouse", SOURCE)]["id"]: "snapshot-copy",
        assets[("secret", "db-password", SOURCE)]["id"]: "replication",
        # A member of the same global database, named only by DescribeGlobalClusters.
        assets[("db-cluster", "ledger", US)]["id"]: "replication",
    }
    flagged = {(f["rule_id"], f["asset_id"]) for f in report["findings"]}
    for source, kind in sources.items():
        flows = by_id[source]["flows"]
        assert [(f["kind"], f["target_region"]) for f in flows] == [(kind, HONG_KONG)], source
        assert flows[0]["target_location"]["country"] == "HK"
        assert ("COC-004", source) in flagged, source
    # Every asset in Hong Kong (the copies themselves) is flagged where it stands.
    in_hong_kong = [a["id"] for a in report["assets"] if a["region"] == HONG_KONG]
    assert len(in_hong_kong) >= 9
    assert all(("COC-001", asset) in flagged for asset in in_hong_kong)
    # Nothing in Ireland or Virginia without a copy abroad is flagged as a copy.
    quiet = assets[("db-cluster", "analytics", US)]["id"]
    assert not any(asset == quiet for rule, asset in flagged if rule in ("COC-001", "COC-004"))


def test_key_custody_comes_from_kms(estate: dict[str, Any]) -> None:
    by_id = {a["id"]: a for a in estate["report"]["assets"]}
    held = by_id[f"arn:aws:ec2:{US}:123456789012:volume/{estate['ids']['xks-volume']}"]
    # Encrypted under a key in an external key store: the customer holds the key material.
    assert held["encryption"]["custody"] == "customer-external"
    assert by_id[estate["ids"]["xks"]]["encryption"]["custody"] == "customer-external"
    assert by_id[estate["ids"]["xks"]]["attributes"]["origin"] == "EXTERNAL_KEY_STORE"
    # EBS's default key is the AWS-managed aws/ebs key: KMS says so, the ARN alone doesn't.
    data_volume = next(a for a in by_id.values() if a["name"] == "data-vol")
    assert data_volume["encryption"]["custody"] == "provider-managed"
    assert by_id[estate["ids"]["mrk"]]["encryption"]["custody"] == "customer-managed"


def test_what_the_emulator_cannot_answer_is_a_gap_and_the_rest_goes_on(
    estate: dict[str, Any],
) -> None:
    # moto 5.2 answers DescribeReplicationConfigurations with a 500: the file system is
    # listed, and its replication is a named gap, never a silent "no replication".
    [gap] = estate["report"]["gaps"]
    assert (gap["service"], gap["region"], gap["reason"]) == ("efs", SOURCE, "error")
    assert "DescribeReplicationConfigurations" in gap["message"]
    assert any(a["kind"] == "file-system" for a in estate["report"]["assets"])


@pytest.fixture
def organization(aws: str) -> dict[str, str]:
    """An organization of three accounts; the second holds a bucket and a table."""
    org = boto3.client("organizations", region_name=US)
    org.create_organization(FeatureSet="ALL")
    members = {}
    for name in ("workloads", "sandbox"):
        created = org.create_account(Email=f"{name}@example.com", AccountName=name)
        members[name] = created["CreateAccountStatus"]["AccountId"]
    sts = boto3.client("sts", region_name=US)
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{members['workloads']}:role/Seeder", RoleSessionName="seed"
    )["Credentials"]
    workloads = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    workloads.client("s3", region_name=HONG_KONG).create_bucket(
        Bucket="workloads-hk", CreateBucketConfiguration={"LocationConstraint": HONG_KONG}
    )
    workloads.client("dynamodb", region_name=SOURCE).create_table(
        TableName="ledger",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    boto3.client("s3", region_name=US).create_bucket(Bucket="management-logs")
    return members


def test_organization_accounts_read_through_the_role_and_a_denied_account_is_a_gap(
    aws: str, organization: dict[str, str], catalog: Catalog
) -> None:
    sandbox = organization["sandbox"]

    def rule(request):  # type: ignore[no-untyped-def]
        if request.action == "AssumeRole" and sandbox.encode() in request.body:
            return aws_error("AccessDenied")
        return None

    with fault_proxy(aws, rule) as proxy, pointed_at(proxy, None):
        inventory, probe = _scan_keeping_probe(
            catalog,
            **{"org-role": "AssessorAudit", "regions": f"{US},{SOURCE},{HONG_KONG}"},
            services="s3,dynamodb",
            **FAST,
        )
    owners = {(a.name, a.account) for a in inventory.assets}
    assert ("workloads-hk", organization["workloads"]) in owners
    assert ("ledger", organization["workloads"]) in owners
    assert ("management-logs", "123456789012") in owners
    [denied] = [g for g in inventory.gaps if g.account == sandbox]
    assert denied.reason is GapReason.ACCESS_DENIED and denied.service == "sts"
    assert f"arn:aws:iam::{sandbox}:role/AssessorAudit" in denied.message
    assert "3 accounts" in probe.scope()
    hk = next(a for a in inventory.assets if a.name == "workloads-hk")
    assert hk.location is not None and hk.location.country == "HK"


def test_explicit_account_list_needs_a_role_and_reads_only_those(
    aws: str, organization: dict[str, str], catalog: Catalog
) -> None:
    with pytest.raises(ConfigurationError, match="--aws-org-role"):
        list(AwsProbe(ProbeConfig({"accounts": (organization["workloads"],)})).scan())
    inventory, _ = _scan_keeping_probe(
        catalog,
        accounts=organization["workloads"],
        services="s3",
        **{"org-role": "AssessorAudit"},
    )
    assert {a.name for a in inventory.assets} == {"workloads-hk"}
    assert not inventory.gaps


def test_denied_region_throttled_service_dropped_connections_and_latency(
    aws: str, catalog: Catalog
) -> None:
    seed_every_service()
    seen: list[str] = []

    def rule(request):  # type: ignore[no-untyped-def]
        seen.append(request.action or request.path)
        if request.service == "kms" and request.region == SOURCE:
            return Drop()
        if request.region == SOURCE and request.service in ("s3", "rds"):
            return aws_error("AccessDenied")  # the XML protocols
        if request.region == SOURCE:
            return aws_json_error("AccessDeniedException", 403)
        if request.service == "dynamodb":
            return aws_json_error("ThrottlingException", 400)
        if request.service == "redshift" and request.region == US:
            # Not the protocol at all: a proxy's page. A gap, not the end of the scan.
            return Fault(200, b"Sign in to the hotel wifi", "text/plain")
        return Delay(0.02)

    services = "rds,dynamodb,kms,s3,secretsmanager,redshift"
    with fault_proxy(aws, rule) as proxy, pointed_at(proxy, None):
        inventory, _ = _scan_keeping_probe(catalog, regions=REGIONS, services=services, **FAST)

    gaps = {(g.service, g.region): g for g in inventory.gaps}
    # The denied region: one gap per service, each access denied.
    for service in ("rds", "s3", "secretsmanager", "dynamodb"):
        assert gaps[(service, SOURCE)].reason is GapReason.ACCESS_DENIED, service
    assert "src-eu" in gaps[("s3", SOURCE)].message
    # The throttled service, wherever it was not denied first.
    assert {gaps[("dynamodb", r)].reason for r in (US, HONG_KONG)} == {GapReason.THROTTLED}
    dropped = gaps[("kms", SOURCE)]
    assert dropped.reason is GapReason.ERROR and "Connection" in dropped.message
    garbled = gaps[("redshift", US)]
    assert garbled.reason is GapReason.ERROR and "ResponseParserError" in garbled.message
    assert set(gaps) == {
        *((s, SOURCE) for s in ("rds", "s3", "secretsmanager", "dynamodb", "kms", "redshift")),
        ("tagging", SOURCE),  # KMS keys' tags come from the Tagging API
        ("dynamodb", US),
        ("dynamodb", HONG_KONG),
        ("redshift", US),
    }
    names = {(a.kind, a.name, a.region) for a in inventory.assets}
    # The rest of the estate is read, late answers and all.
    assert ("db-instance", "orders-db-hk", HONG_KONG) in names
    assert ("db-cluster", "analytics", US) in names
    assert any(kind == "key" and region == HONG_KONG for kind, _, region in names)
    assert ("bucket", "dst-hk", HONG_KONG) in names
    assert ("secret", "db-password", HONG_KONG) in names
    assert not any(kind == "table" for kind, _, _ in names)
    # The bucket in the denied region is still listed (ListBuckets answered), facts unknown.
    src = next(a for a in inventory.assets if a.name == "src-eu")
    assert src.encryption is not None and src.encryption.custody is KeyCustody.UNKNOWN
    assert seen.count("ListTables") == 2 * 2 + 1  # max-attempts 2 where throttled; denied once


def test_a_portal_page_in_the_way_is_a_gap_never_an_empty_region(
    aws: str, catalog: Catalog
) -> None:
    """botocore reads a page served with status 200 as an empty answer for the JSON
    protocols, EC2 and S3: without a check, Hong Kong would look clean."""
    seed_every_service()
    page = Fault(
        200, b"<!DOCTYPE html>\n<html><body>Sign in to continue</body></html>", "text/html"
    )

    def rule(request):  # type: ignore[no-untyped-def]
        return page if request.region == HONG_KONG else None

    services = "ec2,rds,secretsmanager,s3"
    with fault_proxy(aws, rule) as proxy, pointed_at(proxy, None):
        inventory, _ = _scan_keeping_probe(
            catalog, regions=f"{US},{HONG_KONG}", services=services, **FAST
        )
    gaps = {(g.service, g.region): g for g in inventory.gaps if g.reason is GapReason.ERROR}
    assert set(gaps) == {(service, HONG_KONG) for service in services.split(",")}
    for gap in gaps.values():
        assert "not AWS's" in gap.message, gap
    # The only other gap: buckets listed in a region this scan was told not to read.
    (unread,) = (g for g in inventory.gaps if g.reason is not GapReason.ERROR)
    assert unread.region == SOURCE and "not selected by --aws-regions" in unread.message
    assert "dst-hk" in gaps[("s3", HONG_KONG)].message
    names = {(a.kind, a.name, a.region) for a in inventory.assets}
    assert ("instance", "api-1", US) in names and ("db-cluster", "ledger", US) in names
    assert not any(region == HONG_KONG and kind != "bucket" for kind, _, region in names)


def test_a_burst_of_throttling_is_absorbed_by_retries(aws: str, catalog: Catalog) -> None:
    seed_every_service()
    lock = threading.Lock()
    refused = {"count": 0}

    def rule(request):  # type: ignore[no-untyped-def]
        if request.service == "secretsmanager":
            with lock:
                if refused["count"] < 2:
                    refused["count"] += 1
                    return aws_json_error("ThrottlingException", 429)
        return None

    with fault_proxy(aws, rule) as proxy, pointed_at(proxy, None):
        inventory, _ = _scan_keeping_probe(catalog, regions=SOURCE, services="secretsmanager")
    assert refused["count"] == 2
    assert not inventory.gaps
    assert [a.name for a in inventory.assets] == ["db-password"]


def test_options_are_checked_before_any_call(catalog: Catalog) -> None:
    with pytest.raises(ConfigurationError, match="unknown nosuch"):
        list(AwsProbe(ProbeConfig({"services": ("s3,nosuch",)})).scan())
    with pytest.raises(ConfigurationError, match="cn-north-1 not in partition aws"):
        list(AwsProbe(ProbeConfig({"regions": ("cn-north-1",)})).scan())
    with pytest.raises(ConfigurationError, match="unknown 'aws-moon'"):
        list(AwsProbe(ProbeConfig({"partition": ("aws-moon",)})).scan())
    with pytest.raises(ConfigurationError, match="--aws-accounts needs --aws-org-role"):
        list(AwsProbe(ProbeConfig({"accounts": ("111122223333",)})).scan())


@pytest.mark.parametrize(
    ("partition", "region", "country"),
    [("aws-cn", "cn-north-1", "CN"), ("aws-us-gov", "us-gov-west-1", "US")],
)
def test_other_partitions_read_their_own_regions(
    aws: str, catalog: Catalog, partition: str, region: str, country: str
) -> None:
    boto3.client("ec2", region_name=region).run_instances(
        ImageId="ami-0123456789abcdef0", MinCount=1, MaxCount=1
    )
    inventory, probe = _scan_keeping_probe(catalog, partition=partition, services="ec2")
    [instance] = [a for a in inventory.assets if a.kind == "instance"]
    assert instance.region == region
    assert instance.id.startswith(f"arn:{partition}:ec2:{region}:")
    assert instance.location is not None and instance.location.country == country
    assert f"partition {partition}" in probe.scope()


# --- read-only, enforced ------------------------------------------------------------------


def test_every_declared_operation_is_a_real_read() -> None:
    session = botocore.session.get_session()
    by_signing_name = {}
    for service in session.get_available_services():
        model = session.get_service_model(service)
        by_signing_name.setdefault(model.signing_name, set()).update(model.operation_names)
    for operation in AwsProbe.read_operations | AwsProbe.credential_operations:
        prefix, name = operation.split(":")
        assert name in by_signing_name.get(prefix, set()), f"{operation} is not an AWS operation"
    for operation in AwsProbe.read_operations:
        assert operation.split(":")[1].startswith(("List", "Get", "Describe", "Head")), operation
    # The one exception: minting credentials for the audit role, which changes no resource.
    assert AwsProbe.credential_operations == {"sts:AssumeRole"}


def test_mutating_calls_through_an_assumed_role_are_refused_too(
    aws: str, organization: dict[str, str]
) -> None:
    base = AwsClients(allowed=AwsProbe.allowed_operations)
    member = base.assumed(f"arn:aws:iam::{organization['workloads']}:role/Audit", US, None)
    s3 = member.get("s3", US)
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["workloads-hk"]
    with pytest.raises(ReadOnlyViolation, match="s3:DeleteBucket"):
        s3.delete_bucket(Bucket="workloads-hk")
    with pytest.raises(ReadOnlyViolation, match="rds:DeleteDBInstance"):
        member.get("rds", SOURCE).delete_db_instance(DBInstanceIdentifier="x")
    # Shared by both: AssumeRole and ListBuckets were sent, the refused calls never were.
    assert member.counter.total == base.counter.total == 2
    # ...and so are the service models, loaded once per process rather than once per account.
    loader = shared_loader()
    assert member.session.get_component("data_loader") is loader
    assert base.session.get_component("data_loader") is loader


def test_the_shared_loader_reads_each_model_once_however_many_threads_ask() -> None:
    loader = SharedLoader()
    reads: list[str] = []
    real = loader.file_loader.load_file

    def counted(path: str) -> object:
        reads.append(path)
        return real(path)

    loader.file_loader.load_file = counted
    start = threading.Barrier(16)

    def first_paginator() -> object:
        start.wait()
        return loader.load_service_model("dynamodb", "paginators-1")

    with ThreadPoolExecutor(16) as pool:
        models = list(pool.map(lambda _: first_paginator(), range(16)))
    assert all(model is models[0] for model in models)
    assert len(reads) == len(set(reads)) > 0, reads


def test_clients_share_what_botocore_rebuilds_for_each_and_still_follow_the_proxy_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Event-name translations and proxies are worked out once per process; a proxy change
    between clients is still seen, and so is a host the settings exempt."""
    for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    clients = AwsClients(allowed=AwsProbe.allowed_operations)

    def proxies(client: Any) -> dict[str, str]:
        found: dict[str, str] = client._endpoint.http_session._proxy_config._proxies
        return found

    kms, dynamodb = clients.get("kms", US), clients.get("dynamodb", SOURCE)
    assert kms.meta.events._alias_name_cache is dynamodb.meta.events._alias_name_cache
    kms.meta.events.emit("assessor-check.kms.ListKeys")  # translated once, seen by both
    assert "assessor-check.kms.ListKeys" in dynamodb.meta.events._alias_name_cache
    assert "https" not in proxies(kms)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert proxies(clients.get("kms", SOURCE))["https"] == "http://proxy.example:3128"
    monkeypatch.setenv("NO_PROXY", f"kms.{US}.amazonaws.com")
    assert "https" not in proxies(AwsClients(allowed=frozenset()).get("kms", US))
    assert proxies(clients.get("lambda", US))["https"] == "http://proxy.example:3128"
    # One endpoint provider per service's rules, whatever the region; each resolves its own.
    kms_west = clients.get("kms", SOURCE)
    assert kms._ruleset_resolver._provider is kms_west._ruleset_resolver._provider
    assert kms._ruleset_resolver._provider is not dynamodb._ruleset_resolver._provider
    assert kms.meta.endpoint_url != kms_west.meta.endpoint_url
    # Each client's copy of the session's handlers is botocore's copy: equal, not shared.
    session_events = clients.session.get_component("event_emitter")
    botocores = copying.copy(session_events)
    with shared_client_parts():
        ours = copying.copy(session_events)
    assert ours._emitter._handlers._root == botocores._emitter._handlers._root
    ours.register("assessor-check.kms.ListKeys", lambda **kwargs: None)
    assert ours._emitter._handlers._root != botocores._emitter._handlers._root
    assert "assessor-check" not in session_events._emitter._handlers._root["children"]


# --- the scheduler ------------------------------------------------------------------------


def test_scheduler_keeps_to_its_bounds_and_runs_follow_ups() -> None:
    lock = threading.Lock()
    in_flight: dict[str, int] = {"all": 0}
    peak: dict[str, int] = {"all": 0}

    def work(key: str, spawn: int) -> list[str | Task[str]]:
        with lock:
            in_flight["all"] += 1
            in_flight[key] = in_flight.get(key, 0) + 1
            peak["all"] = max(peak["all"], in_flight["all"])
            peak[key] = max(peak.get(key, 0), in_flight[key])
        time.sleep(0.01)
        with lock:
            in_flight["all"] -= 1
            in_flight[key] -= 1
        follow = [Task(("a", key), lambda key=key: work(key, 0)) for _ in range(spawn)]
        return [key, *follow]

    scheduler: BoundedScheduler[str] = BoundedScheduler(concurrency=6, per_key=2)
    for region in ("r1", "r2", "r3", "r4"):
        for _ in range(5):
            scheduler.add(Task(("a", region), lambda region=region: work(region, 2)))
    results = list(scheduler.run())
    assert len(results) == 4 * 5 * 3
    assert peak["all"] <= 6 and all(peak[r] <= 2 for r in ("r1", "r2", "r3", "r4"))
    assert peak["all"] >= 4  # and it does run keys side by side


def test_scheduler_lets_discovery_keep_a_quarter_of_the_pool_while_details_wait() -> None:
    lock = threading.Lock()
    state = {"discovering": 0, "details_started": 0}
    peaks_while_details_wait: list[int] = []
    order: list[str] = []

    def work(lane: str) -> list[str | Task[str]]:
        with lock:
            order.append(lane)
            if lane == "discovery":
                state["discovering"] += 1
            else:
                state["details_started"] += 1
            if state["details_started"] < 16:
                peaks_while_details_wait.append(state["discovering"])
        time.sleep(0.02)
        with lock:
            if lane == "discovery":
                state["discovering"] -= 1
        return [lane]

    scheduler: BoundedScheduler[str] = BoundedScheduler(concurrency=4, per_key=4)
    for _ in range(16):
        scheduler.add(Task(("a", "r"), lambda: work("detail")))
    for _ in range(8):
        scheduler.add(Task(("a", "r"), lambda: work("discovery"), discovery=True))
    assert sorted(scheduler.run()) == ["detail"] * 16 + ["discovery"] * 8
    assert order[0] == "discovery"  # discovery is not starved by waiting details
    assert max(peaks_while_details_wait) == 1  # ...and takes only its share (4 // 4)
    assert order[-1] == "discovery"  # details went first otherwise


# --- what moto cannot produce: mappings from documented response shapes ----------------------


def _links(*assets: Asset) -> dict[str, Asset]:
    from assessor.probes.aws.links import link

    return {a.id: a for a in link(assets, ())}


def test_copies_named_by_source_arn_are_linked_back_to_their_source() -> None:
    from assessor.probes.aws.gaps import GapCollector
    from assessor.probes.aws.services import ec2, rds
    from assessor.probes.aws.services.base import RegionScope

    clients = AwsClients(allowed=frozenset())
    eu = RegionScope(clients, "111122223333", "aws", SOURCE, GapCollector())
    hk = RegionScope(clients, "111122223333", "aws", HONG_KONG, GapCollector())
    image = ec2.image_asset(eu, {"ImageId": "ami-1", "Name": "golden"})
    image_copy = ec2.image_asset(
        hk, {"ImageId": "ami-2", "SourceImageId": "ami-1", "SourceImageRegion": SOURCE}
    )
    snapshot = rds.snapshot_asset(eu, {"DBSnapshotIdentifier": "s1", "Encrypted": True})
    snapshot_copy = rds.snapshot_asset(
        hk,
        {
            "DBSnapshotIdentifier": "s1-hk",
            "SourceDBSnapshotIdentifier": snapshot.id,
            "SourceRegion": SOURCE,
        },
    )
    linked = _links(image, image_copy, snapshot, snapshot_copy)
    for source, copy in ((image, image_copy), (snapshot, snapshot_copy)):
        [flow] = linked[source.id].flows
        assert (flow.kind, flow.target_id, flow.target_region) == (
            FlowKind.SNAPSHOT_COPY,
            copy.id,
            HONG_KONG,
        )
        assert not linked[copy.id].flows


def test_replicated_automated_backups_and_cluster_replicas_of_an_instance_are_flows() -> None:
    from assessor.probes.aws.gaps import GapCollector
    from assessor.probes.aws.services import rds
    from assessor.probes.aws.services.base import RegionScope

    eu = RegionScope(AwsClients(allowed=frozenset()), "111122223333", "aws", SOURCE, GapCollector())
    backups = f"arn:aws:rds:{HONG_KONG}:111122223333:auto-backup:ab-orders"
    replica = f"arn:aws:rds:{HONG_KONG}:111122223333:cluster:orders-aurora"
    instance = rds.instance_asset(
        eu,
        {
            "DBInstanceIdentifier": "orders",
            "StorageEncrypted": True,
            "DBInstanceAutomatedBackupsReplications": [{"DBInstanceAutomatedBackupsArn": backups}],
            "ReadReplicaDBClusterIdentifiers": [replica, "orders-local"],
        },
    )
    assert [(f.kind, f.target_id, f.target_region) for f in instance.flows] == [
        (FlowKind.READ_REPLICA, replica, HONG_KONG),
        (FlowKind.READ_REPLICA, f"arn:aws:rds:{SOURCE}:111122223333:cluster:orders-local", SOURCE),
        (FlowKind.BACKUP, backups, HONG_KONG),
    ]


def test_a_global_database_flows_from_its_writer_to_every_other_member() -> None:
    from assessor.probes.aws.gaps import GapCollector
    from assessor.probes.aws.links import link
    from assessor.probes.aws.services import rds
    from assessor.probes.aws.services.base import RegionScope

    members = {
        region: f"arn:aws:rds:{region}:111122223333:cluster:ledger-{region}"
        for region in (US, SOURCE, HONG_KONG)
    }
    database = {
        "GlobalClusterIdentifier": "ledger",
        "GlobalClusterMembers": [
            {"DBClusterArn": members[US], "IsWriter": True, "Readers": [members[HONG_KONG]]},
            {"DBClusterArn": members[SOURCE], "IsWriter": False},
            {"DBClusterArn": members[HONG_KONG], "IsWriter": False},
        ],
    }
    facts = rds.global_cluster_flows(database)
    assert {(f.source_id, f.flow.target_region) for f in facts} == {
        (members[US], SOURCE),
        (members[US], HONG_KONG),
    }
    clusters = [
        rds.cluster_asset(
            RegionScope(
                AwsClients(allowed=frozenset()), "111122223333", "aws", region, GapCollector()
            ),
            {"DBClusterIdentifier": f"ledger-{region}", "DBClusterArn": arn},
        )
        for region, arn in members.items()
    ]
    # Learnt twice (two listings name it): one flow each way, not two.
    linked = {a.id: a for a in link(clusters, (), (), facts + facts)}
    assert [f.target_region for f in linked[members[US]].flows] == [SOURCE, HONG_KONG]
    assert not linked[members[HONG_KONG]].flows
    # During a failover no member is the writer: each may hold the newest data.
    for member in database["GlobalClusterMembers"]:
        member["IsWriter"] = False
    assert len(rds.global_cluster_flows(database)) == 6


def test_global_tables_datastores_and_file_system_replication_map_to_flows() -> None:
    from assessor.probes.aws.gaps import GapCollector
    from assessor.probes.aws.services import dynamodb, efs, elasticache
    from assessor.probes.aws.services.base import RegionScope

    eu = RegionScope(AwsClients(allowed=frozenset()), "111122223333", "aws", SOURCE, GapCollector())
    table = dynamodb.table_asset(
        eu,
        {
            "TableName": "orders",
            "Replicas": [{"RegionName": SOURCE}, {"RegionName": HONG_KONG}],
            "SSEDescription": {
                "Status": "ENABLED",
                "KMSMasterKeyArn": f"arn:aws:kms:{SOURCE}:1:key/k",
            },
        },
        {},
    )
    assert [(f.kind, f.target_region) for f in table.flows] == [(FlowKind.REPLICATION, HONG_KONG)]
    assert table.encryption is not None and table.encryption.custody is KeyCustody.CUSTOMER_MANAGED
    group = elasticache.group_asset(
        eu,
        {"ReplicationGroupId": "cache", "AtRestEncryptionEnabled": True},
        [
            {"ReplicationGroupId": "cache", "ReplicationGroupRegion": SOURCE, "Role": "PRIMARY"},
            {"ReplicationGroupId": "cache-hk", "ReplicationGroupRegion": HONG_KONG},
        ],
    )
    assert [f.target_region for f in group.flows] == [HONG_KONG]
    destinations = efs.replication_destinations(
        [
            {
                "SourceFileSystemId": "fs-1",
                "Destinations": [{"Region": HONG_KONG, "FileSystemId": "fs-9"}],
            }
        ]
    )
    system = efs.file_system_asset(
        eu, {"FileSystemId": "fs-1", "Encrypted": True}, destinations["fs-1"]
    )
    assert [(f.target_region, f.target_id) for f in system.flows] == [
        (HONG_KONG, f"arn:aws:elasticfilesystem:{HONG_KONG}:111122223333:file-system/fs-9")
    ]


def test_a_later_listing_page_throttled_past_the_retries_keeps_the_pages_before_it(
    aws: str, catalog: Catalog
) -> None:
    # moto pages ListTables at 100 names: 130 tables are two pages.
    client = boto3.client("dynamodb", region_name=US)
    for number in range(130):
        client.create_table(
            TableName=f"orders-{number:03}",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )

    def second_page_throttled(request: Request) -> Fault | None:
        if request.action == "ListTables" and b"ExclusiveStartTableName" in request.body:
            return aws_json_error("ThrottlingException", 400)
        return None

    with fault_proxy(aws, second_page_throttled) as proxy, pointed_at(proxy, None):
        inventory, _ = _scan_keeping_probe(catalog, regions=US, services="dynamodb", **FAST)
    tables = [asset for asset in inventory.assets if asset.service == "dynamodb"]
    assert len(tables) == 100  # the first page's tables, each described
    (gap,) = inventory.gaps
    assert gap.reason is GapReason.THROTTLED and (gap.service, gap.region) == ("dynamodb", US)
    assert "TableNames after page 1 not read" in gap.message
    assert gap.operation == "dynamodb:ListTables"
