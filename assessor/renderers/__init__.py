"""Renderers turn an AuditResult into the bytes of one report format; one module each.

The registry below is the one table of formats: their file names and media types serve
writing reports and publishing them alike.
"""

from __future__ import annotations

from assessor.renderers import csv, html, json, junit, markdown, sarif
from assessor.renderers.base import NO_CONTEXT, Renderer, ReportContext

RENDERERS: dict[str, Renderer] = {
    renderer.name: renderer
    for renderer in (
        Renderer("json", "report.json", "application/json", json.render, json.chunks),
        Renderer("html", "report.html", "text/html; charset=utf-8", html.render, html.chunks),
        Renderer("sarif", "report.sarif", "application/sarif+json", sarif.render),
        Renderer("junit", "report.junit.xml", "application/xml", junit.render, junit.chunks),
        Renderer("csv", "report.csv", "text/csv; charset=utf-8", csv.render, csv.chunks),
        Renderer("md", "report.md", "text/markdown; charset=utf-8", markdown.render),
    )
}


def parse_formats(value: str) -> list[str]:
    """``html,json`` → ``["html", "json"]``; raises ValueError naming an unknown format."""
    formats = [part.strip().lower() for part in value.split(",") if part.strip()]
    unknown = [name for name in formats if name not in RENDERERS]
    if unknown or not formats:
        known = ", ".join(RENDERERS)
        raise ValueError(f"unknown format {', '.join(unknown) or value!r} (known: {known})")
    return list(dict.fromkeys(formats))


__all__ = ["NO_CONTEXT", "RENDERERS", "Renderer", "ReportContext", "parse_formats"]
