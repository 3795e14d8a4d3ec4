"""``audit``, ``inventory``, ``evaluate`` and ``demo``: the runs that look at an estate."""

from __future__ import annotations

import os
from pathlib import Path

import click

from assessor import run, shards
from assessor.cli import console
from assessor.cli.options import (
    PROBE_ARGS,
    delivery_options,
    history_option,
    optional_probe_option,
    probe_configs,
    probe_option,
    raw_output,
    report_options,
    rules_options,
    workers_option,
)
from assessor.delivery.objects import is_url
from assessor.engine.selection import RuleSelection
from assessor.findings.result import Acceptance
from assessor.inputs import read_json_model
from assessor.models import Inventory
from assessor.output import write_atomic


def _told(outcome: run.RunOutcome) -> int:
    """Prints what a finished run did; its exit code is the command's."""
    console.outcome(outcome)
    return outcome.exit_code


@click.command(context_settings=PROBE_ARGS)
@optional_probe_option
@rules_options
@report_options()
@delivery_options
@click.option(
    "--plan",
    "plan_file",
    help="Read one shard of this plan (a path or an s3:// or gs:// object; see `assessor "
    "plan`) into --output (a directory or an s3:// or gs:// prefix); `assessor merge` then "
    "evaluates the whole.",
)
@click.option("--shard", default="1/1", show_default=True, help="With --plan: which shard, I/N.")
@workers_option
@click.pass_context
def audit(
    ctx: click.Context,
    probe_names: tuple[str, ...],
    selection: RuleSelection,
    reports: run.Reports,
    acceptance: Acceptance,
    delivery: run.Delivery,
    plan_file: str | None,
    shard: str,
    workers: int | None,
) -> int:
    """Inventory the estate with probes, evaluate the rules, write the reports."""
    workers = workers or os.cpu_count() or 1
    if plan_file is not None:
        if probe_names or ctx.args:
            raise click.UsageError("--plan carries the probe and its options; drop --probe")
        return _shard(plan_file, shard, raw_output(ctx), workers)
    if not probe_names:
        raise click.UsageError("Missing option '--probe' (or --plan).")
    if is_url(raw_output(ctx)):
        raise click.UsageError("--output is a directory; --publish URL copies the reports")
    outcome = run.audit(
        probe_configs(probe_names, ctx.args),
        rules=selection,
        reports=reports,
        acceptance=acceptance,
        delivery=delivery,
        progress=console.progress(),
        workers=run.Workers(count=workers, progress=_unit_read),
    )
    return _told(outcome)


def _unit_read(unit: str, status: str) -> None:
    console.note(f"{unit}: {status}")


def _shard(plan_file: str, shard: str, output: str, workers: int) -> int:
    index, count = shards.parse_shard(shard)
    plan = shards.load_plan(plan_file)

    def progress(unit: str, status: str) -> None:
        console.note(f"{plan.unit_option} {unit}: {status}")

    place = output if is_url(output) else Path(output)
    outcome = run.shard(
        plan, index=index, count=count, output=place, workers=workers, progress=progress
    )
    manifest = outcome.manifest
    console.note(
        f"shard {index}/{count}: {len(manifest.written)} of {len(manifest.units)} "
        f"{plan.unit_option} written to {output}"
    )
    for unit, why in manifest.failed.items():
        console.error(f"{unit} not read: {why}")
    return outcome.exit_code


@click.command(context_settings=PROBE_ARGS)
@probe_option
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=Path("inventory.json"),
    show_default=True,
    help="Inventory file to write.",
)
@workers_option
@history_option
@click.pass_context
def inventory(
    ctx: click.Context,
    probe_names: tuple[str, ...],
    output: Path,
    workers: int | None,
    history: str | None,
) -> int:
    """Run probes only and save the inventory (assets, locations, coverage gaps)."""
    outcome = run.inventory(
        probe_configs(probe_names, ctx.args),
        progress=console.progress(),
        workers=run.Workers(count=workers or os.cpu_count() or 1, progress=_unit_read),
        history=history,
    )
    taken = outcome.inventory
    write_atomic(output, (taken.model_dump_json(indent=2) + "\n").encode("utf-8"))
    console.note(f"{len(taken.assets)} assets, {len(taken.gaps)} coverage gaps → {output}")
    return outcome.exit_code  # 4 when part of the estate was never read


@click.command()
@click.argument("inventory_file", type=click.Path(path_type=Path, dir_okay=False))
@rules_options
@report_options()
def evaluate(
    inventory_file: Path,
    selection: RuleSelection,
    reports: run.Reports,
    acceptance: Acceptance,
) -> int:
    """Evaluate the rules on a saved inventory file; no cloud is touched."""
    saved = read_json_model(inventory_file, Inventory)
    return _told(run.evaluate(saved, rules=selection, reports=reports, acceptance=acceptance))


@click.command()
@rules_options
@report_options()
def demo(selection: RuleSelection, reports: run.Reports, acceptance: Acceptance) -> int:
    """Audit a built-in demo estate on local emulators (moto, GCS) and write the reports.

    Needs no cloud account: the real probes run against emulators started on loopback.
    """
    console.note("Starting local emulators and seeding the demo estate…")
    outcome = run.demo(
        rules=selection, reports=reports, acceptance=acceptance, progress=console.progress()
    )
    return _told(outcome)


COMMANDS = (audit, inventory, evaluate, demo)
