"""What the findings stage works with: findings, waivers, baselines, scores, summaries."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from assessor.models.base import Model, Severity, SourceRef


class FindingStatus(StrEnum):
    """Whether a finding counts: waived and baselined findings stay visible but do not fail
    a run."""

    OPEN = "open"
    WAIVED = "waived"
    BASELINED = "baselined"


class Waiver(Model):
    """An accepted risk: which rule, which assets (glob on id or name), who, why, until when."""

    rule: str = Field(description="Rule id, name or alias; '*' for every rule")
    asset: str = Field(description="Glob matched against the asset id and the asset name")
    owner: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    expires: date
    source: str | None = Field(default=None, description="file:line the waiver came from")


class WaiverFile(Model):
    """A file of accepted risks."""

    waivers: tuple[Waiver, ...] = ()


class BaselineEntry(Model):
    """A finding accepted as already known; matched by fingerprint, never by line."""

    fingerprint: str
    rule_id: str
    asset_id: str
    account: str
    reason: str | None = None
    expires: date | None = None


class Baseline(Model):
    """``.assessor-baseline.json``: sorted, reviewable, versioned."""

    schema_version: str = "1"
    entries: tuple[BaselineEntry, ...] = ()


class BaselineOutcome(Model):
    """What a baseline did to a run."""

    path: str
    matched: int
    stale: tuple[BaselineEntry, ...] = Field(
        default=(), description="Entries that matched no finding (fixed, or renamed)"
    )
    expired: tuple[BaselineEntry, ...] = Field(
        default=(), description="Entries past their expiry: their findings count again"
    )


class Finding(Model):
    """One rule firing on one asset, with the evidence that made it fire."""

    fingerprint: str = Field(description="Stable identity; see assessor.identity")
    rule_id: str
    rule_name: str
    pack: str
    asset_id: str
    severity: Severity
    title: str
    message: str
    evidence: dict[str, str] = Field(default_factory=dict)
    sources: tuple[SourceRef, ...] = ()
    status: FindingStatus = FindingStatus.OPEN
    waiver: Waiver | None = None


class RuleSummary(Model):
    """What the report needs to know of a rule that ran."""

    id: str
    name: str
    pack: str
    title: str
    severity: Severity
    policy: str
    rationale: str
    remediation: str
    sources: tuple[SourceRef, ...] = ()


class RiskScore(Model):
    """A 0-100 score and the numbers it came from, so the report can show its arithmetic."""

    score: float
    points: float = Field(description="Sum of severity points of open findings")
    data_factor: float = 1.0
    exposure_factor: float = 1.0


class Scores(Model):
    """Risk per asset, per account and overall; ``method`` explains the arithmetic."""

    overall: float
    accounts: dict[str, float] = Field(default_factory=dict)
    assets: dict[str, RiskScore] = Field(default_factory=dict)
    drivers: tuple[str, ...] = Field(default=(), description="Asset ids that drive the score")
    method: str


class Summary(Model):
    """Counts the report leads with."""

    asset_count: int
    finding_count: int
    gap_count: int
    by_severity: dict[Severity, int]
    by_country: dict[str, int]
    by_provider: dict[str, int]
    worst_severity: Severity | None
