"""Copies written reports to ``s3://bucket/prefix/`` or ``gs://bucket/prefix/``: once under a
dated run folder and once under ``latest/``, with the right content types.

Credentials and endpoints come from each SDK's standard chain (``AWS_ENDPOINT_URL``,
``STORAGE_EMULATOR_HOST`` for emulators). Any failure is a :class:`DeliveryError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assessor.delivery import DeliveryError
from assessor.delivery.objects import ObjectUrl, open_store


@dataclass(frozen=True)
class ReportFile:
    """A written report and the media type it is served with."""

    path: Path
    media_type: str


def publish(files: Sequence[ReportFile], url: str, run_folder: str) -> list[str]:
    """Upload every file twice (``<prefix>/runs/<run_folder>/`` and ``<prefix>/latest/``);
    returns the URL of the dated copy of each file."""
    try:
        target = ObjectUrl.parse(url)
    except ValueError:
        raise DeliveryError(
            f"--publish {url}: use s3://bucket/prefix or gs://bucket/prefix"
        ) from None
    keys = [
        (
            report,
            target.key("runs", run_folder, report.path.name),
            target.key("latest", report.path.name),
        )
        for report in files
    ]
    try:
        store = open_store(target)
        for report, dated, latest in keys:
            body = report.path.read_bytes()
            for key in (dated, latest):
                store.put(key, body, report.media_type)
    except Exception as error:
        raise DeliveryError(f"--publish {url}: {type(error).__name__}: {error}") from None
    return [f"{target.scheme}://{target.bucket}/{dated}" for _, dated, _ in keys]
