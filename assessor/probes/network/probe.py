"""The ``network`` probe: public endpoints placed, offline, by the network that originates
them (Clean Path and Clean Carrier from evidence).

Endpoints come from files (``--network-endpoints``: host names, IP addresses and CIDR
blocks, one per line). Each is placed in this order: a host name by the catalog's provider
suffixes (``.myqcloud.com`` is Tencent Cloud); an address by the IP → AS dataset the user
supplies (``--network-dataset``), then the AS by the catalog's owners. Nothing is resolved
or downloaded at audit time: the same files give the same answer.

What an address cannot say is not claimed: the dataset's country is where the AS is
registered (the owner's jurisdiction), never where the host is; an anycast network is
"not placeable"; private, reserved and shared (CGNAT) addresses are skipped with a note; an
address no dataset knows is an unknown location, never clean. The dataset's date is on
every asset, and a dataset older than ``--network-max-age`` days is one coverage gap.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar

from assessor.catalog.networks import NetworkCatalog, load_network_catalog
from assessor.errors import ConfigurationError, InputError
from assessor.inputs import read_text
from assessor.models import GLOBAL_REGION, Asset, CodeLocation, CoverageGap, GapReason, Provider
from assessor.probes.base import OptionKind, Probe, ProbeItem, ProbeOption
from assessor.probes.network.clouds import CloudRange, CloudRanges
from assessor.probes.network.datasets import Dataset, address_integer, open_dataset


class NetworkProbe(Probe):
    """Public endpoints placed by the network that originates them, offline."""

    name = "network"
    description = "Network: endpoints placed by their AS owner from an IP → AS dataset"
    version = "1"
    options = (
        ProbeOption(
            "dataset", "IP → AS dataset: IPtoASN TSV (.tsv, .tsv.gz) or an MMDB", OptionKind.PATHS
        ),
        ProbeOption(
            "dataset-date",
            "The dataset's build date (YYYY-MM-DD) when its file's time is not it",
            OptionKind.TEXT,
        ),
        ProbeOption(
            "endpoints", "File of host names, IP addresses and CIDRs, one a line", OptionKind.PATHS
        ),
        ProbeOption(
            "cloud-ranges",
            "A cloud's published IP ranges (AWS ip-ranges.json, Google cloud.json, Azure "
            "service tags, Oracle public_ip_ranges.json): provider and region first",
            OptionKind.PATHS,
        ),
        ProbeOption(
            "max-age",
            "Days after which the dataset is stale (one coverage gap)",
            OptionKind.INT,
            31,
        ),
    )
    read_operations: ClassVar[frozenset[str]] = frozenset({"file:Read"})
    # The endpoints the other probes list (DNS records, gateways) are placed too.
    reads_inventory: ClassVar[bool] = True

    def __init__(self, config: Any = None) -> None:
        super().__init__(config)
        self._skipped: Counter[str] = Counter()
        self._dataset: Dataset | None = None
        # endpoint → the assets that point at it, from the run's other probes.
        self._observed: dict[str, list[str]] = {}
        self._clouds = CloudRanges(())

    def observe(self, assets: Sequence[Asset]) -> None:
        for asset in assets:
            for endpoint in asset.attributes.get("endpoints", "").split():
                self._observed.setdefault(endpoint.lower(), []).append(asset.id)

    def scope(self) -> str:
        files = ", ".join(map(str, self.settings.paths("endpoints")))
        return f"endpoints the inventory lists ({len(self._observed)})" + (
            f" and in {files}" if files else ""
        )

    def notes(self) -> tuple[str, ...]:
        notes = []
        if self._dataset is not None:
            notes.append(
                f"addresses placed by {self._dataset.name} {self._dataset.built.isoformat()}: "
                "its country is where the network is registered (the owner's jurisdiction), "
                "not where a host is"
            )
        if self._skipped:
            kinds = ", ".join(f"{kind} ({n})" for kind, n in sorted(self._skipped.items()))
            notes.append(f"endpoints skipped, not public addresses: {kinds}")
        return tuple(notes)

    def scan(self) -> Iterator[ProbeItem]:
        datasets = self.settings.paths("dataset")
        if not datasets:
            raise ConfigurationError(
                "the network probe needs --network-dataset PATH: an IPtoASN TSV "
                "(assessor data fetch iptoasn) or an MMDB (DB-IP Lite, IPinfo Lite, GeoLite2 ASN)"
            )
        stated = self.settings.text("dataset-date")
        try:
            when = date.fromisoformat(stated) if stated else None
        except ValueError:
            raise ConfigurationError(
                f"--network-dataset-date {stated!r} is not YYYY-MM-DD"
            ) from None
        dataset = self._dataset = open_dataset(datasets[-1], when)
        age = (datetime.now(UTC).date() - dataset.built).days
        limit = self.settings.integer("max-age")
        if age > limit:
            yield CoverageGap(
                probe=self.name,
                reason=GapReason.STALE_DATA,
                service="network",
                resource=str(datasets[-1]),
                message=(
                    f"{dataset.name} dataset {datasets[-1]} is from {dataset.built.isoformat()}, "
                    f"{age} days old (over {limit}): networks change hands; findings are still "
                    "reported, with its date"
                ),
            )
        catalog = load_network_catalog()
        self._clouds = CloudRanges(self.settings.paths("cloud-ranges"))
        placed: set[str] = set()
        for path in self.settings.paths("endpoints"):
            for line, endpoint in _endpoints(path):
                asset = self._place(endpoint, dataset, catalog, f"{path}:{line}")
                if asset is not None and asset.id not in placed:
                    placed.add(asset.id)
                    yield _located_in_file(asset, path, line)
        for endpoint, pointing in sorted(self._observed.items()):
            asset = self._place(endpoint, dataset, catalog, pointing[0])
            if asset is not None and asset.id not in placed:
                placed.add(asset.id)
                attributes = {**asset.attributes, "pointed_at_by": " ".join(pointing[:20])}
                yield asset.model_copy(update={"attributes": attributes})

    def _place(
        self, endpoint: str, dataset: Dataset, catalog: NetworkCatalog, where: str
    ) -> Asset | None:
        address = _address(endpoint)
        if address is None:
            return _host_asset(endpoint, where, catalog)
        reason = _not_public(address)
        if reason:
            self._skipped[reason] += 1
            return None
        cloud = self._clouds.lookup(*address)
        if cloud is not None:
            return _cloud_asset(endpoint, where, cloud)
        cited = f"{dataset.name} {dataset.built.isoformat()}"
        origin = dataset.lookup_integer(address[0], address[1], endpoint)
        if origin is None:
            return _asset(
                endpoint,
                where,
                None,
                {
                    "placement": f"unknown: no network in {cited}",
                    "location_note": f"{endpoint} is in no routed range of {cited}",
                    "dataset": cited,
                },
            )
        system = catalog.systems.get(origin.asn)
        attributes = {
            "asn": f"AS{origin.asn}",
            "as_name": (system.name if system else None) or origin.name or "unknown",
            "as_registered_in": origin.country or "unknown",
            "dataset": cited,
            "placement": f"AS{origin.asn} per {cited}",
        }
        if system is not None and system.anycast:
            attributes["placement"] = f"anycast: not placeable (AS{origin.asn} per {cited})"
        if system is not None:
            attributes["catalog_source"] = system.source
        return _asset(endpoint, where, system.vendor if system else None, attributes)


def _asset(endpoint: str, where: str, vendor: str | None, attributes: dict[str, str]) -> Asset:
    placed = "location_note" not in attributes
    return Asset(
        id=f"network:{endpoint}",
        provider=Provider.NETWORK,
        service="endpoint",
        kind="endpoint",
        name=endpoint,
        account="network",
        # A placed endpoint claims no location, only an owner; an unplaced one is unknown.
        region=GLOBAL_REGION if placed else None,
        vendor=vendor,
        attributes={**attributes, "found_at": where},
    )


def _host_asset(endpoint: str, where: str, catalog: NetworkCatalog) -> Asset:
    """A host name, placed without resolving it: a cloud service's host name that names its
    region (``…us-west-2.elb.amazonaws.com``) is in that region; a provider's suffix names
    the owner; anything else is unknown."""
    pattern = catalog.host(endpoint)
    shaped = catalog.provider_host(endpoint)
    if pattern is None and shaped is None:
        return _asset(
            endpoint,
            where,
            None,
            {
                "placement": "unknown: a host name is not resolved (the probe is offline)",
                "location_note": f"{endpoint} matches no provider's host names; resolve it "
                "and list its addresses to place it",
            },
        )
    attributes: dict[str, str] = {}
    if pattern is not None:
        attributes = {
            "placement": f"host name of {pattern.service} ({pattern.suffix})",
            "service": pattern.service,
            "catalog_source": pattern.source,
        }
    asset = _asset(endpoint, where, pattern.vendor if pattern else None, attributes)
    if shaped is None:
        return asset
    service, region = shaped
    if service.anycast or region is None:
        placement = f"anycast: not placeable ({service.service} of {service.provider.value})"
        where_to = GLOBAL_REGION
    else:
        placement = f"{service.provider.value} {region} ({service.service}, by its host name)"
        where_to = region
    attributes = {**asset.attributes, "placement": placement, "catalog_source": service.source}
    return asset.model_copy(
        update={"provider": service.provider, "region": where_to, "attributes": attributes}
    )


def _cloud_asset(endpoint: str, where: str, cloud: CloudRange) -> Asset:
    """An address in a cloud's published range: that provider's region, or anycast."""
    name = cloud.provider.value
    if cloud.region is None:
        placement = f"anycast: not placeable ({cloud.service} of {name} per {cloud.source})"
    else:
        placement = f"{name} {cloud.region} ({cloud.service}) per {cloud.source}"
    asset = _asset(endpoint, where, None, {"placement": placement, "dataset": cloud.source})
    return asset.model_copy(
        update={"provider": cloud.provider, "region": cloud.region or GLOBAL_REGION}
    )


def _located_in_file(asset: Asset, path: Path, line: int) -> Asset:
    """An endpoint from a file points at its line (SARIF shows it there)."""
    source = CodeLocation(path=str(path), start_line=line, end_line=line, address=asset.name)
    return asset.model_copy(update={"source": source})


def _endpoints(path: Path) -> Iterator[tuple[int, str]]:
    """(line, endpoint) of a file of endpoints; a CIDR stands for its first address."""
    for number, raw in enumerate(read_text(path).splitlines(), 1):
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        if len(text) > 253 or " " in text:
            raise InputError(str(path), number, None, "not a host name, IP address or CIDR")
        if "/" in text:
            try:
                network = ipaddress.ip_network(text, strict=False)
            except ValueError:
                raise InputError(str(path), number, None, "not a CIDR block") from None
            text = str(network.network_address)
        yield number, text


def _address(endpoint: str) -> tuple[int, int] | None:
    """(IP version, integer) of an address; None for a host name."""
    try:
        return address_integer(endpoint)
    except OSError:
        return None


# What is not a public address (RFC 6890 and its updates), as integer ranges: private,
# shared (CGNAT), loopback, link-local, documentation, benchmarking, multicast, reserved.
_NOT_PUBLIC = sorted(
    (int(network.network_address), int(network.broadcast_address), network.version, reason)
    for reason, blocks in {
        "private": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
        "shared (CGNAT)": ["100.64.0.0/10"],
        "reserved": [
            "0.0.0.0/8",
            "127.0.0.0/8",
            "169.254.0.0/16",
            "192.0.0.0/24",
            "192.0.2.0/24",
            "198.18.0.0/15",
            "198.51.100.0/24",
            "203.0.113.0/24",
            "224.0.0.0/3",
            "::/127",
            "::ffff:0:0/96",
            "100::/64",
            "2001:db8::/32",
            "fe80::/10",
            "ff00::/8",
        ],
    }.items()
    for network in map(ipaddress.ip_network, blocks)
)
_NOT_PUBLIC_ROWS = {
    version: [row for row in _NOT_PUBLIC if row[2] == version] for version in (4, 6)
}
_NOT_PUBLIC_STARTS = {
    version: [row[0] for row in rows] for version, rows in _NOT_PUBLIC_ROWS.items()
}


def _not_public(address: tuple[int, int]) -> str | None:
    version, value = address
    rows = _NOT_PUBLIC_ROWS[version]
    index = bisect.bisect_right(_NOT_PUBLIC_STARTS[version], value) - 1
    if index >= 0 and value <= rows[index][1]:
        return rows[index][3]
    return None
