"""Cloud Asset search results → assets: the pure half of the gcp probe.

The index gives every resource's type, location, project, labels and the KMS keys that
protect it. Where a resource keeps copies elsewhere, its own JSON (``versionedResources``)
says where: snapshot and image ``storageLocations``, a dual-region bucket's data locations,
Secret Manager replicas, Pub/Sub persistence regions, Spanner instance configurations, Cloud
SQL replicas. Each becomes the asset's placement (``REGION+REGION``, which the catalog locates
in exactly those regions) and, for copies, a flow.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from assessor.catalog.networks import load_network_catalog
from assessor.models import Asset, Encryption, Flow, FlowKind, KeyCustody, Provider, replaced
from assessor.probes.base import classification

GLOBAL = "global"


@dataclass
class Facts:
    """What the index and the resource's own JSON say about one resource."""

    region: str | None
    flows: list[Flow] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    kind: str | None = None  # when the JSON says more than the type (a carrier's circuit)
    vendor: str | None = None


Extractor = Callable[[dict[str, Any], Facts], None]


def service_and_kind(asset_type: str) -> tuple[str, str]:
    """``storage.googleapis.com/Bucket`` → (``storage``, ``bucket``);
    ``cloudkms.googleapis.com/CryptoKey`` → (``cloudkms``, ``crypto-key``)."""
    service, _, kind = asset_type.partition("/")
    kind = re.sub(r"(?<!^)(?=[A-Z])", "-", kind).lower() or "resource"
    return service.split(".")[0] or "unknown", kind


def placement(locations: Iterable[str]) -> str | None:
    """One location, or ``A+B`` for data kept in several (the catalog's placement code)."""
    codes = sorted({str(location).lower() for location in locations if location})
    return "+".join(codes) if codes else None


def key_location(key_name: str) -> str | None:
    """``projects/P/locations/L/keyRings/R/cryptoKeys/K`` → ``L``."""
    parts = key_name.split("/")
    if "locations" in parts and parts.index("locations") + 1 < len(parts):
        return parts[parts.index("locations") + 1].lower()
    return None


def _storage_locations(resource: dict[str, Any], facts: Facts) -> None:
    # A snapshot or image named "global" lives in its storage locations; older Cloud Asset
    # exports spell the one location ``storageLocation``.
    single = resource.get("storageLocation")
    where = placement(resource.get("storageLocations") or ([single] if single else ()))
    if where:
        facts.region = where


def _bucket(resource: dict[str, Any], facts: Facts) -> None:
    chosen = (resource.get("customPlacementConfig") or {}).get("dataLocations") or ()
    where = placement(chosen)
    if where:
        facts.attributes["multi_region"] = str(resource.get("location", "")).upper()
        facts.region = where


def _secret(resource: dict[str, Any], facts: Facts) -> None:
    replication = resource.get("replication") or {}
    replicas = (replication.get("userManaged") or {}).get("replicas") or ()
    locations = [replica.get("location") for replica in replicas if replica.get("location")]
    if locations:
        facts.region = placement(locations)
        facts.flows.extend(
            Flow(kind=FlowKind.REPLICATION, target_region=str(location).lower())
            for location in locations
        )
    elif "automatic" in replication:
        facts.attributes["replication"] = "automatic: Google chooses the locations"


def _topic(resource: dict[str, Any], facts: Facts) -> None:
    policy = resource.get("messageStoragePolicy") or {}
    regions = policy.get("allowedPersistenceRegions") or ()
    if regions:
        facts.region = placement(regions)
        facts.flows.extend(
            Flow(kind=FlowKind.DATA_PLACEMENT, target_region=str(region).lower())
            for region in regions
        )


def _spanner(resource: dict[str, Any], facts: Facts) -> None:
    config = str(resource.get("config") or "").rsplit("/", 1)[-1]
    if config:
        facts.attributes["instance_config"] = config
        facts.region = config.removeprefix("regional-").lower()


