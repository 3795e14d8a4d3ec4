"""What changed since the last run of the same scope (``--history``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

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
        return sum(1 for change in self.findings if change.lifecycle is lifecycle)
