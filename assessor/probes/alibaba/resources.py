"""Resource Center results and OSS answers → assets: the pure half of the alibaba probe."""

from __future__ import annotations

import re
from typing import Any

from assessor.models import Asset, Flow, FlowKind, Provider
from assessor.probes.base import classification


def service_and_kind(resource_type: str) -> tuple[str, str]:
    """``ACS::OSS::Bucket`` → (``oss``, ``bucket``); ``ACS::RDS::DBInstance`` → (``rds``,
    ``db-instance``)."""
    parts = resource_type.split("::")
    service = parts[1].lower() if len(parts) > 1 else "unknown"
    kind = parts[2] if len(parts) > 2 else "resource"
    kind = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", kind).lower()
    return service, kind


def oss_region(location: str | None) -> str | None:
    """OSS names regions ``oss-cn-hongkong``; the catalog, ``cn-hongkong``."""
    return location.removeprefix("oss-") if location else None


def resource_asset(row: dict[str, Any], account: str) -> Asset:
    """One SearchResources / SearchMultiAccountResources row."""
    resource_type = str(row.get("ResourceType", ""))
    service, kind = service_and_kind(resource_type)
    tags = {
        str(t.get("Key")): str(t.get("Value", "")) for t in row.get("Tags") or () if t.get("Key")
    }
    region = str(row.get("RegionId") or "").lower() or None
    attributes = {"resource_type": resource_type, "zone": str(row.get("ZoneId") or "")}
    if region == "global":
        attributes["location_note"] = "global: the resource has no single location"
    identity = str(row.get("ResourceId", ""))
    owner = str(row.get("AccountId") or account)
    return Asset(
        id=f"acs:{service}:{region or ''}:{owner}:{kind}/{identity}",
        provider=Provider.ALIBABA,
        service=service,
        kind=kind,
        name=str(row.get("ResourceName") or identity),
        account=owner,
        region=region,
        tags=tags,
        classification=classification(tags),
        attributes={k: v for k, v in attributes.items() if v},
    )


def replication_flows(rules: list[Any]) -> list[Flow]:
    """OSS cross-region replication rules → flows to each destination's region."""
    flows = []
    for rule in rules:
        target_bucket = getattr(rule, "target_bucket_name", None)
        location = getattr(rule, "target_bucket_location", None)
        flows.append(
            Flow(
                kind=FlowKind.REPLICATION,
                target_id=f"acs:oss:::{target_bucket}" if target_bucket else None,
                target_region=oss_region(location),
            )
        )
    return flows


def cross_backup_flows(policy: dict[str, Any]) -> list[Flow]:
    """An RDS ``DescribeInstanceCrossBackupPolicy`` answer → a backup flow to the region
    where cross-region backups are kept, when they are on."""
    region = str(policy.get("CrossBackupRegion") or "").lower()
    if policy.get("BackupEnabled") != "Enable" or not region:
        return []
    return [Flow(kind=FlowKind.BACKUP, target_region=region)]


def physical_connection_asset(row: dict[str, Any], region: str, account: str) -> Asset:
    """An Express Connect physical connection (``DescribePhysicalConnections``): a carrier,
    ``LineOperator`` naming it (CT China Telecom, CU China Unicom, CM China Mobile)."""
    from assessor.catalog.networks import load_network_catalog

    identity = str(row.get("PhysicalConnectionId", ""))
    operator = str(row.get("LineOperator") or "")
    attributes = {
        "resource_type": "ACS::VPC::PhysicalConnection",
        "carrier": operator,
        "access_point": str(row.get("AccessPointId") or ""),
        "peer_location": str(row.get("PeerLocation") or ""),
        "bandwidth": str(row.get("Bandwidth") or ""),
        "status": str(row.get("Status") or ""),
    }
    return Asset(
        id=f"acs:vpc:{region}:{account}:physical-connection/{identity}",
        provider=Provider.ALIBABA,
        service="vpc",
        kind="carrier",
        name=str(row.get("Name") or identity),
        account=account,
        region=region,
        vendor=load_network_catalog().carrier(operator),
        attributes={k: v for k, v in attributes.items() if v},
    )
