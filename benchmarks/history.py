"""How fast runs are recorded and compared, and how big the history grows.

    python benchmarks/history.py --runs 100 --findings 100000 --churn 0.01
    python benchmarks/history.py --runs 100 --findings 100000 --churn 0.01 --database postgresql

``--database postgresql`` starts a throwaway PostgreSQL cluster (Debian's server, as the
tests do) and records there instead of in a SQLite file.

Ends with one line:
``history: R runs, N findings each, record S s + diff D s = T s per run, db M MiB``.
Target: 100 runs of 100,000 findings with 1% churn record and diff in under 2 s per run on
either database, and the database stays under 200 MiB (the store keeps what changed, not
every run).
"""

from __future__ import annotations

import argparse
import contextlib
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from assessor.findings.identity import FINGERPRINT_VERSION
from assessor.findings.result import summarize
from assessor.history.diff import since_last_run
from assessor.history.store import HistoryStore
from assessor.models import (
    Asset,
    AuditResult,
    Finding,
    FindingStatus,
    Inventory,
    ProbeRun,
    Provider,
    Severity,
    shared_fields_set,
)

SEVERITIES = list(Severity)
FINDING_FIELDS = shared_fields_set(Finding.model_fields)


def finding(number: int) -> Finding:
    return Finding.model_construct(
        _fields_set=FINDING_FIELDS,
        fingerprint=f"{FINGERPRINT_VERSION}{number:030d}",
        rule_id=f"COC-00{number % 6 + 1}",
        rule_name="bench.rule",
        pack="bench",
        asset_id=f"arn:aws:s3:::bucket-{number // 2}",
        severity=SEVERITIES[number % 5],
        title="benchmark finding",
        message="m",
        evidence={},
        sources=(),
        status=FindingStatus.OPEN,
        waiver=None,
    )


def result(at: datetime, numbers: list[int], assets: list[Asset]) -> AuditResult:
    findings = tuple(finding(n) for n in numbers)
    summary = summarize(Inventory(generated_at=at, assets=tuple(assets)), findings)
    probe = ProbeRun(
        name="aws",
        version="1",
        scope="account bench",
        asset_count=len(assets),
        gap_count=0,
        seconds=0.0,
    )
    return AuditResult(
        tool_version="bench",
        generated_at=at,
        probes=(probe,),
        assets=tuple(assets),
        findings=findings,
        summary=summary,
    )


@contextlib.contextmanager
def database(kind: str, folder: Path) -> Iterator[tuple[str, Callable[[], float]]]:
    """The store's location and a way to measure its size in MiB."""
    if kind == "sqlite":
        path = folder / "history.sqlite"
        yield str(path), lambda: path.stat().st_size / 2**20
        return
    from sqlalchemy import create_engine, text

    from assessor.history.store import database_url
    from assessor.testing.postgres import throwaway_postgres

    with throwaway_postgres() as url:

        def size() -> float:
            engine = create_engine(database_url(url))
            with engine.connect() as connection:
                found = connection.execute(
                    text("SELECT pg_database_size(current_database())")
                ).scalar_one()
            engine.dispose()
            return float(found) / 2**20

        yield url, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--churn", type=float, default=0.01)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    rng = random.Random(11)
    with (
        tempfile.TemporaryDirectory() as folder,
        database(args.database, Path(folder)) as (location, size_of),
    ):
        store = HistoryStore.open(location)
        assets = [
            Asset(
                id=f"arn:aws:s3:::bucket-{i}",
                provider=Provider.AWS,
                service="s3",
                kind="bucket",
                name=f"bucket-{i}",
                account="bench",
                region="us-east-1",
            )
            for i in range(args.findings // 2)
        ]
        current = list(range(args.findings))
        next_number = args.findings
        started = datetime(2026, 1, 1, tzinfo=UTC)
        record_times, diff_times = [], []
        for run in range(args.runs):
            if run:
                changed = int(args.findings * args.churn)
                for index in rng.sample(range(len(current)), changed):
                    current[index] = next_number
                    next_number += 1
            audit = result(started + timedelta(days=run), current, assets)
            clock = time.perf_counter()
            diff = since_last_run(store, audit, "aws(account bench)")
            diff_times.append(time.perf_counter() - clock)
            clock = time.perf_counter()
            store.record(audit.model_copy(update={"changes": diff}), "aws(account bench)")
            record_times.append(time.perf_counter() - clock)
        store.close()
        size = size_of()
    both = [record + diff for record, diff in zip(record_times, diff_times, strict=True)]
    print(
        f"{args.database}: first run {both[0]:.1f} s; slowest later run "
        f"{max(both[1:] or [0]):.1f} s"
    )
    record, diff = sum(record_times) / len(both), sum(diff_times) / len(both)
    print(
        f"history: {args.runs} runs, {args.findings} findings each, "
        f"record {record:.2f} s + diff {diff:.2f} s = {record + diff:.2f} s per run, "
        f"db {size:.0f} MiB"
    )


if __name__ == "__main__":
    main()
