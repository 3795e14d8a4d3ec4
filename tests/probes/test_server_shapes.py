"""The loopback servers answer only what the real APIs answer: every JSON answer a server
sends while a probe reads through it is passed through the provider SDK's own response
model, strictly, so a field the real service does not send fails here.

(The object-storage answers are XML, which the SDKs read leniently and for which they ship
no schema; they are shaped from the providers' references, field by field.)
"""

from __future__ import annotations

import importlib
import json
import re
import warnings
from typing import Any

from assessor.catalog import Catalog
from assessor.probes.alibaba import AlibabaProbe
from assessor.probes.azure import AzureProbe
from assessor.probes.gcp import GcpProbe
from assessor.probes.huawei import HuaweiProbe
from assessor.probes.tencent import TencentProbe
from assessor.testing.environment import scoped_environment
from assessor.testing.probes import probe_config, scan
from assessor.testing.servers.base import Answer, LoopbackApi, Request, serving
from tests.probes import (
    test_alibaba_probe,
    test_azure_probe,
    test_gcp_probe,
    test_huawei_probe,
    test_tencent_probe,
)
from tests.probes.test_index_probe_contract import CASES

Recorded = list[tuple[Request, Answer]]


def _recording(api: LoopbackApi) -> Recorded:
    """Every request the server answered, with its answer."""
    seen: Recorded = []
    answer = api.answer

    def recording(request: Request) -> Answer:
        given = answer(request)
        seen.append((request, given))
        return given

    api.answer = recording  # type: ignore[method-assign]
    return seen


def _json(answer: Answer) -> Any:
    return json.loads(answer.body) if answer.content_type == "application/json" else None


def unknown_keys(sent: Any, known: Any, path: str = "") -> list[str]:
    """Where ``sent`` holds a key that ``known`` (what the SDK's model kept) does not."""
    if isinstance(sent, dict) and isinstance(known, dict):
        return [
            found
            for key, value in sent.items()
            for found in (
                [f"{path}.{key}"]
                if key not in known
                else unknown_keys(value, known[key], f"{path}.{key}")
            )
        ]
    if isinstance(sent, list) and isinstance(known, list):
        return [
            found
            for index, (one, other) in enumerate(zip(sent, known, strict=False))
            for found in unknown_keys(one, other, f"{path}[{index}]")
        ]
    return []


def test_the_key_check_finds_a_field_the_model_dropped() -> None:
    sent = {"Items": [{"ResourceId": "a", "ConfigStatus": 1}], "NextToken": ""}
    kept = {"Items": [{"ResourceId": "a"}], "NextToken": ""}
    assert unknown_keys(sent, kept) == [".Items[0].ConfigStatus"]


# --- Tencent: each action's Response model, with the SDK's "fileds are useless" warning
# (its own sign of a field its model does not know) turned into an error.

TENCENT_MODELS = {
    "ListDiscoveredResources": "tencentcloud.config.v20220802.models",
    "ListAggregateDiscoveredResources": "tencentcloud.config.v20220802.models",
    "GetResources": "tencentcloud.tag.v20180813.models",
    "DescribeRemoteBackupConfig": "tencentcloud.cdb.v20170320.models",
    "GetCallerIdentity": "tencentcloud.sts.v20180813.models",
    "AssumeRole": "tencentcloud.sts.v20180813.models",
    "DescribeDomainList": "tencentcloud.dnspod.v20210323.models",
    "DescribeRecordList": "tencentcloud.dnspod.v20210323.models",
}


def _tencent_checked(recorded: Recorded) -> set[str]:
    checked = set()
    for request, answer in recorded:
        action = request.headers.get("x-tc-action")
        body = _json(answer)
        if action is None or body is None:
            continue  # COS (XML)
        response = body["Response"]
        if "Error" in response:
            assert set(response) == {"Error", "RequestId"}
            assert set(response["Error"]) == {"Code", "Message"}
            continue
        model = getattr(importlib.import_module(TENCENT_MODELS[action]), f"{action}Response")()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            model._deserialize(response)
        checked.add(action)
    return checked


