"""Where each provider's own tools keep an access key, read the way those tools read it."""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from pathlib import Path

from assessor.errors import ConfigurationError, InputError
from assessor.inputs import Limits, read_bytes

CREDENTIALS_LIMITS = Limits(max_bytes=1024 * 1024)  # a credentials file is a few lines


@dataclass(frozen=True)
class KeySource:
    """Where a provider's own tools keep an access key: environment variables first, then the
    INI credentials file its CLI writes. Names are (id, secret[, session token])."""

    probe: str
    variables: tuple[str, ...]
    files: tuple[Path, ...]
    profile: str
    fields: tuple[str, ...]

    def keys(self) -> tuple[str, str, str | None]:
        given = [os.environ.get(name) or None for name in self.variables] + [None]
        if given[0] and given[1]:
            return given[0], given[1], given[2]
        for path in self.files:
            if path.is_file():
                return self._from_file(path)
        raise ConfigurationError(
            f"the {self.probe} probe needs {self.variables[0]} and {self.variables[1]}, "
            f"or a [{self.profile}] profile in {self.files[0]}"
        )

    def _from_file(self, path: Path) -> tuple[str, str, str | None]:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(read_bytes(path, CREDENTIALS_LIMITS).decode("utf-8"), str(path))
        except (configparser.Error, UnicodeDecodeError) as error:
            line = getattr(error, "lineno", None)
            raise InputError(str(path), line, None, str(error).splitlines()[0]) from None
        if not parser.has_section(self.profile):
            raise InputError(str(path), None, None, f"no [{self.profile}] profile")
        section = parser[self.profile]
        found = [section.get(name, "").strip() or None for name in self.fields] + [None, None]
        if not found[0] or not found[1]:
            wanted = f"{self.fields[0]} and {self.fields[1]}"
            raise InputError(str(path), None, f"[{self.profile}]", f"needs {wanted}")
        return found[0], found[1], found[2]
