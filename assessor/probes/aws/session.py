"""Clients for one AWS account, with read-only enforced, every call counted, and answers
that are not AWS's refused.

Each account gets its own botocore session: the caller's own credentials, or credentials
from ``sts:AssumeRole`` that refresh themselves before they expire (a scan of a large
organization can outlast the default one-hour session). Everything that is the same in
every account and region is loaded once per process: the service models, paginators and
endpoint rules (``shared_loader``), read before the threads start and before shard
workers fork, so no worker reads and parses them again.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.credentials import RefreshableCredentials
from botocore.loaders import Loader
from botocore.parsers import ResponseParserError

from assessor.probes.base import ReadOnlyViolation


@dataclass(frozen=True)
class ClientSettings:
    """How every client talks to AWS: pool size, retries and timeouts."""

    max_pool_connections: int = 32
    retry_mode: str = "standard"
    max_attempts: int = 5
    connect_timeout: float = 5.0
    read_timeout: float = 30.0

    def config(self, region: str) -> Config:
        return Config(
            region_name=region,
            max_pool_connections=self.max_pool_connections,
            retries={"mode": self.retry_mode, "total_max_attempts": self.max_attempts},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            # The readers pass a handful of constant, tested parameters; validating them on
            # every call costs CPU that the threads waiting for answers need, and AWS
            # validates them anyway.
            parameter_validation=False,
        )


class CallCounter:
    """Counts operations sent (not retries): the figure inventory speed is made of."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._total = 0

    def add(self) -> None:
        with self._lock:
            self._total += 1

    @property
    def total(self) -> int:
        return self._total


class SharedLoader(Loader):  # type: ignore[misc]  # botocore has no type hints
    """botocore's loader, safe to share between threads.

    botocore caches what it loads per loader but fills the cache without a lock: 32
    threads asking for their first paginator at once each list every data directory and
    parse the same JSON (measured on the AWS benchmark: 33 directory sweeps and 335 model
    reads instead of one each, 17% of the probe's CPU). One lock makes the first reader
    load and the others wait for its copy.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.RLock()

    def list_available_services(self, type_name: str) -> Any:
        with self._lock:
            return super().list_available_services(type_name)

    def determine_latest_version(self, service_name: str, type_name: str) -> Any:
        with self._lock:
            return super().determine_latest_version(service_name, type_name)

    def list_api_versions(self, service_name: str, type_name: str) -> Any:
        with self._lock:
            return super().list_api_versions(service_name, type_name)

    def load_service_model(
        self, service_name: str, type_name: str, api_version: str | None = None
    ) -> Any:
        with self._lock:
            return super().load_service_model(service_name, type_name, api_version)

    def load_data_with_path(self, name: str) -> Any:
        with self._lock:
            return super().load_data_with_path(name)

    def warm(self, services: list[str]) -> None:
        """Read every model the given services' clients and paginators need, now."""
        for name in ("endpoints", "partitions", "sdk-default-configuration", "_retry"):
            self.load_data(name)
        for service in services:
            for kind in ("service-2", "paginators-1", "endpoint-rule-set-1"):
                self.load_service_model(service, kind)


_LOADERS: dict[str | None, SharedLoader] = {}
_LOADERS_LOCK = threading.Lock()


def shared_loader() -> SharedLoader:
    """The process's loader (one per ``AWS_DATA_PATH``, which adds model directories)."""
    data_path = os.environ.get("AWS_DATA_PATH")
    with _LOADERS_LOCK:
        loader = _LOADERS.get(data_path)
        if loader is None:
            # As botocore's own create_loader reads AWS_DATA_PATH.
            extra = [
                os.path.expanduser(os.path.expandvars(path))
                for path in (data_path or "").split(os.pathsep)
                if path
            ]
            loader = SharedLoader(extra_search_paths=extra)
            _LOADERS[data_path] = loader
        return loader


