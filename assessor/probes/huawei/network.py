"""What a Huawei Cloud account connects through and points at: Direct Connect lines
(carriers) and DNS public zones (the endpoints their records point at).

Calls: one ``ListDirectConnects`` page per 100 lines in each region and project the index
shows; one DNS ``ListPublicZones`` page per 500 zones and one ``ListRecordSetsByZone`` page
per 500 record sets of each zone, through the first project the index shows.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from typing import Any

from assessor.models import Asset, CoverageGap, Provider
from assessor.probes.endpoints import POINTING, zone_asset
from assessor.probes.live import Fault, FaultError, GuardedClient, call

DC_OPERATIONS = {"list_direct_connects": "dcaas:directConnect:list"}
DC_HOSTS = {
    "global": "https://dcaas.{region}.myhuaweicloud.com",
    "eu": "https://dcaas.{region}.myhuaweicloud.eu",
}
DNS_OPERATIONS = {
    "list_public_zones": "dns:zone:list",
    "list_record_sets_by_zone": "dns:recordset:list",
}
DNS_HOSTS = {
    "global": "https://dns.{region}.myhuaweicloud.com",
    "eu": "https://dns.{region}.myhuaweicloud.eu",
}
DNS_PAGE = 500
Classify = Callable[[Exception], Fault | None]


class DirectConnect:
    """Direct Connect connections, each a carrier (``provider`` names the line's carrier):
    one ``ListDirectConnects`` listing per region and project the index shows."""

    def __init__(
        self, ak: str, sk: str, override: str | None, attempts: int, site: str, classify: Classify
    ) -> None:
        self.keys = (ak, sk)
        self.override = override
        self.attempts = attempts
        self.host = DC_HOSTS[site]
        self.classify = classify

    def circuits(
        self, assets: list[Asset], domain: str
    ) -> Generator[CoverageGap, None, list[Asset]]:
        places = sorted(
            {
                (asset.region, asset.attributes["project_id"])
                for asset in assets
                if asset.region and asset.region != "global" and asset.attributes.get("project_id")
            }
        )
        found: dict[str, Asset] = {}
        for region, project in places:
            try:
                for row in self._listing(region, project):
                    asset = direct_connect_asset(row, region, domain)
                    found[asset.id] = asset
            except FaultError as error:
                yield error.gap(
                    "huawei",
                    account=domain,
                    region=region,
                    service="dcaas",
                    operation=DC_OPERATIONS["list_direct_connects"],
                )
        return [asset for asset in assets if asset.id not in found] + list(found.values())

    def _listing(self, region: str, project: str) -> list[Any]:
        from huaweicloudsdkcore.auth.credentials import BasicCredentials
        from huaweicloudsdkdc.v3 import DcClient, ListDirectConnectsRequest

        client = GuardedClient(
            DcClient.new_builder()
            .with_credentials(BasicCredentials(*self.keys, project))
            .with_endpoints([self.override or self.host.format(region=region)])
            .build(),
            "huawei",
            DC_OPERATIONS,
        )
        rows: list[Any] = []
        marker: str | None = None
        while True:
            request = ListDirectConnectsRequest(limit=100, marker=marker)
            page = call(
                partial(client.list_direct_connects, request), self.classify, None, self.attempts
            )
            rows.extend(page.direct_connects or [])
            marker = getattr(page.page_info, "next_marker", None) if page.page_info else None
            if not marker or not page.direct_connects:
                return rows


def direct_connect_asset(row: Any, region: str, domain: str) -> Asset:
    """A Direct Connect connection (the SDK's ``DirectConnect``) as a carrier asset."""
    from assessor.catalog.networks import load_network_catalog

    carrier = str(row.provider or "")
    attributes = {
        "carrier": carrier,
        "location": str(row.location or ""),
        "peer_location": str(row.peer_location or ""),
        "bandwidth": str(row.bandwidth or ""),
        "status": str(row.status or ""),
    }
    return Asset(
        id=f"dcaas:{region}:{domain}:directconnect:{row.id}",
        provider=Provider.HUAWEI,
        service="dcaas",
        kind="carrier",
        name=str(row.name or row.id),
        account=domain,
        region=region,
        vendor=load_network_catalog().carrier(carrier),
        attributes={k: v for k, v in attributes.items() if v},
    )


class PublicDns:
    """DNS public zones and the endpoints their A, AAAA and CNAME record sets point at."""

    def __init__(
        self, ak: str, sk: str, override: str | None, attempts: int, site: str, classify: Classify
    ) -> None:
        self.keys = (ak, sk)
        self.override = override
        self.attempts = attempts
        self.host = DNS_HOSTS[site]
        self.classify = classify

    def zones(self, assets: list[Asset], domain: str) -> Generator[CoverageGap, None, list[Asset]]:
        places = sorted(
            (asset.region, asset.attributes["project_id"])
            for asset in assets
            if asset.region and asset.region != "global" and asset.attributes.get("project_id")
        )
        if not places:
            return []
        region, project = places[0]  # public zones are global: any project of the account
        client = self._client(region, project)
        try:
            zones = self._pages(client, "list_public_zones", "zones", {"type": "public"})
        except FaultError as error:
            operation = DNS_OPERATIONS["list_public_zones"]
            yield error.gap(
                "huawei", account=domain, region=None, service="dns", operation=operation
            )
            return []
        found = []
        for zone in zones:
            name = str(zone.name or "").rstrip(".")
            try:
                sets = self._pages(
                    client, "list_record_sets_by_zone", "recordsets", {"zone_id": zone.id}
                )
            except FaultError as error:
                sets = []
                operation = DNS_OPERATIONS["list_record_sets_by_zone"]
                yield error.gap(
                    "huawei", account=domain, region=None, service="dns", operation=operation,
                    resource=name,
                )  # fmt: skip
            found.append(
                zone_asset(
                    id=f"dns:global:{domain}:zone:{zone.id}",
                    provider=Provider.HUAWEI,
                    service="dns",
                    kind="zone",
                    name=name,
                    account=domain,
                    endpoints=(
                        str(value)
                        for record_set in sets
                        if record_set.type in POINTING
                        for value in record_set.records or ()
                    ),
                    records=len(sets),
                )
            )
        return found

    def _client(self, region: str, project: str) -> Any:
        from huaweicloudsdkcore.auth.credentials import BasicCredentials
        from huaweicloudsdkdns.v2 import DnsClient

        return GuardedClient(
            DnsClient.new_builder()
            .with_credentials(BasicCredentials(*self.keys, project))
            .with_endpoints([self.override or self.host.format(region=region)])
            .build(),
            "huawei",
            DNS_OPERATIONS,
        )

    def _pages(self, client: Any, operation: str, key: str, query: dict[str, Any]) -> list[Any]:
        from huaweicloudsdkdns.v2 import ListPublicZonesRequest, ListRecordSetsByZoneRequest

        zones = operation == "list_public_zones"
        kind = ListPublicZonesRequest if zones else ListRecordSetsByZoneRequest
        read = getattr(client, operation)
        rows: list[Any] = []
        while True:
            request = kind(**query, offset=len(rows), limit=DNS_PAGE)
            page = call(partial(read, request), self.classify, None, self.attempts)
            batch = getattr(page, key) or []
            rows.extend(batch)
            total = int(getattr(page.metadata, "total_count", 0) or 0) if page.metadata else 0
            if not batch or len(rows) >= total:
                return rows
