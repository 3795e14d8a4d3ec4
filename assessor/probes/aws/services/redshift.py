"""Redshift: clusters and their cross-region snapshot copy.

Calls: pages of DescribeClusters per region (tags and copy settings included).
"""

from __future__ import annotations

from typing import Any, ClassVar

from assessor.models import Asset, Flow, FlowKind
from assessor.probes.aws.services.base import (
    RegionScope,
    ServiceReader,
    Work,
    kms_encryption,
    tag_dict,
)


class RedshiftReader(ServiceReader):
    name = "redshift"
    operations: ClassVar[frozenset[str]] = frozenset({"redshift:DescribeClusters"})

    def read(self, scope: RegionScope) -> Work:
        clusters = scope.pages("redshift", "describe_clusters", "Clusters")
        return [cluster_asset(scope, cluster) for cluster in clusters]


def cluster_asset(scope: RegionScope, cluster: dict[str, Any]) -> Asset:
    identifier = cluster["ClusterIdentifier"]
    copy = cluster.get("ClusterSnapshotCopyStatus") or {}
    flows = []
    if copy.get("DestinationRegion"):
        flows.append(
            Flow(
                kind=FlowKind.SNAPSHOT_COPY,
                target_region=copy["DestinationRegion"],
                target_id=f"arn:{scope.partition}:redshift:{copy['DestinationRegion']}:{scope.account}:snapshot:{identifier}/*",
            )
        )
    tags = tag_dict(cluster.get("Tags"))
    return scope.asset(
        service="redshift",
        kind="cluster",
        id=scope.arn("redshift", f"cluster:{identifier}"),
        name=identifier,
        tags=tags,
        encryption=kms_encryption(
            cluster.get("Encrypted", False), cluster.get("KmsKeyId"), scope.region
        ),
        flows=flows,
        attributes={"node_type": cluster.get("NodeType", "")},
    )
