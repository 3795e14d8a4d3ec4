"""The top-level group, and the one place a command's outcome becomes the process's exit
status: each command returns its outcome's exit code (decided by :func:`assessor.run.
exit_status`), or raises an :class:`AssessorError` that carries its own."""

from __future__ import annotations

import sys
from typing import Any

import click

from assessor import __version__
from assessor.cli import console
from assessor.errors import AssessorError


class AssessorGroup(click.Group):
    """A click group that exits with the status its command returned, and turns an
    :class:`AssessorError` from any command into one line on stderr and the error's
    documented exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            status = super().invoke(ctx)
        except AssessorError as error:
            console.error(str(error))
            status = error.exit_code
        sys.exit(int(status or 0))


@click.group(cls=AssessorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="assessor")
def main() -> None:
    """Where in the world is your data, and who could be compelled to hand it over?"""
