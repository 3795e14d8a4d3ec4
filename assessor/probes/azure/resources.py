"""Resource Graph rows → assets: the pure half of the azure probe.

Copies Azure keeps in another region, as flows: geo-redundant storage (GRS, RA-GRS, GZRS,
RA-GZRS) to the account's ``secondaryLocation`` (else the catalog's pair), Cosmos DB
accounts to every replicated location, SQL failover groups to their partner servers, Key
Vault contents and geo-redundant Recovery Services vaults to the region's pair.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assessor.catalog.networks import load_network_catalog
from assessor.models import PAIRED_REGION, Asset, Flow, FlowKind, Provider
from assessor.probes.base import classification

GEO_REDUNDANT = ("GRS", "RAGRS", "GZRS", "RAGZRS")
FlowsOf = Callable[[dict[str, Any], str | None], list[Flow]]


def region_code(location: str | None) -> str | None:
    """``"East Asia"``, ``"eastasia"`` and ``"EastAsia"`` are the same region: Azure's codes
    are display names without spaces, lower-cased."""
    if not location:
        return None
    return "".join(str(location).split()).lower()


def _storage(row: dict[str, Any], home: str | None) -> list[Flow]:
    sku = str((row.get("sku") or {}).get("name", "")).upper().replace("_", "")
    if not any(sku.endswith(kind) for kind in GEO_REDUNDANT):
        return []
    secondary = region_code((row.get("properties") or {}).get("secondaryLocation"))
    return [Flow(kind=FlowKind.REPLICATION, target_region=secondary or PAIRED_REGION)]


def _cosmos(row: dict[str, Any], home: str | None) -> list[Flow]:
    properties = row.get("properties") or {}
    named = [
        region_code(entry.get("locationName"))
        for key in ("locations", "readLocations", "writeLocations")
        for entry in properties.get(key) or ()
    ]
    targets = sorted({code for code in named if code and code != home})
    return [Flow(kind=FlowKind.REPLICATION, target_region=code) for code in targets]


def _failover_group(row: dict[str, Any], home: str | None) -> list[Flow]:
    partners = (row.get("properties") or {}).get("partnerServers") or ()
    return [
        Flow(
            kind=FlowKind.REPLICATION,
            target_id=partner.get("id"),
            target_region=region_code(partner.get("location")),
        )
        for partner in partners
    ]


def _key_vault(row: dict[str, Any], home: str | None) -> list[Flow]:
    # Key Vault replicates a vault's contents to the region's pair (where one exists).
    return [Flow(kind=FlowKind.KEY_REPLICA, target_region=PAIRED_REGION)]


def _recovery_vault(row: dict[str, Any], home: str | None) -> list[Flow]:
    settings = (row.get("properties") or {}).get("redundancySettings") or {}
    if str(settings.get("standardTierStorageRedundancy", "")).lower() == "georedundant":
        return [Flow(kind=FlowKind.BACKUP, target_region=PAIRED_REGION)]
    return []


FLOWS: dict[str, FlowsOf] = {
    "microsoft.storage/storageaccounts": _storage,
    "microsoft.documentdb/databaseaccounts": _cosmos,
    "microsoft.sql/servers/failovergroups": _failover_group,
    "microsoft.keyvault/vaults": _key_vault,
    "microsoft.recoveryservices/vaults": _recovery_vault,
}


EXPRESS_ROUTE = "microsoft.network/expressroutecircuits"


def service_and_kind(resource_type: str) -> tuple[str, str]:
    """``microsoft.storage/storageaccounts`` → (``storage``, ``storageaccounts``)."""
    namespace, _, kind = resource_type.lower().partition("/")
    return namespace.removeprefix("microsoft."), kind.replace("/", ".") or "resource"


def row_asset(row: dict[str, Any]) -> Asset:
    resource_type = str(row.get("type", "")).lower()
    service, kind = service_and_kind(resource_type)
    location = region_code(row.get("location"))
    attributes = {"type": resource_type, "resource_group": str(row.get("resourceGroup") or "")}
    if location == "global":
        attributes["location_note"] = "global: the resource has no single location"
    sku = (row.get("sku") or {}).get("name")
    if sku:
        attributes["sku"] = str(sku)
    tags = {str(k): str(v) for k, v in (row.get("tags") or {}).items()}
    extract = FLOWS.get(resource_type)
    flows = extract(row, location) if extract is not None else []
    vendor = None
    if resource_type == EXPRESS_ROUTE:
        # A circuit is connectivity from a carrier: the carrier's name says which.
        provider = (row.get("properties") or {}).get("serviceProviderProperties") or {}
        carrier = str(provider.get("serviceProviderName") or "")
        kind, vendor = "carrier", load_network_catalog().carrier(carrier)
        attributes["carrier"] = carrier
        attributes["peering_location"] = str(provider.get("peeringLocation") or "")
    return Asset(
        id=str(row.get("id", "")),
        provider=Provider.AZURE,
        service=service,
        kind=kind,
        name=str(row.get("name", "")),
        account=str(row.get("subscriptionId") or "unknown"),
        region=location,
        tags=tags,
        classification=classification(tags),
        flows=tuple(flows),
        vendor=vendor,
        attributes={k: v for k, v in attributes.items() if v},
    )
