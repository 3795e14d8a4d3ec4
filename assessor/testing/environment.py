"""Environment variables set for a while and put back: how the demo and the tests hand the
SDKs their endpoints and credentials, the way a user's shell would."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping


@contextlib.contextmanager
def scoped_environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, for None, unset) each variable for the duration, then put back what was
    there."""
    saved = {key: os.environ.get(key) for key in values}
    try:
        _apply(values)
        yield
    finally:
        _apply(saved)


def _apply(values: Mapping[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
