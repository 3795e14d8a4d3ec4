"""What probes say about the endpoints an estate points at, alike for every cloud: which
DNS records point somewhere, and a DNS zone as a global asset whose ``endpoints`` attribute
the network probe places."""

from __future__ import annotations

from collections.abc import Iterable

from assessor.models import GLOBAL_REGION, Asset, Provider

# Records that point somewhere: their values are endpoints (MX, TXT, NS are not placed).
POINTING = frozenset({"A", "AAAA", "CNAME"})
MAX_ENDPOINTS = 1000  # per asset: enough to place, bounded for the report


def endpoint_list(values: Iterable[str]) -> str:
    """Endpoints as the attribute holds them: space-separated, once each, in order, without
    a DNS name's trailing dot."""
    cleaned = (str(value).strip().rstrip(".") for value in values)
    return " ".join(list(dict.fromkeys(value for value in cleaned if value))[:MAX_ENDPOINTS])


def zone_asset(
    *,
    id: str,
    provider: Provider,
    service: str,
    kind: str,
    name: str,
    account: str,
    endpoints: Iterable[str],
    records: int,
    extra: dict[str, str] | None = None,
) -> Asset:
    """A DNS zone (a hosted zone, a domain): global, with the endpoints its records point at."""
    attributes = {"endpoints": endpoint_list(endpoints), "records": str(records), **(extra or {})}
    return Asset(
        id=id,
        provider=provider,
        service=service,
        kind=kind,
        name=name.rstrip("."),
        account=account,
        region=GLOBAL_REGION,
        attributes={key: value for key, value in attributes.items() if value},
    )
