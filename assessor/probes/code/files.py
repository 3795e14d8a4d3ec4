"""Which reader reads which file, and the walk that finds them in a tree.

Files are told by name, as package managers name them; an SBOM by its conventional names
(``bom.json``, ``*.cdx.json``, ``*.spdx.json``, ``*.spdx``) or, when named directly, by its
content. Directories that hold installed copies of packages, not declarations
(``node_modules``, ``Pods``, ``.gradle``, virtual environments), are not entered.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from assessor.inputs import Limits
from assessor.probes.code import ecosystems, javascript, jvm, sboms
from assessor.probes.code.found import Found

Reader = Callable[[Path, str, Any], Found]

READERS: dict[str, Reader] = {
    "package-lock.json": javascript.package_lock,
    "npm-shrinkwrap.json": javascript.package_lock,
    "yarn.lock": javascript.yarn_lock,
    "pnpm-lock.yaml": javascript.pnpm_lock,
    ".npmrc": javascript.npm_registry,
    ".yarnrc": javascript.npm_registry,
    ".yarnrc.yml": javascript.npm_registry,
    "gradle.lockfile": jvm.gradle_lockfile,
    "build.gradle": jvm.gradle_build,
    "build.gradle.kts": jvm.gradle_build,
    "settings.gradle": jvm.gradle_build,
    "settings.gradle.kts": jvm.gradle_build,
    "libs.versions.toml": jvm.version_catalog,
    "pom.xml": jvm.pom,
    "agconnect-services.json": jvm.agconnect_services,
    "poetry.lock": ecosystems.python_lock,
    "uv.lock": ecosystems.python_lock,
    "Pipfile.lock": ecosystems.pipfile_lock,
    "pip.conf": ecosystems.pip_conf,
    "pip.ini": ecosystems.pip_conf,
    "go.mod": ecosystems.go_mod,
    "go.sum": ecosystems.go_mod,
    "pubspec.lock": ecosystems.pubspec_lock,
    "Podfile.lock": ecosystems.podfile_lock,
    "Package.resolved": ecosystems.package_resolved,
}
_SBOM_NAME = re.compile(
    r"^(?:bom|sbom)\.(?:json|xml)$|\.(?:cdx|bom|sbom)\.(?:json|xml)$|\.spdx(?:\.json)?$", re.I
)
SKIPPED = frozenset(
    {"node_modules", "Pods", ".gradle", ".git", ".venv", "venv", ".terraform", ".dart_tool"}
)
# Lockfiles and build files are small; SBOMs of container images reach tens of megabytes.
FILE_LIMITS = Limits(max_bytes=64 * 1024 * 1024)
SBOM_LIMITS = Limits(max_bytes=512 * 1024 * 1024)
# One line of a lockfile is never this long: a longer one is refused before it is parsed.
MAX_LINE = 1024 * 1024


def reader_for(path: Path, named: bool = False) -> Reader | None:
    """The reader of a file, by its name (by content too when it was named directly)."""
    name = path.name
    if name in READERS:
        return READERS[name]
    if name.startswith("requirements") and name.endswith(".txt"):
        return ecosystems.requirements
    if _SBOM_NAME.search(name) or (named and path.suffix.lower() in (".json", ".xml")):
        return sboms.sbom
    return None


def limits_for(reader: Reader) -> Limits:
    return SBOM_LIMITS if reader is sboms.sbom else FILE_LIMITS


def walk(base: Path) -> Iterator[tuple[Path, Reader]]:
    """Every file a reader reads under ``base``, in a stable order (symlinks not followed)."""
    for directory, subdirectories, files in os.walk(base):
        subdirectories[:] = sorted(d for d in subdirectories if d not in SKIPPED)
        for name in sorted(files):
            path = Path(directory) / name
            reader = reader_for(path)
            if reader is not None and not path.is_symlink():
                yield path, reader
