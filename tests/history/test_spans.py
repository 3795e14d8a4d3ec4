"""The history store's spans: what one read of the open spans serves (the diff, then the
recording) must agree with what the store reads back, also when another process recorded
a run of the same scope in between."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assessor.findings.result import summarize
from assessor.history.diff import since_last_run
from assessor.history.store import HistoryStore
from assessor.models import (
    Asset,
    AuditResult,
    Finding,
    FindingChange,
    FindingStatus,
    Inventory,
    Lifecycle,
    Provider,
    Severity,
    Waiver,
    assembled,
    shared_fields_set,
)

START = datetime(2026, 3, 1, tzinfo=UTC)
SCOPE = "aws(account 111122223333)"


def _result(day: int, found: dict[str, FindingStatus]) -> AuditResult:
    assets = tuple(
        Asset(
            id=f"arn:aws:s3:::{name}",
            provider=Provider.AWS,
            service="s3",
            kind="bucket",
            name=name,
            account="111122223333",
            region="ap-east-1",
        )
        for name in sorted(found)
    )
    waiver = Waiver.model_validate(
        {
            "rule": "COC-001",
            "asset": "*",
            "owner": "ciso",
            "reason": "accepted",
            "expires": "2027-01-01",
        }
    )
    findings = tuple(
        Finding(
            fingerprint=f"v1{name}",
            rule_id="COC-001",
            rule_name="r",
            pack="p",
            asset_id=f"arn:aws:s3:::{name}",
            severity=Severity.HIGH,
            title=f"{name} in Hong Kong",
            message="m",
            status=status,
            waiver=waiver if status is FindingStatus.WAIVED else None,
        )
        for name, status in sorted(found.items())
    )
    inventory = Inventory(generated_at=START + timedelta(days=day), assets=assets)
    return AuditResult(
        tool_version="t",
        generated_at=inventory.generated_at,
        assets=assets,
        findings=findings,
        summary=summarize(inventory, findings),
    )


def _run(store: HistoryStore, day: int, found: dict[str, FindingStatus]) -> dict[str, Lifecycle]:
    result = _result(day, found)
    diff = since_last_run(store, result, SCOPE)
    store.record(result.model_copy(update={"changes": diff}), SCOPE)
    return {change.asset_id.rsplit(":", 1)[1]: change.lifecycle for change in diff.findings}


def _open(store: HistoryStore) -> dict[str, tuple[FindingStatus, datetime]]:
    latest = store.latest_run(SCOPE)
    assert latest is not None
    return {
        found.asset_id.rsplit(":", 1)[1]: (found.status, found.first_seen_at)
        for found in store.findings_at(latest).values()
    }


OPEN, WAIVED = FindingStatus.OPEN, FindingStatus.WAIVED


def test_runs_open_close_reopen_and_change_status_as_read_back(history: str) -> None:
    store = HistoryStore.open(history)
    try:
        assert _run(store, 0, {"keep": OPEN, "gone": OPEN, "accept": OPEN}) == {
            "keep": Lifecycle.NEW,
            "gone": Lifecycle.NEW,
            "accept": Lifecycle.NEW,
        }
        assert _run(store, 1, {"keep": OPEN, "accept": WAIVED, "new": OPEN}) == {
            "keep": Lifecycle.STILL_OPEN,
            "gone": Lifecycle.RESOLVED,
            "accept": Lifecycle.WAIVED,
            "new": Lifecycle.NEW,
        }
        assert _open(store) == {
            "keep": (OPEN, START),
            "accept": (WAIVED, START),
            "new": (OPEN, START + timedelta(days=1)),
        }
        # Back again after being resolved: a new span, first seen now.
        assert _run(store, 2, {"keep": OPEN, "gone": OPEN})["gone"] is Lifecycle.NEW
        assert _open(store) == {"keep": (OPEN, START), "gone": (OPEN, START + timedelta(days=2))}
        ages = {
            c.asset_id: c.age_days
            for c in since_last_run(store, _result(5, {"keep": OPEN}), SCOPE).findings
        }
        assert ages == {"arn:aws:s3:::keep": 5, "arn:aws:s3:::gone": 3}
    finally:
        store.close()


def test_a_run_recorded_by_another_process_in_between_is_not_overwritten(history: str) -> None:
    first, second = HistoryStore.open(history), HistoryStore.open(history)
    try:
        _run(first, 0, {"a": OPEN, "b": OPEN})
        # `first` compares its run with what it read; `second` records a run meanwhile.
        late = _result(2, {"a": OPEN, "b": OPEN, "c": OPEN})
        diff = since_last_run(first, late, SCOPE)
        _run(second, 1, {"a": OPEN, "d": OPEN})
        first.record(late.model_copy(update={"changes": diff}), SCOPE)
        assert _open(first) == {
            "a": (OPEN, START),
            "b": (OPEN, START + timedelta(days=2)),
            "c": (OPEN, START + timedelta(days=2)),
        }
    finally:
        first.close()
        second.close()


def test_assembled_models_equal_validated_ones_and_need_every_field() -> None:
    values = {
        "fingerprint": "v1x",
        "lifecycle": Lifecycle.NEW,
        "ocsf_status": "New",
        "rule_id": "COC-001",
        "asset_id": "a",
        "severity": Severity.HIGH,
        "title": "t",
        "first_seen": START,
        "age_days": 0,
        "note": None,
        "risk_id": None,
    }
    fields = shared_fields_set(FindingChange.model_fields)
    built = assembled(FindingChange, fields, dict(values))
    assert built == FindingChange.model_validate(values)
    assert built.model_dump(mode="json") == FindingChange.model_validate(values).model_dump(
        mode="json"
    )
    with pytest.raises(TypeError, match=r"missing \['note'\]"):
        assembled(FindingChange, fields, {k: v for k, v in values.items() if k != "note"})
