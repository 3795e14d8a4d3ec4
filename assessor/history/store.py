"""The run history store: SQLite (a file path, created on first use) or PostgreSQL (a
``postgresql://`` URL), through SQLAlchemy Core, with the schema kept by Alembic migrations.

Recording a run is one transaction: a crash midway leaves no half-written run. Findings and
assets are spans (opened in one run, closed in a later one), so a run writes only what
changed since the previous run of its scope.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Connection,
    Engine,
    String,
    create_engine,
    delete,
    func,
    insert,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.exc import SQLAlchemyError

from assessor.errors import ConfigurationError
from assessor.heap import cycles_collected_after
from assessor.history.schema import asset_spans, finding_spans, runs
from assessor.models import AuditResult, CoverageGap, FindingStatus, Severity

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
CHUNK = 500  # ids per IN (...) clause, within every database's parameter limit


@dataclass(frozen=True)
class RunRecord:
    """One recorded run."""

    id: int
    scope: str
    started_at: datetime
    tool_version: str
    probes: list[dict[str, Any]]
    packs: list[str]
    gaps: list[dict[str, Any]]
    open_by_severity: dict[str, int]
    asset_count: int
    finding_count: int


@dataclass(frozen=True)
class OpenFinding:
    """A finding as the history last saw it."""

    fingerprint: str
    rule_id: str
    asset_id: str
    account: str
    region: str | None
    service: str
    severity: Severity
    title: str
    status: FindingStatus
    first_seen_at: datetime
    risk_id: str | None = None


class OpenSpan(NamedTuple):
    """A finding span still open: just what the diff and the next recording need (a tuple:
    a hundred thousand of them are built per run)."""

    span_id: int
    status: str
    first_seen_at: datetime


@dataclass(frozen=True)
class OpenSpans:
    """What a scope's latest run left open, read once: the diff compares the new run with it
    and recording the new run closes and opens spans from it, without reading it again."""

    latest_run: int | None
    findings: dict[str, OpenSpan]
    assets: dict[str, int]


def database_url(location: str) -> str:
    """A file path means SQLite; ``postgresql://`` means PostgreSQL through psycopg 3."""
    if location.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + location.split("://", 1)[1]
    if "://" in location:
        if location.startswith(("sqlite://", "postgresql+psycopg://")):
            return location
        raise ConfigurationError(f"--history: unsupported location {location!r}")
    path = Path(location).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


