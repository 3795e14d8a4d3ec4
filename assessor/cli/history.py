"""``history``: recorded runs, the findings open in one, what changed, pruning."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from assessor.cli import console
from assessor.cli.options import history_option
from assessor.errors import ConfigurationError

if TYPE_CHECKING:
    from assessor.history.store import HistoryStore, RunRecord

_FORMAT = click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)


@click.group()
def history() -> None:
    """Look at recorded runs: list, show, diff, prune."""


def _store(location: str | None) -> HistoryStore:
    if not location:
        raise ConfigurationError("--history LOCATION (or ASSESSOR_HISTORY) is needed")
    from assessor.history.store import HistoryStore  # the database layer, only when used

    return HistoryStore.open(location)


def _run(store: HistoryStore, run_id: int) -> RunRecord:
    found = store.run(run_id)
    if found is None:
        raise ConfigurationError(f"no run {run_id}")
    return found


@history.command("list")
@history_option
@_FORMAT
def history_list(history: str | None, output_format: str) -> None:
    """Every recorded run, newest first."""
    console.runs(_store(history).runs(), output_format == "json")


@history.command("show")
@click.argument("run_id", type=int)
@history_option
@_FORMAT
def history_show(run_id: int, history: str | None, output_format: str) -> None:
    """One run and the findings open in it."""
    store = _store(history)
    run = _run(store, run_id)
    findings = sorted(store.findings_at(run).values(), key=lambda f: (-f.severity.rank, f.rule_id))
    console.run_findings(run, findings, output_format == "json")


@history.command("diff")
@click.argument("first", type=int)
@click.argument("second", type=int)
@history_option
@_FORMAT
def history_diff(first: int, second: int, history: str | None, output_format: str) -> None:
    """What changed from run FIRST to run SECOND."""
    store = _store(history)
    older, newer = _run(store, first), _run(store, second)
    from assessor.history.diff import compare_runs

    console.run_diff(compare_runs(store, older, newer), output_format == "json")


@history.command("prune")
@click.option("--keep", type=int, required=True, help="How many of the newest runs to keep.")
@history_option
def history_prune(keep: int, history: str | None) -> None:
    """Forget all but the newest runs."""
    console.note(f"removed {_store(history).prune(keep)} runs")


COMMANDS = (history,)
