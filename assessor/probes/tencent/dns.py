"""DNSPod, Tencent Cloud's DNS: each domain and the endpoints its records point at, for
the network probe to place.

Calls: one ``DescribeDomainList`` page per 3,000 domains, one ``DescribeRecordList`` page
per 3,000 records of each domain. An account with no domain, or a domain with no record,
answers ``ResourceNotFound.NoDataOf...``: nothing there, not a gap.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from assessor.models import Asset, Provider
from assessor.probes.base import ProbeItem
from assessor.probes.endpoints import POINTING, zone_asset
from assessor.probes.live import ABSENT, FaultError

DNSPOD_OPERATIONS = {
    "DescribeDomainList": "dnspod:DescribeDomainList",
    "DescribeRecordList": "dnspod:DescribeRecordList",
}
PAGE = 3000

# Calls one declared DNSPod action with its parameters; raises FaultError.
Call = Callable[[str, dict[str, Any]], dict[str, Any]]


def dns_zones(call: Call, account: str) -> Generator[ProbeItem, None, list[Asset]]:
    """Every DNSPod domain as a global asset with its records' endpoints."""
    try:
        domains = _pages(call, "DescribeDomainList", {}, "DomainList")
    except FaultError as error:
        if error.fault.message != ABSENT:
            operation = DNSPOD_OPERATIONS["DescribeDomainList"]
            yield error.gap("tencent", account=account, region=None, service="dnspod",
                            operation=operation)  # fmt: skip
        return []
    zones = []
    for domain in domains:
        name = str(domain.get("Name") or "")
        try:
            records = _pages(call, "DescribeRecordList", {"Domain": name}, "RecordList")
        except FaultError as error:
            records = []
            if error.fault.message != ABSENT:
                operation = DNSPOD_OPERATIONS["DescribeRecordList"]
                yield error.gap("tencent", account=account, region=None, service="dnspod",
                                operation=operation, resource=name)  # fmt: skip
        zones.append(
            zone_asset(
                id=f"qcs::dnspod::uin/{account}:domain/{name}",
                provider=Provider.TENCENT,
                service="dnspod",
                kind="domain",
                name=name,
                account=account,
                endpoints=(str(r.get("Value")) for r in records if r.get("Type") in POINTING),
                records=len(records),
            )
        )
    return zones


def _pages(call: Call, action: str, params: dict[str, Any], key: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while True:
        answer = call(action, {**params, "Offset": len(rows), "Limit": PAGE})
        page = answer.get(key) or []
        rows.extend(page)
        if len(page) < PAGE:
            return rows
