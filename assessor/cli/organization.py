"""``plan`` and ``merge``: an organization audited in shards (``audit --plan --shard``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assessor import run, shards
from assessor.cli import console
from assessor.cli.options import (
    PROBE_ARGS,
    delivery_options,
    probe_configs,
    report_options,
    rules_options,
)
from assessor.engine.selection import RuleSelection
from assessor.findings.result import Acceptance
from assessor.output import write_atomic


@click.command(context_settings=PROBE_ARGS)
@click.option("--probe", "probe_name", required=True, help="The probe whose units to plan.")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("plan.json"),
    show_default=True,
    help="Plan file to write.",
)
@click.pass_context
def plan(ctx: click.Context, probe_name: str, output: Path) -> None:
    """List an organization's accounts (projects, subscriptions) once, for sharded audits.

    Each shard then runs `assessor audit --plan FILE --shard I/N -o DIR`, and
    `assessor merge DIR...` evaluates the whole.
    """
    config = probe_configs([probe_name], ctx.args)[probe_name]
    made = shards.make_plan(probe_name, config, run.clock())
    write_atomic(output, (made.model_dump_json(indent=2) + "\n").encode("utf-8"))
    console.note(f"plan {made.plan_id}: {len(made.units)} {made.unit_option} → {output}")


@click.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@rules_options
@report_options()
@delivery_options
@click.option(
    "--allow-partial",
    is_flag=True,
    help="Exit as for a whole estate even when planned units are missing (they stay gaps).",
)
def merge(
    sources: tuple[Path, ...],
    selection: RuleSelection,
    reports: run.Reports,
    acceptance: Acceptance,
    delivery: run.Delivery,
    allow_partial: bool,
) -> None:
    """Merge the shards of a plan (their output directories, and the plan file) into one
    run: every planned unit must be there exactly once, else exit 4 (incomplete)."""
    outcome = run.merge(sources, selection, reports, acceptance, delivery, allow_partial)
    console.outcome(outcome)
    sys.exit(outcome.exit_code)


COMMANDS = (plan, merge)
