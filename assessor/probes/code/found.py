"""What a reader finds in one file: packages with where they are written, the
repositories and registries a build names, and AppGallery evidence. Readers only read;
:mod:`assessor.probes.code.probe` matches what they find against the SDK catalog."""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assessor.catalog.sdks import Coordinates
from assessor.errors import InputError


@dataclass(frozen=True)
class Package:
    """A package a file names: ``direct`` is None when the file cannot tell."""

    coordinates: Coordinates
    version: str | None
    line: int
    direct: bool | None = None
    dev: bool = False
    resolved: str | None = None  # where the build downloaded it from


@dataclass(frozen=True)
class Url:
    """A repository or registry a build file names (``maven { url ... }``, ``-i URL``)."""

    url: str
    line: int


@dataclass
class Found:
    """Everything one file says."""

    path: Path
    format: str
    packages: list[Package] = field(default_factory=list)
    urls: list[Url] = field(default_factory=list)
    app_gallery: list[tuple[int, str]] = field(default_factory=list)  # (line, what)
    # External services an SBOM says the software calls: (line, name, endpoint hosts).
    services: list[tuple[int, str, list[str]]] = field(default_factory=list)


class Lines:
    """Line numbers of offsets in a text, and of the first place a string is written."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        position = text.find("\n")
        while position >= 0:
            self.starts.append(position + 1)
            position = text.find("\n", position + 1)

    def of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def first(self, pattern: str, flags: int = re.M) -> dict[str, int]:
        """For each text ``pattern``'s first group takes, the line it first appears on: one
        pass over the file, however many packages it lists."""
        found: dict[str, int] = {}
        for match in re.finditer(pattern, self.text, flags):
            found.setdefault(match.group(1), self.of(match.start(1)))
        return found

    def find(self, needle: str, default: int = 1) -> int:
        """The line ``needle`` is first written on (``default`` when it is not)."""
        offset = self.text.find(needle)
        return self.of(offset) if offset >= 0 else default


def json_object(path: Path, text: str, what: str) -> dict[str, Any]:
    """A JSON file whose top level is an object (``what`` names the kind expected)."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise InputError(str(path), getattr(error, "lineno", None), None, "invalid JSON") from None
    except RecursionError:
        raise InputError(str(path), None, None, "nested too deeply") from None
    if not isinstance(data, dict):
        raise InputError(str(path), 1, None, f"not {what}")
    return data
