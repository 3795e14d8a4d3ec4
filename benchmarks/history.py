"""How fast runs are recorded and compared, and how big the history grows.

    python benchmarks/history.py --runs 100 --findings 100000 --churn 0.01

Ends with one line:
``history: R runs, N findings each, record S s per run, diff D s, db M MiB``.
Target: 100 runs of 100,000 findings with 1% churn record in under 5 s per run and the
SQLite database stays under 200 MiB (the store keeps what changed, not every run).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from assessor.findings.identity import FINGERPRINT_VERSION
from assessor.history.diff import since_last_run
from assessor.history.store import HistoryStore
from assessor.models import (
    Asset,
    AuditResult,
    Finding,
    FindingStatus,
    ProbeRun,
    Provider,
    Severity,
    Summary,
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
    summary = Summary(
        asset_count=len(assets),
        finding_count=len(findings),
        gap_count=0,
        by_severity={},
        by_country={},
        by_provider={},
        worst_severity=None,
    )
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--churn", type=float, default=0.01)
    args = parser.parse_args()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "history.sqlite"
        store = HistoryStore.open(str(database))
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
        size = database.stat().st_size / 2**20
    print(
        f"first run {record_times[0]:.1f} s; slowest later run {max(record_times[1:] or [0]):.1f} s"
    )
    print(
        f"history: {args.runs} runs, {args.findings} findings each, "
        f"record {sum(record_times) / len(record_times):.2f} s per run, "
        f"diff {sum(diff_times) / len(diff_times):.2f} s, db {size:.0f} MiB"
    )


if __name__ == "__main__":
    main()
