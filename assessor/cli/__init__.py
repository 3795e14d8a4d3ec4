"""The ``assessor`` command line: one module per command group, each parsing its options,
calling :mod:`assessor.run` and printing through :mod:`assessor.cli.console`.

Exit codes are defined in :mod:`assessor.errors` and documented in the README; assessor's
own errors become one line and their exit code in one place, :class:`AssessorGroup`.
"""

from __future__ import annotations

from assessor.cli import audit, ci, data, history, meta, organization, regions, report, rules
from assessor.cli.group import main

for module in (audit, ci, data, history, meta, organization, regions, report, rules):
    for command in module.COMMANDS:
        main.add_command(command)

__all__ = ["main"]
