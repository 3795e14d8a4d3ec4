"""One contract over every index probe (alibaba, tencent, huawei, gcp, azure), each run with
its unmodified SDK against its loopback server with the provider's own fault answers:

* a later page of the index throttled past the retries keeps every resource read before it
  (with its tags and depth reads) and is one throttled gap naming the listing and how far
  it got;
* a denied depth read (a bucket's replication, a database's backups) keeps its asset and is
  a gap naming the resource and its account;
* the service's own "not enabled" answer is a fallback or a ``not_enabled`` gap;
* every request carries the right signature or token.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from assessor.catalog import Catalog
from assessor.models import GapReason, Inventory
from assessor.probes.alibaba import AlibabaProbe
from assessor.probes.azure import AzureProbe
from assessor.probes.base import Probe, ReadOnlyViolation
from assessor.probes.gcp import GcpProbe
from assessor.probes.huawei import HuaweiProbe
from assessor.probes.live import GuardedClient
from assessor.probes.tencent import TencentProbe
from assessor.testing.environment import scoped_environment
from assessor.testing.probes import scan
from assessor.testing.servers.base import Answer, LoopbackApi, Request, serving
from tests.probes import (
    test_alibaba_probe,
    test_azure_probe,
    test_gcp_probe,
    test_huawei_probe,
    test_tencent_probe,
)


def _xml_denied(_: Request) -> Answer:
    body = b"<Error><Code>AccessDenied</Code><Message>no</Message><RequestId>r</RequestId></Error>"
    return Answer(403, body, content_type="application/xml")


@dataclass(frozen=True)
class Case:
    """One index probe as the contract drives it."""

    probe: type[Probe]
    server: Callable[[], LoopbackApi]
    environment: Callable[[LoopbackApi, str], dict[str, str]]
    index_operation: str
    page_size: int
    later_page: Callable[[Request], bool]
    throttled: Answer
    # The server's index rows, and which of them are the bulk that only fills pages.
    rows: Callable[[Any], list[dict[str, Any]]] = lambda api: api.resources
    filler: Callable[[dict[str, Any]], bool] = lambda row: False
    options: dict[str, str] = field(default_factory=dict)
    # A depth read to deny, the answer that denies it, the resource and account it is about.
    depth_read: Callable[[Request], bool] | None = None
    denial: Callable[[Request], Answer] = _xml_denied
    depth_resource: str = ""
    depth_account: str = ""
    # Switches the server to the service's own "not enabled" state; and whether the probe
    # then falls back to another listing (no gap) instead of a not_enabled gap.
    switch_off: Callable[[LoopbackApi], None] | None = None
    falls_back: bool = False


def _body(request: Request) -> dict[str, Any]:
    try:
        parsed = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _alibaba_env(api: Any, url: str) -> dict[str, str]:
    return {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": api.access_key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": api.access_key_secret,
        "ASSESSOR_ALIBABA_ENDPOINT": url,
    }


def _tencent_env(api: Any, url: str) -> dict[str, str]:
    return {
        "TENCENTCLOUD_SECRET_ID": api.secret_id,
        "TENCENTCLOUD_SECRET_KEY": api.secret_key,
        "ASSESSOR_TENCENT_ENDPOINT": url,
    }


def _huawei_env(api: Any, url: str) -> dict[str, str]:
    return {
        "HUAWEICLOUD_SDK_AK": api.access_key,
        "HUAWEICLOUD_SDK_SK": api.secret_key,
        "HUAWEICLOUD_SDK_DOMAIN_ID": api.domain_id,
        "ASSESSOR_HUAWEI_ENDPOINT": url,
    }


def _gcp_server() -> LoopbackApi:
    from assessor.testing.servers.cloud_asset import CloudAssetApi

    return CloudAssetApi(test_gcp_probe.estate())


def _azure_server() -> LoopbackApi:
    from assessor.testing.servers.resource_graph import ResourceGraphApi

    return ResourceGraphApi(test_azure_probe.estate())


def _switch(attribute: str, value: object) -> Callable[[LoopbackApi], None]:
    def switch(api: LoopbackApi) -> None:
        setattr(api, attribute, value)

    return switch


def _disable_gcp(api: Any) -> None:
    api.disabled.add(test_gcp_probe.ORG)


CASES = {
    "alibaba": Case(
        probe=AlibabaProbe,
        filler=lambda row: str(row.get("ResourceName")).startswith("i-"),
        server=test_alibaba_probe.estate,
        environment=_alibaba_env,
        index_operation="resourcecenter:SearchResources",
        page_size=100,
        later_page=lambda r: (
            r.headers.get("x-acs-action") == "SearchResources" and bool(r.query.get("NextToken"))
        ),
        throttled=Answer.of(400, {"Code": "Throttling.User", "Message": "slow", "RequestId": "r"}),
        depth_read=lambda r: r.path.startswith("/acme-hk-pii"),
        depth_resource="acme-hk-pii",
        depth_account=test_alibaba_probe.ACCOUNT,
        switch_off=_switch("disabled", True),
    ),
    "tencent": Case(
        probe=TencentProbe,
        rows=lambda api: api.items,
        filler=lambda row: str(row.get("ResourceName")).startswith("ins-"),
        server=test_tencent_probe.estate,
        environment=_tencent_env,
        index_operation="config:ListDiscoveredResources",
        page_size=200,
        later_page=lambda r: (
            r.headers.get("x-tc-action") == "ListDiscoveredResources"
            and bool(_body(r).get("NextToken"))
        ),
        throttled=Answer.of(
            200,
            {
                "Response": {
                    "Error": {"Code": "RequestLimitExceeded", "Message": "slow"},
                    "RequestId": "r",
                }
            },
        ),
        depth_read=lambda r: r.headers.get("host", "").startswith("eu-1250000000.cos."),
        depth_resource="eu-1250000000",
        depth_account="100000000001",
        switch_off=_switch("recorder", "closed"),
        falls_back=True,
    ),
    "huawei": Case(
        probe=HuaweiProbe,
        filler=lambda row: str(row.get("name")).startswith("vm-"),
        server=test_huawei_probe.estate,
        environment=_huawei_env,
        index_operation="rms:resources:list",
        page_size=200,
        later_page=lambda r: r.path.endswith("/all-resources") and bool(r.query.get("marker")),
        throttled=Answer.of(429, {"error_code": "APIGW.0308", "error_msg": "throttled"}),
        depth_read=lambda r: r.path.startswith("/acme-dr"),
        depth_resource="acme-dr",
        depth_account="",  # the fixture's domain id, filled in below
    ),
    "gcp": Case(
        probe=GcpProbe,
        filler=lambda row: "/disks/d" in str(row.get("name")),
        server=_gcp_server,
        environment=lambda api, url: {
            "GOOGLE_OAUTH_ACCESS_TOKEN": api.token,
            "ASSESSOR_GCP_ENDPOINT": url,
        },
        options={"scope": test_gcp_probe.ORG},
        index_operation="cloudasset.assets.searchAllResources",
        page_size=500,
        later_page=lambda r: ":searchAllResources" in r.path and bool(r.query.get("pageToken")),
        throttled=Answer.of(
            429, {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "quota"}}
        ),
        switch_off=_disable_gcp,
    ),
    "azure": Case(
        probe=AzureProbe,
        rows=lambda api: api.rows,
        filler=lambda row: str(row.get("name")).startswith("disk-"),
        server=_azure_server,
        environment=lambda api, url: {
            "AZURE_ACCESS_TOKEN": api.token,
            "ASSESSOR_AZURE_ENDPOINT": url,
        },
        options={"subscription": f"{test_azure_probe.SUB_A},{test_azure_probe.SUB_B}"},
        index_operation="Microsoft.ResourceGraph/resources/read",
        page_size=1000,
        later_page=lambda r: bool((_body(r).get("options") or {}).get("$skipToken")),
        throttled=Answer(
            429,
            json.dumps({"error": {"code": "RateLimiting", "message": "slow"}}).encode(),
            {"Retry-After": "0.05"},
        ),
    ),
}


@contextlib.contextmanager
def _serving(name: str) -> Iterator[tuple[Case, LoopbackApi]]:
    chosen = CASES[name]
    api = chosen.server()
    with serving(api) as url, scoped_environment(chosen.environment(api, url)):
        yield chosen, api


@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> Iterator[tuple[Case, LoopbackApi]]:
    with _serving(request.param) as served:
        yield served


# Google Cloud and Azure read copies from the index rows themselves: no depth reads.
WITH_DEPTH_READS = sorted(name for name, chosen in CASES.items() if chosen.depth_read)
# Huawei's Config and Azure's Resource Graph list resources with no service to enable.
WITH_NOT_ENABLED = sorted(name for name, chosen in CASES.items() if chosen.switch_off)


def _scan(case: Case, catalog: Catalog, **more: str) -> Inventory:
    return scan(case.probe, catalog, **{"max-attempts": "2", **case.options, **more})


def test_a_later_page_throttled_past_the_retries_keeps_every_page_before_it(
    case: tuple[Case, LoopbackApi], catalog: Catalog
) -> None:
    chosen, api = case
    # The resources worth keeping (tagged buckets, databases with backups) on page 1.
    rows = chosen.rows(api)
    rows.sort(key=chosen.filler)
    assert not chosen.filler(rows[0]) and chosen.filler(rows[-1])
    whole = _scan(chosen, catalog)
    assert not whole.gaps
    api.fault = lambda request: chosen.throttled if chosen.later_page(request) else None
    partial = _scan(chosen, catalog)
    (gap,) = [gap for gap in partial.gaps if gap.operation == chosen.index_operation]
    assert gap.reason is GapReason.THROTTLED and "after page 1 not read" in gap.message
    kept = {asset.id: asset for asset in partial.assets}
    assert len(kept) >= chosen.page_size  # the first page, whole
    before = {asset.id: asset for asset in whole.assets}
    for identity, asset in kept.items():  # read as a whole run reads them: tags, depth reads
        assert asset == before[identity], identity
    assert any(asset.tags for asset in kept.values())  # the tagged resources were on page 1


@pytest.mark.parametrize("name", WITH_DEPTH_READS)
def test_a_denied_depth_read_keeps_its_asset_and_names_it_and_its_account(
    name: str, catalog: Catalog
) -> None:
    with _serving(name) as (chosen, api):
        _denied_depth_read(chosen, api, catalog)


def _denied_depth_read(chosen: Case, api: LoopbackApi, catalog: Catalog) -> None:
    depth_read = chosen.depth_read
    assert depth_read is not None
    api.fault = lambda request: chosen.denial(request) if depth_read(request) else None
    inventory = _scan(chosen, catalog)
    (gap,) = inventory.gaps
    account = chosen.depth_account or getattr(api, "domain_id", "")
    assert gap.reason is GapReason.ACCESS_DENIED
    assert (gap.resource, gap.account) == (chosen.depth_resource, account)
    assert chosen.depth_resource in {asset.name for asset in inventory.assets}


@pytest.mark.parametrize("name", WITH_NOT_ENABLED)
def test_the_service_s_own_not_enabled_answer_is_a_fallback_or_a_not_enabled_gap(
    name: str, catalog: Catalog
) -> None:
    with _serving(name) as (chosen, api):
        _switched_off(chosen, api, catalog)


def _switched_off(chosen: Case, api: LoopbackApi, catalog: Catalog) -> None:
    assert chosen.switch_off is not None
    chosen.switch_off(api)
    inventory = _scan(chosen, catalog)
    if chosen.falls_back:
        assert inventory.assets and not inventory.gaps
        assert any("Tag service" in note for note in inventory.probes[0].notes)
    else:
        assert [gap.reason for gap in inventory.gaps] == [GapReason.NOT_ENABLED]
        assert inventory.gaps[0].operation == chosen.index_operation


def test_every_request_carries_the_right_signature_or_token(
    case: tuple[Case, LoopbackApi], catalog: Catalog
) -> None:
    chosen, api = case
    _scan(chosen, catalog)
    assert api.requests and all(api.authorized(request) for request in api.requests)
    wrong = {key: "wrong" for key in chosen.environment(api, "") if "ENDPOINT" not in key}
    with scoped_environment(wrong):
        refused = _scan(chosen, catalog)
    assert not refused.assets and refused.gaps
    assert {gap.reason for gap in refused.gaps} == {GapReason.ACCESS_DENIED}
    assert os.environ  # the real environment put back


class _Sdk:
    """Stands where an SDK client would: any attribute that reaches it fails the test."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"{name} reached the SDK")


