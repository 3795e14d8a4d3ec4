"""Object storage, ``s3://bucket/prefix`` and ``gs://bucket/prefix``, as far as assessor uses
it: put, get and list the keys under a prefix. Published reports and sharded audits (plans,
unit inventories, manifests) go through it.

Credentials and endpoints come from each SDK's standard chain (``AWS_ENDPOINT_URL``,
``STORAGE_EMULATOR_HOST`` for emulators). An object written is whole or absent (both stores
replace objects atomically), which is what lets a shard's unit files mark what is done.
"""

from __future__ import annotations

import abc
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

SCHEMES = ("s3", "gs")


def is_url(place: str) -> bool:
    return place.startswith(tuple(f"{scheme}://" for scheme in SCHEMES))


@dataclass(frozen=True)
class ObjectUrl:
    scheme: str
    bucket: str
    prefix: str  # no leading or trailing slash; "" for the bucket's root

    @classmethod
    def parse(cls, url: str) -> ObjectUrl:
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or not parts.netloc:
            raise ValueError(f"{url}: use s3://bucket/prefix or gs://bucket/prefix")
        return cls(parts.scheme, parts.netloc, parts.path.strip("/"))

    def key(self, *names: str) -> str:
        return "/".join(part for part in (self.prefix, *names) if part)

    def __str__(self) -> str:
        return f"{self.scheme}://{self.bucket}/{self.prefix}"


class ObjectStore(abc.ABC):
    """One bucket."""

    @abc.abstractmethod
    def put(self, key: str, body: bytes, media_type: str) -> None: ...

    @abc.abstractmethod
    def get(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is no such key."""

    @abc.abstractmethod
    def keys(self, prefix: str) -> list[str]:
        """Every key that starts with ``prefix``, sorted."""


def open_store(url: ObjectUrl) -> ObjectStore:
    return S3Store(url.bucket) if url.scheme == "s3" else GcsStore(url.bucket)


class S3Store(ObjectStore):
    def __init__(self, bucket: str) -> None:
        import boto3

        self.bucket = bucket
        self.client: Any = boto3.client("s3")

    def put(self, key: str, body: bytes, media_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=media_type)

    def get(self, key: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey:
            return None
        body: bytes = answer["Body"].read()
        return body

    def keys(self, prefix: str) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


class GcsStore(ObjectStore):
    def __init__(self, bucket: str) -> None:
        import google.cloud.storage as storage

        if os.environ.get("STORAGE_EMULATOR_HOST"):
            from google.auth.credentials import AnonymousCredentials

            credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
            project = os.environ.get("GOOGLE_CLOUD_PROJECT", "assessor")
            client = storage.Client(project=project, credentials=credentials)
        else:
            client = storage.Client()
        self.client = client
        self.bucket = client.bucket(bucket)

    def put(self, key: str, body: bytes, media_type: str) -> None:
        self.bucket.blob(key).upload_from_string(body, content_type=media_type)

    def get(self, key: str) -> bytes | None:
        from google.api_core.exceptions import NotFound

        try:
            body: bytes = self.bucket.blob(key).download_as_bytes()
        except NotFound:
            return None
        return body

    def keys(self, prefix: str) -> list[str]:
        return sorted(blob.name for blob in self.client.list_blobs(self.bucket, prefix=prefix))