def test_tencent_answers_pass_the_sdk_s_own_models(catalog: Catalog) -> None:
    api = test_tencent_probe.estate()
    api.keys.roles.add(test_tencent_probe.ROLE)
    api.remote_backups["cdb-orders"] = ["ap-beijing"]
    api.domains["example.com"] = [{"Name": "www", "Type": "A", "Value": "202.97.1.1"}]
    recorded = _recording(api)
    with serving(api) as url, scoped_environment(CASES["tencent"].environment(api, url)):
        scan(TencentProbe, catalog)
        scan(TencentProbe, catalog, aggregator="group-1", **{"skip-cos": "yes"})
        scan(TencentProbe, catalog, **{"role-arn": test_tencent_probe.ROLE, "skip-cos": "yes"})
        api.recorder = "absent"
        scan(TencentProbe, catalog, **{"skip-cos": "yes", "skip-cdb": "yes"})
    assert _tencent_checked(recorded) == set(TENCENT_MODELS)


# --- Alibaba: each action's ResponseBody read with ``from_map``: a key it drops is unknown.

ALIBABA_MODELS = {
    "SearchResources": (
        "alibabacloud_resourcecenter20221201.models",
        "SearchResourcesResponseBody",
    ),
    "SearchMultiAccountResources": (
        "alibabacloud_resourcecenter20221201.models",
        "SearchMultiAccountResourcesResponseBody",
    ),
    "DescribeInstanceCrossBackupPolicy": (
        "alibabacloud_rds20140815.models",
        "DescribeInstanceCrossBackupPolicyResponseBody",
    ),
    "AssumeRole": ("alibabacloud_sts20150401.models", "AssumeRoleResponseBody"),
    "DescribePhysicalConnections": (
        "alibabacloud_vpc20160428.models",
        "DescribePhysicalConnectionsResponseBody",
    ),
    "DescribeDomains": ("alibabacloud_alidns20150109.models", "DescribeDomainsResponseBody"),
    "DescribeDomainRecords": (
        "alibabacloud_alidns20150109.models",
        "DescribeDomainRecordsResponseBody",
    ),
}


def test_alibaba_answers_pass_the_sdk_s_own_models(catalog: Catalog) -> None:
    api = test_alibaba_probe.estate()
    api.keys.roles.add(test_alibaba_probe.ROLE)
    api.cross_backups["rm-orders"] = "cn-beijing"
    api.physical_connections["cn-hongkong"] = [test_alibaba_probe.PHYSICAL_CONNECTION]
    api.domains["example.cn"] = [{"RR": "www", "Type": "A", "Value": "202.97.1.1"}]
    recorded = _recording(api)
    with serving(api) as url, scoped_environment(CASES["alibaba"].environment(api, url)):
        scan(AlibabaProbe, catalog)
        scan(AlibabaProbe, catalog, scope="rd-acme", **{"skip-oss": "yes"})
        scan(AlibabaProbe, catalog, **{"role-arn": test_alibaba_probe.ROLE, "skip-oss": "yes"})
    checked = set()
    for request, answer in recorded:
        action = request.headers.get("x-acs-action") or request.query.get("Action")
        body = _json(answer)
        if not action or body is None:
            continue  # OSS (XML)
        if "Code" in body:
            assert set(body) <= {"Code", "Message", "RequestId", "HostId", "Recommend"}
            continue
        module, name = ALIBABA_MODELS[action]
        model = getattr(importlib.import_module(module), name)().from_map(body)
        assert not unknown_keys(body, model.to_map()), action
        checked.add(action)
    assert checked == set(ALIBABA_MODELS)


# --- Huawei: each answer against the response class's attribute map, recursively.


def _huawei_unknown(data: Any, model: type, module: Any, path: str = "") -> list[str]:
    if not isinstance(data, dict):
        return []
    names = {json_name: python for python, json_name in model.attribute_map.items()}
    found = []
    for key, value in data.items():
        if key not in names:
            found.append(f"{path}.{key}")
            continue
        kind = model.openapi_types[names[key]]
        inner = re.fullmatch(r"list\[(\w+)\]|(\w+)", kind)
        nested = getattr(module, (inner[1] or inner[2]) if inner else "", None)
        if isinstance(nested, type) and hasattr(nested, "attribute_map"):
            for index, item in enumerate(value if isinstance(value, list) else [value]):
                found += _huawei_unknown(item, nested, module, f"{path}.{key}[{index}]")
    return found


