"""``ci`` (the CI job on Terraform) and ``baseline`` (known findings it should not fail on)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import click

from assessor import run
from assessor.cli import console
from assessor.cli.options import history_option, report_options, rules_options
from assessor.engine.selection import RuleSelection
from assessor.errors import ConfigurationError
from assessor.findings.baseline import baseline_from, load_baseline, render_baseline
from assessor.findings.result import Acceptance
from assessor.inputs import read_json_model
from assessor.models import AuditResult
from assessor.output import write_atomic
from assessor.probes.base import ProbeConfig


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--plan",
    "plans",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="A plan in Terraform's JSON format (terraform show -json), repeatable.",
)
@click.option(
    "--var-file",
    "var_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Extra .tfvars file for every root module (repeatable).",
)
@click.option("--strict", is_flag=True, help="A file that does not parse is an error (exit 2).")
@click.option(
    "--assume-region",
    is_flag=True,
    help="Use the provider's region variable (AWS_REGION, ...) where no provider sets one.",
)
@click.option(
    "--repo-root",
    type=click.Path(path_type=Path, file_okay=False),
    help="How far up local module sources may reach (default: the git work tree).",
)
@click.option(
    "--data-class",
    help="Data class the code in PATHS handles (pii, health, ...): raises what its SDKs risk.",
)
@rules_options
@report_options("assessor-ci", "sarif,junit,md,json", "high")
@history_option
def ci(
    paths: tuple[Path, ...],
    plans: tuple[Path, ...],
    var_files: tuple[Path, ...],
    strict: bool,
    assume_region: bool,
    repo_root: Path | None,
    data_class: str | None,
    selection: RuleSelection,
    reports: run.Reports,
    acceptance: Acceptance,
    history: str | None,
) -> int:
    """The CI job: check the Terraform and the code in PATHS (and plans) and fail on risky
    changes.

    Terraform is placed as Terraform would place it; lockfiles, SBOMs and build files in
    PATHS are read for SDKs of listed vendors (the code probe).

    Exit 0 when no open finding reaches --fail-on (default high), 1 when one does, 2 on a
    tool or input error. Findings in --baseline and waived ones do not count; expired
    baseline entries and waivers count again. The Markdown summary is appended to
    $GITHUB_STEP_SUMMARY when that is set.
    """
    if not paths and not plans:
        raise ConfigurationError("give at least one directory of Terraform or --plan")
    config = ProbeConfig(
        {
            "path": tuple(map(str, paths)),
            "plan": tuple(map(str, plans)),
            "var-file": tuple(map(str, var_files)),
            "strict": ("yes" if strict else "no",),
            "assume-region": ("yes" if assume_region else "no",),
            "repo-root": (str(repo_root),) if repo_root else (),
        }
    )
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        reports = replace(reports, step_summary=Path(summary))
    probes = {"terraform": config}
    if paths:
        probes["code"] = ProbeConfig(
            {
                "path": tuple(map(str, paths)),
                "strict": ("yes" if strict else "no",),
                "data-class": (data_class,) if data_class else (),
            }
        )
    outcome = run.audit(
        probes,
        rules=selection,
        reports=reports,
        acceptance=acceptance,
        delivery=run.Delivery(history=history),
    )
    console.outcome(outcome)
    return outcome.exit_code


@click.group()
def baseline() -> None:
    """Create and update baselines of known findings."""


@baseline.command("create")
@click.argument("result_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path(".assessor-baseline.json"),
    show_default=True,
)
@click.option(
    "--update",
    is_flag=True,
    help="Keep the existing file's entries that still match (with their reasons).",
)
def baseline_create(result_file: Path, output: Path, update: bool) -> None:
    """Write a baseline of RESULT.json's open findings."""
    result = read_json_model(result_file, AuditResult)
    previous = load_baseline(output) if update and output.exists() else None
    made = baseline_from(result, previous)
    write_atomic(output, render_baseline(made))
    console.note(f"{len(made.entries)} findings in the baseline → {output}")


COMMANDS = (ci, baseline)
