"""The ``code`` probe: SDKs of listed vendors found in lockfiles, SBOMs and build files.

Clean Apps and Clean Store judged from evidence: every package a file names is matched by
its exact coordinates against the SDK catalog (:mod:`assessor.catalog.sdks`); each listed
SDK becomes one asset per project (the directory of the file that names it) with its
vendor, version, category, scope and file:line, so SARIF points at the line a pull request
added. A cloud or AI API SDK of a cloud provider is also a ``cloud`` asset whose location
the code cannot say; a build that resolves packages through a PRC-operated mirror is a
``package-mirror`` asset; AppGallery Connect configuration is an ``app-store`` asset. The
vendor's open-source libraries (``bytedance/sonic``, ``fastjson``) are not reported.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from packageurl import PackageURL

from assessor.catalog.sdks import Coordinates, SdkCatalog, load_sdk_catalog
from assessor.errors import ConfigurationError, InputError
from assessor.inputs import read_text
from assessor.models import (
    GLOBAL_REGION,
    Asset,
    CodeLocation,
    CoverageGap,
    GapReason,
    Provider,
    SdkCategory,
    SdkKind,
    SdkPackage,
    VendorRepository,
)
from assessor.probes.base import OptionKind, Probe, ProbeItem, ProbeOption
from assessor.probes.code.files import MAX_LINE, Reader, limits_for, reader_for, walk
from assessor.probes.code.found import Found, Package

# The cloud an SDK's vendor runs, and the probe that reads it (None: declare it).
CLOUDS: dict[str, tuple[Provider, str | None]] = {
    "alibaba-cloud": (Provider.ALIBABA, "alibaba"),
    "tencent": (Provider.TENCENT, "tencent"),
    "huawei": (Provider.HUAWEI, "huawei"),
    "baidu": (Provider.BAIDU, None),
}


class CodeProbe(Probe):
    """SDKs of listed vendors in lockfiles, SBOMs and build files."""

    name = "code"
    description = "Code: SDKs of listed vendors in lockfiles, SBOMs and build files"
    version = "1"
    options = (
        ProbeOption("path", "Directory or file to read (repeatable)", OptionKind.PATHS),
        ProbeOption(
            "data-class",
            "Data class the code handles (pii, health, ...): raises what its SDKs risk",
            OptionKind.TEXT,
        ),
        ProbeOption(
            "strict",
            "A file found in a tree that cannot be read is an input error (exit 2)",
            OptionKind.BOOL,
            False,
        ),
    )
    read_operations: ClassVar[frozenset[str]] = frozenset({"file:Read"})

    def __init__(self, config: Any = None) -> None:
        super().__init__(config)
        self._libraries: Counter[str] = Counter()
        self._files = 0
        self._packages = 0

    def scope(self) -> str:
        return "paths " + ", ".join(map(str, self.settings.paths("path")))

    def notes(self) -> tuple[str, ...]:
        notes = [
            f"{self._files} files read, {self._packages} package entries matched by exact "
            "coordinates against the SDK catalog"
        ]
        if self._libraries:
            names = ", ".join(f"{name} ({n})" for name, n in sorted(self._libraries.items()))
            notes.append(
                "open-source libraries of listed vendors seen and not reported (no data "
                f"channel to the vendor): {names}"
            )
        return tuple(notes)

    def scan(self) -> Iterator[ProbeItem]:
        paths = self.settings.paths("path")
        if not paths:
            raise ConfigurationError("the code probe needs --code-path DIR or FILE")
        catalog = load_sdk_catalog()
        for base in paths:
            if base.is_file():
                reader = reader_for(base, named=True)
                if reader is None:
                    raise InputError(str(base), None, None, "not a lockfile, SBOM or build file")
                found = [self._read(base, reader)]
                root = base.parent
            elif base.is_dir():
                found = []
                for path, reader in walk(base):
                    try:
                        found.append(self._read(path, reader))
                    except InputError as error:
                        if self.settings.flag("strict"):
                            raise
                        yield _gap(error)
                root = base
            else:
                raise InputError(str(base), None, None, "no such file or directory")
            yield from self._assets(found, root, catalog)

    def _read(self, path: Path, reader: Reader) -> Found:
        text = read_text(path, limits_for(reader))
        _check_lines(path, text)
        self._files += 1
        try:
            return reader(path, text, lambda other: read_text(other, limits_for(reader)))
        except RecursionError:
            raise InputError(str(path), None, None, "nested too deeply") from None

    def _assets(self, files: list[Found], root: Path, catalog: SdkCatalog) -> Iterator[Asset]:
        data_class = self.settings.text("data-class")
        hits: dict[tuple[Path, SdkPackage, Coordinates], list[tuple[Found, Package]]]
        hits = defaultdict(list)
        mirrors: dict[tuple[Path, str], list[tuple[Found, int]]] = defaultdict(list)
        for found in files:
            project = found.path.parent
            for package in found.packages:
                self._packages += 1
                row = catalog.package(package.coordinates)
                if row is not None and row.kind is SdkKind.LIBRARY:
                    self._libraries[package.coordinates.path] += 1
                elif row is not None:
                    hits[(project, row, package.coordinates)].append((found, package))
                mirror = catalog.mirror(package.resolved) if package.resolved else None
                if mirror is not None:
                    mirrors[(project, mirror.host)].append((found, package.line))
            for url in found.urls:
                mirror = catalog.mirror(url.url)
                if mirror is not None:
                    mirrors[(project, mirror.host)].append((found, url.line))
        # A vendor repository is evidence only of an SDK not found by its coordinates.
        products = {(row.vendor, row.category) for _, row, _ in hits}
        clouds: dict[tuple[Path, str], tuple[Found, Package, SdkPackage]] = {}
        for (project, row, found_at), uses in sorted(hits.items(), key=_order):
            yield _sdk_asset(root, project, row, found_at, uses, data_class)
            api = row.category in (SdkCategory.CLOUD_API, SdkCategory.AI_API)
            if api and row.vendor in CLOUDS:
                clouds.setdefault((project, row.vendor), (*_best(uses), row))
        for (project, vendor), (found, package, row) in sorted(clouds.items(), key=str):
            yield _cloud_asset(root, project, vendor, found, package, row)
        galleries: set[Path] = set()
        for found in files:
            for url in found.urls:
                repository = catalog.repository(url.url)
                if repository is None:
                    continue
                if (repository.vendor, repository.category) not in products:
                    products.add((repository.vendor, repository.category))
                    yield _repository_asset(root, found, url.url, url.line, repository, data_class)
            for line, what in found.app_gallery[:1]:
                if found.path.parent not in galleries:  # one per project, its first evidence
                    galleries.add(found.path.parent)
                    yield _app_gallery_asset(root, found, line, what)
        for found in files:
            for line, name, hosts in found.services:
                yield _asset(
                    found,
                    line,
                    identity=f"service:{name}",
                    kind="service",
                    vendor=None,
                    name=name,
                    attributes={"evidence": "calls", "endpoints": " ".join(sorted(set(hosts)))},
                    address=name,
                    base=root,
                )
        for (_, host), places in sorted(mirrors.items(), key=str):
            mirror = catalog.mirror(host)
            assert mirror is not None
            first, line = places[0]
            yield _asset(
                first,
                line,
                identity=f"mirror:{host}",
                kind="package-mirror",
                vendor=mirror.vendor,
                name=f"{mirror.name} ({host})",
                attributes={
                    "host": host,
                    "evidence": "resolved through",
                    "uses": str(len(places)),
                    "catalog_source": mirror.source,
                },
                address=host,
                base=root,
            )


def _order(item: tuple[tuple[Path, SdkPackage, Coordinates], Any]) -> tuple[str, str]:
    (project, _, found_at), _ = item
    return str(project), found_at.path


def _best(uses: list[tuple[Found, Package]]) -> tuple[Found, Package]:
    """The use to point at: a direct declaration with a version, else the first."""
    return min(
        uses,
        key=lambda use: (use[1].direct is not True, use[1].version is None, str(use[0].path)),
    )


def _sdk_asset(
    base: Path,
    project: Path,
    row: SdkPackage,
    found_at: Coordinates,
    uses: list[tuple[Found, Package]],
    data_class: str | None,
) -> Asset:
    found, package = _best(uses)
    directs = {use.direct for _, use in uses}
    scope = "direct" if True in directs else "transitive" if directs == {False} else "unknown"
    dev = all(use.dev for _, use in uses)
    bare = PackageURL(found_at.type, found_at.namespace or None, found_at.name).to_string()
    purl = PackageURL(
        found_at.type, found_at.namespace or None, found_at.name, package.version
    ).to_string()
    evidence = "ships" if scope == "direct" and not dev else "depends on"
    attributes = {
        "purl": purl,
        "version": package.version or "unknown",
        "product": row.product,
        "category": row.category.value,
        "scope": scope,
        "dev": "yes" if dev else "no",
        "ecosystem": found_at.type,
        "evidence": evidence,
        "catalog_source": row.source,
    }
    asset = _asset(
        found,
        package.line,
        identity=bare,
        kind="app-store" if row.category is SdkCategory.APP_STORE else "sdk",
        vendor=row.vendor,
        name=f"{row.product} ({found_at.path})",
        attributes=attributes,
        address=bare,
        base=base,
        project=project,
    )
    return asset.model_copy(update={"classification": data_class}) if data_class else asset


def _cloud_asset(
    base: Path, project: Path, vendor: str, found: Found, package: Package, row: SdkPackage
) -> Asset:
    provider, probe = CLOUDS[vendor]
    next_step = f"run the {probe} probe" if probe else "declare where its data is"
    asset = _asset(
        found,
        package.line,
        identity=f"cloud:{provider.value}",
        kind="cloud",
        vendor=vendor,
        name=f"{provider.value} API called by the code ({row.product})",
        attributes={
            "evidence": "calls",
            "product": row.product,
            "next_step": next_step,
            "location_note": (
                f"the code calls this cloud's API through {row.purl.removeprefix('pkg:')}; "
                f"where its data is cannot be read from code: {next_step} or declare it"
            ),
        },
        address=row.purl,
        base=base,
        project=project,
    )
    return asset.model_copy(update={"provider": provider, "region": None, "service": "api"})


def _repository_asset(
    base: Path, found: Found, url: str, line: int, row: VendorRepository, data_class: str | None
) -> Asset:
    asset = _asset(
        found,
        line,
        identity=f"repository:{row.url}",
        kind="sdk",
        vendor=row.vendor,
        name=row.product,
        attributes={
            "repository": url,
            "product": row.product,
            "category": row.category.value,
            "scope": "direct",
            "dev": "no",
            "evidence": "resolves packages from",
            "catalog_source": row.source,
        },
        address=row.url,
        base=base,
    )
    return asset.model_copy(update={"classification": data_class}) if data_class else asset


def _app_gallery_asset(base: Path, found: Found, line: int, what: str) -> Asset:
    return _asset(
        found,
        line,
        identity="app-store:huawei-appgallery",
        kind="app-store",
        vendor="huawei",
        name="Huawei AppGallery distribution",
        attributes={
            "evidence": "is set up for",
            "product": "AppGallery distribution",
            "detail": what,
            "category": "app-store",
            "scope": "direct",
            "dev": "no",
        },
        address="agconnect",
        base=base,
    )


def _asset(
    found: Found,
    line: int,
    *,
    identity: str,
    kind: str,
    vendor: str | None,
    name: str,
    attributes: dict[str, str],
    address: str,
    base: Path,
    project: Path | None = None,
) -> Asset:
    where = _shown(project or found.path.parent, base)
    path = _shown(found.path, base)
    return Asset(
        id=f"code:{where}:{identity}",
        provider=Provider.CODE,
        service=found.format,
        kind=kind,
        name=name,
        account=f"code:{where}",
        region=GLOBAL_REGION,
        vendor=vendor,
        attributes={**attributes, "file": f"{path}:{line}", "found_in": "code"},
        source=CodeLocation(path=path, start_line=line, end_line=line, address=address),
    )


def _shown(path: Path, base: Path) -> str:
    """As CI shows it: relative to the working directory (the repository root) when inside
    it, else relative to the directory scanned (so an identity does not depend on where
    the tree happens to be)."""
    for anchor in (Path.cwd(), base):
        try:
            return path.resolve().relative_to(anchor.resolve()).as_posix() or "."
        except ValueError:
            continue
    return path.as_posix()


def _check_lines(path: Path, text: str) -> None:
    """A line longer than any lockfile writes is refused before a line-by-line reader sees
    it (JSON and XML, often minified, go to linear parsers instead)."""
    if text.lstrip()[:1] in ("{", "[", "<"):
        return
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if end - start > MAX_LINE:
            line = text.count("\n", 0, start) + 1
            raise InputError(str(path), line, None, f"a line of over {MAX_LINE:,} characters")
        start = end + 1


def _gap(error: InputError) -> CoverageGap:
    where = f"{error.path}:{error.line}" if error.line else error.path
    return CoverageGap(
        probe="code",
        reason=GapReason.ERROR,
        service="code",
        resource=where,
        message=f"{where} was not read: {error.message}",
    )
