"""What changed since the last run of the same scope (``--history``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from assessor.models.base import Model, Severity


class Lifecycle(StrEnum):
    """Where a finding is in its life since the last run of the same scope.

    ``ocsf_status`` gives the matching status name of the OCSF finding schema.
    """

    NEW = "new"
    STILL_OPEN = "still_open"
    WAIVED = "waived"
    RESOLVED = "resolved"
    UNKNOWN = "unknown"  # vanished behind a new coverage gap: not resolved

    @property
    def ocsf_status(self) -> str:
        return {
            Lifecycle.NEW: "New",
            Lifecycle.STILL_OPEN: "In Progress",
            Lifecycle.WAIVED: "Suppressed",
            Lifecycle.RESOLVED: "Resolved",
            Lifecycle.UNKNOWN: "Other",
        }[self]


class FindingChange(Model):
    """One finding's place in the diff with the previous run."""

    fingerprint: str
    lifecycle: Lifecycle
    ocsf_status: str
    rule_id: str
    asset_id: str
    severity: Severity
    title: str
    first_seen: datetime
    age_days: int
    note: str | None = None
    risk_id: str | None = Field(default=None, description="The risk the finding belongs to")


class TrendPoint(Model):
    """Open findings by severity in one past run, for the trend chart."""

    run_id: int
    at: datetime
    open_by_severity: dict[Severity, int]


class RunDiff(Model):
    """What changed since the previous run of the same scope."""

    previous_run: int | None
    previous_at: datetime | None
    findings: tuple[FindingChange, ...] = ()
    assets_added: tuple[str, ...] = ()
    assets_removed: tuple[str, ...] = ()
    gaps_appeared: tuple[str, ...] = ()
    gaps_disappeared: tuple[str, ...] = ()
    trend: tuple[TrendPoint, ...] = ()

    def count(self, lifecycle: Lifecycle) -> int:
        """How many findings changed this way."""
        return sum(1 for change in self.findings if change.lifecycle is lifecycle)

    def risks(self, lifecycle: Lifecycle) -> int:
        """How many risks changed this way: those every finding of which did (a risk with
        one new finding beside an old one is not new)."""
        by_risk: dict[str, set[Lifecycle]] = {}
        for change in self.findings:
            if change.risk_id is not None:
                by_risk.setdefault(change.risk_id, set()).add(change.lifecycle)
        return sum(1 for seen in by_risk.values() if seen == {lifecycle})
