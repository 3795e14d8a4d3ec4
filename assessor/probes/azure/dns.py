"""Azure DNS: each public zone's record sets, for the endpoints they point at.

Resource Graph lists the zones (``microsoft.network/dnszones``) but not their records: one
ARM ``RecordSets - List All By Dns Zone`` listing per zone (pages of 100) reads them. A zone
whose records are refused stays an asset, and the refusal is a gap naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from assessor.models import Asset, replaced
from assessor.probes.base import ProbeItem
from assessor.probes.endpoints import endpoint_list
from assessor.probes.live import Fault, FaultError, GuardedClient, call

DNS_OPERATIONS = {"list_all_by_dns_zone": "Microsoft.Network/dnszones/recordsets/read"}
ZONE_TYPE = "microsoft.network/dnszones"


def with_record_sets(
    items: Iterator[ProbeItem],
    clients: Callable[[str], Any],
    classify: Callable[[Exception], Fault | None],
    attempts: int,
    https: bool = True,
) -> Iterator[ProbeItem]:
    """The items, each DNS zone with the endpoints its A, AAAA and CNAME records point at.
    ``clients`` makes the DNS management client of a subscription; ``https`` is false only
    for a loopback endpoint (the SDK otherwise refuses to send a token in the clear)."""
    made: dict[str, Any] = {}
    for item in items:
        if not isinstance(item, Asset) or item.attributes.get("type") != ZONE_TYPE:
            yield item
            continue
        subscription = item.account
        if subscription not in made:
            made[subscription] = GuardedClient(
                clients(subscription).record_sets, "azure", DNS_OPERATIONS
            )
        group = item.attributes.get("resource_group", "")
        listing = partial(_record_sets, made[subscription], group, item.name, https)
        try:
            endpoints, count = call(listing, classify, None, attempts)
        except FaultError as error:
            yield error.gap(
                "azure", account=subscription, region=None, service="network",
                operation=DNS_OPERATIONS["list_all_by_dns_zone"], resource=item.id,
            )  # fmt: skip
            yield item
            continue
        attributes = {
            **item.attributes,
            "endpoints": endpoint_list(endpoints),
            "records": str(count),
        }
        yield replaced(item, attributes={k: v for k, v in attributes.items() if v})


def _record_sets(client: Any, group: str, zone: str, https: bool) -> tuple[list[str], int]:
    endpoints: list[str] = []
    count = 0
    for record_set in client.list_all_by_dns_zone(group, zone, top=100, enforce_https=https):
        count += 1
        endpoints += [str(r.ipv4_address) for r in record_set.a_records or () if r.ipv4_address]
        endpoints += [str(r.ipv6_address) for r in record_set.aaaa_records or () if r.ipv6_address]
        if record_set.cname_record is not None and record_set.cname_record.cname:
            endpoints.append(str(record_set.cname_record.cname))
    return endpoints, count
