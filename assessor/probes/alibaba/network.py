"""What an Alibaba Cloud account connects through and points at: Express Connect lines
(carriers) and Alibaba Cloud DNS records (the endpoints the network probe places).

Calls: one VPC ``DescribePhysicalConnections`` page per 50 lines in each region the index
shows the account in; one Alidns ``DescribeDomains`` page per 100 domains, and one
``DescribeDomainRecords`` page per 500 records of each domain.
"""

from __future__ import annotations

from collections.abc import Generator

from assessor.models import Asset, Provider
from assessor.probes.alibaba.resources import physical_connection_asset
from assessor.probes.alibaba.rpc import RpcApi
from assessor.probes.base import ProbeItem
from assessor.probes.endpoints import POINTING, zone_asset
from assessor.probes.live import ABSENT, FaultError

VPC = "vpc.aliyuncs.com"
VPC_OPERATIONS = {"DescribePhysicalConnections": "vpc:DescribePhysicalConnections"}
CIRCUIT_PAGE = 50
DNS = "alidns.aliyuncs.com"
DNS_OPERATIONS = {
    "DescribeDomains": "alidns:DescribeDomains",
    "DescribeDomainRecords": "alidns:DescribeDomainRecords",
}
DOMAIN_PAGE, RECORD_PAGE = 100, 500


def lines(
    vpc: RpcApi, attempts: int, assets: list[Asset], regions: tuple[str, ...]
) -> Generator[ProbeItem, None, dict[str, Asset]]:
    """Express Connect physical connections, in each region the index shows the account in
    (a connection has a VPC or border router beside it) or ``--alibaba-regions`` names: one
    DescribePhysicalConnections page per 50. A refused region is a gap naming it."""
    accounts = sorted({asset.account for asset in assets}) or ["unknown"]
    seen = {asset.region for asset in assets if asset.region and asset.region != "global"}
    found: dict[str, Asset] = {}
    operation = VPC_OPERATIONS["DescribePhysicalConnections"]
    for region in sorted(seen | set(regions)):
        page = 1
        try:
            while True:
                query = {"RegionId": region, "PageSize": str(CIRCUIT_PAGE), "PageNumber": str(page)}
                answer = vpc.call("DescribePhysicalConnections", query, attempts)
                rows = (answer.get("PhysicalConnectionSet") or {}).get("PhysicalConnectionType")
                for row in rows or ():
                    asset = physical_connection_asset(row, region, accounts[0])
                    found[asset.id] = asset
                if not rows or page * CIRCUIT_PAGE >= int(answer.get("TotalCount") or 0):
                    break
                page += 1
        except FaultError as error:
            if error.fault.message != ABSENT:
                yield error.gap(
                    "alibaba",
                    account=accounts[0],
                    region=region,
                    service="vpc",
                    operation=operation,
                )
    return found


def dns_zones(
    dns: RpcApi, attempts: int, assets: list[Asset]
) -> Generator[ProbeItem, None, dict[str, Asset]]:
    """Each Alibaba Cloud DNS domain, global, with the endpoints its records point at. A
    refused listing is one gap; a domain whose records are refused, a gap naming it."""
    account = sorted({asset.account for asset in assets})[0] if assets else "unknown"
    zones: dict[str, Asset] = {}
    try:
        domains = _pages(dns, attempts, "DescribeDomains", {}, "Domains", "Domain", DOMAIN_PAGE)
    except FaultError as error:
        if error.fault.message != ABSENT:
            yield error.gap(
                "alibaba", account=account, region=None, service="alidns",
                operation=DNS_OPERATIONS["DescribeDomains"],
            )  # fmt: skip
        return zones
    for domain in domains:
        name = str(domain.get("DomainName") or "")
        try:
            records = _pages(
                dns, attempts, "DescribeDomainRecords", {"DomainName": name},
                "DomainRecords", "Record", RECORD_PAGE,
            )  # fmt: skip
        except FaultError as error:
            yield error.gap(
                "alibaba", account=account, region=None, service="alidns",
                operation=DNS_OPERATIONS["DescribeDomainRecords"], resource=name,
            )  # fmt: skip
            records = []
        asset = zone_asset(
            id=f"acs:alidns::{account}:domain/{name}",
            provider=Provider.ALIBABA,
            service="alidns",
            kind="domain",
            name=name,
            account=account,
            endpoints=(str(r.get("Value")) for r in records if r.get("Type") in POINTING),
            records=len(records),
        )
        zones[asset.id] = asset
    return zones


def _pages(
    api: RpcApi,
    attempts: int,
    action: str,
    query: dict[str, str],
    outer: str,
    inner: str,
    size: int,
) -> list[dict[str, object]]:
    """Every row of a PageNumber/PageSize listing (``{outer: {inner: [...]}}``)."""
    rows: list[dict[str, object]] = []
    number = 1
    while True:
        answer = api.call(
            action, {**query, "PageNumber": str(number), "PageSize": str(size)}, attempts
        )
        page = (answer.get(outer) or {}).get(inner) or []
        rows.extend(page)
        if not page or number * size >= int(answer.get("TotalCount") or 0):
            return rows
        number += 1
