"""The SDK catalog: packages, vendor repositories and registry mirrors of listed vendors
(``data/sdks.yaml``), each row with a source, matched by exact coordinates.

A package matches by its purl's type, namespace and name, compared as each registry
compares them (PyPI names normalised as PEP 503 says, npm, Maven and CocoaPods names
case-insensitively); a catalog name ending in ``*`` matches names that start with the rest;
a Go module matches its own path and every package below it. Nothing is matched by a word
in a name: ``wechat_assets_picker`` is not WeChat's SDK, ``github.com/bytedance/sonic`` is a
library every gin service pulls in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from packageurl import PackageURL

from assessor.catalog.loader import CatalogError, _check_sources, _load_yaml, load_catalog
from assessor.models import PackageMirror, SdkPackage, SourceRef, VendorRepository


@dataclass(frozen=True)
class Coordinates:
    """A package as a lockfile or SBOM names it, normalised for matching."""

    type: str
    namespace: str
    name: str

    @property
    def path(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


def coordinates(kind: str, namespace: str | None, name: str) -> Coordinates:
    """Normalise as the registry compares names."""
    kind = kind.lower()
    namespace = (namespace or "").strip("/")
    if kind == "pypi":
        name = re.sub(r"[-_.]+", "-", name).lower()
    elif kind in ("npm", "maven", "cocoapods", "pub", "golang", "swift", "gradle"):
        namespace, name = namespace.lower(), name.lower()
    return Coordinates("maven" if kind == "gradle" else kind, namespace, name)


def parse_purl(text: str) -> tuple[Coordinates, str | None]:
    """Coordinates and version of a purl string; ValueError when it is not one."""
    purl = PackageURL.from_string(text)
    return coordinates(purl.type, purl.namespace, purl.name), purl.version


@dataclass
class SdkCatalog:
    """Rows of ``sdks.yaml``, indexed for exact matching."""

    packages: tuple[SdkPackage, ...]
    repositories: tuple[VendorRepository, ...]
    mirrors: tuple[PackageMirror, ...]
    _exact: dict[Coordinates, SdkPackage] = field(default_factory=dict)
    _prefixes: dict[tuple[str, str], list[tuple[str, SdkPackage]]] = field(default_factory=dict)
    _modules: list[tuple[str, SdkPackage]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for row in self.packages:
            wanted, _ = parse_purl(row.purl.replace("*", "%2A"))
            name = wanted.name.replace("%2a", "*")
            if wanted.type == "golang":
                self._modules.append((wanted.path, row))
            elif name.endswith("*"):
                key = (wanted.type, wanted.namespace)
                self._prefixes.setdefault(key, []).append((name[:-1], row))
            else:
                self._exact[wanted] = row
        # Longest module path first: github.com/a/b/c before github.com/a/b.
        self._modules.sort(key=lambda item: -len(item[0]))

    def package(self, found: Coordinates) -> SdkPackage | None:
        """The row for a package, if the catalog lists it."""
        if found.type == "golang":
            path = found.path
            for module, row in self._modules:
                if path == module or path.startswith(module + "/"):
                    return row
            return None
        exact = self._exact.get(found)
        if exact is not None:
            return exact
        for prefix, candidate in self._prefixes.get((found.type, found.namespace), ()):
            if found.name.startswith(prefix):
                return candidate
        return None

    def repository(self, url: str) -> VendorRepository | None:
        """The vendor repository a URL is in (scheme ignored, path by segment)."""
        place = _host_and_path(url)
        for row in self.repositories:
            if place == row.url.lower() or place.startswith(row.url.lower().rstrip("/") + "/"):
                return row
        return None

    def mirror(self, url: str) -> PackageMirror | None:
        """The PRC-operated mirror a download URL is served by."""
        host = _host_and_path(url).split("/", 1)[0]
        return next((row for row in self.mirrors if host == row.host.lower()), None)


def _host_and_path(url: str) -> str:
    parts = urlsplit(url if "://" in url else f"https://{url}")
    return f"{(parts.hostname or '').lower()}{parts.path.rstrip('/')}"


@cache
def load_sdk_catalog() -> SdkCatalog:
    """Load and check ``sdks.yaml``: every row names a known source and vendor."""
    raw = _load_yaml("sdks.yaml")
    catalog = load_catalog()
    sources = catalog.sources()
    vendors = catalog.vendors()
    packages = tuple(
        SdkPackage.model_validate(entry) for entry in _rows(raw, "packages", sources, vendors)
    )
    repositories = tuple(
        VendorRepository.model_validate(entry)
        for entry in _rows(raw, "repositories", sources, vendors)
    )
    mirrors = tuple(
        PackageMirror.model_validate(entry) for entry in _rows(raw, "mirrors", sources, vendors)
    )
    return SdkCatalog(packages, repositories, mirrors)


def _rows(
    raw: dict[str, Any], section: str, sources: dict[str, SourceRef], vendors: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """The section's rows, each checked for a known source and vendor before it is built."""
    for index, entry in enumerate(raw.get(section) or ()):
        where = f"sdks.yaml:{section}[{index}]"
        if not isinstance(entry, dict) or not entry.get("source"):
            raise CatalogError(f"{where}: every row needs a source")
        _check_sources([entry["source"]], sources, where)
        if entry.get("vendor") not in vendors:
            raise CatalogError(f"{where}: unknown vendor {entry.get('vendor')!r}")
        yield entry
