"""``plan`` and ``merge``: an organization audited in shards (``audit --plan --shard``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from assessor import run, shards
from assessor.cli import console
from assessor.cli.options import (
    PROBE_ARGS,
    delivery_options,
    history_option,
    probe_configs,
    report_options,
    rules_options,
)
from assessor.delivery.objects import is_url
from assessor.engine.selection import RuleSelection
from assessor.findings.result import Acceptance
from assessor.in_parts import merge_in_parts
from assessor.models import AuditResult
from assessor.shards.balance import durations_from_history


@click.command(context_settings=PROBE_ARGS)
@click.option("--probe", "probe_name", required=True, help="The probe whose units to plan.")
@click.option(
    "--output",
    "-o",
    default="plan.json",
    show_default=True,
    help="Plan file to write: a path, or an s3:// or gs:// object.",
)
@history_option
@click.pass_context
def plan(ctx: click.Context, probe_name: str, output: str, history: str | None) -> None:
    """List an organization's accounts (projects, subscriptions) once, for sharded audits.

    Each shard then runs `assessor audit --plan FILE --shard I/N -o DIR`, and
    `assessor merge DIR...` evaluates the whole. With --history, shards are balanced by how
    long each account took in the last recorded (merged) run.
    """
    config = probe_configs([probe_name], ctx.args)[probe_name]
    durations = durations_from_history(history, probe_name) if history else None
    made = shards.make_plan(probe_name, config, run.clock(), durations)
    shards.save_plan(made, output)
    if made.unit_seconds:
        balanced = f"{len(made.unit_seconds)} of {len(made.units)}"
        console.note(f"shards balanced by the last run's duration of {balanced} {made.unit_option}")
    console.note(f"plan {made.plan_id}: {len(made.units)} {made.unit_option} → {output}")


@click.command()
@click.argument("sources", nargs=-1, required=True)
@rules_options
@report_options()
@delivery_options
@click.option(
    "--allow-partial",
    is_flag=True,
    help="Exit as for a whole estate even when planned units are missing (they stay gaps).",
)
@click.option(
    "--units-per-part",
    type=click.IntRange(min=1),
    help="Assess and report this many units (accounts) at a time, each part in "
    "parts/part-K/ of the output, the organization's counts above them: memory is bounded "
    "by a part, not the organization. Not with --history, --publish or --notify.",
)
def merge(
    sources: tuple[str, ...],
    selection: RuleSelection,
    reports: run.Reports,
    acceptance: Acceptance,
    delivery: run.Delivery,
    allow_partial: bool,
    units_per_part: int | None,
) -> int:
    """Merge the shards of a plan (their output directories or s3:// / gs:// prefixes, and
    the plan) into one run: every planned unit must be there exactly once, else exit 4."""
    places = [source if is_url(source) else Path(source) for source in sources]
    reports = replace(reports, allow_partial=allow_partial)
    if units_per_part is not None:
        outcome = merge_in_parts(
            places,
            units_per_part=units_per_part,
            rules=selection,
            reports=reports,
            acceptance=acceptance,
            delivery=delivery,
            progress=_part_written,
        )
    else:
        outcome = run.merge(
            places, rules=selection, reports=reports, acceptance=acceptance, delivery=delivery
        )
    console.outcome(outcome)
    return outcome.exit_code


def _part_written(number: int, count: int, part: AuditResult) -> None:
    summary = part.summary
    console.note(
        f"part {number} of {count}: {summary.asset_count} assets, "
        f"{summary.finding_count} findings, {summary.gap_count} gaps → parts/part-{number}"
    )


COMMANDS = (plan, merge)
