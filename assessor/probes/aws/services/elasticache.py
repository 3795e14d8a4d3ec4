"""ElastiCache: replication groups, stand-alone cache clusters, and global datastores.

Calls: pages of DescribeReplicationGroups and DescribeCacheClusters per region, and
DescribeGlobalReplicationGroups only for a group that belongs to a global datastore.
"""

from __future__ import annotations

from typing import Any, ClassVar

from assessor.models import Asset, Flow, FlowKind
from assessor.probes.aws.services.base import (
    RegionScope,
    ServiceReader,
    Work,
    kms_encryption,
)


class ElastiCacheReader(ServiceReader):
    name = "elasticache"
    untagged_types = ("elasticache:cluster", "elasticache:replicationgroup")
    operations: ClassVar[frozenset[str]] = frozenset(
        {
            "elasticache:DescribeReplicationGroups",
            "elasticache:DescribeCacheClusters",
            "elasticache:DescribeGlobalReplicationGroups",
        }
    )

    def read(self, scope: RegionScope) -> Work:
        groups = scope.pages("elasticache", "describe_replication_groups", "ReplicationGroups")
        clusters = scope.pages("elasticache", "describe_cache_clusters", "CacheClusters")
        assets = [self._group(scope, group) for group in groups]
        assets.extend(
            cluster_asset(scope, cluster)
            for cluster in clusters
            if not cluster.get("ReplicationGroupId")  # members are part of their group
        )
        return assets

    def _group(self, scope: RegionScope, group: dict[str, Any]) -> Asset:
        global_id = (group.get("GlobalReplicationGroupInfo") or {}).get("GlobalReplicationGroupId")
        members: list[dict[str, Any]] = []
        if global_id:
            members = scope.attempt(
                "elasticache",
                lambda: [
                    member
                    for found in scope.client("elasticache").describe_global_replication_groups(
                        GlobalReplicationGroupId=global_id, ShowMemberInfo=True
                    )["GlobalReplicationGroups"]
                    for member in found.get("Members", [])
                ],
                failed=[],
                absent=[],
                resource=group["ReplicationGroupId"],
            )
        return group_asset(scope, group, members)


def group_asset(scope: RegionScope, group: dict[str, Any], members: list[dict[str, Any]]) -> Asset:
    identifier = group["ReplicationGroupId"]
    flows = [
        Flow(
            kind=FlowKind.REPLICATION,
            target_id=f"arn:{scope.partition}:elasticache:{m['ReplicationGroupRegion']}:"
            f"{scope.account}:replicationgroup:{m.get('ReplicationGroupId', '')}",
            target_region=m["ReplicationGroupRegion"],
        )
        for m in members
        if m.get("ReplicationGroupRegion") and m["ReplicationGroupRegion"] != scope.region
    ]
    return scope.asset(
        service="elasticache",
        kind="replication-group",
        id=group.get("ARN") or scope.arn("elasticache", f"replicationgroup:{identifier}"),
        name=identifier,
        encryption=kms_encryption(
            group.get("AtRestEncryptionEnabled", False), group.get("KmsKeyId"), scope.region
        ),
        flows=flows,
        attributes={"engine": group.get("Engine", "")},
    )


def cluster_asset(scope: RegionScope, cluster: dict[str, Any]) -> Asset:
    identifier = cluster["CacheClusterId"]
    return scope.asset(
        service="elasticache",
        kind="cache-cluster",
        id=cluster.get("ARN") or scope.arn("elasticache", f"cluster:{identifier}"),
        name=identifier,
        encryption=kms_encryption(
            cluster.get("AtRestEncryptionEnabled", False), None, scope.region
        ),
        attributes={"engine": cluster.get("Engine", "")},
    )
