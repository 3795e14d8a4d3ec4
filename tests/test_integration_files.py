"""The pipeline integration files parse and call `assessor ci` the way the CLI accepts."""

from __future__ import annotations

import json
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


def test_kubernetes_cronjob_is_read_only_and_runs_assessor() -> None:
    job = yaml.safe_load((ROOT / "examples/scheduled/cronjob.yaml").read_text())
    assert job["kind"] == "CronJob" and job["apiVersion"] == "batch/v1"
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["securityContext"]["runAsNonRoot"] is True
    args = container["args"]
    assert args[0] == "audit" and any(a.startswith("--history=") for a in args)
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert {"/out", "/history"} <= mounts
    assert "secretKeyRef" in json.dumps(container["env"])  # the webhook URL is not inline


def test_scheduled_workflow_and_cron_line() -> None:
    workflow = yaml.safe_load((ROOT / "examples/scheduled/github-schedule.yml").read_text())
    on = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on` as true
    assert on["schedule"][0]["cron"].count(" ") == 4
    run = next(
        s["run"] for s in workflow["jobs"]["report"]["steps"] if "run" in s and "audit" in s["run"]
    )
    assert "--publish" in run and "--notify" in run
    line = next(
        text
        for text in (ROOT / "examples/scheduled/crontab").read_text().splitlines()
        if text and not text.startswith("#")
    )
    fields = line.split(None, 5)
    assert len(fields) == 6 and fields[5].startswith("assessor audit")


def test_dockerfile_installs_this_version_as_a_non_root_user() -> None:
    from assessor import __version__

    text = (ROOT / "Dockerfile").read_text()
    assert f'"assessor=={__version__}"' in text
    assert "USER 10001" in text and 'ENTRYPOINT ["assessor"]' in text
    assert text.count("FROM ") == 2  # build tools stay in the build stage
