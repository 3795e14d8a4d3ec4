"""Loads the catalog data files once and answers look-ups from in-memory indexes."""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any, TypeVar

import yaml
from pydantic import ValidationError

from assessor.models import (
    GLOBAL_REGION,
    Confidence,
    CountryGroup,
    Location,
    LocationScope,
    Provider,
    ProviderProfile,
    SourceRef,
    VendorProfile,
)

_M = TypeVar("_M", Location, ProviderProfile, CountryGroup, VendorProfile)

_DATA = resources.files("assessor.catalog") / "data"


BUILT_LOCATIONS_HELD = 10_000


class CatalogError(Exception):
    """A catalog data file is malformed; names the file and row."""


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    jurisdictions: tuple[str, ...]
    latitude: float
    longitude: float


class Catalog:
    """Indexed catalog facts. Build it with :func:`load_catalog`, which caches one instance."""

    def __init__(
        self,
        regions: dict[tuple[Provider, str], Location],
        providers: dict[Provider, ProviderProfile],
        groups: dict[str, CountryGroup],
        countries: dict[str, Country],
        sources: dict[str, SourceRef],
        vendors: dict[str, VendorProfile],
        pairs: dict[tuple[Provider, str], str] | None = None,
        supports: dict[str, frozenset[str]] | None = None,
        not_regions: dict[tuple[Provider, str], str] | None = None,
    ) -> None:
        self._regions = regions
        self._providers = providers
        self._groups = groups
        self._countries = countries
        self._sources = sources
        self._vendors = vendors
        self._pairs = pairs or {}
        self._supports = supports or {}
        # Keys an SDK knows that are not places (internal endpoints, POPs), with the reason:
        # still unknown locations, but reviewed, so completeness tests can tell them apart.
        self._not_regions = not_regions or {}
        # Locations built on demand (unknown regions, zones, dual-regions, countries), kept so
        # a million assets in one zone or one unknown region share one Location.
        self._built: dict[tuple[object, ...], Location] = {}

    def _remembered(self, key: tuple[object, ...], location: Location) -> Location:
        """The one copy of a built location; past ``BUILT_LOCATIONS_HELD`` distinct ones
        (hostile input naming a region per asset), new ones are not kept."""
        found = self._built.get(key)
        if found is not None:
            return found
        if len(self._built) < BUILT_LOCATIONS_HELD:
            self._built[key] = location
        return location

    def country_location(self, code: str) -> Location:
        """A country-level location (declared items say only the country)."""
        found = self._built.get(("country", code))
        if found is not None:
            return found
        return self._remembered(("country", code), self._country_location(code))

    def _country_location(self, code: str) -> Location:
        country = self._countries.get(code.upper())
        if country is None:
            return Location.unknown(None, None)
        return Location(
            known=True,
            scope=LocationScope.COUNTRY,
            country=country.code,
            countries=(country.code,),
            name=country.name,
            latitude=country.latitude,
            longitude=country.longitude,
            jurisdictions=country.jurisdictions,
            source="iso-3166",
        )

    def locate(self, provider: Provider, region: str | None) -> Location:
        """The location behind ``region`` at ``provider``; unknown if the catalog has no row.

        Google Cloud also names zones (``us-central1-a``: a zonal bucket or disk), placed in
        their region, and configurable dual-regions as ``REGION+REGION`` (a bucket's
        ``customPlacementConfig.dataLocations``), placed in exactly those regions' countries.
        Anything else not in the catalog is an unknown location, never a guess.
        """
        found = self._regions.get((provider, region)) if region else None
        if found is not None:
            return found
        key = ("region", provider, region)
        found = self._built.get(key)
        if found is not None:
            return found
        return self._remembered(key, self._located(provider, region))

    def _located(self, provider: Provider, region: str | None) -> Location:
        if not region:
            return Location.unknown(provider, region)
        if region == GLOBAL_REGION:
            return Location.global_(provider)
        code = normalize_region(region)
        found = self._regions.get((provider, code))
        if found is not None:
            return found
        if provider is Provider.GCP:
            zone = GCP_ZONE.match(code)
            if zone and (provider, zone.group(1)) in self._regions:
                return self._regions[(provider, zone.group(1))].model_copy(update={"region": code})
            if "+" in code:
                return self._placement(provider, code)
        return Location.unknown(provider, region)

    def _placement(self, provider: Provider, code: str) -> Location:
        parts = [self.locate(provider, part) for part in code.split("+")]
        if not all(part.known for part in parts):
            return Location.unknown(provider, code)
        countries = tuple(dict.fromkeys(c for part in parts for c in part.countries))
        jurisdictions = tuple(dict.fromkeys(j for part in parts for j in part.jurisdictions))
        first = parts[0]
        return Location(
            known=True,
            provider=provider,
            region=code,
            name=" + ".join(part.name or part.region or "" for part in parts),
            scope=LocationScope.DUAL_REGION,
            country=countries[0] if len(countries) == 1 else None,
            countries=countries,
            city=first.city,
            latitude=first.latitude,
            longitude=first.longitude,
            jurisdictions=jurisdictions,
            # As sure as its least certain part.
            confidence=max(
                (part.confidence for part in parts if part.confidence),
                key=list(Confidence).index,
                default=None,
            ),
            source=first.source,
        )

    def regions(self, provider: Provider | None = None) -> list[Location]:
        rows = self._regions.values()
        return [row for row in rows if provider is None or row.provider == provider]

    def provider(self, provider: Provider) -> ProviderProfile | None:
        """The provider's owner and reach; None for declared items (see :meth:`vendor`)."""
        return self._providers.get(provider)

    def group(self, name: str) -> CountryGroup:
        try:
            return self._groups[name]
        except KeyError:
            known = ", ".join(sorted(self._groups))
            raise KeyError(f"unknown country group {name!r} (known: {known})") from None

    def groups(self) -> dict[str, CountryGroup]:
        return dict(self._groups)

    def with_groups(self, groups: dict[str, CountryGroup]) -> Catalog:
        """A catalog whose groups are these, added to or replacing the built-in ones."""
        merged = {**self._groups, **groups}
        return Catalog(
            self._regions,
            self._providers,
            merged,
            self._countries,
            self._sources,
            self._vendors,
            self._pairs,
            self._supports,
            self._not_regions,
        )

    def paired_region(self, provider: Provider, region: str | None) -> str | None:
        """The region a provider geo-replicates into (Azure GRS), if the catalog knows it."""
        return self._pairs.get((provider, normalize_region(region))) if region else None

    def vendor(self, vendor_id: str | None) -> VendorProfile | None:
        return self._vendors.get(vendor_id.strip().lower()) if vendor_id else None

    def country(self, code: str) -> Country | None:
        return self._countries.get(code)

    def countries(self) -> dict[str, Country]:
        return dict(self._countries)

    def source(self, source_id: str) -> SourceRef:
        return self._sources[source_id]

    def sources(self) -> dict[str, SourceRef]:
        return dict(self._sources)

    def supports(self, source_id: str) -> frozenset[str]:
        """What a source is evidence of: listings (``entity-list``), ``region-list``,
        ``operator``."""
        return self._supports.get(source_id, frozenset())

    def not_a_region(self, provider: Provider, code: str) -> str | None:
        """Why an SDK's key is not a place (an internal endpoint, a POP), if reviewed so."""
        return self._not_regions.get((provider, normalize_region(code)))

    def vendors(self) -> dict[str, VendorProfile]:
        return dict(self._vendors)

    def providers(self) -> dict[Provider, ProviderProfile]:
        return dict(self._providers)


