"""The pipeline integration files parse and call `assessor ci` the way the CLI accepts."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import yaml
from click.testing import CliRunner

from assessor.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _ci_args(command: str) -> list[str]:
    words = shlex.split(command)
    assert words[:2] == ["assessor", "ci"], command
    return words[2:]


def _accepted(args: list[str], tmp_path: Path) -> None:
    """The options parse: run against an empty directory with no baseline file needed."""
    cleaned, skip = [], False
    for word in args:
        if skip:
            skip = False
            continue
        if word == "--baseline":
            skip = True
            continue
        cleaned.append(str(tmp_path) if word in ("infra", ".") else word)
    result = CliRunner().invoke(main, ["ci", *cleaned, "--output", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output


def test_pre_commit_hook(tmp_path: Path) -> None:
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {"id", "name", "entry", "language", "files"} <= set(hook)
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    _accepted(_ci_args(hook["entry"]) + hook["args"], tmp_path)


def test_github_actions_workflow(tmp_path: Path) -> None:
    workflow = yaml.safe_load((ROOT / "examples/ci/github-actions.yml").read_text())
    steps = workflow["jobs"]["assessor"]["steps"]
    runs = [s["run"] for s in steps if "run" in s and s["run"].startswith("assessor ci")]
    assert len(runs) == 1
    _accepted(_ci_args(runs[0]), tmp_path)
    upload = next(
        s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif")
    )
    assert upload["with"]["sarif_file"] == "assessor-ci/report.sarif"
    assert workflow["permissions"]["security-events"] == "write"


def test_gitlab_job(tmp_path: Path) -> None:
    job = yaml.safe_load((ROOT / "examples/ci/gitlab-ci.yml").read_text())["assessor"]
    command = next(line for line in job["script"] if line.startswith("assessor ci"))
    _accepted(_ci_args(command), tmp_path)
    assert job["artifacts"]["reports"]["junit"] == "assessor-ci/report.junit.xml"


def test_shell_example_is_valid_sh() -> None:
    subprocess.run(["sh", "-n", str(ROOT / "examples/ci/run.sh")], check=True)