class HistoryStore:
    """Records runs and answers what the previous run of a scope saw."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Read by the diff, used again by record() while the scope's latest run is unchanged.
        self._open_spans: dict[str, OpenSpans] = {}

    @classmethod
    def open(cls, location: str) -> HistoryStore:
        try:
            engine = create_engine(database_url(location), future=True)
            with engine.begin() as connection:
                config = Config()
                config.set_main_option("script_location", str(MIGRATIONS))
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except SQLAlchemyError as error:
            raise ConfigurationError(f"--history {location}: {error}") from None
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    # --- reading -------------------------------------------------------------------------

    def latest_run(self, scope: str) -> RunRecord | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(runs).where(runs.c.scope == scope).order_by(runs.c.id.desc()).limit(1)
            ).first()
        return _run(row) if row else None

    def run(self, run_id: int) -> RunRecord | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(runs).where(runs.c.id == run_id)).first()
        return _run(row) if row else None

    def runs(self, scope: str | None = None, limit: int | None = None) -> list[RunRecord]:
        query = select(runs).order_by(runs.c.id.desc())
        if scope is not None:
            query = query.where(runs.c.scope == scope)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as connection:
            return [_run(row) for row in connection.execute(query)]

    def findings_at(self, run: RunRecord) -> dict[str, OpenFinding]:
        """The findings open in a run: spans opened at or before it and not closed by it."""
        spans = finding_spans.c
        query = select(finding_spans).where(
            spans.scope == run.scope,
            spans.opened_run <= run.id,
            or_(spans.closed_run.is_(None), spans.closed_run > run.id),
        )
        with self.engine.connect() as connection:
            return {row.fingerprint: _finding(row) for row in connection.execute(query)}

    def open_spans(self, scope: str) -> OpenSpans:
        """The findings and assets open after the scope's latest run (one indexed read each)."""
        with self.engine.connect() as connection:
            spans = self._read_open_spans(connection, scope)
        self._open_spans[scope] = spans
        return spans

    def ended(self, scope: str, fingerprints: Collection[str]) -> dict[str, OpenFinding]:
        """Everything the history knows of these open findings (the ones a new run no longer
        has), read by span id so only they are fetched."""
        spans = self._open_spans.get(scope) or self.open_spans(scope)
        ids = [spans.findings[fp].span_id for fp in fingerprints if fp in spans.findings]
        found: dict[str, OpenFinding] = {}
        with self.engine.connect() as connection:
            for chunk in _chunks(ids):
                rows = connection.execute(
                    select(finding_spans).where(finding_spans.c.id.in_(chunk))
                )
                found.update((row.fingerprint, _finding(row)) for row in rows)
        return found

    def _read_open_spans(self, connection: Connection, scope: str) -> OpenSpans:
        latest = connection.execute(
            select(func.max(runs.c.id)).where(runs.c.scope == scope)
        ).scalar()
        spans = finding_spans.c
        # The first-seen moment comes back as the driver gives it and is parsed once per
        # distinct value: a scope's findings share the few moments their runs started at.
        rows = connection.execute(
            select(
                spans.fingerprint,
                spans.id,
                spans.status,
                type_coerce(spans.first_seen_at, String),
            ).where(spans.scope == scope, spans.closed_run.is_(None))
        ).all()
        findings = {
            fingerprint: OpenSpan(span_id, status, _moment(first_seen))
            for fingerprint, span_id, status, first_seen in rows
        }
        asset_rows = connection.execute(
            select(asset_spans.c.asset_id, asset_spans.c.id).where(
                asset_spans.c.scope == scope, asset_spans.c.closed_run.is_(None)
            )
        ).all()
        return OpenSpans(latest, findings, {asset_id: span for asset_id, span in asset_rows})

    def assets_at(self, run: RunRecord) -> set[str]:
        spans = asset_spans.c
        query = select(spans.asset_id).where(
            spans.scope == run.scope,
            spans.opened_run <= run.id,
            or_(spans.closed_run.is_(None), spans.closed_run > run.id),
        )
        with self.engine.connect() as connection:
            return set(connection.execute(query).scalars())

    # --- writing -------------------------------------------------------------------------

    def record(self, result: AuditResult, scope: str) -> int:
        """Record a run in one transaction; returns its id."""
        with cycles_collected_after(), self.engine.begin() as connection:
            spans = self._open_spans.pop(scope, None)
            latest = connection.execute(
                select(func.max(runs.c.id)).where(runs.c.scope == scope)
            ).scalar()
            if spans is None or spans.latest_run != latest:  # another run was recorded since
                spans = self._read_open_spans(connection, scope)
            run_id = self._insert_run(connection, result, scope)
            self._record_findings(connection, result, scope, run_id, spans.findings)
            self._record_assets(connection, result, scope, run_id, spans.assets)
        return run_id

    def _insert_run(self, connection: Connection, result: AuditResult, scope: str) -> int:
        counted = Counter(
            finding.severity for finding in result.findings if finding.status is FindingStatus.OPEN
        )
        open_counts = {severity.value: counted[severity] for severity in Severity}
        inserted = connection.execute(
            insert(runs).values(
                scope=scope,
                started_at=result.generated_at,
                tool_version=result.tool_version,
                probes=[probe.model_dump(mode="json") for probe in result.probes],
                packs=list(result.packs),
                gaps=[gap.model_dump(mode="json") for gap in result.gaps],
                open_by_severity=open_counts,
                asset_count=len(result.assets),
                finding_count=len(result.findings),
            )
        )
        primary = inserted.inserted_primary_key
        assert primary is not None
        return int(primary[0])

    def _record_findings(
        self,
        connection: Connection,
        result: AuditResult,
        scope: str,
        run_id: int,
        open_now: dict[str, OpenSpan],
    ) -> None:
        spans = finding_spans.c
        assets = {asset.id: asset for asset in result.assets}
        risk_of = {line.fingerprint: risk.id for risk in result.risks for line in risk.lines}
        current = {finding.fingerprint: finding for finding in result.findings}
        gone = [span.span_id for fp, span in open_now.items() if fp not in current]
        for chunk in _chunks(gone):
            connection.execute(
                update(finding_spans).where(spans.id.in_(chunk)).values(closed_run=run_id)
            )
        changed: dict[str, list[int]] = {}
        for fp, finding in current.items():
            span = open_now.get(fp)
            if span is not None and span.status != finding.status.value:
                changed.setdefault(finding.status.value, []).append(span.span_id)
        for status, span_ids in changed.items():
            for chunk in _chunks(span_ids):
                connection.execute(
                    update(finding_spans).where(spans.id.in_(chunk)).values(status=status)
                )
        rows = []
        for fp, finding in current.items():
            if fp in open_now:
                continue
            asset = assets.get(finding.asset_id)
            rows.append(
                {
                    "scope": scope,
                    "fingerprint": fp,
                    "rule_id": finding.rule_id,
                    "asset_id": finding.asset_id,
                    "account": asset.account if asset else "",
                    "region": asset.region if asset else None,
                    "service": asset.service if asset else "",
                    "severity": finding.severity.value,
                    "title": finding.title,
                    "status": finding.status.value,
                    "first_seen_at": result.generated_at,
                    "opened_run": run_id,
                    "closed_run": None,
                    "risk_id": risk_of.get(fp),
                }
            )
        if rows:
            connection.execute(insert(finding_spans), rows)

    def _record_assets(
        self,
        connection: Connection,
        result: AuditResult,
        scope: str,
        run_id: int,
        open_now: dict[str, int],
    ) -> None:
        spans = asset_spans.c
        current = {asset.id for asset in result.assets}
        gone = [span for asset_id, span in open_now.items() if asset_id not in current]
        for chunk in _chunks(gone):
            connection.execute(
                update(asset_spans).where(spans.id.in_(chunk)).values(closed_run=run_id)
            )
        rows = [
            {"scope": scope, "asset_id": asset_id, "opened_run": run_id, "closed_run": None}
            for asset_id in sorted(current - open_now.keys())
        ]
        if rows:
            connection.execute(insert(asset_spans), rows)

    def prune(self, keep: int) -> int:
        """Keep the newest ``keep`` runs; forget older runs and the spans that ended before."""
        with self.engine.begin() as connection:
            kept = list(
                connection.execute(
                    select(runs.c.id).order_by(runs.c.id.desc()).limit(max(keep, 1))
                ).scalars()
            )
            if not kept:
                return 0
            oldest = min(kept)
            removed = connection.execute(
                select(func.count()).select_from(runs).where(runs.c.id < oldest)
            ).scalar_one()
            for table in (finding_spans, asset_spans):
                connection.execute(
                    delete(table).where(
                        table.c.closed_run.is_not(None), table.c.closed_run <= oldest
                    )
                )
            connection.execute(delete(runs).where(runs.c.id < oldest))
        return int(removed)


