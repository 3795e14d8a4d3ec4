"""Cloud DNS: each managed zone's record sets, for the endpoints they point at.

Cloud Asset lists the zones (``dns.googleapis.com/ManagedZone``) but not their records: one
Cloud DNS ``resourceRecordSets.list`` listing per zone reads them (google-cloud-dns). A zone
whose records are refused stays an asset, and the refusal is a gap naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any

from assessor.models import Asset, replaced
from assessor.probes.base import ProbeItem
from assessor.probes.endpoints import POINTING, endpoint_list
from assessor.probes.live import Fault, FaultError, GuardedClient, call

DNS_OPERATIONS = {"list_resource_record_sets": "dns.resourceRecordSets.list"}
ZONE_TYPE = "dns.googleapis.com/ManagedZone"


def with_record_sets(
    assets: Iterable[Asset],
    clients: Callable[[str], Any],
    classify: Callable[[Exception], Fault | None],
    attempts: int,
) -> Iterator[ProbeItem]:
    """The assets, each managed zone with the endpoints its A, AAAA and CNAME records point
    at. ``clients`` makes the Cloud DNS client of a project."""
    made: dict[str, Any] = {}
    for asset in assets:
        parts = asset.id.split("/")
        if asset.attributes.get("asset_type") != ZONE_TYPE or "managedZones" not in parts:
            yield asset
            continue
        project = parts[parts.index("projects") + 1]
        zone = parts[parts.index("managedZones") + 1]
        if project not in made:
            made[project] = clients(project)
        managed = GuardedClient(made[project].zone(zone), "gcp", DNS_OPERATIONS)
        try:
            sets = call(partial(_record_sets, managed), classify, None, attempts)
        except FaultError as error:
            yield error.gap(
                "gcp", account=asset.account, region=None, service="dns",
                operation=DNS_OPERATIONS["list_resource_record_sets"], resource=asset.id,
            )  # fmt: skip
            yield asset
            continue
        endpoints = [
            str(value)
            for record in sets
            if record.record_type in POINTING
            for value in record.rrdatas
        ]
        listed = {"endpoints": endpoint_list(endpoints), "records": str(len(sets))}
        attributes = {**asset.attributes, **listed}
        yield replaced(asset, attributes={k: v for k, v in attributes.items() if v})


def _record_sets(zone: Any) -> list[Any]:
    return list(zone.list_resource_record_sets())
