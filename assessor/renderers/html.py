"""report.html: one self-contained file a CISO can read and an engineer can act on.

The page carries its data once, as JSON in a ``<script type="application/json">`` block
(Jinja's ``tojson`` makes it safe inside HTML), and an inline script renders the findings
and assets tables from it, so a report with 100,000 findings stays light. The summary, map,
rules, gaps, waivers and methodology are rendered here. Everything from the estate (names,
tags, labels) is attacker-controlled: it reaches the page only through autoescaped template
expressions, the JSON block, or the script's ``textContent``. A Content-Security-Policy
allows only the page's own inline style and the one script whose hash it names.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import jinja2

from assessor.models import (
    Asset,
    AuditResult,
    Finding,
    FindingStatus,
    Lifecycle,
    Location,
    Risk,
    Severity,
)
from assessor.renderers.base import (
    NO_CONTEXT,
    ReportContext,
    estate_phrase,
    risk_phrase,
    tallies,
)
from assessor.renderers.page_data import page_data, place_label
from assessor.resources import data_dir

MAP_WIDTH, MAP_HEIGHT = 1000.0, 500.0


@dataclass(frozen=True)
class PlaceRow:
    """One row of "where the data lives": a country and what sits there."""

    country: str
    country_name: str
    assets: int
    providers: str
    regions: str
    worst: Severity | None
    findings: int


@dataclass(frozen=True)
class MapMark:
    """A circle on the map: one location, sized by assets, coloured by worst severity."""

    x: float
    y: float
    radius: float
    label: str
    assets: int
    worst: str


@dataclass(frozen=True)
class MapArc:
    """A curve from where an asset is to where copies of its data go."""

    path: str
    label: str
    worst: str
    count: int


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(data_dir("reports") / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.cache
def _asset_text(name: str) -> str:
    return (data_dir("reports") / "assets" / name).read_text(encoding="utf-8")


def content_security_policy(script: str) -> str:
    """The report's Content-Security-Policy: nothing from the network, only its own inline script
    (by hash) and styles."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    return (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'; "
        "connect-src 'none'"
    )


def render(result: AuditResult, context: ReportContext = NO_CONTEXT) -> bytes:
    """The self-contained HTML report: one file, everything escaped, no network requests."""
    return b"".join(chunks(result, context))


def chunks(result: AuditResult, context: ReportContext = NO_CONTEXT) -> Iterator[bytes]:
    """:func:`render`'s bytes in pieces of about a megabyte, as the template produces them:
    the page is never held whole, as text and again as bytes."""
    pending: list[str] = []
    size = 0
    for piece in _page(result, context):
        pending.append(piece)
        size += len(piece)
        if size >= _PIECE:
            yield "".join(pending).encode("utf-8")
            pending, size = [], 0
    yield "".join(pending).encode("utf-8")


_PIECE = 1 << 20


def _page(result: AuditResult, context: ReportContext) -> Iterator[str]:
    script = _asset_text("report.js")
    findings_by_asset: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        findings_by_asset[finding.asset_id].append(finding)
    worst_by_asset = {
        asset_id: _worst(f.severity for f in found if f.status is FindingStatus.OPEN)
        for asset_id, found in findings_by_asset.items()
    }
    marks, arcs, unplaced = world_map(result.assets, worst_by_asset)
    return (
        _environment()
        .get_template("report.html.j2")
        .generate(
            result=result,
            css=_asset_text("report.css"),
            script=script,
            csp=content_security_policy(script),
            land=_asset_text("world-land-110m.path").strip(),
            map_width=MAP_WIDTH,
            map_height=MAP_HEIGHT,
            marks=marks,
            arcs=arcs,
            unplaced=unplaced,
            severities=list(reversed(Severity)),
            places=places(result, findings_by_asset, context.country_names),
            assets={asset.id: asset for asset in result.assets},
            top_risks=top_risks(result.risks),
            estate_lines=[(line, estate_phrase(line, context)) for line in result.estate_risks],
            phrase=lambda risk: risk_phrase(risk.fact, risk.subject, context),
            counts=tallies(result),
            waived=[f for f in result.findings if f.status is FindingStatus.WAIVED],
            gaps_by_reason=dict(sorted(Counter(g.reason.value for g in result.gaps).items())),
            page_data=page_data(result, context),
            trend=trend_chart(result),
            trend_size=(TREND_WIDTH, TREND_HEIGHT, TREND_PAD),
            lifecycles=list(Lifecycle),
        )
    )


@dataclass(frozen=True)
class TrendLine:
    """One severity's open findings over the recorded runs, as an SVG polyline."""

    severity: str
    points: str
    last: int


TREND_WIDTH, TREND_HEIGHT, TREND_PAD = 600.0, 160.0, 24.0


def trend_chart(result: AuditResult) -> tuple[list[TrendLine], int, list[tuple[float, str]]]:
    """Polylines of open findings per severity across runs, the y maximum, and x labels."""
    if result.changes is None or not result.changes.trend:
        return [], 0, []
    points = result.changes.trend
    top = max(
        [
            1,
            *(sum(p.open_by_severity.values()) for p in points),
            *(max(p.open_by_severity.values(), default=0) for p in points),
        ]
    )
    step = (TREND_WIDTH - 2 * TREND_PAD) / max(1, len(points) - 1)

    def xy(index: int, value: int) -> str:
        x = TREND_PAD + index * step
        y = TREND_HEIGHT - TREND_PAD - value / top * (TREND_HEIGHT - 2 * TREND_PAD)
        return f"{x:.1f},{y:.1f}"

    lines = [
        TrendLine(
            severity=severity.value,
            points=" ".join(
                xy(i, p.open_by_severity.get(severity, 0)) for i, p in enumerate(points)
            ),
            last=points[-1].open_by_severity.get(severity, 0),
        )
        for severity in reversed(Severity)
        if severity is not Severity.INFO
    ]
    labels = [(TREND_PAD + i * step, f"{p.at:%m-%d}") for i, p in enumerate(points)]
    return lines, top, labels


