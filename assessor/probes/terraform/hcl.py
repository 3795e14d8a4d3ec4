"""Reads ``.tf`` files with python-hcl2: each top-level block with its labels, body and lines.

python-hcl2 gives plain values (``SerializationOptions``) but no line numbers, so the file is
parsed once into a lark tree, whose top-level blocks carry their line ranges, and the same
tree is serialized into values; both list the blocks in file order, so they pair up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions
from lark.exceptions import LarkError, UnexpectedInput

from assessor.errors import InputError
from assessor.inputs import read_text

_OPTIONS = SerializationOptions(
    strip_string_quotes=True, explicit_blocks=False, with_comments=False
)
# How many labels each top-level block type has.
LABELS = {"resource": 2, "data": 2, "provider": 1, "variable": 1, "module": 1, "output": 1}
WAIVE = re.compile(
    r"#\s*assessor:waive\s+(?P<rule>\S+)"
    r"(?:\s+reason=\"(?P<reason>[^\"]*)\")?(?:\s+expires=(?P<expires>\d{4}-\d{2}-\d{2}))?"
)


@dataclass(frozen=True)
class InlineWaiver:
    rule: str
    reason: str
    expires: date
    line: int


@dataclass
class Block:
    """One top-level block: ``resource "aws_s3_bucket" "data" { ... }``."""

    kind: str
    labels: tuple[str, ...]
    body: dict[str, Any]
    path: Path
    start_line: int
    end_line: int
    waivers: list[InlineWaiver] = field(default_factory=list)


class HclError(Exception):
    def __init__(self, path: Path, line: int | None, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.message = message


def read_blocks(path: Path) -> list[Block]:
    try:
        text = read_text(path)
    except InputError as error:
        raise HclError(path, error.line, error.message) from None
    try:
        tree = hcl2.parses_to_tree(text)
        values = hcl2.serialize(hcl2.transform(tree), serialization_options=_OPTIONS)
    except UnexpectedInput as error:
        raise HclError(path, getattr(error, "line", None), str(error).splitlines()[0]) from None
    except (LarkError, ValueError, TypeError) as error:
        raise HclError(path, None, str(error).splitlines()[0]) from None
    except RecursionError:
        # python-hcl2 transforms the parse tree recursively: a hostile nesting is refused.
        raise HclError(path, None, "nested too deeply to read") from None
    body = tree.children[0]
    spans = [
        (str(child.children[0].children[0]), child.meta.line, child.meta.end_line)
        for child in body.children
        if getattr(child, "data", None) == "block"
    ]
    seen: dict[str, int] = {}
    lines = text.splitlines()
    blocks = []
    for kind, start, end in spans:
        entries = values.get(kind, [])
        index = seen.get(kind, 0)
        seen[kind] = index + 1
        if index >= len(entries):
            continue
        labels, block_body = _unwrap(entries[index], LABELS.get(kind, 0))
        blocks.append(
            Block(kind, labels, block_body, path, start, end, _waivers_above(lines, start))
        )
    return blocks


def _unwrap(entry: Any, count: int) -> tuple[tuple[str, ...], dict[str, Any]]:
    """``{"aws_s3_bucket": {"data": {...}}}``, two labels → ``("aws_s3_bucket", "data"), {...}``."""
    labels: list[str] = []
    current = entry
    for _ in range(count):
        if not (isinstance(current, dict) and len(current) == 1):
            break
        key, current = next(iter(current.items()))
        labels.append(key)
    return tuple(labels), current if isinstance(current, dict) else {}


def _waivers_above(lines: list[str], start: int) -> list[InlineWaiver]:
    """``# assessor:waive RULE reason="..." expires=YYYY-MM-DD`` on the block's first line or
    in the comment lines directly above it."""
    found = []
    candidates = [start]
    line = start - 1
    while line >= 1 and lines[line - 1].strip().startswith(("#", "//")):
        candidates.append(line)
        line -= 1
    for number in candidates:
        match = WAIVE.search(lines[number - 1]) if number - 1 < len(lines) else None
        if match:
            expires = match.group("expires")
            found.append(
                InlineWaiver(
                    rule=match.group("rule"),
                    reason=match.group("reason") or "waived in code",
                    expires=date.fromisoformat(expires) if expires else date(9999, 12, 31),
                    line=number,
                )
            )
    return found
