"""Android and JVM builds: ``gradle.lockfile``, ``pom.xml``, ``build.gradle(.kts)``,
``libs.versions.toml`` and AppGallery Connect's ``agconnect-services.json``.

Build scripts are code: only their string literals are read (``"group:artifact:version"``,
a repository's URL, a plugin id), never evaluated; what they declare is direct.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeXml
from defusedxml import DefusedXmlException

from assessor.catalog.sdks import coordinates
from assessor.errors import InputError
from assessor.probes.code.found import Found, Lines, Package, Url

# Configurations only used to build or test (a test-only SDK does not ship).
_DEV_CONFIGURATION = re.compile(r"^(test|androidTest|debug|kapt|annotationProcessor|lint)", re.I)
AGCONNECT_PLUGIN = "com.huawei.agconnect"


def gradle_lockfile(path: Path, text: str, read: Any) -> Found:
    """``group:artifact:version=configuration,...`` per line (transitive ones included)."""
    found = Found(path, "gradle.lockfile")
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("#") or "=" not in line:
            continue
        module, _, configurations = line.partition("=")
        parts = module.strip().split(":")
        if len(parts) != 3:
            continue
        used = [c for c in configurations.split(",") if c.strip()]
        dev = bool(used) and all(_DEV_CONFIGURATION.match(c.strip()) for c in used)
        found.packages.append(
            Package(coordinates("maven", parts[0], parts[1]), parts[2], number, None, dev)
        )
    return found


_DEPENDENCY = re.compile(
    r"^\s*(?P<configuration>[A-Za-z]+)\s*[( ]\s*(?:platform\s*\(\s*)?[\"']"
    r"(?P<group>[\w.\-]+):(?P<artifact>[\w.\-]+)(?::(?P<version>[^\"'@:]+))?[^\"']*[\"']"
)
_REPOSITORY = re.compile(
    r"(?:url|uri|maven)\s*[=(]?\s*(?:uri\s*\(\s*)?[\"'](?P<url>https?://[^\"']+)[\"']"
)
_PLUGIN = re.compile(
    r"(?:id\s*[( ]\s*|apply\s+plugin\s*:\s*|classpath\s*[( ]\s*)[\"']"
    r"(?P<id>[\w.\-]+)(?::[^\"']*)?[\"']"
)


def gradle_build(path: Path, text: str, read: Any) -> Found:
    """``build.gradle`` and ``build.gradle.kts``: dependency strings, repository URLs, and
    the AppGallery Connect plugin (by id or by its classpath)."""
    found = Found(path, path.name)
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("//"):
            continue
        match = _DEPENDENCY.match(line)
        if match and match.group("configuration") != "classpath":
            dev = bool(_DEV_CONFIGURATION.match(match.group("configuration")))
            found.packages.append(
                Package(
                    coordinates("maven", match.group("group"), match.group("artifact")),
                    match.group("version"),
                    number,
                    True,
                    dev,
                )
            )
        for repository in _REPOSITORY.finditer(line):
            found.urls.append(Url(repository.group("url"), number))
        plugin = _PLUGIN.search(line)
        if (
            plugin and plugin.group("id") in (AGCONNECT_PLUGIN, f"{AGCONNECT_PLUGIN}:agcp")
        ) or "com.huawei.agconnect:agcp" in line:
            found.app_gallery.append((number, f"the {AGCONNECT_PLUGIN} Gradle plugin"))
    return found


def version_catalog(path: Path, text: str, read: Any) -> Found:
    """``gradle/libs.versions.toml``: ``[libraries]`` and ``[plugins]``."""
    found = Found(path, "libs.versions.toml")
    lines = Lines(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(str(path), None, None, f"invalid TOML: {error}") from None
    versions = data.get("versions") or {}
    for alias, entry in (data.get("libraries") or {}).items():
        module, version = _library(entry, versions)
        if module is None or module.count(":") != 1:
            continue
        group, artifact = module.split(":")
        line = lines.find(f"{alias} =", lines.find(module))
        found.packages.append(
            Package(coordinates("maven", group, artifact), version, line, True, False)
        )
    for alias, entry in (data.get("plugins") or {}).items():
        plugin = entry.get("id") if isinstance(entry, dict) else str(entry).split(":")[0]
        if plugin == AGCONNECT_PLUGIN:
            found.app_gallery.append((lines.find(f"{alias} ="), f"the {AGCONNECT_PLUGIN} plugin"))
    return found


def _library(entry: Any, versions: dict[str, Any]) -> tuple[str | None, str | None]:
    if isinstance(entry, str):
        parts = entry.split(":")
        return ":".join(parts[:2]), parts[2] if len(parts) > 2 else None
    if not isinstance(entry, dict):
        return None, None
    module = entry.get("module") or (
        f"{entry['group']}:{entry['name']}" if entry.get("group") and entry.get("name") else None
    )
    version = entry.get("version")
    if isinstance(version, dict):
        version = (
            versions.get(version.get("ref", "")) if "ref" in version else version.get("strictly")
        )
    return module, str(version) if isinstance(version, str) else None


def pom(path: Path, text: str, read: Any) -> Found:
    """``pom.xml``: dependencies (``test`` and ``provided`` scopes are build-only) and
    repositories, read without expanding entities."""
    found = Found(path, "pom.xml")
    lines = Lines(text)
    where = lines.first(r"<artifactId>\s*([^<\s]+)\s*</artifactId>")
    root = parse_xml(path, text)
    for element in root.iter():
        tag = _local(element.tag)
        if tag == "dependency":
            group, artifact = _child(element, "groupId"), _child(element, "artifactId")
            if not group or not artifact:
                continue
            version = _child(element, "version")
            scope = _child(element, "scope") or "compile"
            found.packages.append(
                Package(
                    coordinates("maven", group, artifact),
                    None if not version or "${" in version else version,
                    where.get(artifact, 1),
                    True,
                    scope in ("test", "provided"),
                )
            )
        elif tag == "repository":
            url = _child(element, "url")
            if url:
                found.urls.append(Url(url, lines.find(url)))
    return found


def agconnect_services(path: Path, text: str, read: Any) -> Found:
    """The app's AppGallery Connect configuration: distributed through Huawei AppGallery."""
    found = Found(path, "agconnect-services.json")
    found.app_gallery.append((1, "agconnect-services.json (AppGallery Connect configuration)"))
    return found


def parse_xml(path: Path, text: str) -> Element:
    """XML with DTDs, entities and external references refused (defusedxml)."""
    try:
        root: Element = SafeXml.fromstring(text, forbid_dtd=True)
    except DefusedXmlException as error:
        raise InputError(str(path), None, None, f"refused XML: {type(error).__name__}") from None
    except SafeXml.ParseError as error:
        line = error.position[0] if getattr(error, "position", None) else None
        raise InputError(str(path), line, None, f"invalid XML: {error}") from None
    return root


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _child(element: Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name and child.text:
            return child.text.strip()
    return None
