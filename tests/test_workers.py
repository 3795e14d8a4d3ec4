"""`audit --workers N` as a user runs it (the command in its own process, against the moto
server): one account's scan split between processes, an organization read one account per
worker process; a process that is killed leaves a gap and exit status 4, never a pass."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assessor.errors import ExitCode
from assessor.testing.emulators import pointed_at
from assessor.testing.faultproxy import Delay, Request, fault_proxy
from tests.aws_estate import (
    ACCOUNT,
    HONG_KONG,
    REGIONS,
    US,
    seed_every_service,
    seed_organization,
)


def _audit(output: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "assessor", "audit", "--probe", "aws", "-o", str(output)]
    command += ["--format", "json", "--aws-max-attempts", "2", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def _report(output: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((output / "report.json").read_text())
    return report


def _estate(report: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """What must not depend on how many processes read it."""
    assets = sorted(json.dumps(asset, sort_keys=True) for asset in report["assets"])
    findings = sorted(finding["fingerprint"] for finding in report["findings"])
    gaps = sorted(json.dumps(gap, sort_keys=True) for gap in report["gaps"])
    return assets, findings, gaps


def _notes(report: dict[str, Any]) -> list[str]:
    return [note for run in report["probes"] for note in run["notes"]]


def test_one_account_split_between_processes_is_the_same_audit(aws: str, tmp_path: Path) -> None:
    seed_every_service(key_replica=False)
    one = _audit(tmp_path / "one", "--workers", "1", "--aws-regions", REGIONS)
    three = _audit(tmp_path / "three", "--workers", "3", "--aws-regions", REGIONS)
    assert one.returncode == three.returncode == 0, one.stderr + three.stderr
    alone, shared = _report(tmp_path / "one"), _report(tmp_path / "three")
    assert _estate(shared) == _estate(alone)
    assert len(alone["assets"]) > 20 and alone["findings"]
    assert any("in each of 3 processes" in note for note in _notes(shared))
    assert not any("processes" in note for note in _notes(alone))


def test_an_organization_read_one_account_per_worker_is_the_same_audit(
    aws: str, tmp_path: Path
) -> None:
    accounts = seed_organization()
    org = ["--aws-org-role", "AssessorAudit", "--aws-regions", f"{US},{HONG_KONG}"]
    one = _audit(tmp_path / "one", "--workers", "1", *org)
    workers = _audit(tmp_path / "workers", "--workers", "2", *org)
    assert one.returncode == workers.returncode == 0, one.stderr + workers.stderr
    alone, apart = _report(tmp_path / "one"), _report(tmp_path / "workers")
    assert {a["account"] for a in apart["assets"]} == set(accounts)
    assert _estate(apart)[:2] == _estate(alone)[:2]
    # Each account was its own process, and said so as it ended.
    ended = [line for line in workers.stderr.splitlines() if line.endswith(": read")]
    assert sorted(ended) == [f"{account}: read" for account in accounts]
    (run,) = apart["probes"]
    assert run["scope"].endswith(f"{len(accounts)} of {len(accounts)} accounts")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


class HongKongHeld:
    """Once armed (after seeding), the first Hong Kong call is held for ten seconds and
    ``arrived`` is set: the process reading Hong Kong is then mid-call."""

    def __init__(self) -> None:
        self.armed = False
        self.arrived = threading.Event()

    def __call__(self, request: Request) -> Delay | None:
        if self.armed and request.region == HONG_KONG and not self.arrived.is_set():
            self.arrived.set()
            return Delay(10)
        return None


@pytest.fixture
def hong_kong_held(aws: str) -> Iterator[HongKongHeld]:
    held = HongKongHeld()
    with fault_proxy(aws, held) as proxy, pointed_at(proxy, None):
        yield held


def _audit_and_kill(output: Path, held: HongKongHeld, *args: str) -> tuple[int, int, str]:
    """Run the audit, SIGKILL one of its worker processes once a Hong Kong call is held
    (as the out-of-memory killer would); returns the exit status, victim and stderr."""
    held.armed = True
    arrived = held.arrived
    command = [sys.executable, "-m", "assessor", "audit", "--probe", "aws", "-o", str(output)]
    command += ["--format", "json", "--aws-max-attempts", "1", *args]
    audit = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert arrived.wait(120), "no Hong Kong call arrived"
        children = _children(audit.pid)
        assert children, "the audit has no worker processes"
        victim = children[-1]
        os.kill(victim, signal.SIGKILL)
        _, stderr = audit.communicate(timeout=120)
    finally:
        audit.kill()
    return audit.returncode, victim, stderr


def test_a_killed_process_of_a_split_scan_is_a_gap_and_exit_4(
    hong_kong_held: HongKongHeld, tmp_path: Path
) -> None:
    seed_every_service()
    status, _, stderr = _audit_and_kill(
        tmp_path / "report", hong_kong_held, "--workers", "2", "--aws-regions", REGIONS
    )
    assert status == ExitCode.INCOMPLETE, stderr
    report = _report(tmp_path / "report")
    (lost,) = [gap for gap in report["gaps"] if gap["reason"] == "unread"]
    assert "killed by SIGKILL" in lost["message"]
    named = {region for region in REGIONS.split(",") if region in lost["message"]}
    assert named and named != set(REGIONS.split(","))
    # What the other process read is all there: assets in the regions it owned.
    kept = {asset["region"] for asset in report["assets"]}
    assert kept - named


def test_a_killed_account_worker_is_a_gap_naming_it_and_exit_4(
    hong_kong_held: HongKongHeld, tmp_path: Path
) -> None:
    accounts = seed_organization()
    org = ["--aws-org-role", "AssessorAudit", "--aws-regions", f"{US},{HONG_KONG}"]
    status, _, stderr = _audit_and_kill(tmp_path / "report", hong_kong_held, "--workers", "2", *org)
    assert status == ExitCode.INCOMPLETE, stderr
    report = _report(tmp_path / "report")
    unread = [gap for gap in report["gaps"] if gap["reason"] == "unread"]
    assert unread and all("killed by SIGKILL" in gap["message"] for gap in unread)
    lost = {gap["account"] for gap in unread}
    assert lost < set(accounts)
    assert {asset["account"] for asset in report["assets"]} == set(accounts) - lost


def test_the_inventory_command_splits_a_scan_too(aws: str, tmp_path: Path) -> None:
    seed_every_service(key_replica=False)
    saved = {}
    for workers in ("1", "2"):
        command = [sys.executable, "-m", "assessor", "inventory", "--probe", "aws"]
        command += ["--aws-regions", REGIONS, "--workers", workers]
        command += ["-o", str(tmp_path / f"{workers}.json")]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        saved[workers] = json.loads((tmp_path / f"{workers}.json").read_text())
    assert saved["1"]["assets"] == saved["2"]["assets"] and saved["1"]["assets"]
    assert any("in each of 2 processes" in note for note in _notes(saved["2"]))


def test_an_organization_that_cannot_be_listed_is_a_gap_not_a_failed_run(
    aws: str, tmp_path: Path
) -> None:
    # No organization on this moto: ListAccounts is refused, as for a member account.
    seed_every_service(key_replica=False)
    org = ["--aws-org-role", "AssessorAudit", "--aws-regions", REGIONS]
    done = _audit(tmp_path / "report", "--workers", "2", *org)
    assert done.returncode == 0, done.stderr
    report = _report(tmp_path / "report")
    assert any(gap["service"] == "organizations" for gap in report["gaps"])
    assert {asset["account"] for asset in report["assets"]} == {ACCOUNT}
    assert any("read the caller's account only" in note for note in _notes(report))
