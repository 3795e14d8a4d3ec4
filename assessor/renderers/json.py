"""report.json: the whole AuditResult, with sorted keys so equal results give equal bytes."""

from __future__ import annotations

import json

from assessor.models import AuditResult
from assessor.renderers.base import NO_CONTEXT, ReportContext


def render(result: AuditResult, context: ReportContext = NO_CONTEXT) -> bytes:
    """The whole result as deterministic JSON (sorted keys): the machine-readable report."""
    data = result.model_dump(mode="json")
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
