"""Run history: every run recorded behind a database layer (SQLite or PostgreSQL), the diff
with the previous run of the same scope, and the trend of open findings.

The database layer (SQLAlchemy, Alembic: about 0.35 s to import) is imported by
``history.store`` only, so runs without ``--history`` never load it.
"""

from __future__ import annotations

from assessor.models import AuditResult


def run_scope(result: AuditResult) -> str:
    """Runs are compared with earlier runs of the same probes over the same scope."""
    return " + ".join(sorted(f"{run.name}({run.scope})" for run in result.probes)) or "none"
