"""Where a module's source is, as Terraform finds it.

* A local source (``./x``, ``../../``) is relative to the calling module's directory, also
  above the scanned directory, but never beyond the repository root (the enclosing git work
  tree, else the scanned directory, or ``--terraform-repo-root``): a path, or a symlink,
  that leaves it is refused, never followed.
* A registry or git source is read from where ``terraform init`` put it: the root module's
  ``.terraform/modules/modules.json`` maps each module key (``a``, ``a.b``) to its
  directory. Without that file such a module is a gap telling to run ``terraform init``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

MANIFEST = Path(".terraform") / "modules" / "modules.json"


@dataclass(frozen=True)
class Found:
    directory: Path


@dataclass(frozen=True)
class Refused:
    why: str


def repository_root(scanned: Path, override: Path | None = None) -> Path:
    """The enclosing git work tree, else the scanned directory."""
    if override is not None:
        return override.resolve()
    start = scanned.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


class ModuleSources:
    """Resolves module sources for one root module."""

    def __init__(self, root_module: Path, repository: Path) -> None:
        self.root_module = root_module
        self.repository = repository.resolve()
        self._manifest: dict[str, Path] | None = None

    def locate(self, source: str, calling: Path, key: str) -> Found | Refused:
        if source.startswith(("./", "../")) or source in (".", ".."):
            target = (calling / source).resolve()  # resolves symlinks too
            if not _within(target, self.repository):
                return Refused(f"{source} leaves the repository ({self.repository})")
            if not target.is_dir() or not any(target.glob("*.tf")):
                return Refused(f"{source} has no .tf files")
            return Found(target)
        manifest = self.manifest()
        if key in manifest:
            target = manifest[key]
            if not _within(target, self.repository) or not target.is_dir():
                return Refused(f"{source} (from modules.json) is not inside the repository")
            return Found(target)
        if not manifest:
            return Refused(
                f"{source} is not in this repository: run terraform init (or terraform get) "
                "first, so its files are in .terraform/modules"
            )
        return Refused(f"{source} is not in .terraform/modules/modules.json (key {key})")

    def manifest(self) -> dict[str, Path]:
        if self._manifest is None:
            self._manifest = {}
            path = self.root_module / MANIFEST
            if path.is_file():
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    data = {}
                for entry in data.get("Modules", []) if isinstance(data, dict) else []:
                    if isinstance(entry, dict) and entry.get("Key") and entry.get("Dir"):
                        self._manifest[str(entry["Key"])] = (
                            self.root_module / str(entry["Dir"])
                        ).resolve()
        return self._manifest


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents
