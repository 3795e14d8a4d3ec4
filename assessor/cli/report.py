"""``report``: re-render a saved report.json in other formats; no cloud is touched."""

from __future__ import annotations

from pathlib import Path

import click

from assessor import run
from assessor.cli import console
from assessor.cli.options import output_options
from assessor.inputs import read_json_model
from assessor.models import AuditResult


@click.command()
@click.argument("result_file", type=click.Path(path_type=Path, dir_okay=False))
@output_options(formats="html")
def report(result_file: Path, reports: run.Reports) -> int:
    """Re-render a saved report.json in other formats; no cloud is touched."""
    saved = read_json_model(result_file, AuditResult)
    outcome = run.finish(run.upgraded(saved), reports=reports)
    console.outcome(outcome)
    return outcome.exit_code


COMMANDS = (report,)
