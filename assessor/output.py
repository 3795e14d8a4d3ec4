"""Writes report files atomically: a reader sees the old file or the new one, never half, and
a run's reports are renamed into place together, after every one of them was written."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path


class StagedFiles:
    """Files written beside their final paths, renamed into place by :func:`staged`."""

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []

    def write(self, path: Path, pieces: Iterable[bytes]) -> None:
        """Write ``pieces`` (a report as it is rendered) to a hidden file beside ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        self._staged.append((Path(temporary), path))
        with os.fdopen(handle, "wb") as stream:
            for piece in pieces:
                stream.write(piece)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)

    def _commit(self) -> None:
        while self._staged:
            temporary, path = self._staged[0]
            os.replace(temporary, path)
            self._staged.pop(0)

    def _discard(self) -> None:
        for temporary, _ in self._staged:
            temporary.unlink(missing_ok=True)
        self._staged.clear()


@contextmanager
def staged() -> Iterator[StagedFiles]:
    """Files staged in the block and renamed into place when it ends without an error; on
    an error none of them replaces anything and the staged copies are removed."""
    files = StagedFiles()
    try:
        yield files
        files._commit()
    finally:
        files._discard()


def write_atomic(path: Path, content: bytes) -> None:
    """Replace ``path`` with ``content`` in one rename."""
    with staged() as files:
        files.write(path, (content,))
