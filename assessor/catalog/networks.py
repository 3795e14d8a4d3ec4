"""Networks as data: autonomous systems and the companies that own them, and the host name
suffixes providers answer on (``data/networks.yaml``), each row with a source that supports
it: an owner (``asn-owner``), an anycast network (``anycast``), a host name
(``hostname-owner``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from assessor.catalog.loader import (
    Catalog,
    CatalogError,
    _check_sources,
    _load_yaml,
    load_catalog,
)
from assessor.models import AutonomousSystem, HostnamePattern, ProviderHostname


@dataclass(frozen=True)
class NetworkCatalog:
    """Autonomous systems by number, host name suffixes longest first."""

    systems: dict[int, AutonomousSystem]
    hostnames: tuple[HostnamePattern, ...]
    carriers: dict[str, str]  # spelling, normalised → vendor id
    provider_hostnames: tuple[tuple[re.Pattern[str], ProviderHostname], ...] = ()

    def provider_host(self, name: str) -> tuple[ProviderHostname, str | None] | None:
        """The cloud service a host name belongs to and the region it names, if any."""
        name = name.lower().rstrip(".")
        for pattern, row in self.provider_hostnames:
            found = pattern.search(name)
            if found is not None:
                return row, found.groupdict().get("region")
        return None

    def carrier(self, name: str | None) -> str | None:
        """The catalog vendor a circuit's provider name is, if the catalog knows the spelling."""
        return self.carriers.get(_spelling(name)) if name else None

    def host(self, name: str) -> HostnamePattern | None:
        """The provider a host name belongs to by its suffix, if the catalog knows it."""
        name = name.lower().rstrip(".")
        for pattern in self.hostnames:
            if name.endswith(pattern.suffix) or name == pattern.suffix[1:]:
                return pattern
        return None


@cache
def load_network_catalog() -> NetworkCatalog:
    raw = _load_yaml("networks.yaml")
    catalog = load_catalog()
    sources, vendors = catalog.sources(), catalog.vendors()
    systems: dict[int, AutonomousSystem] = {}
    for index, entry in enumerate(raw.get("asns") or ()):
        where = f"networks.yaml:asns[{index}]"
        row = AutonomousSystem.model_validate(_checked(entry, where, sources, vendors))
        _supported(catalog, where, row.source, "asn-owner", *(("anycast",) if row.anycast else ()))
        if row.asn in systems:
            raise CatalogError(f"{where}: AS{row.asn} twice")
        systems[row.asn] = row
    hostnames: list[HostnamePattern] = []
    for index, entry in enumerate(raw.get("hostnames") or ()):
        where = f"networks.yaml:hostnames[{index}]"
        pattern = HostnamePattern.model_validate(_checked(entry, where, sources, vendors))
        _supported(catalog, where, pattern.source, "hostname-owner")
        hostnames.append(pattern)
    hostnames.sort(key=lambda row: -len(row.suffix))
    carriers: dict[str, str] = {}
    for index, entry in enumerate(raw.get("carriers") or ()):
        where = f"networks.yaml:carriers[{index}]"
        checked = _checked(entry, where, sources, vendors)
        _supported(catalog, where, str(checked["source"]), "carrier-name")
        carriers[_spelling(str(checked["spelling"]))] = str(checked["vendor"])
    provider_hostnames: list[tuple[re.Pattern[str], ProviderHostname]] = []
    for index, entry in enumerate(raw.get("provider_hostnames") or ()):
        where = f"networks.yaml:provider_hostnames[{index}]"
        shape = ProviderHostname.model_validate(_checked(entry, where, sources, vendors))
        _supported(catalog, where, shape.source, "hostname-owner")
        provider_hostnames.append((re.compile(shape.pattern), shape))
    return NetworkCatalog(systems, tuple(hostnames), carriers, tuple(provider_hostnames))


def _supported(catalog: Catalog, where: str, source: str, *facts: str) -> None:
    """Refuse a row whose source is not one that supports the facts it states."""
    missing = sorted(set(facts) - catalog.supports(source))
    if missing:
        raise CatalogError(f"{where}: source {source!r} does not support {', '.join(missing)}")


def _spelling(name: str) -> str:
    """Provider names compare without case, punctuation or repeated spaces."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", name.lower()).split())


def _checked(entry: Any, where: str, sources: dict[str, Any], vendors: dict[str, Any]) -> Any:
    if not isinstance(entry, dict) or not entry.get("source"):
        raise CatalogError(f"{where}: every row needs a source")
    _check_sources([entry["source"]], sources, where)
    if entry.get("vendor") is not None and entry["vendor"] not in vendors:
        raise CatalogError(f"{where}: unknown vendor {entry['vendor']!r}")
    return entry
