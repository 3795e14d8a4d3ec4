"""A plan's shards read one after another and merged, against one unsharded audit: what the
sharding tests of every probe compare."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from assessor.cli import main


def sharded_and_whole(
    plan_file: Path, shards: int, whole: list[str], work: Path
) -> tuple[list[str], list[str]]:
    """Asset ids of the merge of every shard of ``plan_file``, and of ``audit`` with the
    probe arguments ``whole``."""
    runner = CliRunner()
    outputs = [work / f"shard-{number}" for number in range(1, shards + 1)]
    for number, output in enumerate(outputs, 1):
        shard = ["audit", "--plan", str(plan_file), "--shard", f"{number}/{shards}"]
        ran = runner.invoke(main, [*shard, "-o", str(output)])
        assert ran.exit_code == 0, ran.output
    merged = runner.invoke(
        main, ["merge", *map(str, outputs), "-o", str(work / "merged"), "--format", "json"]
    )
    alone = runner.invoke(main, ["audit", *whole, "-o", str(work / "whole"), "--format", "json"])
    assert merged.exit_code == 0 and alone.exit_code == 0, merged.output + alone.output
    return _ids(work / "merged"), _ids(work / "whole")


def _ids(folder: Path) -> list[str]:
    report = json.loads((folder / "report.json").read_text())
    return sorted(asset["id"] for asset in report["assets"])
