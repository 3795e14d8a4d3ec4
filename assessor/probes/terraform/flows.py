"""Copies a resource's configuration declares, one extractor per resource type.

Each extractor sees one resource as a :class:`FlowSite` and yields ``(source key, flow)``
pairs: the source is usually the resource itself, but a replication configuration or a
replica names its source by reference. The type table in :mod:`resources` says which
extractor a type has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from assessor.models import PAIRED_REGION, Flow, FlowKind

GEO_REPLICATED = frozenset({"GRS", "RAGRS", "GZRS", "RAGZRS"})


@dataclass(frozen=True)
class Target:
    """A resource another one refers to: its key (module path + address) and region."""

    key: str
    region: str | None
    # Set when the reference is only possible: the condition the code leaves open.
    condition: str | None = None


@dataclass(frozen=True)
class FlowSite:
    """What an extractor sees of one resource."""

    key: str
    region: str | None
    body: dict[str, Any]
    # The text of an expression, statically resolved (None when unknown).
    text: Callable[[Any], str | None]
    # The resources an expression may refer to: the one it names, or each one an open
    # condition may choose (each with that condition). Empty when it names none.
    targets: Callable[[Any], list[Target]]

    def target(self, expression: Any) -> Target | None:
        """The one resource an expression names for certain, else the first it may."""
        found = self.targets(expression)
        return found[0] if found else None

    def flow(
        self,
        kind: FlowKind,
        to: Target | None = None,
        region: str | None = None,
        condition: str | None = None,
    ) -> Flow:
        """A copy to ``to`` (or to ``region``); it happens only under the target's or the
        source's open condition, when there is one."""
        return Flow(
            kind=kind,
            target_id=to.key if to else None,
            target_region=to.region if to else region,
            condition=(to.condition if to else None) or condition,
        )

    def me(self) -> Target:
        return Target(self.key, self.region)


FlowExtractor = Callable[[FlowSite], Iterator[tuple[str, Flow]]]


def s3_replication_configuration(site: FlowSite) -> Iterator[tuple[str, Flow]]:
    for source in site.targets(site.body.get("bucket")):
        for destination in find(site.body, "destination"):
            bucket = destination.get("bucket") if isinstance(destination, dict) else None
            for dest in _or_unknown(site.targets(bucket)):
                yield source.key, site.flow(FlowKind.REPLICATION, dest, condition=source.condition)


def dynamodb_replicas(site: FlowSite) -> Iterator[tuple[str, Flow]]:
    for replica in find(site.body, "replica"):
        if isinstance(replica, dict):
            region = site.text(replica.get("region_name"))
            yield site.key, site.flow(FlowKind.REPLICATION, region=region)


def db_read_replica(site: FlowSite) -> Iterator[tuple[str, Flow]]:
    for primary in site.targets(site.body.get("replicate_source_db")):
        yield primary.key, site.flow(FlowKind.READ_REPLICA, site.me(), condition=primary.condition)


def kms_replica_key(site: FlowSite) -> Iterator[tuple[str, Flow]]:
    for primary in site.targets(site.body.get("primary_key_arn")):
        yield primary.key, site.flow(FlowKind.KEY_REPLICA, site.me(), condition=primary.condition)


def ebs_snapshot_copy(site: FlowSite) -> Iterator[tuple[str, Flow]]:
    for original in site.targets(site.body.get("source_snapshot_id")):
        flow = site.flow(FlowKind.SNAPSHOT_COPY, site.me(), condition=original.condition)
        yield original.key, flow


def azure_geo_redundant_storage(site: FlowSite) -> Iterator[tuple[str, Flow]]:
    replication = str(site.text(site.body.get("account_replication_type")) or "").upper()
    if replication in GEO_REPLICATED:
        # Geo-redundant storage copies the data into the region's pair (the catalog knows it).
        yield site.key, site.flow(FlowKind.REPLICATION, region=PAIRED_REGION)


