"""Shards in object storage: a plan, a shard's output and a merge's inputs may be
``s3://bucket/prefix`` or ``gs://bucket/prefix`` URLs (see :mod:`assessor.delivery.objects`).

A shard keeps the same layout under its prefix as in a directory (``plan.json``,
``units/<unit>.json``, ``shard-I-of-N.json``). Each unit's file is uploaded as its worker
ends, as one object, so a shard that is killed and run again skips what is already there.
A merge copies the JSON objects under each prefix into a scratch directory and merges that.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import unquote

from assessor.delivery.objects import ObjectUrl, is_url, open_store
from assessor.errors import InputError

Place = str | Path  # a local path, or an s3:// or gs:// URL
JSON = "application/json"


def remote(place: Place) -> ObjectUrl | None:
    """The object-storage URL ``place`` names, or None for a local path."""
    if isinstance(place, Path) or not is_url(place):
        return None
    try:
        return ObjectUrl.parse(place)
    except ValueError as error:
        raise InputError(place, None, None, str(error)) from None


def read_object(url: ObjectUrl) -> bytes:
    found = open_store(url).get(url.prefix)
    if found is None:
        raise InputError(str(url), None, None, "no such object")
    return found


class ShardStore:
    """A shard's output prefix."""

    def __init__(self, url: ObjectUrl) -> None:
        self.url = url
        self.store = open_store(url)

    def units_done(self, units_folder: str) -> set[str]:
        prefix = self.url.key(units_folder) + "/"
        names = (key[len(prefix) :] for key in self.store.keys(prefix))
        return {unquote(name[: -len(".json")]) for name in names if name.endswith(".json")}

    def put(self, relative: str, body: bytes) -> None:
        self.store.put(self.url.key(relative), body, JSON)


@contextlib.contextmanager
def local_copies(sources: Sequence[Place]) -> Iterator[list[Path]]:
    """The sources as local paths: each URL's JSON objects copied into a scratch directory
    (a URL naming one object, a plan, becomes a file)."""
    with tempfile.TemporaryDirectory(prefix="assessor-merge-") as scratch:
        local: list[Path] = []
        for number, source in enumerate(sources):
            url = remote(source)
            if url is None:
                local.append(Path(source))
                continue
            local.append(_copy(url, Path(scratch) / str(number)))
        yield local


def _copy(url: ObjectUrl, into: Path) -> Path:
    store = open_store(url)
    if url.prefix.endswith(".json"):
        body = store.get(url.prefix)
        if body is not None:
            into.mkdir(parents=True)
            path = into / url.prefix.rsplit("/", 1)[-1]
            path.write_bytes(body)
            return path
    prefix = url.key() + "/" if url.prefix else ""
    keys = [key for key in store.keys(prefix) if key.endswith(".json")]
    if not keys:
        raise InputError(str(url), None, None, "no shard output under this prefix")
    for key in keys:
        relative = Path(key[len(prefix) :])
        if ".." in relative.parts or relative.is_absolute():
            raise InputError(str(url), None, None, f"refused object key {key!r}")
        path = into / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        body = store.get(key)
        if body is not None:
            path.write_bytes(body)
    return into
