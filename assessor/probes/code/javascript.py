"""npm, Yarn and pnpm lockfiles, and the registry an ``.npmrc`` or ``.yarnrc`` names.

Which packages are direct comes from the lockfile where it says (``packages[""]`` of a v2/v3
``package-lock.json``, pnpm's ``importers``), else from the ``package.json`` beside it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from assessor.catalog.sdks import coordinates
from assessor.errors import InputError
from assessor.probes.code.found import Found, Lines, Package, Url


def _npm(name: str) -> tuple[str | None, str]:
    scope, _, rest = name.rpartition("/")
    return (scope or None), rest


def _manifest_names(directory: Path, read: Any) -> tuple[set[str], set[str]] | None:
    """(runtime, dev) dependency names of the package.json beside a lockfile."""
    manifest = directory / "package.json"
    if not manifest.is_file():
        return None
    try:
        data = json.loads(read(manifest))
    except (ValueError, InputError):
        return None
    if not isinstance(data, dict):
        return None
    runtime = {*(data.get("dependencies") or {}), *(data.get("optionalDependencies") or {})}
    return runtime, set(data.get("devDependencies") or {})


def package_lock(path: Path, text: str, read: Any) -> Found:
    found = Found(path, "package-lock.json")
    lines = Lines(text)
    try:
        data = json.loads(text)
    except ValueError as error:
        raise InputError(str(path), getattr(error, "lineno", None), None, "invalid JSON") from None
    if not isinstance(data, dict):
        raise InputError(str(path), 1, None, "not a package-lock.json")
    packages = data.get("packages")
    root = (packages or {}).get("") if isinstance(packages, dict) else None
    names = _manifest_names(path.parent, read)
    if isinstance(root, dict):
        names = (
            {*(root.get("dependencies") or {}), *(root.get("optionalDependencies") or {})},
            set(root.get("devDependencies") or {}),
        )
    if isinstance(packages, dict):  # lockfileVersion 2 and 3
        where = lines.first(r'"(node_modules/[^"]+)"\s*:')
        for key, entry in packages.items():
            if not key or not isinstance(entry, dict) or "node_modules/" not in key:
                continue
            name = str(entry.get("name") or key.rsplit("node_modules/", 1)[1])
            top = key.count("node_modules/") == 1
            found.packages.append(
                _package(name, entry, where.get(key, 1), names, top, entry.get("dev"))
            )
    else:  # lockfileVersion 1: a tree of "dependencies"
        where = lines.first(r'"([^"]+)":\s*\{')
        stack = [(data.get("dependencies") or {}, True)]
        while stack:
            level, top = stack.pop()
            for name, entry in level.items() if isinstance(level, dict) else ():
                if not isinstance(entry, dict):
                    continue
                line = where.get(name, 1)
                found.packages.append(_package(name, entry, line, names, top, entry.get("dev")))
                stack.append((entry.get("dependencies") or {}, False))
    return found


def _package(
    name: str,
    entry: dict[str, Any],
    line: int,
    names: tuple[set[str], set[str]] | None,
    top: bool,
    dev: Any,
) -> Package:
    direct = None
    if names is not None:
        direct = top and (name in names[0] or name in names[1])
        dev = dev or (top and name in names[1] and name not in names[0])
    scope, bare = _npm(name)
    resolved = entry.get("resolved")
    return Package(
        coordinates("npm", scope, bare),
        str(entry["version"]) if entry.get("version") else None,
        line,
        direct,
        bool(dev),
        resolved if isinstance(resolved, str) else None,
    )


_YARN_KEY = re.compile(r'^"?(@?[^@"\s,]+)@')


def yarn_lock(path: Path, text: str, read: Any) -> Found:
    """Yarn v1 (its own format) and berry (YAML): entries keyed ``name@range``."""
    found = Found(path, "yarn.lock")
    names = _manifest_names(path.parent, read)
    name = None
    start = 0
    version = resolved = None

    def flush() -> None:
        if name is None:
            return
        direct = None if names is None else (name in names[0] or name in names[1])
        dev = names is not None and name in names[1] and name not in names[0]
        scope, bare = _npm(name)
        found.packages.append(
            Package(coordinates("npm", scope, bare), version, start, direct, dev, resolved)
        )

    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if not raw.startswith((" ", "\t")):
            flush()
            match = _YARN_KEY.match(raw)
            name = match.group(1) if match and raw.rstrip().endswith(":") else None
            start, version, resolved = number, None, None
            continue
        key, _, value = raw.strip().partition(" ")
        value = value.strip().strip('"')
        if key.rstrip(":") == "version":
            version = value
        elif key.rstrip(":") in ("resolved", "resolution"):
            resolved = value if "://" in value else resolved
    flush()
    return found


def pnpm_lock(path: Path, text: str, read: Any) -> Found:
    found = Found(path, "pnpm-lock.yaml")
    lines = Lines(text)
    data = _yaml(path, text)
    importers = data.get("importers") or {".": data}
    runtime: set[str] = set()
    dev: set[str] = set()
    for importer in importers.values() if isinstance(importers, dict) else ():
        if isinstance(importer, dict):
            runtime |= set(importer.get("dependencies") or {})
            runtime |= set(importer.get("optionalDependencies") or {})
            dev |= set(importer.get("devDependencies") or {})
    where = lines.first(r"^  '?([^'\s][^'\n]*?)'?:\s*$")
    for key, entry in (data.get("packages") or {}).items():
        text_key = str(key).lstrip("/")
        # v9: name@version; v6: /name@version; v5: /name/version
        name, _, version = text_key.rpartition("@") if "@" in text_key[1:] else (text_key, "", "")
        if not name:
            name, _, version = text_key.rpartition("/")
        version = version.split("(")[0]
        scope, bare = _npm(name)
        entry = entry if isinstance(entry, dict) else {}
        tarball = (entry.get("resolution") or {}).get("tarball")
        found.packages.append(
            Package(
                coordinates("npm", scope, bare),
                version or None,
                where.get(str(key), 1),
                name in runtime or name in dev,
                bool(entry.get("dev")) or (name in dev and name not in runtime),
                tarball if isinstance(tarball, str) else None,
            )
        )
    return found


def npm_registry(path: Path, text: str, read: Any) -> Found:
    """``.npmrc`` ``registry=URL``, ``.yarnrc`` ``registry "URL"``, ``.yarnrc.yml``
    ``npmRegistryServer: URL``."""
    found = Found(path, path.name)
    for number, line in enumerate(text.splitlines(), 1):
        match = re.search(r"(?:registry\s*[= ]|npmRegistryServer:)\s*\"?([^\s\"']+)", line)
        if match and "://" in match.group(1):
            found.urls.append(Url(match.group(1), number))
    return found


def _yaml(path: Path, text: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        raise InputError(str(path), mark.line + 1 if mark else None, None, "invalid YAML") from None
    except yaml.YAMLError:
        raise InputError(str(path), None, None, "invalid YAML") from None
    if not isinstance(data, dict):
        raise InputError(str(path), 1, None, "not a lockfile")
    return data
