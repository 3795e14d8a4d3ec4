"""report.json: the whole AuditResult, with sorted keys so equal results give equal bytes.

Written as it is rendered: the arrays that grow with the estate (assets, findings, risks)
are encoded one element at a time, one element per line, so a million assets need the
memory of one element, not of the whole document as dicts and then as text (4 GiB for
200,000 assets when it was dumped whole). Everything else is indented by two spaces.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from pydantic import BaseModel

from assessor.models import AuditResult
from assessor.renderers.base import NO_CONTEXT, ReportContext

# The fields whose length follows the estate's size.
STREAMED = ("assets", "findings", "risks")
_BATCH = 1000  # elements per chunk: few writes, little held


def render(result: AuditResult, context: ReportContext = NO_CONTEXT) -> bytes:
    """The whole result as deterministic JSON (sorted keys): the machine-readable report."""
    return b"".join(chunks(result, context))


def chunks(result: AuditResult, context: ReportContext = NO_CONTEXT) -> Iterator[bytes]:
    """:func:`render`'s bytes in pieces, built as they are written."""
    rest = result.model_dump(mode="json", exclude=set(STREAMED))
    keys = sorted([*rest, *STREAMED])
    yield b"{\n"
    for position, key in enumerate(keys):
        comma = "," if position < len(keys) - 1 else ""
        head = f"  {json.dumps(key)}: "
        if key in STREAMED:
            yield from _array(head, getattr(result, key), comma)
        else:
            text = json.dumps(rest[key], indent=2, sort_keys=True, ensure_ascii=False)
            yield f"{head}{text.replace(chr(10), chr(10) + '  ')}{comma}\n".encode()
    yield b"}\n"


def _array(head: str, items: Sequence[BaseModel], comma: str) -> Iterator[bytes]:
    if not items:
        yield f"{head}[]{comma}\n".encode()
        return
    yield f"{head}[\n".encode()
    last = len(items) - 1
    for start in range(0, len(items), _BATCH):
        lines = [
            "    "
            + json.dumps(item.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
            + (",\n" if position < last else "\n")
            for position, item in enumerate(items[start : start + _BATCH], start)
        ]
        yield "".join(lines).encode()
    yield f"  ]{comma}\n".encode()
