"""Cloud Config items, Tag-service resource names and COS answers → assets: the pure half
of the tencent probe."""

from __future__ import annotations

from typing import Any

from assessor.models import Asset, Flow, FlowKind, Provider
from assessor.probes.base import classification


def service_and_kind(resource_type: str) -> tuple[str, str]:
    """``QCS::COS::Bucket`` → (``cos``, ``bucket``); ``QCS::CVM::Instance`` → (``cvm``,
    ``instance``)."""
    parts = resource_type.split("::")
    service = parts[1].lower() if len(parts) > 1 else "unknown"
    return service, (parts[2].lower() if len(parts) > 2 else "resource")


def _tags(pairs: Any) -> dict[str, str]:
    return {str(t["TagKey"]): str(t.get("TagValue", "")) for t in pairs or () if t.get("TagKey")}


def config_asset(item: dict[str, Any], account: str) -> Asset:
    """One Cloud Config ``ListDiscoveredResources`` (or aggregate) item."""
    service, kind = service_and_kind(str(item.get("ResourceType", "")))
    region = str(item.get("ResourceRegion") or "").lower() or None
    owner = str(item.get("ResourceOwnerId") or account)
    tags = _tags(item.get("Tags"))
    identity = str(item.get("ResourceId", ""))
    return Asset(
        id=f"qcs::{service}:{region or ''}:uin/{owner}:{kind}/{identity}",
        provider=Provider.TENCENT,
        service=service,
        kind=kind,
        name=str(item.get("ResourceName") or identity),
        account=owner,
        region=region,
        tags=tags,
        classification=classification(tags),
        attributes={"resource_type": str(item.get("ResourceType", ""))},
    )


# Tag-service path kinds that name the same thing Cloud Config does by another word.
_TAG_KINDS = {"instanceid": "instance"}


def tag_asset(mapping: dict[str, Any]) -> Asset:
    """One Tag service ``GetResources`` entry: a six-segment resource name,
    ``qcs::cvm:ap-beijing:uin/1234:instance/ins-abc``; a MySQL instance is
    ``...:instanceId/cdb-abc``, a COS bucket
    ``qcs::cos:<region>:uid/<appid>:prefix//<appid>/<name>`` (named here as COS lists it,
    ``<name>-<appid>``, so the two listings meet)."""
    name = str(mapping.get("Resource", ""))
    parts = name.split(":")
    service = parts[2] if len(parts) > 2 else "unknown"
    region = (parts[3] if len(parts) > 3 else "").lower() or None
    owner = parts[4] if len(parts) > 4 else ""
    path = parts[5] if len(parts) > 5 else ""
    kind, _, identity = path.partition("/")
    account = owner.removeprefix("uin/") if owner.startswith("uin/") else "unknown"
    if service == "cos" and kind == "prefix":
        app_id, _, bucket = identity.strip("/").partition("/")
        kind, identity = "bucket", f"{bucket}-{app_id}" if bucket else identity
    kind = _TAG_KINDS.get(kind.lower(), kind) or "resource"
    tags = _tags(mapping.get("Tags"))
    return Asset(
        id=name,
        provider=Provider.TENCENT,
        service=service,
        kind=kind,
        name=identity or name,
        account=account,
        region=region,
        tags=tags,
        classification=classification(tags),
        attributes={"listed_by": "tag"},
    )


def replication_flows(answer: dict[str, Any]) -> list[Flow]:
    """COS replication rules: ``Destination.Bucket`` is ``qcs::cos:<region>::<bucket>``."""
    rules = answer.get("Rule") or []
    flows = []
    for rule in rules if isinstance(rules, list) else [rules]:
        if str(rule.get("Status", "Enabled")) != "Enabled":
            continue
        destination = str((rule.get("Destination") or {}).get("Bucket", ""))
        parts = destination.split(":")
        region = parts[3] if len(parts) > 3 and parts[0] == "qcs" else None
        flows.append(
            Flow(kind=FlowKind.REPLICATION, target_id=destination or None, target_region=region)
        )
    return flows


def remote_backup_flows(answer: dict[str, Any]) -> list[Flow]:
    """A CDB ``DescribeRemoteBackupConfig`` answer → a backup flow to each remote region,
    when remote backups are on."""
    body = answer.get("Response") or {}
    if body.get("RemoteBackupSave") != "on":
        return []
    regions = [str(region).lower() for region in body.get("RemoteRegion") or () if region]
    return [Flow(kind=FlowKind.BACKUP, target_region=region) for region in regions]
