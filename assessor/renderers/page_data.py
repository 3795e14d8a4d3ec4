"""The compact JSON the HTML report's script renders its tables from, written as it is built.

Large estates repeat themselves, so repeated values live once in tables and rows point at
them: ``strings`` (providers, services, accounts, regions, classes), ``places`` (everything
about a location) and ``evidence``. Assets, risks and findings are positional rows the
script expands (see ``ASSET_COLUMNS`` in report.js). The rows are encoded a thousand at a
time as the page is written, so the report of a million assets never holds them as lists;
the tables, which the rows fill, come last.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from markupsafe import Markup

from assessor.models import Asset, AuditResult, FindingStatus, Location, Severity
from assessor.renderers.base import NO_CONTEXT, ReportContext, estate_phrase, risk_phrase

# The page script's status codes (see STATUS in report.js).
STATUS_CODES = {FindingStatus.OPEN: 0, FindingStatus.WAIVED: 1, FindingStatus.BASELINED: 2}
_BATCH = 1000  # rows per piece
# What Jinja's ``tojson`` escapes, so the JSON cannot end the <script> element it sits in.
_HTML_UNSAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"})


def page_data(result: AuditResult, context: ReportContext = NO_CONTEXT) -> Iterator[Markup]:
    """The page data as HTML-safe JSON text, in pieces: one object whose arrays the script
    reads by name."""
    tables = _Tables()
    rule_index = {rule.id: i for i, rule in enumerate(result.rules)}
    asset_index = {asset.id: i for i, asset in enumerate(result.assets)}
    scores = result.scores.assets if result.scores else {}
    estate_index = {(line.fact, line.subject): i for i, line in enumerate(result.estate_risks)}
    risk_of: dict[str, int] = {}

    def risk_rows() -> Iterator[list[Any]]:
        for index, risk in enumerate(result.risks):
            risk_of.update((line.fingerprint, index) for line in risk.lines)
            yield [
                asset_index.get(risk.asset_id, -1),
                tables.string(risk_phrase(risk.fact, risk.subject, context)),
                risk.severity.rank,
                STATUS_CODES[risk.status],
                estate_index.get((risk.fact, risk.subject), -1),
            ]

    finding_rows = (  # after the risks: a finding names its risk
        [
            asset_index.get(f.asset_id, -1),
            rule_index.get(f.rule_id, -1),
            f.severity.rank,
            STATUS_CODES[f.status],
            f.message,
            tables.evidence_index(f.evidence),
            risk_of.get(f.fingerprint, -1),
            *([f.waiver.reason, f.waiver.owner, f.waiver.expires.isoformat()] if f.waiver else []),
        ]
        for f in result.findings
    )
    yield _safe('{"assets": [')
    yield from _rows(_asset_row(asset, scores.get(asset.id), tables) for asset in result.assets)
    yield _safe('], "risks": [')
    yield from _rows(risk_rows())
    yield _safe('], "findings": [')
    yield from _rows(finding_rows)
    rules = [
        {"id": r.id, "name": r.name, "pack": r.pack, "title": r.title, "severity": r.severity.value}
        for r in result.rules
    ]
    rest = {
        "severities": [s.value for s in Severity],
        "rules": rules,
        "strings": tables.strings,
        "places": tables.places,
        "evidence": tables.evidence,
        "estate": [estate_phrase(line, context) for line in result.estate_risks],
    }
    yield _safe("], " + _encoded(rest)[1:])


def _rows(rows: Iterable[list[Any]]) -> Iterator[Markup]:
    batch: list[list[Any]] = []
    first = True
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            yield _safe(("" if first else ",") + _encoded(batch)[1:-1])
            batch, first = [], False
    if batch:
        yield _safe(("" if first else ",") + _encoded(batch)[1:-1])


def _encoded(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=True).translate(_HTML_UNSAFE)


def _safe(text: str) -> Markup:
    return Markup(text)  # noqa: S704 - JSON whose <, >, & and ' are escaped (_encoded)


class _Tables:
    """Interned values shared by many rows of the page data."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self.places: list[list[Any]] = []
        self.evidence: list[dict[str, str]] = []
        self._strings: dict[str, int] = {}
        self._places: dict[tuple[Any, ...], int] = {}
        self._evidence: dict[int, int] = {}
        self._evidence_keys: dict[tuple[tuple[str, str], ...], int] = {}

    def string(self, value: str | None) -> int:
        if value is None:
            return -1
        found = self._strings.get(value)
        if found is None:
            found = self._strings[value] = len(self.strings)
            self.strings.append(value)
        return found

    def place(self, location: Location | None) -> int:
        location = location or Location.unknown(None, None)
        row = (
            location.known,
            location.country or "/".join(location.places()),
            place_label(location),
            ", ".join(location.jurisdictions),
            location.operator,
        )
        found = self._places.get(row)
        if found is None:
            found = self._places[row] = len(self.places)
            self.places.append(list(row))
        return found

    def evidence_index(self, evidence: dict[str, str]) -> int:
        # Findings of one asset shape share one evidence dict: look it up by identity first.
        found = self._evidence.get(id(evidence))
        if found is None:
            key = tuple(evidence.items())
            found = self._evidence_keys.get(key)
            if found is None:
                found = self._evidence_keys[key] = len(self.evidence)
                self.evidence.append(evidence)
            self._evidence[id(evidence)] = found
        return found


def _asset_row(asset: Asset, score: Any, tables: _Tables) -> list[Any]:
    """One asset as a positional row; the order is ASSET_COLUMNS in report.js."""
    encryption = asset.encryption
    flows = [
        [
            tables.string(flow.kind.value),
            (flow.target_id or flow.target_region or flow.target_country or "")
            + (f" ({flow.condition})" if flow.condition else ""),
            tables.place(flow.target_location),
        ]
        for flow in asset.flows
    ]
    blocked = asset.public_access_blocked
    return [
        asset.id,
        asset.name,
        tables.string(asset.provider.value),
        tables.string(asset.service),
        tables.string(asset.kind),
        tables.string(asset.account),
        tables.string(asset.region),
        tables.place(asset.location),
        tables.string(asset.classification),
        tables.string(encryption.custody.value if encryption else None),
        tables.string(encryption.key_region if encryption else None),
        -1 if blocked is None else int(blocked),
        tables.string(asset.vendor),
        asset.tags or 0,
        asset.attributes or 0,
        score.score if score else 0,
        flows or 0,
    ]


def place_label(location: Location) -> str:
    """A location as the report names it: "City, CC", or what is known of it."""
    if not location.known:
        return "unknown location"
    where = location.city or location.name or ""
    country = location.country or "/".join(location.countries)
    return f"{where}, {country}" if where and country else where or country