def gap_key(gap: CoverageGap | dict[str, Any]) -> str:
    """A coverage gap's identity across runs (its message may name different resources)."""
    data = gap.model_dump(mode="json") if isinstance(gap, CoverageGap) else gap
    parts = [data.get(k) or "*" for k in ("probe", "reason", "account", "region", "service")]
    return " ".join(str(part) for part in parts)


def _chunks(values: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _run(row: Any) -> RunRecord:
    return RunRecord(
        id=row.id,
        scope=row.scope,
        started_at=aware(row.started_at),
        tool_version=row.tool_version,
        probes=list(row.probes),
        packs=list(row.packs),
        gaps=list(row.gaps),
        open_by_severity=dict(row.open_by_severity),
        asset_count=row.asset_count,
        finding_count=row.finding_count,
    )


def _finding(row: Any) -> OpenFinding:
    return OpenFinding(
        fingerprint=row.fingerprint,
        rule_id=row.rule_id,
        asset_id=row.asset_id,
        account=row.account,
        region=row.region,
        service=row.service,
        severity=Severity(row.severity),
        title=row.title,
        status=FindingStatus(row.status),
        first_seen_at=aware(row.first_seen_at),
        risk_id=row.risk_id,
    )


@lru_cache(maxsize=4096)
def _parsed(text: str) -> datetime:
    return aware(datetime.fromisoformat(text))


def _moment(value: datetime | str) -> datetime:
    """A stored moment as the driver returns it: a datetime (psycopg) or text (SQLite)."""
    return aware(value) if isinstance(value, datetime) else _parsed(value)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything assessor stores is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
