"""What every renderer is: a name, the file it writes, its media type and a pure function
from a result to bytes (in pieces, for the formats that stream)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from assessor.models import AuditResult, EstateRisk, Fact, FindingStatus, Severity


@dataclass(frozen=True)
class ReportContext:
    """What a report shows beyond the result itself: the names of the countries the result
    names by code (from the catalog, which renderers never load themselves)."""

    country_names: Mapping[str, str] = field(default_factory=dict)


NO_CONTEXT = ReportContext()


@dataclass(frozen=True)
class Tallies:
    """The counts a report leads with."""

    open_risks: int
    open_risks_by_severity: Mapping[Severity, int]
    open_findings: int
    waived: int
    baselined: int


def tallies(result: AuditResult) -> Tallies:
    """Counted from the result's risks and findings; an organization assessed in parts
    holds neither (its parts do), so its counts come from its summary, counted over them."""
    if result.parts:
        summary = result.summary
        return Tallies(
            summary.risk_count,
            summary.open_risks_by_severity,
            summary.by_status.get(FindingStatus.OPEN, 0),
            summary.by_status.get(FindingStatus.WAIVED, 0),
            summary.by_status.get(FindingStatus.BASELINED, 0),
        )
    statuses = Counter(finding.status for finding in result.findings)
    open_risks = Counter(r.severity for r in result.risks if r.status is FindingStatus.OPEN)
    return Tallies(
        open_risks.total(),
        open_risks,
        statuses[FindingStatus.OPEN],
        statuses[FindingStatus.WAIVED],
        statuses[FindingStatus.BASELINED],
    )


@dataclass(frozen=True)
class Renderer:
    """One report format."""

    name: str
    file_name: str
    media_type: str
    render: Callable[[AuditResult, ReportContext], bytes]
    # Formats whose size follows the estate's also render in pieces, written as they come.
    stream: Callable[[AuditResult, ReportContext], Iterable[bytes]] | None = None

    def pieces(self, result: AuditResult, context: ReportContext) -> Iterable[bytes]:
        """The report's bytes: in pieces where the format streams, else whole."""
        if self.stream is not None:
            return self.stream(result, context)
        return (self.render(result, context),)


# How each fact reads in a report: "stored in Hong Kong", "held by alibaba".
_PHRASES = {
    Fact.LOCATION: "stored in {places}",
    Fact.OPERATOR: "region run by {subject}",
    Fact.PROVIDER: "held by {subject}",
    Fact.KEY_CUSTODY: "keys held by {subject}",
    Fact.COPY: "copied into {places}",
    Fact.COVERAGE: "location unknown",
    Fact.VOLUME: "{subject} data in bulk, or of unknown volume",
    Fact.VENDOR: "depends on {subject}",
    Fact.CARRIER: "carried by {subject}",
}


def risk_phrase(fact: Fact, subject: str, context: ReportContext = NO_CONTEXT) -> str:
    """What a risk says, in words: countries by their names."""
    codes = [code.strip() for code in subject.replace("/", ",").split(",") if code.strip()]
    places = ", ".join(context.country_names.get(code, code) for code in codes) or subject
    return _PHRASES[fact].format(subject=subject, places=places)


def estate_phrase(line: EstateRisk, context: ReportContext = NO_CONTEXT) -> str:
    """An estate-level line: the fact, and how far across the estate it reaches."""
    where = (
        f"{line.asset_count} asset{'s' if line.asset_count != 1 else ''} in "
        f"{line.account_count} account{'s' if line.account_count != 1 else ''} on "
        + ", ".join(line.providers)
    )
    return f"{risk_phrase(line.fact, line.subject, context)}: {where}"