def _sql(resource: dict[str, Any], facts: Facts) -> None:
    primary = resource.get("masterInstanceName")
    if primary:
        project, _, name = str(primary).rpartition(":")
        facts.attributes["replica_of"] = (
            f"//cloudsql.googleapis.com/projects/{project or resource.get('project', '')}"
            f"/instances/{name}"
        )
    if resource.get("region"):
        facts.region = str(resource["region"]).lower()


def _interconnect_attachment(resource: dict[str, Any], facts: Facts) -> None:
    """A Partner Interconnect attachment is connectivity from the partner carrier."""
    partner = str((resource.get("partnerMetadata") or {}).get("partnerName") or "")
    if partner:
        facts.kind = "carrier"
        facts.vendor = load_network_catalog().carrier(partner)
        facts.attributes["carrier"] = partner


EXTRACTORS: dict[str, Extractor] = {
    "compute.googleapis.com/Snapshot": _storage_locations,
    "compute.googleapis.com/Image": _storage_locations,
    "compute.googleapis.com/MachineImage": _storage_locations,
    "storage.googleapis.com/Bucket": _bucket,
    "secretmanager.googleapis.com/Secret": _secret,
    "pubsub.googleapis.com/Topic": _topic,
    "spanner.googleapis.com/Instance": _spanner,
    "sqladmin.googleapis.com/Instance": _sql,
    "compute.googleapis.com/InterconnectAttachment": _interconnect_attachment,
}
# Types whose JSON the probe asks for: the others need only what the index carries.
READ_CONTENT = frozenset(EXTRACTORS)


def resource_asset(result: dict[str, Any]) -> Asset:
    """One search result (camelCase JSON, as the REST API answers) → an asset."""
    asset_type = str(result.get("assetType", ""))
    service, kind = service_and_kind(asset_type)
    location = str(result.get("location") or "").lower() or None
    facts = Facts(region=None if location == GLOBAL else location)
    if location == GLOBAL:
        facts.attributes["location_note"] = "global: the resource has no single location"
    extract = EXTRACTORS.get(asset_type)
    for version in result.get("versionedResources") or ():
        if extract is not None and isinstance(version.get("resource"), dict):
            extract(version["resource"], facts)
    if facts.region is None and location == GLOBAL:
        facts.region = GLOBAL  # said as such: the catalog has no place for it, never a guess
    labels = {str(k): str(v) for k, v in (result.get("labels") or {}).items()}
    keys = [str(key) for key in result.get("kmsKeys") or ()]
    encryption = (
        Encryption(
            custody=KeyCustody.CUSTOMER_MANAGED, key_id=keys[0], key_region=key_location(keys[0])
        )
        if keys
        else None
    )
    name = str(result.get("name", ""))
    attributes = {"asset_type": asset_type, **facts.attributes}
    if result.get("folders"):
        attributes["folders"] = ",".join(result["folders"])
    return Asset(
        id=name,
        provider=Provider.GCP,
        service=service,
        kind=facts.kind or kind,
        name=str(result.get("displayName") or name.rsplit("/", 1)[-1] or name),
        account=str(result.get("project") or result.get("parentFullResourceName") or "unknown"),
        region=facts.region,
        tags=labels,
        classification=classification(labels),
        encryption=encryption,
        flows=tuple(facts.flows),
        vendor=facts.vendor,
        attributes={k: v for k, v in attributes.items() if v},
    )


def link_replicas(assets: list[Asset]) -> list[Asset]:
    """A Cloud SQL read replica names its primary; the primary gets a flow to the replica's
    region (the copy), as AWS read replicas do."""
    copies: dict[str, list[Flow]] = {}
    for asset in assets:
        primary = asset.attributes.get("replica_of")
        if primary:
            flow = Flow(kind=FlowKind.READ_REPLICA, target_id=asset.id, target_region=asset.region)
            copies.setdefault(primary, []).append(flow)
    return [
        replaced(asset, flows=asset.flows + tuple(copies[asset.id]))
        if asset.id in copies
        else asset
        for asset in assets
    ]