@pytest.mark.parametrize(
    ("module", "operations", "write"),
    [
        ("assessor.probes.alibaba.probe", "OPERATIONS", "delete_resource_group"),
        ("assessor.probes.alibaba.probe", "OSS_OPERATIONS", "put_bucket_replication"),
        ("assessor.probes.tencent.probe", "CONFIG_OPERATIONS", "DeleteConfigRule"),
        ("assessor.probes.tencent.probe", "TAG_OPERATIONS", "DeleteResourceTag"),
        ("assessor.probes.huawei.probe", "RMS_OPERATIONS", "delete_policy_assignment"),
        ("assessor.probes.huawei.probe", "OBS_OPERATIONS", "deleteBucket"),
        ("assessor.probes.gcp.probe", "OPERATIONS", "analyze_move"),
        ("assessor.probes.azure.probe", "OPERATIONS", "resource_changes"),
    ],
)
def test_a_mutating_call_is_refused_by_the_guard_before_it_reaches_the_sdk(
    module: str, operations: str, write: str
) -> None:
    declared = getattr(importlib.import_module(module), operations)
    client = GuardedClient(_Sdk(), "probe", declared)
    with pytest.raises(ReadOnlyViolation, match=f"refused {write}"):
        getattr(client, write)
    for name in declared:  # declared reads pass through to the SDK
        with pytest.raises(AssertionError, match="reached the SDK"):
            getattr(client, name)


def test_the_generic_clients_refuse_undeclared_actions_before_any_request() -> None:
    from assessor.probes.alibaba.rpc import RpcApi
    from assessor.probes.tencent.probe import CDB_OPERATIONS, STS_READS, _Common

    for operations, write in (
        (CDB_OPERATIONS, "ModifyRemoteBackupConfig"),
        (STS_READS, "AssumeRole"),
    ):
        with pytest.raises(ReadOnlyViolation, match=f"refused {write}"):
            _Common(_Sdk(), operations).call(write, {})
    rds = RpcApi(("id", "secret", None), "http://127.0.0.1:9", "rds", "2014-08-15", {}, None)
    with pytest.raises(ReadOnlyViolation, match="refused ModifyInstanceCrossBackupPolicy"):
        rds.call("ModifyInstanceCrossBackupPolicy", {}, 1)