def top_risks(risks: Sequence[Risk], limit: int = 8) -> list[tuple[Risk, int]]:
    """The first screen's risks: each asset at most once (its worst open risk, with how many
    others it has), so the list covers as many assets as it has lines."""
    others: Counter[str] = Counter(r.asset_id for r in risks if r.status is FindingStatus.OPEN)
    chosen: dict[str, Risk] = {}
    for risk in risks:  # open first, worst first
        if risk.status is FindingStatus.OPEN and risk.asset_id not in chosen:
            chosen[risk.asset_id] = risk
            if len(chosen) == limit:
                break
    return [(risk, others[risk.asset_id] - 1) for risk in chosen.values()]


def places(
    result: AuditResult,
    findings_by_asset: dict[str, list[Finding]],
    country_names: Mapping[str, str],
) -> list[PlaceRow]:
    """The places on the report's map: each country or region with its assets, worst severity and
    flows."""
    grouped: dict[str, list[Asset]] = defaultdict(list)
    for asset in result.assets:
        for country in asset.location.places() if asset.location else ("unknown",):
            grouped[country].append(asset)
    rows = []
    for country, members in grouped.items():
        found = [
            f
            for asset in members
            for f in findings_by_asset.get(asset.id, [])
            if f.status is FindingStatus.OPEN
        ]
        rows.append(
            PlaceRow(
                country=country,
                country_name=country_names.get(country, "Unknown location"),
                assets=len(members),
                providers=", ".join(sorted({a.provider.value for a in members})),
                regions=", ".join(sorted({a.region or a.country or "?" for a in members})),
                worst=_worst(f.severity for f in found),
                findings=len(found),
            )
        )
    return sorted(rows, key=lambda row: (-(row.worst.rank if row.worst else -1), -row.assets))


def project(latitude: float, longitude: float) -> tuple[float, float]:
    """Equirectangular, the same projection as the bundled land path."""
    return (
        round((longitude + 180) / 360 * MAP_WIDTH, 1),
        round((90 - latitude) / 180 * MAP_HEIGHT, 1),
    )


def world_map(
    assets: Iterable[Asset], worst_by_asset: dict[str, Severity | None]
) -> tuple[list[MapMark], list[MapArc], int]:
    """Marks per located place and arcs per (source, destination) pair of copies."""
    counts: Counter[tuple[float, float]] = Counter()
    labels: dict[tuple[float, float], set[str]] = defaultdict(set)
    worst: dict[tuple[float, float], Severity | None] = {}
    arcs: dict[tuple[tuple[float, float], tuple[float, float]], list[Severity | None]] = (
        defaultdict(list)
    )
    arc_labels: dict[tuple[tuple[float, float], tuple[float, float]], str] = {}
    unplaced = 0
    for asset in assets:
        source = _point(asset.location)
        if source is None:
            unplaced += 1
            continue
        counts[source] += 1
        labels[source].add(place_label(asset.location) if asset.location else "")
        severity = worst_by_asset.get(asset.id)
        worst[source] = _worst([s for s in (worst.get(source), severity) if s])
        for flow in asset.flows:
            target = _point(flow.target_location)
            if target is None or target == source:
                continue
            arcs[(source, target)].append(severity)
            arc_labels[(source, target)] = (
                f"{place_label(asset.location) if asset.location else '?'} → "
                f"{place_label(flow.target_location) if flow.target_location else '?'}"
            )
    marks = [
        MapMark(
            x=x,
            y=y,
            radius=round(3 + 3 * math.sqrt(n), 1),
            label="; ".join(sorted(labels[(x, y)])),
            assets=n,
            worst=_severity_name(worst[(x, y)]),
        )
        for (x, y), n in sorted(counts.items(), key=lambda item: -item[1])
    ]
    return marks, [_arc(pair, found, arc_labels[pair]) for pair, found in arcs.items()], unplaced


def _arc(
    pair: tuple[tuple[float, float], tuple[float, float]],
    severities: list[Severity | None],
    label: str,
) -> MapArc:
    (x1, y1), (x2, y2) = pair
    # A quadratic curve bowed to one side, so A→B and B→A do not overlap.
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    dx, dy = x2 - x1, y2 - y1
    bend = 0.25
    cx, cy = mx - dy * bend, my + dx * bend
    return MapArc(
        path=f"M{x1},{y1} Q{cx:.1f},{cy:.1f} {x2},{y2}",
        label=label,
        worst=_severity_name(_worst(s for s in severities if s)),
        count=len(severities),
    )


def _point(location: Location | None) -> tuple[float, float] | None:
    if location is None or not location.known or location.latitude is None:
        return None
    if location.longitude is None:
        return None
    return project(location.latitude, location.longitude)


def _severity_name(severity: Severity | None) -> str:
    return severity.value if severity else "none"


def _worst(severities: Iterable[Severity]) -> Severity | None:
    return max(severities, key=lambda s: s.rank, default=None)