class AwsClients:
    """One client per (service, region) for one account, created once and shared by threads.

    Every client carries a ``before-call`` hook that refuses any operation not declared in
    ``allowed``: read-only is enforced, not just promised.
    """

    def __init__(
        self,
        *,
        allowed: frozenset[str],
        profile: str | None = None,
        settings: ClientSettings | None = None,
        counter: CallCounter | None = None,
        credentials: RefreshableCredentials | None = None,
    ) -> None:
        self.allowed = allowed
        self.settings = settings or ClientSettings()
        self.counter = counter or CallCounter()
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}
        self._creating: dict[tuple[str, str], threading.Lock] = {}
        core = botocore.session.Session(profile=profile)
        core.register_component("data_loader", shared_loader())
        if credentials is not None:
            # botocore has no public setter for refreshable credentials.
            core._credentials = credentials
        core.register("before-call", self._check_and_count)
        core.register("before-parse", refuse_foreign_answer)
        # botocore's own session, not boto3's: boto3's adds its resource models' directory
        # to the (shared) loader's search path once per session, so once per account.
        self.session = core

    def get(self, service: str, region: str) -> Any:
        key = (service, region)
        client = self._clients.get(key)
        if client is not None:
            return client
        # One lock per client: creating one (several ms of CPU) must not hold up threads
        # that need another.
        with self._lock:
            creating = self._creating.setdefault(key, threading.Lock())
        with creating:
            client = self._clients.get(key)
            if client is None:
                client = self.session.create_client(service, config=self.settings.config(region))
                self._clients[key] = client
            return client

    def partition_regions(self, partition: str) -> list[str]:
        regions: list[str] = self.session.get_available_regions("ec2", partition_name=partition)
        return regions

    def assumed(self, role_arn: str, region: str, external_id: str | None) -> AwsClients:
        """Clients for another account, through a role this account may assume."""
        sts = self.get("sts", region)

        def fetch() -> dict[str, str]:
            kwargs: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": "assessor"}
            if external_id:
                kwargs["ExternalId"] = external_id
            answer = sts.assume_role(**kwargs)["Credentials"]
            return {
                "access_key": answer["AccessKeyId"],
                "secret_key": answer["SecretAccessKey"],
                "token": answer["SessionToken"],
                "expiry_time": answer["Expiration"].isoformat(),
            }

        credentials = RefreshableCredentials.create_from_metadata(
            metadata=fetch(), refresh_using=fetch, method="sts-assume-role"
        )
        return AwsClients(
            allowed=self.allowed,
            settings=self.settings,
            counter=self.counter,
            credentials=credentials,
        )

    def _check_and_count(self, model: Any, **_: Any) -> None:
        # The signing name is IAM's action prefix (ecr, not api.ecr; es for OpenSearch).
        operation = f"{model.service_model.signing_name}:{model.name}"
        if operation not in self.allowed:
            raise ReadOnlyViolation(
                f"refused {operation}: the AWS probe may only call its declared read operations"
            )
        self.counter.add()


_FIRST_TAG = re.compile(rb"<([A-Za-z][\w.:-]*)")


def refuse_foreign_answer(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
    """Refuse a successful answer that AWS did not write: a proxy's or captive portal's
    page served with status 200.

    botocore reads such a page as an empty result for the JSON protocols, EC2 and S3, so
    a listing would come back silently empty and the region would look clean (and, for
    the query protocol, fails with a bare KeyError). Checked before parsing: a JSON answer
    is an object; a query or EC2 answer's root element is ``<Operation>Response``; an S3
    answer is not HTML.
    """
    status = response_dict["status_code"]
    if status >= 300 or operation_model.has_streaming_output:
        return
    head = bytes(response_dict["body"][:512]).lstrip()
    if not head:
        return  # answers without a body (HeadBucket, some REST reads) say nothing here
    name = operation_model.name
    protocol = operation_model.service_model.resolved_protocol
    if protocol in ("json", "rest-json"):
        expected = "a JSON object"
        foreign = not head.startswith(b"{")
    else:
        tag = _FIRST_TAG.search(head)
        root = tag.group(1).decode() if tag else ""
        if protocol == "rest-xml":
            expected = "an XML document"
            foreign = not head.startswith(b"<") or root.lower() == "html"
        else:
            expected = f"<{name}Response>"
            foreign = root != f"{name}Response"
    if foreign:
        shown = head[:60].decode("utf-8", "replace").replace("\n", " ")
        raise ResponseParserError(
            f"{name} answered HTTP {status} with a body that is not AWS's "
            f"(expected {expected}, got {shown!r}): a proxy or portal in the way?"
        )
