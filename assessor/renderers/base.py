"""What every renderer is: a name, the file it writes, its media type and a pure function
from a result to bytes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from assessor.models import AuditResult


@dataclass(frozen=True)
class ReportContext:
    """What a report shows beyond the result itself: the names of the countries the result
    names by code (from the catalog, which renderers never load themselves)."""

    country_names: Mapping[str, str] = field(default_factory=dict)


NO_CONTEXT = ReportContext()


@dataclass(frozen=True)
class Renderer:
    """One report format."""

    name: str
    file_name: str
    media_type: str
    render: Callable[[AuditResult, ReportContext], bytes]
