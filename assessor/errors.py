"""The error tree and the process exit codes, which are part of assessor's contract.

Exit codes (documented in the README; stable across releases):

* ``0`` the run completed and nothing is at or above ``--fail-on``;
* ``1`` the run completed and findings are at or above ``--fail-on``;
* ``2`` usage, configuration or input error (bad option, malformed rule or inventory file);
* ``3`` the reports were written but could not be delivered (reserved for publishing).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1
    USAGE = 2
    DELIVERY = 3
    # Part of a planned estate was never read (a missing shard, a worker that died).
    INCOMPLETE = 4


class AssessorError(Exception):
    """Base of every error assessor reports to the user instead of a traceback."""

    exit_code: ExitCode = ExitCode.USAGE


class InputError(AssessorError):
    """A file the user gave us is malformed; the message names the file and line."""

    def __init__(self, path: str, line: int | None, field: str | None, message: str) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.message = message
        where = path if line is None else f"{path}:{line}"
        what = f"{field}: {message}" if field else message
        super().__init__(f"{where}: {what}")


class ConfigurationError(AssessorError):
    """Options that cannot work together, an unknown probe, an unreadable location."""


class ProbeNotFound(ConfigurationError):
    """No probe is registered under the requested name."""
