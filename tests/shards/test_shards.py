"""An organization audited in shards: `plan`, `audit --plan --shard`, `merge`, against an
AWS organization on the moto server, with real worker processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
from itertools import chain
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import boto3
import pytest
from click.testing import CliRunner

from assessor import run, shards
from assessor.cli import main
from assessor.delivery.objects import GcsStore, S3Store
from assessor.errors import ExitCode, InputError
from assessor.models import GapReason, Plan
from assessor.probes.base import ProbeConfig
from assessor.shards.balance import longest_first, shard_units, weights
from assessor.testing.emulators import pointed_at
from tests.aws_estate import HONG_KONG, US, seed_organization

AWS = ["--aws-org-role", "AssessorAudit", "--aws-services", "s3"]
AWS += ["--aws-regions", f"{US},{HONG_KONG}", "--aws-max-attempts", "2"]


@pytest.fixture
def organization(aws: str) -> list[str]:
    return seed_organization()


def _cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), env=dict(os.environ), catch_exceptions=False)


def _fingerprints(report: Path) -> set[str]:
    findings = json.loads((report / "report.json").read_text())["findings"]
    return {finding["fingerprint"] for finding in findings}


def test_three_shards_and_a_merge_are_one_audit_and_a_lost_shard_is_named(
    organization: list[str], tmp_path: Path
) -> None:
    plan_file = tmp_path / "plan.json"
    planned = _cli("plan", "--probe", "aws", *AWS, "-o", str(plan_file))
    assert planned.exit_code == 0, planned.output
    plan = Plan.model_validate_json(plan_file.read_text())
    assert plan.units == tuple(organization) and plan.unit_option == "accounts"
    shard_dirs = [tmp_path / "shards" / f"shard-{n}" for n in (1, 2, 3)]
    for number, directory in enumerate(shard_dirs, 1):
        ran = _cli(
            "audit", "--plan", str(plan_file), "--shard", f"{number}/3", "-o", str(directory)
        )
        assert ran.exit_code == 0, ran.output
    held = [sorted(p.stem for p in (d / "units").glob("*.json")) for d in shard_dirs]
    assert sorted(chain.from_iterable(held)) == organization and all(held)  # each account once

    whole = _cli("audit", "--probe", "aws", *AWS, "-o", str(tmp_path / "whole"), "--format", "json")
    assert whole.exit_code == 0, whole.output
    merged = _cli(
        "merge", *map(str, shard_dirs), "-o", str(tmp_path / "merged"), "--format", "json"
    )
    assert merged.exit_code == 0, merged.output
    expected = _fingerprints(tmp_path / "whole")
    assert expected and _fingerprints(tmp_path / "merged") == expected

    # Lose shard 2 (as a failed CI shard leaves no artifact): the merge of the directory
    # that holds the shards names its accounts and says the estate is incomplete.
    lost = held[1]
    shutil.rmtree(shard_dirs[1])
    partial = _cli(
        "merge", str(tmp_path / "shards"), "-o", str(tmp_path / "partial"), "--format", "json"
    )
    assert partial.exit_code == ExitCode.INCOMPLETE
    gaps = json.loads((tmp_path / "partial" / "report.json").read_text())["gaps"]
    assert sorted(g["account"] for g in gaps if g["reason"] == "unread") == lost
    allowed = _cli("merge", str(tmp_path / "shards"), "--allow-partial", "-o", str(tmp_path / "p2"))
    assert allowed.exit_code == 0

    # Run shard 2 again: the merge is whole again.
    again = _cli("audit", "--plan", str(plan_file), "--shard", "2/3", "-o", str(shard_dirs[1]))
    assert again.exit_code == 0, again.output
    final = _cli(
        "merge", str(tmp_path / "shards"), "-o", str(tmp_path / "final"), "--format", "json"
    )
    assert final.exit_code == 0 and _fingerprints(tmp_path / "final") == expected


def test_a_rerun_shard_resumes_and_reads_only_what_is_missing(
    organization: list[str], tmp_path: Path
) -> None:
    plan = shards.make_plan("aws", _config(), run.clock())
    output = tmp_path / "out"
    first = shards.run_shard(plan, 1, 1, output, workers=2)
    assert first.written == plan.units and not first.failed
    kept = shards.unit_file(output, plan.units[0])
    stamp = kept.stat().st_mtime_ns
    shards.unit_file(output, plan.units[-1]).unlink()
    read: list[str] = []
    shards.run_shard(plan, 1, 1, output, 2, progress=lambda unit, _: read.append(unit))
    assert read == [plan.units[-1]] and kept.stat().st_mtime_ns == stamp


def _killed_for_the_second(plan: Plan, unit: str, path: Path) -> None:
    if unit == plan.units[1]:
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
    shards.read_unit(plan, unit, path)


def test_a_killed_worker_is_a_gap_for_its_account_and_never_a_silent_success(
    organization: list[str], tmp_path: Path
) -> None:
    plan = shards.make_plan("aws", _config(), run.clock())
    output = tmp_path / "out"
    manifest = shards.run_shard(plan, 1, 1, output, 2, reader=_killed_for_the_second)
    victim = plan.units[1]
    assert manifest.failed == {victim: "its worker process was killed by SIGKILL"}
    assert victim not in manifest.written and len(manifest.written) == len(plan.units) - 1
    outcome = run.merge(
        [output], reports=run.Reports(output=tmp_path / "report", formats=("json",))
    )
    assert outcome.exit_code is ExitCode.INCOMPLETE
    (gap,) = [g for g in outcome.result.gaps if g.reason is GapReason.UNREAD]
    assert gap.account == victim and "killed by SIGKILL" in gap.message
    assert {a.account for a in outcome.result.assets} == set(plan.units) - {victim}


def test_a_unit_read_by_two_shards_is_a_gap_and_plans_must_match(
    organization: list[str], tmp_path: Path
) -> None:
    plan = shards.make_plan("aws", _config(), run.clock())
    one, two = tmp_path / "one", tmp_path / "two"
    shards.run_shard(plan, 1, 1, one, 2)
    twice = plan.units[0]
    narrow = shards.make_plan("aws", _config(accounts=twice), run.clock())
    shards.run_shard(narrow, 1, 1, two, 1)
    # The second directory holds another plan (another unit list): refused, naming it.
    for order in ([one, two], [two, one]):
        with pytest.raises(InputError, match=r"another plan.*one/plan\.json.*two/plan\.json"):
            shards.merge(order, run.clock())
    # Shard 1 of N of the same plan read again elsewhere: its one unit is read twice.
    three = tmp_path / "three"
    shards.run_shard(plan, 1, len(plan.units), three, 1)
    merged = shards.merge([one, three], run.clock())
    assert merged.duplicated == (twice,) and not merged.complete
    (gap,) = [g for g in merged.inventory.gaps if g.reason is GapReason.UNREAD]
    assert gap.account == twice and "more than once" in gap.message


def test_bad_shards_and_unsplittable_probes_are_usage_errors(tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(_plan(3).model_dump_json())
    for text in ("0/3", "4/3", "two", "1/0"):
        ran = _cli("audit", "--plan", str(plan_file), "--shard", text)
        assert ran.exit_code == 2 and "expected I/N" in ran.output
    ran = _cli("plan", "--probe", "terraform", "--terraform-path", str(tmp_path))
    assert ran.exit_code == 2 and "not split" in ran.output
    ran = _cli("plan", "--probe", "aws")
    assert ran.exit_code == 2 and "--aws-org-role" in ran.output
    assert shards.shard_units(_plan(7), 2, 3) == ("u1", "u4")


def _config(**more: str) -> ProbeConfig:
    options = dict(zip(AWS[::2], AWS[1::2], strict=True))
    values = {key.removeprefix("--aws-"): (value,) for key, value in options.items()}
    return ProbeConfig(values | {key: (value,) for key, value in more.items()})


def _plan(count: int) -> Plan:
    units = tuple(f"u{n}" for n in range(count))
    return Plan.of("aws", "accounts", {}, units, run.clock())


def test_shards_in_s3_and_gcs_resume_and_merge_as_from_directories(
    aws: str, organization: list[str], gcs_endpoint: str, tmp_path: Path
) -> None:
    with pointed_at(aws, gcs_endpoint):
        boto3.client("s3", region_name=US).create_bucket(Bucket="org-shards")
        gcs = GcsStore("org-shards")
        gcs.client.create_bucket("org-shards")
        plan_url = "s3://org-shards/plans/plan.json"
        assert _cli("plan", "--probe", "aws", *AWS, "-o", plan_url).exit_code == 0
        outputs = ["s3://org-shards/nightly/shard-1", "gs://org-shards/nightly/shard-2"]
        for number, output in enumerate(outputs, 1):
            ran = _cli("audit", "--plan", plan_url, "--shard", f"{number}/2", "-o", output)
            assert ran.exit_code == 0, ran.output
        s3 = S3Store("org-shards")
        held = [unquote(k.rsplit("/", 1)[1][:-5]) for k in s3.keys("nightly/shard-1/units/")]
        held += [unquote(k.rsplit("/", 1)[1][:-5]) for k in gcs.keys("nightly/shard-2/units/")]
        assert sorted(held) == organization
        assert s3.get("nightly/shard-1/shard-1-of-2.json") is not None

        # Run again, a shard resumes: nothing is read twice.
        again = _cli("audit", "--plan", plan_url, "--shard", "1/2", "-o", outputs[0])
        assert again.exit_code == 0 and ": read" not in again.output

        whole = _cli("audit", "--probe", "aws", *AWS, "-o", str(tmp_path / "whole"))
        merged = _cli("merge", "s3://org-shards/nightly", "gs://org-shards/nightly/", "-o",
                      str(tmp_path / "merged"), "--format", "json")  # fmt: skip
        assert whole.exit_code == 0 and merged.exit_code == 0, merged.output
        assert _fingerprints(tmp_path / "merged") == _fingerprints(tmp_path / "whole")

        # A unit object lost from one bucket: the merge names it and says incomplete.
        lost = gcs.keys("nightly/shard-2/units/")[0]
        gcs.bucket.blob(lost).delete()
        partial = _cli("merge", "s3://org-shards/nightly", "gs://org-shards/nightly",
                       "-o", str(tmp_path / "partial"), "--format", "json")  # fmt: skip
        assert partial.exit_code == ExitCode.INCOMPLETE
        gaps = json.loads((tmp_path / "partial" / "report.json").read_text())["gaps"]
        assert [g["account"] for g in gaps if g["reason"] == "unread"] == [
            unquote(lost.rsplit("/", 1)[1][:-5])
        ]
        missing = _cli("merge", "s3://org-shards/elsewhere", "-o", str(tmp_path / "none"))
        assert missing.exit_code == ExitCode.USAGE and "no shard output" in missing.output


def _timed_plan(seconds: dict[str, float]) -> Plan:
    units = tuple(sorted(seconds))
    durations = {unit: taken for unit, taken in seconds.items() if taken}
    return Plan.of("aws", "accounts", {}, units, run.clock(), durations)


def test_shards_are_balanced_by_the_last_durations_longest_first() -> None:
    plan = _timed_plan({"a": 100, "b": 10, "c": 10, "d": 10, "e": 10, "f": 10})
    # Round-robin would give shard 1 a, c and e: 120 s against 30 s.
    assert shard_units(plan, 1, 2) == ("a",) and shard_units(plan, 2, 2) == tuple("bcdef")
    for count in range(1, 6):
        dealt = [unit for index in range(1, count + 1) for unit in shard_units(plan, index, count)]
        assert sorted(dealt) == list(plan.units)
    assert longest_first(plan, ["b", "a", "c"]) == ["a", "b", "c"]
    # A unit the last run did not read counts as the median of the others.
    newcomer = _timed_plan({"a": 100, "b": 10, "c": 10, "new": 0})
    assert weights(newcomer)["new"] == 10
    # Without durations: round-robin over the sorted plan, as before.
    assert shard_units(_timed_plan({"a": 0, "b": 0, "c": 0}), 1, 2) == ("a", "c")


def test_an_organization_audit_records_each_account_s_duration_for_the_next_plan(
    organization: list[str], tmp_path: Path
) -> None:
    history = str(tmp_path / "history.sqlite")
    audited = _cli("audit", "--probe", "aws", *AWS, "--workers", "2", "--history", history,
                   "-o", str(tmp_path / "report"), "--format", "json")  # fmt: skip
    assert audited.exit_code == 0, audited.output
    (probe_run,) = json.loads((tmp_path / "report" / "report.json").read_text())["probes"]
    assert sorted(probe_run["unit_seconds"]) == organization
    assert all(seconds > 0 for seconds in probe_run["unit_seconds"].values())
    planned = _cli("plan", "--probe", "aws", *AWS, "--history", history,
                   "-o", str(tmp_path / "plan.json"))  # fmt: skip
    assert planned.exit_code == 0, planned.output
    assert "balanced by the last run's duration of 5 of 5 accounts" in planned.output
    plan = Plan.model_validate_json((tmp_path / "plan.json").read_text())
    assert plan.unit_seconds == probe_run["unit_seconds"]
    # The plan id does not depend on the durations: shards of either plan merge.
    assert plan.plan_id == shards.make_plan("aws", _config(), run.clock()).plan_id


def _edited(plan_file: Path, edit: str) -> None:
    """The plan as a hand edit would leave it: an account removed, added or changed, the
    id kept."""
    data = json.loads(plan_file.read_text())
    units = list(data["units"])
    if edit == "removed":
        units.pop(1)
    elif edit == "added":
        units.append("999999999999")
    else:
        units[0] = "999999999999"
    plan_file.write_text(json.dumps({**data, "units": sorted(units)}))


@pytest.mark.parametrize("edit", ["removed", "added", "changed"])
def test_a_plan_edited_by_hand_is_refused_by_the_shard_and_the_merge_in_any_order(
    organization: list[str], tmp_path: Path, edit: str
) -> None:
    plan_file = tmp_path / "plan.json"
    assert _cli("plan", "--probe", "aws", *AWS, "-o", str(plan_file)).exit_code == 0
    outputs = [tmp_path / "shard-1", tmp_path / "shard-2"]
    for number, output in enumerate(outputs, 1):
        ran = _cli("audit", "--plan", str(plan_file), "--shard", f"{number}/2", "-o", str(output))
        assert ran.exit_code == 0, ran.output
    honest = plan_file.read_text()
    _edited(plan_file, edit)
    ran = _cli("audit", "--plan", str(plan_file), "--shard", "1/2", "-o", str(tmp_path / "x"))
    assert ran.exit_code == ExitCode.USAGE and f"{plan_file}: plan_id" in ran.output
    assert "edited after it was made" in ran.output and not (tmp_path / "x").exists()
    # The edited copy inside one shard's output: refused whichever directory comes first.
    (outputs[1] / "plan.json").write_text(plan_file.read_text())
    for order in (outputs, outputs[::-1], [plan_file, *outputs]):
        merged = _cli("merge", *map(str, order), "-o", str(tmp_path / "merged"))
        assert merged.exit_code == ExitCode.USAGE, merged.output
        assert "edited after it was made" in merged.output
        assert not (tmp_path / "merged").exists()
    # Put back as made, the merge is whole again.
    (outputs[1] / "plan.json").write_text(honest)
    merged = _cli("merge", *map(str, outputs), "-o", str(tmp_path / "merged"), "--format", "json")
    assert merged.exit_code == 0, merged.output


def test_a_shard_output_holding_another_plan_is_not_resumed(
    organization: list[str], tmp_path: Path
) -> None:
    output = tmp_path / "out"
    shards.run_shard(shards.make_plan("aws", _config(), run.clock()), 1, 1, output, 2)
    other = shards.make_plan("aws", _config(accounts=organization[0]), run.clock())
    with pytest.raises(InputError, match=r"out/plan\.json: plan_id: holds plan \w+, not"):
        shards.run_shard(other, 1, 1, output, 1)
