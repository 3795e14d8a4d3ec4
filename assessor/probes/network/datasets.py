"""IP → AS datasets the user supplies: the IPtoASN TSV (plain or gzipped) and any MMDB
(DB-IP Lite, IPinfo Lite, a user's own GeoLite2 ASN, the iptoasn MMDBs). Never bundled:
their licences forbid it or their data goes stale; the dataset's date is part of every
answer.

The country in these datasets is where the network is *registered*, not where a host is
(Alibaba's US range registers as CN, Cloudflare's anycast as US): callers use it as the
owner's jurisdiction, never as a location.
"""

from __future__ import annotations

import bisect
import ipaddress
import socket
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from assessor.errors import ConfigurationError, InputError
from assessor.inputs import Limits, read_bytes

# The whole IPtoASN file is about 30 MB unpacked; a dataset is refused well above that.
DATASET_LIMITS = Limits(max_bytes=1024 * 1024 * 1024)
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Origin:
    """The network an address is in: its AS, the AS's name and registration country."""

    asn: int
    name: str | None
    country: str | None


class Dataset(Protocol):
    """An IP → AS lookup, with the name and build date it is cited by."""

    name: str
    built: date

    def lookup(self, address: Address) -> Origin | None: ...

    def lookup_integer(self, version: int, value: int, text: str) -> Origin | None: ...


class RangeTable:
    """The IPtoASN TSV: ``range_start range_end AS_number country_code AS_description``,
    tab-separated, IPv4 and IPv6 ranges (AS 0 is "not routed")."""

    def __init__(self, path: Path, built: date) -> None:
        self.name = "IPtoASN"
        self.built = built
        self._starts: dict[int, list[int]] = {4: [], 6: []}
        self._rows: dict[int, list[tuple[int, int, str | None, str | None]]] = {4: [], 6: []}
        text = _text(path)
        previous = {4: -1, 6: -1}
        ordered = True
        for number, line in enumerate(text.splitlines(), 1):
            if not line:
                continue
            parts = line.split("\t", 4)
            try:
                version, start = address_integer(parts[0])
                end_version, end = address_integer(parts[1])
                asn = int(parts[2])
            except (ValueError, IndexError, OSError):
                raise InputError(
                    str(path), number, None, "not an IPtoASN line (start, end, AS, country, name)"
                ) from None
            if version != end_version or end < start:
                raise InputError(str(path), number, None, "a range that ends before it starts")
            ordered = ordered and start >= previous[version]
            previous[version] = start
            self._starts[version].append(start)
            self._rows[version].append((end, asn, _field(parts, 3), _field(parts, 4)))
        if not ordered:  # the published file is sorted; anything else is sorted here
            for version in (4, 6):
                order = sorted(
                    range(len(self._starts[version])), key=self._starts[version].__getitem__
                )
                self._starts[version] = [self._starts[version][i] for i in order]
                self._rows[version] = [self._rows[version][i] for i in order]

    @property
    def ranges(self) -> int:
        return len(self._starts[4]) + len(self._starts[6])

    def lookup(self, address: Address) -> Origin | None:
        return self.lookup_integer(address.version, int(address), str(address))

    def lookup_integer(self, version: int, value: int, text: str) -> Origin | None:
        """The origin of an address given as (IP version, integer)."""
        starts, rows = self._starts[version], self._rows[version]
        index = bisect.bisect_right(starts, value) - 1
        if index < 0:
            return None
        end, asn, country, name = rows[index]
        if value > end or asn == 0:
            return None
        return Origin(asn, name, country)


class MmdbTable:
    """Any MMDB with AS numbers (``autonomous_system_number``, or IPinfo's ``asn``)."""

    def __init__(self, path: Path, built: date | None) -> None:
        import maxminddb

        try:
            self._reader = maxminddb.open_database(str(path))
        except (maxminddb.InvalidDatabaseError, ValueError, OSError) as error:
            raise InputError(str(path), None, None, f"not an MMDB: {error}") from None
        metadata = self._reader.metadata()
        self.name = str(metadata.database_type)
        self.built = built or datetime.fromtimestamp(metadata.build_epoch, UTC).date()

    def lookup(self, address: Address) -> Origin | None:
        return self.lookup_integer(address.version, int(address), str(address))

    def lookup_integer(self, version: int, value: int, text: str) -> Origin | None:
        record = self._reader.get(text)
        if not isinstance(record, dict):
            return None
        asn = _asn(record.get("autonomous_system_number") or record.get("asn"))
        if asn is None:
            return None
        name = record.get("autonomous_system_organization") or record.get("as_name")
        country = record.get("country_code") or record.get("country")
        if isinstance(country, dict):
            country = country.get("iso_code")
        return Origin(asn, str(name) if name else None, str(country) if country else None)


def address_integer(text: str) -> tuple[int, int]:
    """(IP version, address as an integer): socket's parsers, strict and fast."""
    if ":" in text:
        return 6, int.from_bytes(socket.inet_pton(socket.AF_INET6, text), "big")
    return 4, int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")


def _field(parts: list[str], index: int) -> str | None:
    value = parts[index].strip() if len(parts) > index else ""
    return value if value and value != "None" else None


def _asn(value: Any) -> int | None:
    if isinstance(value, int):
        return value or None
    if isinstance(value, str) and value.upper().removeprefix("AS").isdigit():
        return int(value.upper().removeprefix("AS")) or None
    return None


def open_dataset(path: Path, stated: date | None = None) -> Dataset:
    """An MMDB (``.mmdb``) or an IPtoASN TSV (anything else, plain or gzipped). Its date is
    the MMDB's build epoch, else the date the user states, else the file's modification
    time."""
    if not path.is_file():
        raise ConfigurationError(f"no IP → AS dataset at {path}")
    if path.suffix == ".mmdb":
        return MmdbTable(path, stated)
    return RangeTable(path, stated or datetime.fromtimestamp(path.stat().st_mtime, UTC).date())


def _text(path: Path) -> str:
    """The TSV's text, unpacked when gzipped, bounded in both sizes."""
    data = read_bytes(path, DATASET_LIMITS)
    if data[:2] == b"\x1f\x8b":
        unpack = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data = unpack.decompress(data, DATASET_LIMITS.max_bytes)
        except zlib.error as error:
            raise InputError(str(path), None, None, f"not a gzip file: {error}") from None
        if unpack.unconsumed_tail:
            raise InputError(str(path), None, None, "unpacks to more than the dataset limit")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError(str(path), line, None, "not valid UTF-8 text") from None


__all__ = ["Dataset", "MmdbTable", "Origin", "RangeTable", "address_integer", "open_dataset"]
