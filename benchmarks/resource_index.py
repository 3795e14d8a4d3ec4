"""How close the index probes come to the time their API's paging and quota allow.

    python benchmarks/resource_index.py --resources 100000 --latency-ms 50

For each provider with a resource index (gcp: Cloud Asset SearchAllResources, 500 results a
page, 400 requests a minute; azure: Resource Graph, 1,000 rows a page, 15 queries in any
5 seconds; alibaba: Resource Center, 100 a page, 20 requests a second; tencent: Cloud
Config, 200 a page, 20 a second; huawei: Config (RMS), 200 a page, paced at 10 a second),
a loopback server in its own process serves ``--resources`` resources and
answers every page after ``--latency-ms``; the real probe reads them all. Pages depend on
the previous page's token, so the bound is sequential: every page's latency, or the quota's
pace when that is slower. One line per provider:

    resource-index: N resources, C calls, wall W s, bound B s, ratio R

Target: ratio ≤ 1.3 for 100,000 resources per provider.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import time
from typing import Any

from assessor.catalog import load_catalog
from assessor.inventory import run_probes
from assessor.probes import alibaba, huawei, tencent
from assessor.probes.azure import AzureProbe
from assessor.probes.base import ProbeConfig
from assessor.probes.gcp.probe import RATE_PER_SECOND, GcpProbe
from assessor.testing.servers.alibaba import AlibabaApi
from assessor.testing.servers.base import serving
from assessor.testing.servers.cloud_asset import MAX_PAGE as GCP_PAGE
from assessor.testing.servers.cloud_asset import CloudAssetApi
from assessor.testing.servers.huawei import HuaweiApi
from assessor.testing.servers.resource_graph import MAX_TOP as AZURE_PAGE
from assessor.testing.servers.resource_graph import ResourceGraphApi
from assessor.testing.servers.tencent import TencentApi

# provider → (server page size, calls per second the probe paces itself to)
INDEXES = {
    "alibaba": (alibaba.PAGE_SIZE, alibaba.RATE_PER_SECOND),
    "tencent": (tencent.PAGE_SIZE, tencent.RATE_PER_SECOND),
    "huawei": (huawei.PAGE_SIZE, huawei.RATE_PER_SECOND),
}

ORG = "organizations/1"
SUBSCRIPTION = "bench"
AZURE_QUOTA, AZURE_WINDOW = 15, 5.0


def gcp_resources(count: int) -> list[dict[str, Any]]:
    regions = ("us-central1", "europe-west1", "asia-east2", "asia-northeast1")
    return [
        {
            "name": f"//compute.googleapis.com/projects/p{i % 50}/zones/{regions[i % 4]}-a/disks/d{i}",
            "assetType": "compute.googleapis.com/Disk",
            "project": f"projects/p{i % 50}",
            "organization": ORG,
            "location": f"{regions[i % 4]}-a",
            "labels": {"data-class": "internal"},
        }
        for i in range(count)
    ]


def azure_rows(count: int) -> list[dict[str, Any]]:
    regions = ("westeurope", "eastus", "eastasia", "japaneast")
    return [
        {
            "id": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Compute/disks/d{i}",
            "name": f"d{i}",
            "type": "microsoft.compute/disks",
            "location": regions[i % 4],
            "subscriptionId": SUBSCRIPTION,
            "resourceGroup": "rg",
            "tags": {"data-class": "internal"},
            "sku": {"name": "Premium_LRS"},
            "kind": None,
            "properties": {"diskSizeGB": 128},
        }
        for i in range(count)
    ]


def china_api(kind: str, count: int) -> Any:
    regions = ("cn-hongkong", "eu-central-1", "ap-southeast-1", "cn-shanghai")
    if kind == "alibaba":
        return AlibabaApi(
            [
                {
                    "ResourceType": "ACS::ECS::Instance",
                    "ResourceId": f"i-{i}",
                    "RegionId": regions[i % 4],
                    "AccountId": "1",
                    "Tags": [{"Key": "data-class", "Value": "internal"}],
                }
                for i in range(count)
            ]
        )
    if kind == "tencent":
        return TencentApi(
            [
                {
                    "ResourceType": "QCS::CVM::Instance",
                    "ResourceId": f"ins-{i}",
                    "ResourceRegion": ("ap-guangzhou", "ap-singapore")[i % 2],
                    "ResourceOwnerId": "1",
                    "Tags": [{"TagKey": "data-class", "TagValue": "internal"}],
                }
                for i in range(count)
            ]
        )
    return HuaweiApi(
        [
            {
                "id": f"vm-{i}",
                "name": f"vm-{i}",
                "provider": "ecs",
                "type": "cloudservers",
                "region_id": ("ap-southeast-1", "eu-west-101")[i % 2],
                "tags": {"data-class": "internal"},
            }
            for i in range(count)
        ]
    )


def _serve(kind: str, count: int, latency: float, ready: Any, stop: Any) -> None:
    api: Any
    if kind == "gcp":
        api = CloudAssetApi(gcp_resources(count))
    elif kind == "azure":
        api = ResourceGraphApi(azure_rows(count), quota=AZURE_QUOTA, window=AZURE_WINDOW)
    else:
        api = china_api(kind, count)
    api.latency = latency
    with serving(api) as url:
        ready.put((url, getattr(api, "token", "")))
        stop.wait()
        ready.put(len(api.requests))


def measure(kind: str, count: int, latency: float) -> str:
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Queue(), context.Event()
    server = context.Process(target=_serve, args=(kind, count, latency, ready, stop), daemon=True)
    server.start()
    url, token = ready.get(timeout=300)
    catalog = load_catalog()
    if kind == "gcp":
        os.environ["GOOGLE_OAUTH_ACCESS_TOKEN"] = token
        probe: Any = GcpProbe(ProbeConfig({"scope": (ORG,), "endpoint": (url,)}))
        pages = math.ceil(count / GCP_PAGE)
        # The first page goes at once; each later one waits for the pace or the latency.
        bound = latency + (pages - 1) * max(latency, 1 / RATE_PER_SECOND)
    elif kind in INDEXES:
        probe = _china_probe(kind, url)
        size, rate = INDEXES[kind]
        pages = math.ceil(count / size)
        bound = latency + (pages - 1) * max(latency, 1 / rate)
    else:
        os.environ["AZURE_ACCESS_TOKEN"] = token
        probe = AzureProbe(ProbeConfig({"subscription": (SUBSCRIPTION,), "endpoint": (url,)}))
        pages = math.ceil(count / AZURE_PAGE)
        windows = math.ceil(pages / AZURE_QUOTA)
        # Full windows are waited out; the last one is only as long as its pages.
        bound = (windows - 1) * max(AZURE_WINDOW, AZURE_QUOTA * latency)
        bound += (pages - (windows - 1) * AZURE_QUOTA) * latency
    started = time.monotonic()
    inventory = run_probes([probe], catalog)
    wall = time.monotonic() - started
    stop.set()
    calls = ready.get(timeout=60)
    server.join(timeout=10)
    assert len(inventory.assets) == count and not inventory.gaps, (kind, inventory.gaps[:3])
    return (
        f"resource-index: {count} resources, {calls} calls, wall {wall:.2f} s, "
        f"bound {bound:.2f} s, ratio {wall / bound:.2f}  ({kind})"
    )


def _china_probe(kind: str, url: str) -> Any:
    if kind == "alibaba":
        os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"] = AlibabaApi.access_key_id
        os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = AlibabaApi.access_key_secret
        return alibaba.AlibabaProbe(ProbeConfig({"endpoint": (url,), "skip-oss": ("yes",)}))
    if kind == "tencent":
        os.environ["TENCENTCLOUD_SECRET_ID"] = TencentApi.secret_id
        os.environ["TENCENTCLOUD_SECRET_KEY"] = TencentApi.secret_key
        return tencent.TencentProbe(ProbeConfig({"endpoint": (url,), "skip-cos": ("yes",)}))
    os.environ["HUAWEICLOUD_SDK_AK"] = HuaweiApi.access_key
    os.environ["HUAWEICLOUD_SDK_SK"] = HuaweiApi.secret_key
    os.environ["HUAWEICLOUD_SDK_DOMAIN_ID"] = HuaweiApi.domain_id
    return huawei.HuaweiProbe(ProbeConfig({"endpoint": (url,), "skip-obs": ("yes",)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--provider", action="append", choices=("gcp", "azure", *INDEXES))
    args = parser.parse_args()
    for kind in args.provider or ("gcp", "azure", *INDEXES):
        print(measure(kind, args.resources, args.latency_ms / 1000), flush=True)


if __name__ == "__main__":
    main()
