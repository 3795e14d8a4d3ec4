"""An organization assessed a part at a time reports what one whole run reports: the same
findings in its parts, and at the top the same summary, estate lines, scores, unused
waivers and exit code, with a unit that was never read still a gap."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from assessor import run
from assessor.catalog import Catalog, locate
from assessor.cli import main
from assessor.engine.examples import example_asset
from assessor.engine.selection import RuleSelection
from assessor.errors import ExitCode
from assessor.findings.result import Acceptance, at_or_above
from assessor.in_parts import assess_in_parts, organization_result
from assessor.models import (
    Asset,
    Baseline,
    BaselineEntry,
    Inventory,
    Plan,
    ProbeRun,
    Severity,
    Waiver,
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)
ACCOUNTS = ["111111111111", "222222222222", "333333333333", "444444444444", "555555555555"]
PLACES = [
    ("aws", "us-east-1"),
    ("aws", "ap-east-1"),
    ("aws", "cn-north-1"),
    ("alibaba", "cn-hangzhou"),
    ("gcp", "europe-west3"),
    ("aws", "xx-unknown-1"),
]


def _estate(catalog: Catalog) -> dict[str, list[Asset]]:
    rng = random.Random(11)
    by_account: dict[str, list[Asset]] = {account: [] for account in ACCOUNTS}
    for index in range(300):
        account = ACCOUNTS[index % len(ACCOUNTS)]
        provider, region = rng.choice(PLACES)
        spec: dict[str, object] = {
            "provider": provider,
            "region": region,
            "account": account,
            "name": f"data-{index}",
            "classification": rng.choice([None, "pii", "public", "health"]),
            "public_access_blocked": rng.choice([None, True, False]),
            "tags": {"records": rng.choice(["10", "500000"])},
        }
        if rng.random() < 0.3:
            spec["flows"] = [{"kind": "replication", "target_region": rng.choice(PLACES)[1]}]
        by_account[account].append(locate(example_asset("P", index, spec), catalog))
    return by_account


WAIVERS = (
    # Matches only assets of the last account (data-4, data-14, ...): used in one part, so
    # not unused overall.
    Waiver(rule="*", asset="data-*4", owner="ops", reason="moving", expires=date(2027, 1, 1)),
    Waiver(rule="*", asset="nothing-*", owner="ops", reason="stale", expires=date(2027, 1, 1)),
    Waiver(rule="*", asset="old-*", owner="ops", reason="past", expires=date(2026, 1, 1)),
)


def test_parts_fold_into_what_one_whole_run_reports(catalog: Catalog) -> None:
    rule_set = RuleSelection().load(catalog)
    by_account = _estate(catalog)
    every = [asset for assets in by_account.values() for asset in assets]
    # A baseline with one finding of the fourth account (matched in one part only) and one
    # entry that matches nothing anywhere (stale in every part, so stale overall).
    known = run.assess(Inventory(generated_at=NOW, assets=tuple(by_account[ACCOUNTS[3]])), rule_set)
    entries = [known.findings[0], known.findings[0].model_copy(update={"fingerprint": "0" * 32})]
    baseline = Baseline(
        entries=tuple(
            BaselineEntry(
                fingerprint=f.fingerprint, rule_id=f.rule_id, asset_id=f.asset_id, account="x"
            )
            for f in entries
        )
    )
    acceptance = Acceptance(waivers=WAIVERS, baseline=(Path("baseline.json"), baseline))
    whole = run.assess(
        Inventory(generated_at=NOW, assets=tuple(every)), rule_set, acceptance=acceptance
    )
    parts = [
        Inventory(generated_at=NOW, assets=tuple(a for acc in chunk for a in by_account[acc]))
        for chunk in (ACCOUNTS[:2], ACCOUNTS[2:4], ACCOUNTS[4:])
    ]
    seen: list[set[str]] = []
    fold = assess_in_parts(
        parts,
        rule_set,
        acceptance=acceptance,
        now=NOW,
        each=lambda _, part: seen.append({f.fingerprint for f in part.findings}),
    )
    probe = ProbeRun(name="aws", version="1", scope="x", asset_count=300, gap_count=0, seconds=1)
    folded = organization_result(fold, rule_set, probe, (), NOW)

    assert len(seen) == 3 and set().union(*seen) == {f.fingerprint for f in whole.findings}
    assert folded.summary == whole.summary
    assert whole.summary.finding_count > 100 and whole.summary.risk_count > 50
    assert folded.estate_risks == whole.estate_risks and len(folded.estate_risks) > 3
    assert folded.scores is not None and whole.scores is not None
    assert folded.scores.overall == whole.scores.overall > 0
    assert folded.scores.accounts == whole.scores.accounts
    assert folded.scores.drivers == whole.scores.drivers
    assert {d: whole.scores.assets[d] for d in whole.scores.drivers} == folded.scores.assets
    for threshold in (Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL):
        assert fold.failing(threshold) == len(at_or_above(whole.findings, threshold))
    assert [w.asset for w in whole.unused_waivers] == ["nothing-*"]
    assert folded.unused_waivers == whole.unused_waivers
    assert folded.expired_waivers == whole.expired_waivers
    assert folded.rules == whole.rules and folded.packs == whole.packs
    assert folded.baseline == whole.baseline
    assert whole.baseline is not None and whole.baseline.matched == 1
    assert [entry.fingerprint for entry in whole.baseline.stale] == ["0" * 32]
    assert folded.findings == () and folded.assets == () and folded.risks == ()


def _shard_output(folder: Path, catalog: Catalog, units: list[str], written: list[str]) -> None:
    plan = Plan.of("aws", "accounts", {}, units, NOW)
    folder.joinpath("units").mkdir(parents=True)
    folder.joinpath("plan.json").write_text(plan.model_dump_json())
    by_account = _estate(catalog)
    for unit in written:
        probe = ProbeRun(
            name="aws", version="1", scope=unit, asset_count=60, gap_count=0, seconds=2.0
        )
        inventory = Inventory(generated_at=NOW, probes=(probe,), assets=tuple(by_account[unit]))
        folder.joinpath("units", f"{unit}.json").write_text(inventory.model_dump_json())


def _merge(*args: str) -> tuple[int, str]:
    ran = CliRunner().invoke(main, ["merge", *args], catch_exceptions=False)
    return ran.exit_code, ran.output


def test_merge_in_parts_writes_each_part_and_the_organization_above_them(
    tmp_path: Path, catalog: Catalog
) -> None:
    shard = tmp_path / "shard"
    _shard_output(shard, catalog, ACCOUNTS, ACCOUNTS[:4])  # the last account never read
    out = tmp_path / "out"
    formats = ["--format", "json,md,html"]
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n  - {rule: '*', asset: 'data-1*', owner: ops, reason: known, expires: 2099-01-01}\n"
    )
    formats += ["--waivers", str(waivers)]
    code, output = _merge(str(shard), "--units-per-part", "3", "-o", str(out), *formats)
    assert code == ExitCode.INCOMPLETE, output
    assert "wrote the reports of 2 parts (parts/part-1 to parts/part-2)" in output
    assert "part 1 of 2: 180 assets" in output and "part 2 of 2: 60 assets" in output
    top = json.loads((out / "report.json").read_text())
    assert top["parts"] == ["parts/part-1", "parts/part-2"]
    assert top["findings"] == [] and top["assets"] == []
    assert [g["account"] for g in top["gaps"] if g["reason"] == "unread"] == [ACCOUNTS[4]]
    assert top["probes"][0]["scope"].endswith("4 of 5 accounts")
    assert top["probes"][0]["unit_seconds"] == {unit: 2.0 for unit in ACCOUNTS[:4]}
    first = json.loads((out / "parts" / "part-1" / "report.json").read_text())
    second = json.loads((out / "parts" / "part-2" / "report.json").read_text())
    assert {a["account"] for a in first["assets"]} == set(ACCOUNTS[:3])
    assert {a["account"] for a in second["assets"]} == {ACCOUNTS[3]}
    counted = len(first["findings"]) + len(second["findings"])
    assert top["summary"]["finding_count"] == counted > 0
    assert top["summary"]["asset_count"] == 240

    # The same merge whole gives the same counts; --allow-partial and --fail-on decide alike.
    code, _ = _merge(str(shard), "--allow-partial", "-o", str(tmp_path / "whole"), *formats)
    whole = json.loads((tmp_path / "whole" / "report.json").read_text())
    assert code == ExitCode.OK and whole["summary"] == top["summary"]
    assert whole["estate_risks"] == top["estate_risks"]
    # The reports a person reads lead with the same counts, from the summary.
    top_md = (out / "report.md").read_text().splitlines()
    whole_md = (tmp_path / "whole" / "report.md").read_text().splitlines()
    assert top_md[2] == whole_md[2] and "open risks" in top_md[2]
    severity_rows = [line for line in whole_md if line.startswith("| critical |")]
    assert severity_rows and severity_rows[0] in top_md
    assert "Assessed 2 parts at a time" in (out / "report.md").read_text()
    page = (out / "report.html").read_text()
    assert '<a href="parts/part-2/report.html">' in page
    assert (out / "parts" / "part-2" / "report.html").is_file()
    card = '<span class="value" data-testid="risk-count">{}</span>'
    assert card.format(whole["summary"]["risk_count"]) in page
    waived = whole["summary"]["by_status"]["waived"]
    assert waived > 0 and f"{waived} findings are waived; each part's report lists them" in page
    for flags, expected in (
        (["--allow-partial"], ExitCode.OK),
        (["--allow-partial", "--fail-on", "high"], ExitCode.FINDINGS),
    ):
        code, output = _merge(str(shard), "--units-per-part", "2", "-o", str(out), *flags)
        assert code == expected, output
    # Smaller parts than last time: the folders of parts this merge did not write are gone.
    code, _ = _merge(str(shard), "--units-per-part", "1", "-o", str(out), "--allow-partial")
    assert code == ExitCode.OK and len(list((out / "parts").iterdir())) == 4
    (out / "parts" / "notes").mkdir()
    code, _ = _merge(str(shard), "--units-per-part", "4", "-o", str(out), "--allow-partial")
    assert sorted(p.name for p in (out / "parts").iterdir()) == ["notes", "part-1"]


@pytest.mark.parametrize("flag", ["--history", "--notify", "--publish"])
def test_merge_in_parts_refuses_what_needs_one_whole_result(
    tmp_path: Path, catalog: Catalog, flag: str
) -> None:
    shard = tmp_path / "shard"
    _shard_output(shard, catalog, ACCOUNTS[:1], ACCOUNTS[:1])
    value = str(tmp_path / "h.db") if flag == "--history" else "https://127.0.0.1:9/x"
    code, output = _merge(str(shard), "--units-per-part", "1", flag, value, "-o", str(tmp_path))
    assert code == ExitCode.USAGE
    assert "need one whole result" in output
    assert not (tmp_path / "parts").exists()
