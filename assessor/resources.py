"""Finds the data folders (rule packs, report templates) in a checkout or an installed wheel.

In the repository they are top-level folders (``rules/``, ``reports/``); the wheel carries
them under ``assessor/_data/`` (see pyproject.toml), next to the code.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"assessor data folder {name!r} is missing from this installation")
