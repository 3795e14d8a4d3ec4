"""What a service reader is, and the helpers every reader shares.

A reader lists one AWS service in one region of one account and returns assets, key
facts and follow-up tasks (reads that need one call per resource). It declares every
operation it may call; the probe's read-only hook refuses anything else.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from assessor.models import Asset, Encryption, Flow, KeyCustody, Provider
from assessor.probes.aws.gaps import AWS_ERRORS, GapCollector, describe, error_code, gap_reason
from assessor.probes.aws.scheduler import Task
from assessor.probes.aws.session import AwsClients
from assessor.probes.base import classification

_T = TypeVar("_T")


@dataclass(frozen=True)
class KeyFact:
    """Who holds a KMS key, learnt from KMS, used to correct other assets' key custody."""

    key_id: str
    custody: KeyCustody


@dataclass(frozen=True)
class TagFact:
    """The tags of one resource, by ARN, for services whose listings leave them out."""

    arn: str
    tags: dict[str, str]


@dataclass(frozen=True)
class FlowFact:
    """A flow of one asset's data learnt from another listing (an Aurora global
    database names its member clusters; the clusters' own listings do not)."""

    source_id: str
    flow: Flow


Found = Asset | KeyFact | TagFact | FlowFact
Work = Iterable[Found | Task[Found]]


@dataclass(frozen=True)
class RegionScope:
    """One account and region as a reader sees it."""

    clients: AwsClients
    account: str
    partition: str
    region: str
    gaps: GapCollector

    def client(self, service: str) -> Any:
        return self.clients.get(service, self.region)

    def arn(self, service: str, resource: str, *, account: bool = True) -> str:
        owner = self.account if account else ""
        return f"arn:{self.partition}:{service}:{self.region}:{owner}:{resource}"

    def task(self, run: Callable[[], Work], *, discovery: bool = False) -> Task[Found]:
        """A follow-up: a per-resource read, or (``discovery``) another listing."""
        return Task((self.account, self.region), run, discovery)

    def pages(self, service: str, operation: str, key: str, **kwargs: Any) -> list[Any]:
        """Every item under ``key`` across the pages of a paginated operation. A page that
        fails after botocore's retries keeps the pages before it: their items are returned
        and the rest is a gap saying how far the listing got (a first page that fails is
        the listing's failure, raised)."""
        paginator = self.client(service).get_paginator(operation)
        items: list[Any] = []
        read = 0
        try:
            for page in paginator.paginate(**kwargs):
                items.extend(page.get(key, []))
                read += 1
        except AWS_ERRORS as error:
            if not read:
                raise
            named = getattr(error, "operation_name", None)
            self.gaps.add(
                gap_reason(error),
                f"{describe(error)}; {key} after page {read} not read",
                account=self.account,
                service=service,
                region=self.region,
                operation=f"{service}:{named}" if named else None,
            )
        return items

    def attempt(
        self,
        service: str,
        read: Callable[[], _T],
        *,
        failed: _T,
        absent: _T,
        absent_codes: frozenset[str] = frozenset(),
        resource: str | None = None,
    ) -> _T:
        """A read that may fail on its own: a gap for this resource, the scan goes on."""
        try:
            return read()
        except AWS_ERRORS as error:
            if error_code(error) in absent_codes:
                return absent
            self.gaps.record(
                error,
                account=self.account,
                service=service,
                region=self.region,
                resource=resource,
            )
            return failed

    def asset(
        self,
        *,
        service: str,
        kind: str,
        id: str,
        name: str,
        tags: dict[str, str] | None = None,
        encryption: Encryption | None = None,
        flows: Iterable[Flow] = (),
        attributes: dict[str, str] | None = None,
        region: str | None = None,
        public_access_blocked: bool | None = None,
        vendor: str | None = None,
    ) -> Asset:
        tags = tags or {}
        return Asset(
            id=id,
            provider=Provider.AWS,
            service=service,
            kind=kind,
            name=name,
            account=self.account,
            region=region or self.region,
            tags=tags,
            classification=classification(tags),
            encryption=encryption,
            flows=tuple(flows),
            attributes={k: v for k, v in (attributes or {}).items() if v},
            public_access_blocked=public_access_blocked,
            vendor=vendor,
        )


class ServiceReader(abc.ABC):
    """Lists one service in one region (or, for ``global_listing`` readers, once per
    account from the partition's home region, for example S3's ListBuckets)."""

    name: ClassVar[str]
    operations: ClassVar[frozenset[str]]
    # The botocore clients it uses (by default the one named like the reader).
    clients: ClassVar[tuple[str, ...]] = ()
    global_listing: ClassVar[bool] = False
    # Resource types (Tagging API names) this service lists without their tags.
    untagged_types: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self, regions: frozenset[str] | None = None, unread: Mapping[str, str] | None = None
    ) -> None:
        # The regions this scan reads (None: all), and those it does not with the reason.
        # A global listing sees resources in every region: those in an unread region are
        # still assets with their location, their unread details a coverage gap.
        self.regions = regions
        self.unread: Mapping[str, str] = unread or {}

    @classmethod
    def client_names(cls) -> tuple[str, ...]:
        return cls.clients or (cls.name,)

    @abc.abstractmethod
    def read(self, scope: RegionScope) -> Work:
        """Assets and key facts found, and follow-up tasks for per-resource reads."""


# --- shared mapping helpers -----------------------------------------------------------


def tag_dict(
    tags: Iterable[dict[str, str]] | None, key: str = "Key", value: str = "Value"
) -> dict[str, str]:
    return {tag[key]: tag.get(value, "") for tag in tags or () if key in tag}


def arn_region(arn: str | None) -> str | None:
    parts = (arn or "").split(":")
    if len(parts) >= 6 and parts[0] == "arn" and parts[3]:
        return parts[3]
    return None


def kms_encryption(
    encrypted: bool | None, key_id: str | None, region: str, algorithm: str | None = None
) -> Encryption:
    """Encryption at rest under KMS: no key named means the service's AWS-owned key.

    A named key is customer-managed until KMS says otherwise (the probe corrects custody
    from KMS afterwards: AWS-managed ``aws/*`` keys and external key stores).
    """
    if encrypted is None:
        return Encryption(custody=KeyCustody.UNKNOWN)
    if not encrypted:
        return Encryption(custody=KeyCustody.NONE)
    if not key_id or key_id.startswith("alias/aws/"):
        return Encryption(
            custody=KeyCustody.PROVIDER_MANAGED, algorithm=algorithm, key_region=region
        )
    return Encryption(
        custody=KeyCustody.CUSTOMER_MANAGED,
        algorithm=algorithm or "aws:kms",
        key_id=key_id,
        key_region=arn_region(key_id) or region,
    )


def key_uuid(key_id: str) -> str:
    """The key id inside a key ARN (``arn:...:key/<id>``), or the id itself."""
    return key_id.rsplit("key/", 1)[-1] if "key/" in key_id else key_id


def iterate(*groups: Iterable[_T]) -> Iterator[_T]:
    for group in groups:
        yield from group
