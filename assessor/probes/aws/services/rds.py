"""RDS: DB instances (with cross-region read replicas and replicated automated backups),
Aurora clusters and global databases, and snapshots.

Calls: pages of DescribeDBInstances, DescribeDBClusters, DescribeDBSnapshots and
DescribeDBClusterSnapshots per region; tags come with the listings. Aurora global
databases are account-wide (any region lists them all), so DescribeGlobalClusters is
read once per account.
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from assessor.models import Asset, Flow, FlowKind
from assessor.probes.aws.services.base import (
    FlowFact,
    RegionScope,
    ServiceReader,
    Work,
    arn_region,
    kms_encryption,
    tag_dict,
)


class RdsReader(ServiceReader):
    name = "rds"
    operations: ClassVar[frozenset[str]] = frozenset(
        {
            "rds:DescribeDBInstances",
            "rds:DescribeDBClusters",
            "rds:DescribeDBSnapshots",
            "rds:DescribeDBClusterSnapshots",
        }
    )

    def read(self, scope: RegionScope) -> Work:
        # Four independent listings: four tasks, so they are in flight together.
        listings = (self._instances, self._clusters, self._snapshots, self._cluster_snapshots)
        return [scope.task(partial(listing, scope), discovery=True) for listing in listings]

    def _instances(self, scope: RegionScope) -> Work:
        return [
            instance_asset(scope, db)
            for db in scope.pages("rds", "describe_db_instances", "DBInstances")
        ]

    def _clusters(self, scope: RegionScope) -> Work:
        clusters = scope.pages("rds", "describe_db_clusters", "DBClusters")
        return [cluster_asset(scope, cluster) for cluster in clusters]

    def _snapshots(self, scope: RegionScope) -> Work:
        snapshots = scope.pages("rds", "describe_db_snapshots", "DBSnapshots")
        return [snapshot_asset(scope, snapshot) for snapshot in snapshots]

    def _cluster_snapshots(self, scope: RegionScope) -> Work:
        snapshots = scope.pages("rds", "describe_db_cluster_snapshots", "DBClusterSnapshots")
        return [cluster_snapshot_asset(scope, snapshot) for snapshot in snapshots]


class GlobalClusterReader(ServiceReader):
    """Aurora global databases: every member cluster holds the same data."""

    name = "rds"
    global_listing = True
    operations: ClassVar[frozenset[str]] = frozenset({"rds:DescribeGlobalClusters"})

    def read(self, scope: RegionScope) -> Work:
        databases = scope.pages("rds", "describe_global_clusters", "GlobalClusters")
        return [fact for database in databases for fact in global_cluster_flows(database)]


def global_cluster_flows(database: dict[str, Any]) -> list[FlowFact]:
    """The writer's data flows to every other member. While no member is the writer (a
    failover, or an emulator that never says), every member is a possible source."""
    members = [m for m in database.get("GlobalClusterMembers", []) if m.get("DBClusterArn")]
    writers = [m for m in members if m.get("IsWriter")] or members
    return [
        FlowFact(
            source_id=writer["DBClusterArn"],
            flow=Flow(
                kind=FlowKind.REPLICATION,
                target_id=member["DBClusterArn"],
                target_region=arn_region(member["DBClusterArn"]),
            ),
        )
        for writer in writers
        for member in members
        if member["DBClusterArn"] != writer["DBClusterArn"]
    ]


def _replica_flows(scope: RegionScope, replicas: list[str], kind: str = "db") -> list[Flow]:
    """Read replicas in another region are named by ARN; same-region ones by identifier."""
    return [
        Flow(
            kind=FlowKind.READ_REPLICA,
            target_id=replica
            if replica.startswith("arn:")
            else scope.arn("rds", f"{kind}:{replica}"),
            target_region=arn_region(replica) or scope.region,
        )
        for replica in replicas
    ]


def _backup_replication_flows(db: dict[str, Any]) -> list[Flow]:
    """Automated backups replicated to another region: named by ARN in the instance's
    own listing, so no DescribeDBInstanceAutomatedBackups call is needed."""
    return [
        Flow(kind=FlowKind.BACKUP, target_id=arn, target_region=arn_region(arn))
        for replication in db.get("DBInstanceAutomatedBackupsReplications", [])
        if (arn := replication.get("DBInstanceAutomatedBackupsArn"))
    ]


def instance_asset(scope: RegionScope, db: dict[str, Any]) -> Asset:
    identifier = db["DBInstanceIdentifier"]
    source = db.get("ReadReplicaSourceDBInstanceIdentifier") or ""
    return scope.asset(
        service="rds",
        kind="db-instance",
        id=db.get("DBInstanceArn") or scope.arn("rds", f"db:{identifier}"),
        name=identifier,
        tags=tag_dict(db.get("TagList")),
        encryption=kms_encryption(
            db.get("StorageEncrypted", False), db.get("KmsKeyId"), scope.region
        ),
        flows=[
            *_replica_flows(scope, db.get("ReadReplicaDBInstanceIdentifiers", [])),
            *_replica_flows(scope, db.get("ReadReplicaDBClusterIdentifiers", []), "cluster"),
            *_backup_replication_flows(db),
        ],
        attributes={
            "engine": db.get("Engine", ""),
            "replica_of": source
            if source.startswith("arn:")
            else (scope.arn("rds", f"db:{source}") if source else ""),
            "cluster": db.get("DBClusterIdentifier", ""),
        },
    )


def cluster_asset(scope: RegionScope, cluster: dict[str, Any]) -> Asset:
    identifier = cluster["DBClusterIdentifier"]
    return scope.asset(
        service="rds",
        kind="db-cluster",
        id=cluster.get("DBClusterArn") or scope.arn("rds", f"cluster:{identifier}"),
        name=identifier,
        tags=tag_dict(cluster.get("TagList")),
        encryption=kms_encryption(
            cluster.get("StorageEncrypted", False), cluster.get("KmsKeyId"), scope.region
        ),
        flows=[
            Flow(kind=FlowKind.READ_REPLICA, target_id=replica, target_region=arn_region(replica))
            for replica in cluster.get("ReadReplicaIdentifiers", [])
            if arn_region(replica) and arn_region(replica) != scope.region
        ],
        attributes={
            "engine": cluster.get("Engine", ""),
            "global_cluster": cluster.get("GlobalClusterIdentifier", ""),
        },
    )


def snapshot_asset(scope: RegionScope, snapshot: dict[str, Any]) -> Asset:
    identifier = snapshot["DBSnapshotIdentifier"]
    source = snapshot.get("SourceDBSnapshotIdentifier") or ""
    return scope.asset(
        service="rds",
        kind="db-snapshot",
        id=snapshot.get("DBSnapshotArn") or scope.arn("rds", f"snapshot:{identifier}"),
        name=identifier,
        tags=tag_dict(snapshot.get("TagList")),
        encryption=kms_encryption(
            snapshot.get("Encrypted", False), snapshot.get("KmsKeyId"), scope.region
        ),
        attributes={
            "db_instance": snapshot.get("DBInstanceIdentifier", ""),
            "snapshot_type": snapshot.get("SnapshotType", ""),
            # A cross-region copy names its source snapshot by ARN.
            "copied_from": source if source.startswith("arn:") else "",
        },
    )


def cluster_snapshot_asset(scope: RegionScope, snapshot: dict[str, Any]) -> Asset:
    identifier = snapshot["DBClusterSnapshotIdentifier"]
    return scope.asset(
        service="rds",
        kind="db-cluster-snapshot",
        id=snapshot.get("DBClusterSnapshotArn")
        or scope.arn("rds", f"cluster-snapshot:{identifier}"),
        name=identifier,
        tags=tag_dict(snapshot.get("TagList")),
        encryption=kms_encryption(
            snapshot.get("StorageEncrypted", False), snapshot.get("KmsKeyId"), scope.region
        ),
        attributes={
            "db_cluster": snapshot.get("DBClusterIdentifier", ""),
            "copied_from": snapshot.get("SourceDBClusterSnapshotArn") or "",
        },
    )
