"""Clients for one AWS account, with read-only enforced, every call counted, and answers
that are not AWS's refused.

Each account gets its own botocore session: the caller's own credentials, or credentials
from ``sts:AssumeRole`` that refresh themselves before they expire (a scan of a large
organization can outlast the default one-hour session). What is the same in every
account and region (models, client classes) is built once per process (``shared.py``).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

import botocore
import botocore.session
from botocore.config import Config
from botocore.credentials import RefreshableCredentials
from botocore.parsers import ResponseParserError

from assessor import __version__
from assessor.probes.aws.shared import shared_client_parts, shared_loader
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
            # Names the audit in CloudTrail's userAgent field, and costs nothing per call:
            # botocore's default User-Agent is rebuilt from a dozen parts twice per call
            # (8% of the probe's CPU on the AWS benchmark).
            user_agent=f"assessor/{__version__} botocore/{botocore.__version__}",
        )


class CallCounter:
    """Counts operations sent (not retries): the figure inventory speed is made of."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._total = 0

    def add(self, calls: int = 1) -> None:
        with self._lock:
            self._total += calls

    @property
    def total(self) -> int:
        return self._total


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
                with shared_client_parts():
                    config = self.settings.config(region)
                    client = self.session.create_client(service, config=config)
                self._clients[key] = client
            return client

    def close_connections(self) -> None:
        """Close every client's pooled connections (the clients stay usable): before a
        fork, so no two processes ever write to one socket."""
        for client in list(self._clients.values()):
            client.close()

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
