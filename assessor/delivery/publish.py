"""Copies written reports to ``s3://bucket/prefix/`` or ``gs://bucket/prefix/``: once under a
dated run folder and once under ``latest/``, with the right content types.

Credentials and endpoints come from each SDK's standard chain (``AWS_ENDPOINT_URL``,
``STORAGE_EMULATOR_HOST`` for emulators). Any failure is a :class:`DeliveryError`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from assessor.delivery import DeliveryError


@dataclass(frozen=True)
class ReportFile:
    """A written report and the media type it is served with."""

    path: Path
    media_type: str


def publish(files: Sequence[ReportFile], url: str, run_folder: str) -> list[str]:
    """Upload every file twice (``<prefix>/runs/<run_folder>/`` and ``<prefix>/latest/``);
    returns the URL of the dated copy of each file."""
    parts = urlsplit(url)
    if parts.scheme not in ("s3", "gs") or not parts.netloc:
        raise DeliveryError(f"--publish {url}: use s3://bucket/prefix or gs://bucket/prefix")
    prefix = parts.path.strip("/")
    keys = []
    for report in files:
        dated = "/".join(p for p in (prefix, "runs", run_folder, report.path.name) if p)
        latest = "/".join(p for p in (prefix, "latest", report.path.name) if p)
        keys.append((report, dated, latest))
    try:
        upload = _s3 if parts.scheme == "s3" else _gcs
        upload(parts.netloc, keys)
    except DeliveryError:
        raise
    except Exception as error:
        raise DeliveryError(f"--publish {url}: {type(error).__name__}: {error}") from None
    return [f"{parts.scheme}://{parts.netloc}/{dated}" for _, dated, _ in keys]


def _s3(bucket: str, keys: list[tuple[ReportFile, str, str]]) -> None:
    import boto3

    client = boto3.client("s3")
    for report, dated, latest in keys:
        body = report.path.read_bytes()
        for key in (dated, latest):
            client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=report.media_type)


def _gcs(bucket: str, keys: list[tuple[ReportFile, str, str]]) -> None:
    import google.cloud.storage as storage

    if os.environ.get("STORAGE_EMULATOR_HOST"):
        from google.auth.credentials import AnonymousCredentials

        credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
        client = storage.Client(
            project=os.environ.get("GOOGLE_CLOUD_PROJECT", "assessor"), credentials=credentials
        )
    else:
        client = storage.Client()
    target = client.bucket(bucket)
    for report, dated, latest in keys:
        body = report.path.read_bytes()
        for key in (dated, latest):
            target.blob(key).upload_from_string(body, content_type=report.media_type)
