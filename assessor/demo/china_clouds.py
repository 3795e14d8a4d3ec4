"""The demo company's Alibaba Cloud, Tencent Cloud and Huawei Cloud estates, served by the
loopback servers that speak each provider's APIs (none has an emulator)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from assessor.testing.environment import scoped_environment
from assessor.testing.servers.alibaba import AlibabaApi
from assessor.testing.servers.base import serving
from assessor.testing.servers.huawei import HuaweiApi
from assessor.testing.servers.tencent import TencentApi


def _alibaba() -> AlibabaApi:
    def row(kind: str, name: str, region: str, **tags: str) -> dict[str, Any]:
        return {
            "ResourceType": kind,
            "ResourceId": name,
            "ResourceName": name,
            "RegionId": region,
            "AccountId": "5120000000000001",
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
        }

    api = AlibabaApi(
        [
            row(
                "ACS::OSS::Bucket", "nw-hk-customer-exports", "cn-hongkong", **{"data-class": "pii"}
            ),
            row("ACS::OSS::Bucket", "nw-fra-catalog", "eu-central-1", **{"data-class": "internal"}),
        ]
    )
    api.owner = "5120000000000001"
    api.buckets = [
        {"name": "nw-hk-customer-exports", "region": "cn-hongkong"},
        # A Frankfurt bucket replicated into Shanghai.
        {
            "name": "nw-fra-catalog",
            "region": "eu-central-1",
            "replicate_to": ("nw-sh-catalog-copy", "cn-shanghai"),
        },
    ]
    return api


def _tencent() -> TencentApi:
    api = TencentApi(
        [
            {
                "ResourceType": "QCS::COS::Bucket",
                "ResourceId": "nw-gz-media-1250000000",
                "ResourceName": "nw-gz-media-1250000000",
                "ResourceRegion": "ap-guangzhou",
                "ResourceOwnerId": "100000000001",
                "Tags": [{"TagKey": "data-class", "TagValue": "internal"}],
            }
        ]
    )
    api.buckets = [{"name": "nw-gz-media-1250000000", "region": "ap-guangzhou"}]
    return api


def _huawei() -> HuaweiApi:
    return HuaweiApi(
        [
            {
                "id": "rds-nw-apac-orders",
                "name": "nw-apac-orders",
                "provider": "rds",
                "type": "instances",
                # Hong Kong at Huawei Cloud; the same code is Singapore at AWS.
                "region_id": "ap-southeast-1",
                "tags": {"data-class": "pii"},
            }
        ]
    )


@contextlib.contextmanager
def china_cloud_servers() -> Iterator[dict[str, str]]:
    """Serve the three estates; yields each probe's endpoint, with the probes' standard
    credential variables set for the duration."""
    alibaba, tencent, huawei = _alibaba(), _tencent(), _huawei()
    variables = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": alibaba.access_key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": alibaba.access_key_secret,
        "TENCENTCLOUD_SECRET_ID": tencent.secret_id,
        "TENCENTCLOUD_SECRET_KEY": tencent.secret_key,
        "HUAWEICLOUD_SDK_AK": huawei.access_key,
        "HUAWEICLOUD_SDK_SK": huawei.secret_key,
        "HUAWEICLOUD_SDK_DOMAIN_ID": huawei.domain_id,
    }
    with (
        serving(alibaba) as a,
        serving(tencent) as t,
        serving(huawei) as h,
        scoped_environment(variables),
    ):
        yield {"alibaba": a, "tencent": t, "huawei": h}
