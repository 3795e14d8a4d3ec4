"""Clouds' own published IP ranges: which provider and region an address is in.

Read from the files the providers publish for their customers (the user downloads them;
nothing is fetched at audit time): AWS ``ip-ranges.json``, Google Cloud ``cloud.json``, Azure
``ServiceTags_Public_*.json`` and Oracle ``public_ip_ranges.json``, told apart by their keys.
The most specific prefix wins (AWS lists EC2 inside AMAZON). A range the provider marks as
global (CloudFront) is anycast: not placeable by country.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assessor.errors import InputError
from assessor.inputs import read_text
from assessor.models import Provider
from assessor.probes.network.datasets import DATASET_LIMITS


@dataclass(frozen=True)
class CloudRange:
    """A provider's prefix: where it is (``None`` for a global, anycast range)."""

    provider: Provider
    region: str | None
    service: str
    source: str  # "ip-ranges.json 2026-12-01"


class CloudRanges:
    """Every published prefix of the files given, by IP version and prefix length."""

    def __init__(self, paths: tuple[Path, ...]) -> None:
        # version → prefix length → network as an integer → range
        self._tables: dict[int, dict[int, dict[int, CloudRange]]] = {4: {}, 6: {}}
        self.sources: list[str] = []
        for path in paths:
            data = _json(path)
            for cidr, found in _entries(path, data):
                try:
                    network = ipaddress.ip_network(cidr, strict=False)
                except ValueError:
                    raise InputError(str(path), None, None, f"{cidr!r} is not a CIDR") from None
                by_length = self._tables[network.version].setdefault(network.prefixlen, {})
                key = int(network.network_address)
                existing = by_length.get(key)
                # A tag with a region says more than the same prefix under a global tag.
                if existing is None or (existing.region is None and found.region is not None):
                    by_length[key] = found
            if paths:
                self.sources.append(_cited(path, data))
        self._lengths = {
            version: sorted(table, reverse=True) for version, table in self._tables.items()
        }

    def lookup(self, version: int, value: int) -> CloudRange | None:
        """The most specific published range holding the address."""
        bits = 32 if version == 4 else 128
        for length in self._lengths[version]:
            masked = value >> (bits - length) << (bits - length)
            found = self._tables[version][length].get(masked)
            if found is not None:
                return found
        return None


def _json(path: Path) -> Any:
    try:
        return json.loads(read_text(path, DATASET_LIMITS))
    except json.JSONDecodeError as error:
        raise InputError(str(path), error.lineno, None, f"invalid JSON: {error.msg}") from None


def _cited(path: Path, data: dict[str, Any]) -> str:
    when = (
        data.get("createDate")
        or data.get("creationTime")
        or data.get("last_updated_timestamp")
        or data.get("changeNumber")
        or "undated"
    )
    return f"{path.name} {str(when)[:10]}"


def _entries(path: Path, data: Any) -> list[tuple[str, CloudRange]]:
    if not isinstance(data, dict):
        raise InputError(str(path), 1, None, "not a cloud's published IP ranges")
    cited = _cited(path, data)
    found: list[tuple[str, CloudRange]] = []
    if "prefixes" in data and "syncToken" in data and "createDate" in data:  # AWS
        for row in [*data.get("prefixes", []), *data.get("ipv6_prefixes", [])]:
            cidr = row.get("ip_prefix") or row.get("ipv6_prefix")
            region = str(row.get("region") or "").lower()
            place = None if region in ("", "global") else region
            found.append((cidr, CloudRange(Provider.AWS, place, str(row.get("service")), cited)))
    elif "prefixes" in data:  # Google Cloud cloud.json
        for row in data["prefixes"]:
            cidr = row.get("ipv4Prefix") or row.get("ipv6Prefix")
            region = str(row.get("scope") or "").lower()
            place = None if region in ("", "global") else region
            found.append((cidr, CloudRange(Provider.GCP, place, str(row.get("service")), cited)))
    elif "values" in data:  # Azure service tags
        for tag in data["values"]:
            properties = tag.get("properties") or {}
            tagged = str(properties.get("region") or "").lower() or None
            service = str(properties.get("systemService") or tag.get("name"))
            for cidr in properties.get("addressPrefixes") or ():
                found.append((cidr, CloudRange(Provider.AZURE, tagged, service, cited)))
    elif "regions" in data:  # Oracle
        for listed in data["regions"]:
            for row in listed.get("cidrs") or ():
                place = str(listed.get("region") or "").lower() or None
                service = ",".join(row.get("tags") or ())
                found.append((row.get("cidr"), CloudRange(Provider.ORACLE, place, service, cited)))
    else:
        raise InputError(str(path), 1, None, "not a cloud's published IP ranges")
    return [(str(cidr), entry) for cidr, entry in found if cidr]