GCP_ZONE = re.compile(r"^([a-z]+-[a-z]+\d+)-[a-z]$")


def normalize_region(region: str) -> str:
    """Region codes compare case-insensitively (GCS answers ``US-EAST1`` for ``us-east1``)."""
    return region.strip().lower()


@functools.cache
def load_catalog() -> Catalog:
    """Read every data file once per process."""
    raw_sources = _load_yaml("sources.yaml")
    # What each source is evidence of (a listing, a region list, an operator), so a flag on a
    # vendor or provider can be checked against the sources it cites.
    supports = {key: frozenset(value.pop("supports", ())) for key, value in raw_sources.items()}
    sources = {key: SourceRef(**value) for key, value in raw_sources.items()}
    countries = {row.code: row for row in _load_countries()}
    cities = _load_cities()
    regions: dict[tuple[Provider, str], Location] = {}
    for provider in Provider:
        if not provider.has_regions:
            continue  # declared and code items carry their own country; no region list
        path = f"regions/{provider.value}.csv"
        for line, row in _read_csv(path):
            location = _region_row(provider, row, countries, cities, sources, f"{path}:{line}")
            regions[(provider, normalize_region(row["region"]))] = location
    providers = {}
    for key, value in _load_yaml("providers.yaml").items():
        _check_sources(value.get("sources", ()), sources, f"providers.yaml:{key}")
        _check_flags(value, supports, f"providers.yaml:{key}")
        providers[Provider(key)] = _validated(ProviderProfile, {"id": key, **value}, key)
    groups = {}
    for key, value in _load_yaml("groups.yaml").items():
        _check_sources(value.get("sources", ()), sources, f"groups.yaml:{key}")
        groups[key] = _validated(CountryGroup, {"name": key, **value}, key)
    vendors = {}
    for key, value in _load_yaml("vendors.yaml").items():
        _check_sources(value.get("sources", ()), sources, f"vendors.yaml:{key}")
        _check_flags(value, supports, f"vendors.yaml:{key}")
        vendors[key] = _validated(VendorProfile, {"id": key, **value}, key)
    pairs = {}
    for line, row in _read_csv("pairs.csv"):
        _check_sources([row["source"]], sources, f"pairs.csv:{line}")
        provider = Provider(row["provider"])
        for code in (row["region"], row["paired"]):
            if (provider, code) not in regions:
                raise CatalogError(f"pairs.csv:{line}: {code!r} is not a {provider.value} region")
        pairs[(provider, row["region"])] = row["paired"]
    not_regions = {}
    for line, row in _read_csv("not-regions.csv"):
        _check_sources([row["source"]], sources, f"not-regions.csv:{line}")
        not_regions[(Provider(row["provider"]), row["code"])] = row["reason"]
    return Catalog(
        regions, providers, groups, countries, sources, vendors, pairs, supports, not_regions
    )


