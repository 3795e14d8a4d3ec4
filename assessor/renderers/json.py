"""report.json: the whole AuditResult, with sorted keys so equal results give equal bytes."""

from __future__ import annotations

import json

from assessor.models import AuditResult


def render(result: AuditResult) -> bytes:
    data = result.model_dump(mode="json")
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
