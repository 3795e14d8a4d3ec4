"""report.html: one self-contained file (inline CSS, no requests), Jinja2 with autoescape.

Everything from the estate (bucket names, tags, labels) is attacker-controlled; it reaches
the page only through autoescaped template expressions.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import jinja2

from assessor.catalog import load_catalog
from assessor.models import Asset, AuditResult, Finding, Severity
from assessor.resources import data_dir

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)


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


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(data_dir("reports") / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(result: AuditResult) -> bytes:
    css = (data_dir("reports") / "assets" / "report.css").read_text(encoding="utf-8")
    assets = {asset.id: asset for asset in result.assets}
    findings_by_asset: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        findings_by_asset[finding.asset_id].append(finding)
    page = (
        _environment()
        .get_template("report.html.j2")
        .render(
            result=result,
            css=css,
            csp=CONTENT_SECURITY_POLICY,
            severities=list(reversed(Severity)),
            places=places(result, findings_by_asset),
            assets=assets,
            anchors={asset.id: f"asset-{index}" for index, asset in enumerate(result.assets)},
            findings_by_asset=findings_by_asset,
            top_findings=result.findings[:10],
            gaps_by_reason=_count(gap.reason.value for gap in result.gaps),
        )
    )
    return page.encode("utf-8")


def places(result: AuditResult, findings_by_asset: dict[str, list[Finding]]) -> list[PlaceRow]:
    catalog = load_catalog()
    grouped: dict[str, list[Asset]] = defaultdict(list)
    for asset in result.assets:
        location = asset.location
        countries = location.countries if location and location.known else ()
        for country in countries or ("unknown",):
            grouped[country].append(asset)
    rows = []
    for country, members in grouped.items():
        found = [f for asset in members for f in findings_by_asset.get(asset.id, [])]
        worst = max((f.severity for f in found), key=lambda s: s.rank, default=None)
        known = catalog.country(country)
        rows.append(
            PlaceRow(
                country=country,
                country_name=known.name if known else "Unknown location",
                assets=len(members),
                providers=", ".join(sorted({a.provider.value for a in members})),
                regions=", ".join(sorted({a.region or "?" for a in members})),
                worst=worst,
                findings=len(found),
            )
        )
    return sorted(rows, key=lambda row: (-(row.worst.rank if row.worst else -1), -row.assets))


def _count(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))