def _check_flags(entry: dict[str, Any], supports: dict[str, frozenset[str]], where: str) -> None:
    """Every program an entry is said to be named in is evidenced by one of its sources."""
    for flag in entry.get("named_in", ()):
        if not any(flag in supports.get(source, ()) for source in entry.get("sources", ())):
            raise CatalogError(f"{where}: no source of this entry supports named_in {flag!r}")


def _region_row(
    provider: Provider,
    row: dict[str, str],
    countries: dict[str, Country],
    cities: dict[tuple[str, str], tuple[float, float]],
    sources: dict[str, SourceRef],
    where: str,
) -> Location:
    _check_sources([row["source"]], sources, where)
    country_code = row["country"] or None
    spread = tuple(sorted(filter(None, row["countries"].split(";"))))
    countries_here = spread or ((country_code,) if country_code else ())
    for code in countries_here:
        if code not in countries:
            raise CatalogError(f"{where}: country {code!r} is not in countries.csv")
    jurisdictions = sorted({j for code in countries_here for j in countries[code].jurisdictions})
    latitude = longitude = None
    city = row["city"] or None
    if city and country_code:
        if (city, country_code) not in cities:
            raise CatalogError(f"{where}: city {city!r} ({country_code}) is not in cities.csv")
        latitude, longitude = cities[(city, country_code)]
    elif country_code:
        # The provider names only the country: place the mark on the country, not a guessed city.
        latitude, longitude = countries[country_code].latitude, countries[country_code].longitude
    fields: dict[str, Any] = {
        "known": True,
        "provider": provider,
        "region": row["region"],
        "name": row["name"],
        "scope": LocationScope(row["scope"]),
        "country": country_code,
        "countries": countries_here,
        "city": city,
        "latitude": latitude,
        "longitude": longitude,
        "jurisdictions": tuple(jurisdictions),
        "operator": row["operator"] or None,
        "operator_jurisdiction": row["operator_jurisdiction"] or None,
        "partition": row["partition"] or None,
        "confidence": Confidence(row["confidence"]),
        "source": row["source"],
    }
    return _validated(Location, fields, where)


def _load_countries() -> Iterator[Country]:
    for _line, row in _read_csv("countries.csv"):
        yield Country(
            code=row["code"],
            name=row["name"],
            jurisdictions=tuple(row["jurisdictions"].split(";")),
            latitude=float(row["latitude"]),
            longitude=float(row["longitude"]),
        )


def _load_cities() -> dict[tuple[str, str], tuple[float, float]]:
    return {
        (row["city"], row["country"]): (float(row["latitude"]), float(row["longitude"]))
        for _line, row in _read_csv("cities.csv")
    }


def _read_csv(path: str) -> Iterator[tuple[int, dict[str, str]]]:
    text = (_DATA / path).read_text(encoding="utf-8")
    yield from enumerate(csv.DictReader(io.StringIO(text)), start=2)


# libyaml's safe loader where PyYAML was built with it (the wheels are): about ten times
# faster than the pure-Python one on the bundled data files.
_SAFE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(path: str) -> dict[str, Any]:
    text = (_DATA / path).read_text(encoding="utf-8")
    loaded = yaml.load(text, Loader=_SAFE)  # noqa: S506 - CSafeLoader or SafeLoader, both safe
    if not isinstance(loaded, dict):
        raise CatalogError(f"{path}: expected a mapping at the top level")
    return loaded


def _check_sources(ids: Iterable[str], sources: dict[str, SourceRef], where: str) -> None:
    for source_id in ids:
        if source_id not in sources:
            raise CatalogError(f"{where}: source {source_id!r} is not in sources.yaml")


def _validated(model: type[_M], fields: dict[str, Any], where: str) -> _M:
    try:
        return model(**fields)
    except ValidationError as error:
        raise CatalogError(f"{where}: {error}") from error
