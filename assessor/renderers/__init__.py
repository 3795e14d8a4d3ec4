"""Renderers turn an AuditResult into the bytes of one report format; one module each."""

from __future__ import annotations

from collections.abc import Callable

from assessor.models import AuditResult
from assessor.renderers import csv, html, json, junit, markdown, sarif

Renderer = Callable[[AuditResult], bytes]

RENDERERS: dict[str, tuple[str, Renderer]] = {
    "json": ("report.json", json.render),
    "html": ("report.html", html.render),
    "sarif": ("report.sarif", sarif.render),
    "junit": ("report.junit.xml", junit.render),
    "csv": ("report.csv", csv.render),
    "md": ("report.md", markdown.render),
}


def parse_formats(value: str) -> list[str]:
    """``html,json`` → ``["html", "json"]``; raises ValueError naming an unknown format."""
    formats = [part.strip().lower() for part in value.split(",") if part.strip()]
    unknown = [name for name in formats if name not in RENDERERS]
    if unknown or not formats:
        known = ", ".join(RENDERERS)
        raise ValueError(f"unknown format {', '.join(unknown) or value!r} (known: {known})")
    return list(dict.fromkeys(formats))
