"""What the findings stage works with: findings, waivers, baselines, scores, summaries."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from assessor.models.base import Fact, Model, Severity, SourceRef


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
    # None only in results written before rules declared their fact.
    fact: Fact | None = None
    policy: str
    rationale: str
    remediation: str
    sources: tuple[SourceRef, ...] = ()


class PolicyLine(Model):
    """One rule behind a risk: which pack's line it is, how severe, and whether its finding
    counts (a waived or baselined finding is shown as such)."""

    rule_id: str
    pack: str
    severity: Severity
    status: FindingStatus
    fingerprint: str


class Risk(Model):
    """One fact about one asset (where it is, who holds it, who holds its keys, where its
    copies go, how much sensitive data it holds), with every policy line it breaks. The
    findings behind it stay as they are, for baselines, waivers, SARIF and history."""

    id: str = Field(description="Stable: the asset's identity, the fact and the subject")
    asset_id: str
    fact: Fact
    subject: str = Field(description="What the fact is about: a country, a provider, a vendor")
    severity: Severity = Field(description="The worst of its open policy lines (else of all)")
    status: FindingStatus = Field(description="Open while any of its policy lines is open")
    lines: tuple[PolicyLine, ...]


class EstateRisk(Model):
    """The same fact about many assets: one line of the report's first screen."""

    fact: Fact
    subject: str
    severity: Severity
    asset_count: int
    account_count: int
    providers: tuple[str, ...]
    finding_count: int


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
    risk_count: int = Field(default=0, description="Open risks (one fact about one asset)")
    gap_count: int
    by_severity: dict[Severity, int]
    by_country: dict[str, int]
    by_provider: dict[str, int]
    worst_severity: Severity | None
    # Empty in results written before they were counted here.
    by_status: dict[FindingStatus, int] = Field(
        default_factory=dict, description="Findings by status: open, waived, baselined"
    )
    open_risks_by_severity: dict[Severity, int] = Field(
        default_factory=dict, description="Open risks by their severity"
    )
