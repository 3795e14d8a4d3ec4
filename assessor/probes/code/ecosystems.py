"""Python, Go, Flutter, CocoaPods and SwiftPM: ``requirements*.txt``, ``poetry.lock``,
``uv.lock``, ``Pipfile.lock``, ``pip.conf``, ``go.mod``, ``go.sum``, ``pubspec.lock``,
``Podfile.lock`` and ``Package.resolved``."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from assessor.catalog.sdks import coordinates
from assessor.errors import InputError
from assessor.probes.code.found import Found, Lines, Package, Url, json_object
from assessor.probes.code.javascript import _yaml

_REQUIREMENT = re.compile(
    r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:===?\s*([^\s;,#]+))?"
)
_INDEX = re.compile(r"^\s*(?:-i|--index-url|--extra-index-url)[\s=]+(\S+)")


def requirements(path: Path, text: str, read: Any) -> Found:
    found = Found(path, path.name)
    dev = bool(re.search(r"dev|test", path.name))
    for number, line in enumerate(text.splitlines(), 1):
        index = _INDEX.match(line)
        if index:
            found.urls.append(Url(index.group(1), number))
            continue
        if line.lstrip().startswith(("#", "-")) or "://" in line:
            continue
        match = _REQUIREMENT.match(line)
        if match:
            found.packages.append(
                Package(
                    coordinates("pypi", None, match.group(1)), match.group(2), number, True, dev
                )
            )
    return found


def pip_conf(path: Path, text: str, read: Any) -> Found:
    found = Found(path, path.name)
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(r"^\s*(?:extra-)?index-url\s*=\s*(\S+)", line)
        if match:
            found.urls.append(Url(match.group(1), number))
    return found


def _toml(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(str(path), None, None, f"invalid TOML: {error}") from None


def python_lock(path: Path, text: str, read: Any) -> Found:
    """``poetry.lock`` and ``uv.lock``: ``[[package]]`` tables; a package's source URL is
    where it was resolved."""
    found = Found(path, path.name)
    where = Lines(text).first(r'^name = "([^"]+)"')
    for entry in _toml(path, text).get("package") or ():
        if not isinstance(entry, dict) or not entry.get("name"):
            continue
        source = entry.get("source") or {}
        url = source.get("registry") or source.get("url") if isinstance(source, dict) else None
        found.packages.append(
            Package(
                coordinates("pypi", None, str(entry["name"])),
                str(entry.get("version")) if entry.get("version") else None,
                where.get(str(entry["name"]), 1),
                None,
                entry.get("category") == "dev",
                url if isinstance(url, str) else None,
            )
        )
    return found


def pipfile_lock(path: Path, text: str, read: Any) -> Found:
    found = Found(path, "Pipfile.lock")
    lines = Lines(text)
    data = json_object(path, text, "a Pipfile.lock")
    for source in (data.get("_meta") or {}).get("sources") or ():
        if isinstance(source, dict) and isinstance(source.get("url"), str):
            found.urls.append(Url(source["url"], lines.find(source["url"])))
    where = lines.first(r'^\s*"([^"]+)":\s*\{')
    for section, dev in (("default", False), ("develop", True)):
        for name, entry in (data.get(section) or {}).items():
            version = entry.get("version", "") if isinstance(entry, dict) else ""
            found.packages.append(
                Package(
                    coordinates("pypi", None, name),
                    str(version).lstrip("=") or None,
                    where.get(name, 1),
                    None,
                    dev,
                )
            )
    return found


def go_mod(path: Path, text: str, read: Any) -> Found:
    """``go.mod`` requirements (``// indirect`` ones are transitive) and ``go.sum`` lines."""
    found = Found(path, path.name)
    block = False
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if path.name == "go.mod":
            if stripped.startswith("require ("):
                block = True
                continue
            if block and stripped == ")":
                block = False
                continue
            if not (block or stripped.startswith("require ")):
                continue
            stripped = stripped.removeprefix("require ").strip()
        parts = stripped.split()
        if len(parts) < 2 or "." not in parts[0].split("/")[0]:
            continue
        module, version = parts[0], parts[1].removesuffix("/go.mod")
        if module in seen:
            continue
        seen.add(module)
        namespace, _, name = module.rpartition("/")
        direct = None if path.name == "go.sum" else "// indirect" not in line
        found.packages.append(
            Package(coordinates("golang", namespace, name), version, number, direct, False)
        )
    return found


def pubspec_lock(path: Path, text: str, read: Any) -> Found:
    found = Found(path, "pubspec.lock")
    where = Lines(text).first(r"^  ([^\s:]+):\s*$")
    for name, entry in (_yaml(path, text).get("packages") or {}).items():
        if not isinstance(entry, dict):
            continue
        kind = str(entry.get("dependency") or "")
        description = entry.get("description")
        url = description.get("url") if isinstance(description, dict) else None
        found.packages.append(
            Package(
                coordinates("pub", None, str(name)),
                str(entry.get("version")) if entry.get("version") else None,
                where.get(str(name), 1),
                kind.startswith("direct"),
                kind == "direct dev",
                url if isinstance(url, str) else None,
            )
        )
    return found


_POD = re.compile(r"^([^\s(]+)(?:\s+\(([^)]+)\))?")


def podfile_lock(path: Path, text: str, read: Any) -> Found:
    """``PODS:`` entries ``Name/Subspec (version)``; ``DEPENDENCIES:`` are direct."""
    found = Found(path, "Podfile.lock")
    where = Lines(text).first(r"^  - \"?([^\s(\"]+)")
    data = _yaml(path, text)
    direct = set()
    for entry in data.get("DEPENDENCIES") or ():
        match = _POD.match(str(entry))
        if match:
            direct.add(match.group(1).split("/")[0])
    seen: set[str] = set()
    for entry in data.get("PODS") or ():
        label = next(iter(entry)) if isinstance(entry, dict) and entry else entry
        match = _POD.match(str(label))
        if not match:
            continue
        name = match.group(1).split("/")[0]
        if name in seen:
            continue
        seen.add(name)
        found.packages.append(
            Package(
                coordinates("cocoapods", None, name),
                match.group(2),
                where.get(match.group(1), 1),
                name in direct,
                False,
            )
        )
    return found


def package_resolved(path: Path, text: str, read: Any) -> Found:
    """SwiftPM ``Package.resolved`` v1 (``object.pins``) and v2/v3 (``pins``)."""
    found = Found(path, "Package.resolved")
    lines = Lines(text)
    data = json_object(path, text, "a Package.resolved")
    pins = data.get("pins") or (data.get("object") or {}).get("pins") or ()
    for pin in pins:
        if not isinstance(pin, dict):
            continue
        location = str(pin.get("location") or pin.get("repositoryURL") or "")
        match = re.match(r"^(?:https?://|git@)([^/:]+)[/:](.+?)(?:\.git)?/?$", location)
        if not match:
            continue
        owner, _, name = f"{match.group(1)}/{match.group(2)}".rpartition("/")
        state = pin.get("state") or {}
        found.packages.append(
            Package(
                coordinates("swift", owner, name),
                state.get("version") if isinstance(state, dict) else None,
                lines.find(location),
                None,
                False,
            )
        )
    return found
