"""EFS: file systems and their cross-region replication.

Calls: pages of DescribeFileSystems per region (tags included), and one
DescribeReplicationConfigurations only in regions that have a file system.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, ClassVar

from assessor.models import Asset, Flow, FlowKind
from assessor.probes.aws.services.base import (
    RegionScope,
    ServiceReader,
    Work,
    kms_encryption,
    tag_dict,
)


class EfsReader(ServiceReader):
    name = "efs"
    operations: ClassVar[frozenset[str]] = frozenset(
        {
            "elasticfilesystem:DescribeFileSystems",
            "elasticfilesystem:DescribeReplicationConfigurations",
        }
    )

    def read(self, scope: RegionScope) -> Work:
        systems = scope.pages("efs", "describe_file_systems", "FileSystems")
        if not systems:
            return []
        replications: list[dict[str, Any]] = scope.attempt(
            "efs",
            lambda: scope.pages("efs", "describe_replication_configurations", "Replications"),
            failed=[],
            absent=[],
            absent_codes=frozenset({"ReplicationNotFound"}),
        )
        destinations = replication_destinations(replications)
        return [
            file_system_asset(scope, fs, destinations.get(fs["FileSystemId"], [])) for fs in systems
        ]


def replication_destinations(replications: list[dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    by_source: dict[str, list[dict[str, str]]] = defaultdict(list)
    for replication in replications:
        by_source[replication.get("SourceFileSystemId", "")].extend(
            replication.get("Destinations", [])
        )
    return by_source


def file_system_asset(
    scope: RegionScope, fs: dict[str, Any], destinations: list[dict[str, str]]
) -> Asset:
    fs_id = fs["FileSystemId"]
    tags = tag_dict(fs.get("Tags"))
    prefix = f"arn:{scope.partition}:elasticfilesystem"
    flows = [
        Flow(
            kind=FlowKind.REPLICATION,
            target_id=f"{prefix}:{d['Region']}:{scope.account}:file-system/{d.get('FileSystemId')}",
            target_region=d["Region"],
        )
        for d in destinations
        if d.get("Region")
    ]
    return scope.asset(
        service="efs",
        kind="file-system",
        id=fs.get("FileSystemArn") or scope.arn("elasticfilesystem", f"file-system/{fs_id}"),
        name=fs.get("Name") or tags.get("Name", fs_id),
        tags=tags,
        encryption=kms_encryption(fs.get("Encrypted", False), fs.get("KmsKeyId"), scope.region),
        flows=flows,
    )
