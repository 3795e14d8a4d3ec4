"""The organization examples: every Kubernetes manifest validates against the Kubernetes API's
own schemas (strict: an unknown field fails), and every assessor command in them parses, with
the shell expansions the pods will do (the shard number from JOB_COMPLETION_INDEX)."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from typing import Any

import click
import kubernetes_validate
import pytest
import yaml

from assessor.cli import main
from assessor.cli.options import probe_configs, raw_output

ROOT = Path(__file__).resolve().parents[1]
MANIFESTS = [
    *sorted((ROOT / "examples/kubernetes").glob("*.yaml")),
    ROOT / "examples/scheduled/cronjob.yaml",
]
KUBERNETES = "1.30"  # the oldest release with backoffLimitPerIndex on by default


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _pod(name: str) -> dict[str, Any]:
    (job,) = _documents(ROOT / "examples/kubernetes" / name)
    return job["spec"]["template"]["spec"]  # type: ignore[no-any-return]


def _expanded(script: str, **env: str) -> list[str]:
    """The arguments `sh` hands to assessor, with the pod's environment."""
    shim = 'assessor() { for word in "$@"; do printf \'%s\\n\' "$word"; done; }; '
    words = subprocess.run(
        ["sh", "-c", shim + script.replace("exec assessor", "assessor", 1)],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return words


def _parsed(args: list[str]) -> click.Context:
    command = main.commands[args[0]]
    return command.make_context(args[0], args[1:])


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda path: path.name)
def test_every_manifest_validates_against_the_kubernetes_schemas(path: Path) -> None:
    for document in _documents(path):
        kubernetes_validate.validate(document, KUBERNETES, strict=True)


def _env(container: dict[str, Any], **given: str) -> dict[str, str]:
    """The container's literal environment values, with those the pod gets elsewhere."""
    values = {item["name"]: item["value"] for item in container["env"] if "value" in item}
    return {**values, **given}


def test_the_indexed_job_runs_each_shard_once_and_retries_an_index_alone() -> None:
    (job,) = _documents(ROOT / "examples/kubernetes/shards-job.yaml")
    spec, pod = job["spec"], job["spec"]["template"]["spec"]
    assert spec["completionMode"] == "Indexed" and spec["backoffLimitPerIndex"] >= 1
    count = spec["completions"]
    (container,) = pod["containers"]
    assert container["command"] == ["sh", "-c"]
    shards = _env(container)["SHARDS"].replace("REPLACE-WITH-THE-RUN", "uid-1")
    assert shards == "s3://acme-assessor-shards/runs/uid-1"
    shards_seen = []
    for index in range(count):
        env = {"JOB_COMPLETION_INDEX": str(index), "SHARDS": shards}
        context = _parsed(_expanded(container["args"][0], **env))
        assert context.params["plan_file"] == f"{shards}/plan.json"
        assert raw_output(context) == f"{shards}/shard-{index + 1}"  # each shard its own
        shards_seen.append(context.params["shard"])
    assert shards_seen == [f"{n}/{count}" for n in range(1, count + 1)]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_the_driver_plans_into_the_run_s_prefix_and_runs_both_jobs() -> None:
    driver = _documents(ROOT / "examples/kubernetes/organization-cronjob.yaml")[-1]
    pod = driver["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (plan,) = pod["initContainers"]
    context = _parsed(_expanded(plan["args"][0], RUN="uid-1"))
    assert context.params["output"] == "s3://acme-assessor-shards/runs/uid-1/plan.json"
    probe = context.params["probe_name"]
    assert probe_configs([probe], context.args)[probe].values["org-role"] == ("AssessorAudit",)
    assert {item["name"] for item in plan["env"]} >= {"RUN", "ASSESSOR_HISTORY"}
    (kubectl,) = pod["containers"]
    script = kubectl["args"][0]
    for manifest in ("shards-job.yaml", "merge-job.yaml"):
        assert f"/manifests/{manifest}" in script
        assert "REPLACE-WITH-THE-RUN" in (ROOT / "examples/kubernetes" / manifest).read_text()
    assert script.count('sed "s/REPLACE-WITH-THE-RUN/$RUN/"') == 2
    subprocess.run(["sh", "-n", "-c", script], check=True)
    for step in (plan, kubectl):
        assert step["securityContext"]["readOnlyRootFilesystem"] is True


def test_the_merge_job_reads_the_shards_of_this_run_and_keeps_history() -> None:
    (container,) = _pod("merge-job.yaml")["containers"]
    shards = _env(container)["SHARDS"].replace("REPLACE-WITH-THE-RUN", "uid-1")
    args = _expanded(container["args"][0], SHARDS=shards, WEBHOOK_URL="https://hooks.example")
    context = _parsed(args)  # merge takes no probe options: an unknown option fails here
    assert context.params["sources"] == ("s3://acme-assessor-shards/runs/uid-1",)
    assert "ASSESSOR_HISTORY" in {item["name"] for item in container["env"]}
    assert context.params["publish"] == ("s3://acme-security-reports/assessor",)


def test_the_github_matrix_plans_once_reads_every_shard_and_merges_them_all() -> None:
    workflow = yaml.safe_load((ROOT / "examples/ci/github-organization.yml").read_text())
    jobs = workflow["jobs"]
    matrix = jobs["shard"]["strategy"]["matrix"]["shard"]
    assert jobs["shard"]["strategy"]["fail-fast"] is False and jobs["merge"]["if"] == "always()"

    def command(job: str, verb: str) -> list[str]:
        runs = [step["run"] for step in jobs[job]["steps"] if "run" in step]
        return shlex.split(next(run for run in runs if run.startswith(f"assessor {verb}")))[1:]

    assert _parsed(command("plan", "plan")).params["output"] == "plan.json"
    shard = " ".join(command("shard", "audit"))
    for number in matrix:
        args = shlex.split(shard.replace("${{ matrix.shard }}", str(number)))
        assert _parsed(args).params["shard"] == f"{number}/{len(matrix)}"
    assert _parsed(command("merge", "merge")).params["sources"] == ("shards",)
