"""The demo company's Google Cloud organization and Azure subscription, served by the
loopback Cloud Asset and Resource Graph servers (neither has an emulator)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from assessor.testing.environment import scoped_environment
from assessor.testing.servers.base import serving
from assessor.testing.servers.cloud_asset import CloudAssetApi
from assessor.testing.servers.resource_graph import ResourceGraphApi

DEMO_GCP_ORG = "organizations/1001"
DEMO_AZURE_SUBSCRIPTION = "7d1c0f00-0000-4000-8000-00000000c0de"


def _gcp(asset_type: str, name: str, location: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": f"//{asset_type.split('.')[0]}.googleapis.com/projects/nw-data/{name}",
        "assetType": asset_type,
        "project": "projects/nw-data",
        "organization": DEMO_GCP_ORG,
        "location": location,
        **extra,
    }


GCP_RESOURCES = [
    # Support tickets, personal data, in Hong Kong.
    _gcp(
        "bigquery.googleapis.com/Dataset",
        "datasets/nw_support_tickets",
        "asia-east2",
        displayName="nw_support_tickets",
        labels={"data-class": "pii"},
    ),
    # The ledger on a multi-continent Spanner configuration (Iowa, Belgium, Taiwan, ...).
    _gcp(
        "spanner.googleapis.com/Instance",
        "instances/nw-ledger",
        "nam-eur-asia1",
        displayName="nw-ledger",
        labels={"data-class": "financial"},
        versionedResources=[
            {
                "version": "v1",
                "resource": {"config": "projects/nw-data/instanceConfigs/nam-eur-asia1"},
            }
        ],
    ),
    _gcp(
        "compute.googleapis.com/Disk",
        "zones/europe-west1-b/disks/nw-etl-scratch",
        "europe-west1-b",
        displayName="nw-etl-scratch",
        labels={"data-class": "internal"},
    ),
]


def _azure(resource_type: str, name: str, location: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{DEMO_AZURE_SUBSCRIPTION}/resourceGroups/nw-prod/providers/"
        f"{resource_type}/{name}",
        "name": name,
        "type": resource_type.lower(),
        "location": location,
        "subscriptionId": DEMO_AZURE_SUBSCRIPTION,
        "resourceGroup": "nw-prod",
        "tags": extra.pop("tags", {}),
        "sku": extra.pop("sku", None),
        "kind": extra.pop("kind", None),
        "properties": extra.pop("properties", {}),
    }


AZURE_ROWS = [
    # Customer files in Hong Kong, geo-replicated to Singapore.
    _azure(
        "Microsoft.Storage/storageAccounts",
        "nwcustomerfiles",
        "eastasia",
        sku={"name": "Standard_GRS"},
        kind="StorageV2",
        tags={"data-class": "pii"},
        properties={"primaryLocation": "eastasia", "secondaryLocation": "southeastasia"},
    ),
    # Orders in the Netherlands, replicated to Hong Kong.
    _azure(
        "Microsoft.DocumentDB/databaseAccounts",
        "nw-orders-cosmos",
        "westeurope",
        tags={"data-class": "confidential"},
        properties={
            "locations": [
                {"locationName": "West Europe", "failoverPriority": 0},
                {"locationName": "East Asia", "failoverPriority": 1},
            ]
        },
    ),
    _azure(
        "Microsoft.Compute/virtualMachines",
        "nw-web-1",
        "westeurope",
        tags={"data-class": "internal"},
    ),
]


@contextlib.contextmanager
def cloud_servers() -> Iterator[tuple[str, str]]:
    """Serve the estate; yields (Cloud Asset URL, Resource Graph URL) with the bearer tokens
    the probes read from the environment set for the duration."""
    gcp, azure = CloudAssetApi(GCP_RESOURCES), ResourceGraphApi(AZURE_ROWS)
    tokens = {"GOOGLE_OAUTH_ACCESS_TOKEN": gcp.token, "AZURE_ACCESS_TOKEN": azure.token}
    with serving(gcp) as gcp_url, serving(azure) as azure_url, scoped_environment(tokens):
        yield gcp_url, azure_url