def gcs_data_placement(site: FlowSite) -> Iterator[tuple[str, Flow]]:
    for placement in find(site.body, "custom_placement_config"):
        for location in (placement or {}).get("data_locations", []) or []:
            region = site.text(location)
            placed = region.lower() if region else None
            yield site.key, site.flow(FlowKind.DATA_PLACEMENT, region=placed)


def cosmos_geo_locations(site: FlowSite) -> Iterator[tuple[str, Flow]]:
    """Cosmos DB ``geo_location`` blocks: every location other than the account's own."""
    for block in find(site.body, "geo_location"):
        location = site.text(block.get("location")) if isinstance(block, dict) else None
        code = "".join(location.split()).lower() if location else None
        if code != site.region:
            yield site.key, site.flow(FlowKind.REPLICATION, region=code)


def oss_bucket_replication(site: FlowSite) -> Iterator[tuple[str, Flow]]:
    """``alicloud_oss_bucket_replication``: the destination's ``location`` is
    ``oss-<region>``."""
    source = site.target(site.body.get("bucket"))
    for destination in find(site.body, "destination"):
        if not isinstance(destination, dict) or source is None:
            continue
        location = site.text(destination.get("location")) or ""
        target = site.target(destination.get("bucket"))
        region = location.removeprefix("oss-") or (target.region if target else None)
        yield source.key, site.flow(FlowKind.REPLICATION, target, region or None)


def hbr_replication_vault(site: FlowSite) -> Iterator[tuple[str, Flow]]:
    """A backup replication vault copies its source vault's backups into its own region."""
    for source in site.targets(site.body.get("replication_source_vault_id")):
        yield source.key, site.flow(FlowKind.BACKUP, site.me(), condition=source.condition)


def cen_attachment(site: FlowSite) -> Iterator[tuple[str, Flow]]:
    """Cloud Enterprise Network: each attached network's region is reachable from the CEN."""
    network = site.target(site.body.get("instance_id"))
    region = site.text(site.body.get("child_instance_region_id"))
    if network is not None and region:
        yield network.key, site.flow(FlowKind.NETWORK, region=region.lower())


def cos_replica_rules(site: FlowSite) -> Iterator[tuple[str, Flow]]:
    """COS ``replica_rules``: ``destination_bucket = "qcs::cos:<region>::<bucket>"``."""
    for rule in find(site.body, "replica_rules"):
        if not isinstance(rule, dict):
            continue
        destination = site.text(rule.get("destination_bucket")) or ""
        parts = destination.split(":")
        region = parts[3] if len(parts) > 3 and parts[0] == "qcs" else None
        yield site.key, site.flow(FlowKind.REPLICATION, region=region or None)


def obs_bucket_replication(site: FlowSite) -> Iterator[tuple[str, Flow]]:
    """``huaweicloud_obs_bucket_replication``: to the destination bucket's region."""
    for source in site.targets(site.body.get("bucket")):
        for destination in _or_unknown(site.targets(site.body.get("destination_bucket"))):
            flow = site.flow(FlowKind.REPLICATION, destination, condition=source.condition)
            yield source.key, flow


def rds_cross_region_backup(site: FlowSite) -> Iterator[tuple[str, Flow]]:
    """Huawei RDS cross-region backups: the instance's backups go to ``destination_region``."""
    source = site.target(site.body.get("instance_id"))
    region = site.text(site.body.get("destination_region"))
    if source is not None:
        yield source.key, site.flow(FlowKind.BACKUP, region=region.lower() if region else None)


def _or_unknown(targets: list[Target]) -> list[Target | None]:
    """The targets, or one unknown target: a copy whose destination cannot be told is still
    a copy (to an unknown location)."""
    return list(targets) or [None]


def find(value: Any, key: str) -> Iterator[Any]:
    """Every value under ``key`` at any depth (nested blocks serialize as lists of dicts)."""
    if isinstance(value, dict):
        for name, inner in value.items():
            if name == key:
                yield from inner if isinstance(inner, list) else [inner]
            else:
                yield from find(inner, key)
    elif isinstance(value, list):
        for inner in value:
            yield from find(inner, key)