def test_huawei_answers_pass_the_sdk_s_own_models(catalog: Catalog) -> None:
    from huaweicloudsdkdc import v3 as dc
    from huaweicloudsdkdns import v2 as dns
    from huaweicloudsdkrds import v3 as rds
    from huaweicloudsdkrms import v1 as rms

    api = test_huawei_probe.estate()
    api.direct_connects["p1"] = [test_huawei_probe.DIRECT_CONNECT]
    api.zones["example.com"] = [{"name": "www", "type": "A", "records": ["202.97.1.1"]}]
    api.offsite = [
        {"id": "rds-orders-db", "name": "orders-db", "source_region": "ap-southeast-1",
         "destination_region": "cn-east-3"},
    ]  # fmt: skip
    recorded = _recording(api)
    with serving(api) as url, scoped_environment(CASES["huawei"].environment(api, url)):
        scan(HuaweiProbe, catalog)
    checked = set()
    for request, answer in recorded:
        body = _json(answer)
        if body is None:
            continue  # OBS (XML)
        if "error_code" in body:
            assert set(body) <= {"error_code", "error_msg", "request_id"}
            continue
        if request.path.endswith("/all-resources"):
            model, module = rms.ListAllResourcesResponse, rms
        elif request.path.endswith("/direct-connects"):
            model, module = dc.ListDirectConnectsResponse, dc
        elif request.path.endswith("/recordsets"):
            model, module = dns.ListRecordSetsByZoneResponse, dns
        elif request.path.endswith("/v2/zones"):
            model, module = dns.ListPublicZonesResponse, dns
        else:
            model, module = rds.ListOffSiteInstancesResponse, rds
        assert not _huawei_unknown(body, model, module), request.path
        checked.add(model.__name__)
    assert checked == {
        "ListAllResourcesResponse",
        "ListOffSiteInstancesResponse",
        "ListDirectConnectsResponse",
        "ListPublicZonesResponse",
        "ListRecordSetsByZoneResponse",
    }


# --- Google Cloud: protobuf's own JSON parser, refusing unknown fields.


def test_cloud_asset_answers_pass_the_protobuf_parser_strictly(catalog: Catalog) -> None:
    from google.cloud import asset_v1
    from google.protobuf import json_format

    from assessor.testing.servers.cloud_asset import CloudAssetApi

    api = CloudAssetApi(test_gcp_probe.estate())
    recorded = _recording(api)
    with serving(api) as url, scoped_environment(CASES["gcp"].environment(api, url)):
        scan(GcpProbe, catalog, scope=test_gcp_probe.ORG)
        GcpProbe(probe_config(scope=test_gcp_probe.ORG)).units()
    assert recorded
    for _, answer in recorded:
        message = asset_v1.SearchAllResourcesResponse.pb(asset_v1.SearchAllResourcesResponse())
        json_format.Parse(answer.body, message, ignore_unknown_fields=False)


# --- Azure: the QueryResponse's attribute map (rows are the query's own projection).


def test_resource_graph_answers_carry_only_query_response_fields(catalog: Catalog) -> None:
    from azure.mgmt.resourcegraph.models import QueryResponse

    from assessor.testing.servers.resource_graph import ResourceGraphApi

    api = ResourceGraphApi(test_azure_probe.estate())
    recorded = _recording(api)
    with serving(api) as url, scoped_environment(CASES["azure"].environment(api, url)):
        scan(AzureProbe, catalog, subscription=test_azure_probe.SUB_A)
        AzureProbe(probe_config()).units()
    known = {field["key"] for field in QueryResponse._attribute_map.values()}
    assert recorded
    for _, answer in recorded:
        body = json.loads(answer.body)
        assert set(body) <= known, set(body) - known
        assert QueryResponse.deserialize(body).count == len(body["data"])
