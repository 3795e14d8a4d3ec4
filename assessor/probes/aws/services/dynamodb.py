"""DynamoDB: tables, their global-table replicas, encryption key and tags.

Calls: pages of ListTables per region, then 2 per table (DescribeTable, ListTagsOfResource).
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from assessor.models import Asset, Encryption, Flow, FlowKind, KeyCustody
from assessor.probes.aws.services.base import (
    Found,
    RegionScope,
    ServiceReader,
    Work,
    arn_region,
    tag_dict,
)


class DynamoDbReader(ServiceReader):
    name = "dynamodb"
    operations: ClassVar[frozenset[str]] = frozenset(
        {"dynamodb:ListTables", "dynamodb:DescribeTable", "dynamodb:ListTagsOfResource"}
    )

    def read(self, scope: RegionScope) -> Work:
        names = scope.pages("dynamodb", "list_tables", "TableNames")
        return [scope.task(partial(self._table, scope, name)) for name in names]

    def _table(self, scope: RegionScope, name: str) -> list[Found]:
        client = scope.client("dynamodb")
        table = client.describe_table(TableName=name)["Table"]
        arn = table.get("TableArn") or scope.arn("dynamodb", f"table/{name}")
        tags: dict[str, str] = scope.attempt(
            "dynamodb",
            lambda: tag_dict(client.list_tags_of_resource(ResourceArn=arn).get("Tags")),
            failed={},
            absent={},
            resource=name,
        )
        return [table_asset(scope, table, tags)]


def table_encryption(table: dict[str, Any], region: str) -> Encryption:
    """No SSEDescription means the default AWS-owned key; KMS means aws/dynamodb or a
    customer key, named by ARN."""
    sse = table.get("SSEDescription") or {}
    key = sse.get("KMSMasterKeyArn")
    if sse.get("Status") not in ("ENABLED", "UPDATING") or not key:
        return Encryption(custody=KeyCustody.PROVIDER_MANAGED, key_region=region)
    return Encryption(
        custody=KeyCustody.CUSTOMER_MANAGED,
        algorithm="aws:kms",
        key_id=key,
        key_region=arn_region(key) or region,
    )


def table_asset(scope: RegionScope, table: dict[str, Any], tags: dict[str, str]) -> Asset:
    name = table["TableName"]
    flows = [
        Flow(
            kind=FlowKind.REPLICATION,
            target_id=f"arn:{scope.partition}:dynamodb:{replica['RegionName']}:{scope.account}:table/{name}",
            target_region=replica["RegionName"],
        )
        for replica in table.get("Replicas", [])
        if replica.get("RegionName") and replica["RegionName"] != scope.region
    ]
    return scope.asset(
        service="dynamodb",
        kind="table",
        id=table.get("TableArn") or scope.arn("dynamodb", f"table/{name}"),
        name=name,
        tags=tags,
        encryption=table_encryption(table, scope.region),
        flows=flows,
        attributes={
            "items": str(table.get("ItemCount", "")),
            "global_table_version": table.get("GlobalTableVersion", ""),
        },
    )
