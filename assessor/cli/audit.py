"""``audit``, ``inventory``, ``evaluate`` and ``demo``: the runs that look at an estate."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assessor import run
from assessor.cli import console
from assessor.cli.options import (
    PROBE_ARGS,
    delivery_options,
    probe_configs,
    probe_option,
    report_options,
    rules_options,
)
from assessor.engine.selection import RuleSelection
from assessor.findings.result import Acceptance
from assessor.inputs import read_json_model
from assessor.models import Inventory
from assessor.output import write_atomic


def _exit(outcome: run.RunOutcome) -> None:
    console.outcome(outcome)
    sys.exit(outcome.exit_code)


@click.command(context_settings=PROBE_ARGS)
@probe_option
@rules_options
@report_options()
@delivery_options
@click.pass_context
def audit(
    ctx: click.Context,
    probe_names: tuple[str, ...],
    selection: RuleSelection,
    reports: run.Reports,
    acceptance: Acceptance,
    delivery: run.Delivery,
) -> None:
    """Inventory the estate with probes, evaluate the rules, write the reports."""
    configs = probe_configs(probe_names, ctx.args)
    _exit(run.audit(configs, selection, reports, acceptance, delivery, None, console.progress()))


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
@click.pass_context
def inventory(ctx: click.Context, probe_names: tuple[str, ...], output: Path) -> None:
    """Run probes only and save the inventory (assets, locations, coverage gaps)."""
    taken = run.inventory(
        probe_configs(probe_names, ctx.args), progress=console.progress()
    ).inventory
    write_atomic(output, (taken.model_dump_json(indent=2) + "\n").encode("utf-8"))
    console.note(f"{len(taken.assets)} assets, {len(taken.gaps)} coverage gaps → {output}")


@click.command()
@click.argument("inventory_file", type=click.Path(path_type=Path, dir_okay=False))
@rules_options
@report_options()
def evaluate(
    inventory_file: Path,
    selection: RuleSelection,
    reports: run.Reports,
    acceptance: Acceptance,
) -> None:
    """Evaluate the rules on a saved inventory file; no cloud is touched."""
    saved = read_json_model(inventory_file, Inventory)
    _exit(run.evaluate(saved, selection, reports, acceptance))


@click.command()
@rules_options
@report_options()
def demo(selection: RuleSelection, reports: run.Reports, acceptance: Acceptance) -> None:
    """Audit a built-in demo estate on local emulators (moto, GCS) and write the reports.

    Needs no cloud account: the real probes run against emulators started on loopback.
    """
    console.note("Starting local emulators and seeding the demo estate…")
    _exit(run.demo(selection, reports, acceptance, progress=console.progress()))


COMMANDS = (audit, inventory, evaluate, demo)
