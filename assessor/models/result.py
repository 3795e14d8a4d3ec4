"""The whole outcome of one audit, which renderers turn into reports."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from assessor.models.base import Model
from assessor.models.findings import (
    BaselineOutcome,
    EstateRisk,
    Finding,
    Risk,
    RuleSummary,
    Scores,
    Summary,
    Waiver,
)
from assessor.models.history import RunDiff
from assessor.models.inventory import Asset, CoverageGap, ProbeRun

# 2: the result carries its risks (findings grouped by the fact they judge) and the
# estate-level lines; every version-1 field is unchanged.
RESULT_SCHEMA_VERSION = "2"


class AuditResult(Model):
    """The whole outcome of one audit: what renderers turn into reports."""

    schema_version: str = RESULT_SCHEMA_VERSION
    tool_version: str
    generated_at: datetime
    probes: tuple[ProbeRun, ...] = ()
    packs: tuple[str, ...] = ()
    rules: tuple[RuleSummary, ...] = ()
    assets: tuple[Asset, ...] = ()
    findings: tuple[Finding, ...] = ()
    risks: tuple[Risk, ...] = Field(default=(), description="Findings grouped by fact")
    estate_risks: tuple[EstateRisk, ...] = Field(
        default=(), description="The same fact across many assets: the first screen's lines"
    )
    gaps: tuple[CoverageGap, ...] = ()
    summary: Summary
    scores: Scores | None = None
    expired_waivers: tuple[Waiver, ...] = ()
    unused_waivers: tuple[Waiver, ...] = ()
    baseline: BaselineOutcome | None = None
    changes: RunDiff | None = Field(default=None, description="Since the last run (--history)")
    run_id: int | None = Field(default=None, description="This run's id in the history store")
    parts: tuple[str, ...] = Field(
        default=(),
        description="An organization assessed a part at a time: each part's report folder, "
        "relative to this report, which holds the part's assets, findings and risks (this "
        "result holds only what is counted over them)",
    )
