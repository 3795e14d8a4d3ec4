"""SBOMs: CycloneDX JSON and XML, SPDX JSON and tag-value. Each component or package with
a purl is a package; the dependency graph, where the SBOM has one, says which are direct."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from assessor.catalog.sdks import parse_purl
from assessor.probes.code.found import Found, Lines, Package, json_object
from assessor.probes.code.jvm import _child, _local, parse_xml


def _package(purl: str, line: int, direct: bool | None, dev: bool = False) -> Package | None:
    try:
        found, version = parse_purl(purl)
    except ValueError:
        return None
    return Package(found, version, line, direct, dev)


def cyclonedx_json(path: Path, text: str, read: Any) -> Found:
    found = Found(path, "CycloneDX")
    lines = Lines(text)
    data = json_object(path, text, "an SBOM")
    root = ((data.get("metadata") or {}).get("component") or {}).get("bom-ref")
    graph = {
        entry.get("ref"): set(entry.get("dependsOn") or ())
        for entry in data.get("dependencies") or ()
        if isinstance(entry, dict)
    }
    direct_refs = graph.get(root) if root in graph else None
    where = lines.first(r'"purl"\s*:\s*"([^"]+)"')
    stack = list(data.get("components") or ())
    while stack:
        component = stack.pop()
        if not isinstance(component, dict):
            continue
        stack.extend(component.get("components") or ())
        purl = component.get("purl")
        if not isinstance(purl, str):
            continue
        direct = None if direct_refs is None else component.get("bom-ref") in direct_refs
        dev = component.get("scope") == "excluded"
        package = _package(purl, where.get(purl, 1), direct, dev)
        if package is not None:
            found.packages.append(package)
    services = list(data.get("services") or ())
    while services:
        service = services.pop()
        if not isinstance(service, dict):
            continue
        services.extend(service.get("services") or ())
        hosts = [_host(str(url)) for url in service.get("endpoints") or ()]
        if any(hosts):
            name = str(service.get("name") or "service")
            line = lines.find(f'"name": "{name}"') if name else 1
            found.services.append((line, name, [host for host in hosts if host]))
    return found


def _host(url: str) -> str:
    """The host an endpoint URL names (the URL itself when it has no scheme)."""
    parts = urlsplit(url if "://" in url else f"//{url}")
    return (parts.hostname or "").lower()


def cyclonedx_xml(path: Path, text: str, read: Any) -> Found:
    found = Found(path, "CycloneDX")
    where = Lines(text).first(r"<purl>\s*([^<\s]+)\s*</purl>")
    for element in parse_xml(path, text).iter():
        if _local(element.tag) != "component":
            continue
        purl = _child(element, "purl")
        if purl:
            dev = _child(element, "scope") == "excluded"
            package = _package(purl, where.get(purl, 1), None, dev)
            if package is not None:
                found.packages.append(package)
    return found


def spdx_json(path: Path, text: str, read: Any) -> Found:
    found = Found(path, "SPDX")
    lines = Lines(text)
    data = json_object(path, text, "an SBOM")
    where = lines.first(r'"referenceLocator"\s*:\s*"([^"]+)"')
    for package in data.get("packages") or ():
        for reference in (package or {}).get("externalRefs") or ():
            if isinstance(reference, dict) and reference.get("referenceType") == "purl":
                locator = str(reference.get("referenceLocator") or "")
                match = _package(locator, where.get(locator, 1), None)
                if match is not None:
                    found.packages.append(match)
    return found


def spdx_tag_value(path: Path, text: str, read: Any) -> Found:
    """``ExternalRef: PACKAGE-MANAGER purl pkg:...`` (also ``PACKAGE_MANAGER``)."""
    found = Found(path, "SPDX")
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("ExternalRef:"):
            continue
        parts = line.split()
        if len(parts) >= 4 and parts[2] == "purl":
            package = _package(parts[3], number, None)
            if package is not None:
                found.packages.append(package)
    return found


def sbom(path: Path, text: str, read: Any) -> Found:
    """A ``.json``/``.xml``/``.spdx`` file that may be an SBOM, told by its content."""
    head = text[:4096]
    if path.suffix == ".spdx" or head.startswith("SPDXVersion:"):
        return spdx_tag_value(path, text, read)
    if path.suffix == ".xml":
        return cyclonedx_xml(path, text, read)
    if '"spdxVersion"' in head or '"SPDXID"' in head:
        return spdx_json(path, text, read)
    return cyclonedx_json(path, text, read)
