"""Dedicated circuits are carriers: the carrier a circuit names (ExpressRoute's
serviceProviderName, a Partner Interconnect attachment's partnerName) is resolved to a
catalog vendor through the sourced spellings table, and CLN-006 fires on evidence. Run
against the Resource Graph and Cloud Asset loopback servers, as the probes' own tests do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assessor.catalog.networks import load_network_catalog
from assessor.testing.environment import scoped_environment
from assessor.testing.servers.base import Request, serving
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


def test_azure_dns_zones_list_the_endpoints_their_record_sets_point_at(tmp_path: Path) -> None:
    """Resource Graph lists the zone; ARM's record sets listing says where it points. A
    zone whose records are refused (its subscription denied) stays, with a gap naming it."""
    zone = {
        "id": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/dns/providers/"
        "Microsoft.Network/dnszones/example.com",
        "name": "example.com",
        "type": "microsoft.network/dnszones",
        "location": "global",
        "subscriptionId": SUBSCRIPTION,
        "resourceGroup": "dns",
        "tags": {},
        "sku": None,
        "kind": None,
        "properties": {"zoneType": "Public", "numberOfRecordSets": 4},
    }
    private = {
        **zone,
        "id": str(zone["id"]).replace("example.com", "example.org"),
        "name": "example.org",
    }
    api = ResourceGraphApi([zone, private], quota=15, window=1.0)
    api.record_sets["example.org"] = []
    api.denied_zones.add("example.org")
    api.record_sets["example.com"] = [
        {"name": "www", "type": "A", "properties": {"ARecords": [{"ipv4Address": "202.97.1.1"}]}},
        {
            "name": "v6",
            "type": "AAAA",
            "properties": {"AAAARecords": [{"ipv6Address": "2400:da00::1"}]},
        },
        {
            "name": "cdn",
            "type": "CNAME",
            "properties": {"CNAMERecord": {"cname": "cdn.example.com.cdn.dnsv1.com"}},
        },
        {
            "name": "@",
            "type": "MX",
            "properties": {"MXRecords": [{"preference": 10, "exchange": "mx.example.net"}]},
        },
    ]
    with serving(api) as url:
        environment = {"AZURE_ACCESS_TOKEN": api.token, "ASSESSOR_AZURE_ENDPOINT": url}
        with scoped_environment(environment):
            report = audited(tmp_path, "--probe", "azure", "--azure-subscription", SUBSCRIPTION)
    (asset,) = [a for a in report["assets"] if a["name"] == "example.com"]
    assert asset["region"] == "global"
    assert asset["attributes"]["endpoints"] == (
        "202.97.1.1 2400:da00::1 cdn.example.com.cdn.dnsv1.com"
    )
    calls = [r for r in api.requests if r.path.endswith("/dnsZones/example.com/all")]
    assert len(calls) == 1 and calls[0].query["api-version"] == "2018-05-01"
    (gap,) = report["gaps"]
    assert gap["resource"].endswith("/dnszones/example.org") and gap["reason"] == "access_denied"
    assert any(a["name"] == "example.org" for a in report["assets"])  # kept, unread


def test_arm_record_sets_pass_the_dns_sdk_s_own_model() -> None:
    from azure.mgmt.dns import models

    api = ResourceGraphApi([])
    api.record_sets["example.com"] = [
        {"name": "www", "type": "A", "properties": {"ARecords": [{"ipv4Address": "1.2.3.4"}]}}
    ]
    answer = api.answer(
        Request(
            method="GET",
            path=f"/subscriptions/{SUBSCRIPTION}/resourceGroups/dns/providers/"
            "Microsoft.Network/dnsZones/example.com/all",
            query={"api-version": "2018-05-01"},
            headers={},
            body=b"",
            raw_query="api-version=2018-05-01",
        )
    )
    body = json.loads(answer.body)
    (record,) = [models.RecordSet.deserialize(item) for item in body["value"]]
    assert record.a_records[0].ipv4_address == "1.2.3.4" and record.fqdn == "www.example.com."
    assert record.ttl == 3600


def test_cloud_dns_zones_list_the_endpoints_their_record_sets_point_at(tmp_path: Path) -> None:
    """Cloud Asset lists the managed zone; Cloud DNS's record sets say where it points. A
    zone whose records are refused stays, with a gap naming it."""

    def zone(name: str) -> dict[str, Any]:
        return {
            "name": f"//dns.googleapis.com/projects/net-1/managedZones/{name}",
            "assetType": "dns.googleapis.com/ManagedZone",
            "project": "projects/net-1",
            "projectId": "net-1",
            "folders": [],
            "organization": ORG,
            "location": "global",
            "displayName": name,
        }

    api = CloudAssetApi([zone("example-com"), zone("internal-example")])
    api.record_sets[("net-1", "example-com")] = [
        {"name": "www", "type": "A", "rrdatas": ["202.97.1.1"]},
        {"name": "img", "type": "CNAME", "rrdatas": ["img.example.com.cdn.dnsv1.com."]},
        {"name": "@", "type": "MX", "rrdatas": ["10 mx.example.net."]},
    ]
    api.record_sets[("net-1", "internal-example")] = []
    api.denied_zones.add(("net-1", "internal-example"))
    with serving(api) as url:
        environment = {"GOOGLE_OAUTH_ACCESS_TOKEN": api.token, "ASSESSOR_GCP_ENDPOINT": url}
        with scoped_environment(environment):
            report = audited(tmp_path, "--probe", "gcp", "--gcp-scope", ORG)
    zones = {a["name"]: a for a in report["assets"]}
    assert zones["example-com"]["attributes"]["endpoints"] == (
        "202.97.1.1 img.example.com.cdn.dnsv1.com"
    )
    (gap,) = report["gaps"]
    assert gap["resource"].endswith("managedZones/internal-example")
    assert (
        gap["reason"] == "access_denied"
        and "endpoints" not in zones["internal-example"]["attributes"]
    )


def test_cloud_dns_answers_pass_the_clients_own_parser() -> None:
    from google.cloud.dns.resource_record_set import ResourceRecordSet

    api = CloudAssetApi([])
    api.record_sets[("p", "example-com")] = [{"name": "www", "type": "A", "rrdatas": ["1.2.3.4"]}]
    answer = api.answer(
        Request(
            method="GET",
            path="/dns/v1/projects/p/managedZones/example-com/rrsets",
            query={},
            headers={},
            body=b"",
        )
    )
    body = json.loads(answer.body)
    assert set(body) == {"kind", "rrsets"}
    (record,) = [ResourceRecordSet.from_api_repr(item, zone=None) for item in body["rrsets"]]
    assert (record.name, record.record_type, record.rrdatas) == (
        "www.example.com.",
        "A",
        ["1.2.3.4"],
    )
