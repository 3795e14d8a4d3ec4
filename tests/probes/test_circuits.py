"""Dedicated circuits are carriers: the carrier a circuit names (ExpressRoute's
serviceProviderName, a Partner Interconnect attachment's partnerName) is resolved to a
catalog vendor through the sourced spellings table, and CLN-006 fires on evidence. Run
against the Resource Graph and Cloud Asset loopback servers, as the probes' own tests do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assessor.catalog.networks import load_network_catalog
from assessor.testing.environment import scoped_environment
from assessor.testing.servers.base import serving
from assessor.testing.servers.cloud_asset import CloudAssetApi
from assessor.testing.servers.resource_graph import ResourceGraphApi
from tests.auditing import audited

SUBSCRIPTION = "5555-eeee"
ORG = "organizations/4242"


def _circuit(name: str, provider: str) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/net/providers/"
        f"Microsoft.Network/expressRouteCircuits/{name}",
        "name": name,
        "type": "microsoft.network/expressroutecircuits",
        "location": "eastasia",
        "subscriptionId": SUBSCRIPTION,
        "resourceGroup": "net",
        "tags": {},
        "sku": {"name": "Standard_MeteredData", "tier": "Standard", "family": "MeteredData"},
        "kind": None,
        "properties": {
            "serviceProviderProperties": {
                "serviceProviderName": provider,
                "peeringLocation": "Hong Kong",
                "bandwidthInMbps": 200,
            },
            "circuitProvisioningState": "Enabled",
        },
    }


def test_an_expressroute_circuit_from_china_telecom_is_a_carrier_flagged_high(
    tmp_path: Path,
) -> None:
    rows = [_circuit("er-hk", "China Telecom Global"), _circuit("er-ams", "Equinix")]
    api = ResourceGraphApi(rows, quota=15, window=1.0)
    with serving(api) as url:
        environment = {"AZURE_ACCESS_TOKEN": api.token, "ASSESSOR_AZURE_ENDPOINT": url}
        with scoped_environment(environment):
            report = audited(tmp_path, "--probe", "azure", "--azure-subscription", SUBSCRIPTION)
    assets = {a["name"]: a for a in report["assets"]}
    assert assets["er-hk"]["kind"] == "carrier" and assets["er-hk"]["vendor"] == "china-telecom"
    assert assets["er-hk"]["attributes"]["carrier"] == "China Telecom Global"
    assert assets["er-ams"]["kind"] == "carrier" and assets["er-ams"]["vendor"] is None
    fired = {(f["asset_id"].rsplit("/", 1)[-1], f["rule_id"]): f for f in report["findings"]}
    assert fired[("er-hk", "CLN-006")]["severity"] == "high"
    assert ("er-ams", "CLN-006") not in fired


def test_a_partner_interconnect_from_china_unicom_is_a_carrier_flagged_high(
    tmp_path: Path,
) -> None:
    attachment = {
        "name": "//compute.googleapis.com/projects/net-1/regions/asia-east2/"
        "interconnectAttachments/partner-hk",
        "assetType": "compute.googleapis.com/InterconnectAttachment",
        "project": "projects/net-1",
        "projectId": "net-1",
        "folders": [],
        "organization": ORG,
        "location": "asia-east2",
        "versionedResources": [
            {
                "version": "v1",
                "resource": {
                    "name": "partner-hk",
                    "type": "PARTNER",
                    "region": "https://www.googleapis.com/compute/v1/projects/net-1/regions/asia-east2",
                    "partnerMetadata": {"partnerName": "China Unicom", "interconnectName": "hk-1"},
                },
            }
        ],
    }
    api = CloudAssetApi([attachment])
    with serving(api) as url:
        environment = {"GOOGLE_OAUTH_ACCESS_TOKEN": api.token, "ASSESSOR_GCP_ENDPOINT": url}
        with scoped_environment(environment):
            report = audited(tmp_path, "--probe", "gcp", "--gcp-scope", ORG)
    (asset,) = report["assets"]
    assert (asset["kind"], asset["vendor"], asset["region"]) == (
        "carrier",
        "china-unicom",
        "asia-east2",
    )
    fired = {f["rule_id"]: f for f in report["findings"]}
    assert fired["CLN-006"]["severity"] == "high"


def test_carrier_spellings_compare_without_case_or_punctuation() -> None:
    catalog = load_network_catalog()
    assert catalog.carrier("CHINA TELECOM (AMERICAS) CORPORATION") == "china-telecom-americas"
    assert catalog.carrier("china-mobile international") == "china-mobile"
    assert catalog.carrier("CT") == "china-telecom" and catalog.carrier("Equinix") is None
    assert catalog.carrier("China Telecomm") is None  # never a guess by similarity
