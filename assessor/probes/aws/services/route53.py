"""Route 53: hosted zones and the public endpoints their records point at.

Each zone is a global asset whose ``endpoints`` attribute lists the addresses (A, AAAA)
and names (CNAME, alias targets) its records point at, for the network probe to place.
Route 53 is global: the listing runs once per account, whatever ``--aws-regions`` narrows.
Calls: pages of ListHostedZones, and pages of ListResourceRecordSets per zone.
"""

from __future__ import annotations

from typing import Any, ClassVar

from assessor.models import Asset, Provider
from assessor.probes.aws.services.base import RegionScope, ServiceReader, Work
from assessor.probes.endpoints import POINTING, zone_asset


class Route53Reader(ServiceReader):
    name = "route53"
    global_listing = True
    operations: ClassVar[frozenset[str]] = frozenset(
        {"route53:ListHostedZones", "route53:ListResourceRecordSets"}
    )

    def read(self, scope: RegionScope) -> Work:
        zones = scope.pages("route53", "list_hosted_zones", "HostedZones")
        return [hosted_zone(scope, zone) for zone in zones]


def hosted_zone(scope: RegionScope, zone: dict[str, Any]) -> Asset:
    identifier = str(zone["Id"]).rsplit("/", 1)[-1]
    records: list[dict[str, Any]] = scope.attempt(
        "route53",
        lambda: scope.pages(
            "route53", "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=identifier
        ),
        failed=[],
        absent=[],
        resource=identifier,
    )
    endpoints: list[str] = []
    for record in records:
        if record.get("Type") not in POINTING:
            continue
        alias = (record.get("AliasTarget") or {}).get("DNSName")
        values = [alias] if alias else [r.get("Value") for r in record.get("ResourceRecords", [])]
        endpoints.extend(str(value) for value in values if value)
    private = bool((zone.get("Config") or {}).get("PrivateZone"))
    return zone_asset(
        id=f"arn:{scope.partition}:route53:::hostedzone/{identifier}",
        provider=Provider.AWS,
        service="route53",
        kind="hosted-zone",
        name=str(zone.get("Name", identifier)),
        account=scope.account,
        endpoints=endpoints,
        records=len(records),
        extra={"private": "yes" if private else "no"},
    )
