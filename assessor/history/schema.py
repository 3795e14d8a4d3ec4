"""The history tables. Findings and assets are stored as spans (opened in one run, closed in a
later one), so a run writes only what changed, not a copy of every finding."""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scope", String(1024), nullable=False, index=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("tool_version", String(64), nullable=False),
    Column("probes", JSON, nullable=False),
    Column("packs", JSON, nullable=False),
    Column("gaps", JSON, nullable=False),
    Column("open_by_severity", JSON, nullable=False),
    Column("asset_count", Integer, nullable=False),
    Column("finding_count", Integer, nullable=False),
)

finding_spans = Table(
    "finding_spans",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scope", String(1024), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("rule_id", String(64), nullable=False),
    Column("asset_id", Text, nullable=False),
    Column("account", Text, nullable=False),
    Column("region", Text, nullable=True),
    Column("service", String(128), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("first_seen_at", DateTime(timezone=True), nullable=False),
    Column("opened_run", Integer, nullable=False),
    Column("closed_run", Integer, nullable=True),
    # The risk (one fact about one asset) the finding was part of; None before 0002.
    Column("risk_id", String(32), nullable=True),
    Index("finding_spans_open", "scope", "closed_run"),
    Index("finding_spans_runs", "opened_run", "closed_run"),
)

asset_spans = Table(
    "asset_spans",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scope", String(1024), nullable=False),
    Column("asset_id", Text, nullable=False),
    Column("opened_run", Integer, nullable=False),
    Column("closed_run", Integer, nullable=True),
    Index("asset_spans_open", "scope", "closed_run"),
)
