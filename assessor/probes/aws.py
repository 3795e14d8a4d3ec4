"""AWS probe: S3 buckets in every region and EC2 instances in every enabled region.

Credentials, region and endpoint come from boto3's standard chain, so ``AWS_PROFILE``,
instance roles and ``AWS_ENDPOINT_URL`` (an emulator) all work unchanged.

Calls per run: 1 (STS) + 1 (DescribeRegions) + pages of ListBuckets + 5 per bucket
(location, encryption, replication, public access block, tagging) + pages of
DescribeInstances per enabled region. All of them run on a bounded thread pool.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from assessor.models import (
    Asset,
    CoverageGap,
    Encryption,
    Flow,
    FlowKind,
    GapReason,
    KeyCustody,
    Provider,
)
from assessor.probes.base import Probe, ProbeItem, ProbeOption, ReadOnlyViolation

_T = TypeVar("_T")

# Where to ask DescribeRegions in each partition (any always-enabled region works).
_HOME_REGION = {
    "aws": "us-east-1",
    "aws-cn": "cn-north-1",
    "aws-us-gov": "us-gov-west-1",
    "aws-iso": "us-iso-east-1",
    "aws-iso-b": "us-isob-east-1",
    "aws-iso-e": "eu-isoe-west-1",
    "aws-iso-f": "us-isof-south-1",
    "aws-eusc": "eusc-de-east-1",
}
_CLASSIFICATION_TAGS = ("data-class", "data-classification", "classification")

_ERROR_REASONS = {
    "AccessDenied": GapReason.ACCESS_DENIED,
    "AccessDeniedException": GapReason.ACCESS_DENIED,
    "UnauthorizedOperation": GapReason.ACCESS_DENIED,
    "AllAccessDisabled": GapReason.ACCESS_DENIED,
    "Throttling": GapReason.THROTTLED,
    "ThrottlingException": GapReason.THROTTLED,
    "RequestLimitExceeded": GapReason.THROTTLED,
    "SlowDown": GapReason.THROTTLED,
    "TooManyRequestsException": GapReason.THROTTLED,
    "OptInRequired": GapReason.REGION_DISABLED,
    "AuthFailure": GapReason.REGION_DISABLED,
    "InvalidClientTokenId": GapReason.REGION_DISABLED,
}

# Errors that mean "this bucket has no such configuration", not a failure.
_ABSENT = {
    "ServerSideEncryptionConfigurationNotFoundError",
    "ReplicationConfigurationNotFoundError",
    "NoSuchPublicAccessBlockConfiguration",
    "NoSuchTagSet",
}


class AwsProbe(Probe):
    """S3 buckets (location, encryption and key, replication, public access, tags) and
    EC2 instances, across the regions of one partition."""

    name = "aws"
    description = "AWS: S3 buckets in every region, EC2 instances in every enabled region"
    version = "1"
    options = (
        ProbeOption("regions", "Comma-separated regions to scan (default: all enabled)"),
        ProbeOption("partition", "aws, aws-cn or aws-us-gov (default: aws)", default="aws"),
        ProbeOption("profile", "Named profile from the AWS config files"),
        ProbeOption("concurrency", "Calls in flight at once (default: 32)", default="32"),
    )
    read_operations: ClassVar[frozenset[str]] = frozenset(
        {
            "sts:GetCallerIdentity",
            "ec2:DescribeRegions",
            "ec2:DescribeInstances",
            "s3:ListBuckets",
            "s3:GetBucketLocation",
            "s3:GetBucketEncryption",
            "s3:GetBucketReplication",
            "s3:GetPublicAccessBlock",
            "s3:GetBucketTagging",
        }
    )

    _account: str | None = None

    def scope(self) -> str:
        account = f"account {self._account}, " if self._account else ""
        return f"{account}partition {self._partition()}" + (
            f", regions {self.config.get('regions')}" if self.config.get("regions") else ""
        )

    def _partition(self) -> str:
        return self.config.get("partition") or "aws"

    def scan(self) -> Iterator[ProbeItem]:
        partition = self._partition()
        if partition not in _HOME_REGION:
            yield _gap(GapReason.ERROR, f"unknown partition {partition!r}")
            return
        concurrency = int(self.config.get("concurrency") or 32)
        clients = AwsClients(
            profile=self.config.get("profile"),
            concurrency=concurrency,
            allowed=self.read_operations,
        )
        gaps = GapCollector()
        home = _HOME_REGION[partition]
        try:
            account = clients.get("sts", home).get_caller_identity()["Account"]
            self._account = account
        except (ClientError, BotoCoreError) as error:
            yield _gap(_reason(error), f"cannot identify the account: {error}", service="sts")
            return
        regions = self._regions_to_scan(clients, partition, home, account, gaps)
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="aws") as pool:
            s3 = S3Scanner(clients, pool, account, partition, gaps)
            instance_jobs = [
                pool.submit(_list_instances, clients, account, partition, region, gaps)
                for region in regions
            ]
            yield from s3.scan()
            for job in as_completed(instance_jobs):
                yield from job.result()
        yield from gaps.gaps(account)

    def _regions_to_scan(
        self,
        clients: AwsClients,
        partition: str,
        home: str,
        account: str,
        gaps: GapCollector,
    ) -> list[str]:
        known = set(clients.partition_regions(partition))
        wanted = _split(self.config.get("regions")) or sorted(known)
        try:
            described = clients.get("ec2", home).describe_regions(AllRegions=True)["Regions"]
        except (ClientError, BotoCoreError) as error:
            gaps.add(_reason(error), "ec2", home, f"DescribeRegions failed: {error}", None)
            return wanted
        enabled = set()
        for region in described:
            name = region["RegionName"]
            if name not in known:
                continue  # another partition's region: cannot exist in this account
            if region.get("OptInStatus", "opt-in-not-required") == "not-opted-in":
                if name in wanted:
                    # One gap lists every disabled region (grouped by the collector).
                    message = "regions not enabled for this account; EC2 not scanned there"
                    gaps.add(GapReason.REGION_DISABLED, "ec2", None, message, name)
                continue
            enabled.add(name)
        return [region for region in wanted if region in enabled]


@dataclass
class AwsClients:
    """One client per (service, region), created once and shared by all threads.

    Every client carries a ``before-call`` hook that refuses any operation not declared
    in the probe's ``read_operations``: read-only is enforced, not just promised.
    """

    profile: str | None
    concurrency: int
    allowed: frozenset[str]
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict)
    _session: boto3.Session | None = None

    def session(self) -> boto3.Session:
        if self._session is None:
            core = botocore.session.Session(profile=self.profile)
            core.register("before-call", self._refuse_writes)
            self._session = boto3.Session(botocore_session=core)
        return self._session

    def get(self, service: str, region: str) -> Any:
        key = (service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                config = Config(
                    region_name=region,
                    max_pool_connections=self.concurrency,
                    retries={"mode": "standard", "max_attempts": 4},
                    connect_timeout=5,
                    read_timeout=30,
                )
                client = self.session().client(service, config=config)
                self._clients[key] = client
            return client

    def partition_regions(self, partition: str) -> list[str]:
        regions: list[str] = self.session().get_available_regions("ec2", partition_name=partition)
        return regions

    def _refuse_writes(self, model: Any, **_: Any) -> None:
        operation = f"{model.service_model.endpoint_prefix}:{model.name}"
        if operation not in self.allowed:
            raise ReadOnlyViolation(
                f"refused {operation}: the AWS probe may only call its declared read operations"
            )


class GapCollector:
    """Groups failures by (reason, service, region, message) so one denied region shows
    as one coverage gap naming the affected resources, not one per bucket."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._groups: dict[tuple[GapReason, str, str | None, str], list[str]] = defaultdict(list)

    def add(
        self,
        reason: GapReason,
        service: str,
        region: str | None,
        message: str,
        resource: str | None,
    ) -> None:
        with self._lock:
            names = self._groups[(reason, service, region, message)]
            if resource:
                names.append(resource)

    def record(
        self, error: Exception, service: str, region: str | None, resource: str | None
    ) -> None:
        operation = getattr(error, "operation_name", None) or service
        code = _code(error) or type(error).__name__
        self.add(_reason(error), service, region, f"{operation}: {code}", resource)

    def gaps(self, account: str) -> Iterator[CoverageGap]:
        for (reason, service, region, message), names in sorted(
            self._groups.items(), key=lambda item: (item[0][1], item[0][2] or "", item[0][3])
        ):
            detail = message
            if names:
                shown = ", ".join(sorted(names)[:5])
                more = f" and {len(names) - 5} more" if len(names) > 5 else ""
                detail = f"{message} ({len(names)}: {shown}{more})"
            yield CoverageGap(
                probe="aws",
                reason=reason,
                message=detail,
                account=account,
                region=region,
                service=service,
                resource=names[0] if len(names) == 1 else None,
            )


@dataclass
class _BucketFacts:
    name: str
    region: str
    encryption: Encryption
    replication_targets: list[str]
    public_access_blocked: bool | None
    tags: dict[str, str]


class S3Scanner:
    """Lists buckets, then reads each bucket's facts concurrently."""

    def __init__(
        self,
        clients: AwsClients,
        pool: ThreadPoolExecutor,
        account: str,
        partition: str,
        gaps: GapCollector,
    ) -> None:
        self.clients = clients
        self.pool = pool
        self.account = account
        self.partition = partition
        self.gaps = gaps
        self.home = _HOME_REGION[partition]

    def scan(self) -> Iterator[ProbeItem]:
        try:
            listed = self._list_buckets()
        except (ClientError, BotoCoreError) as error:
            self.gaps.record(error, "s3", None, None)
            return
        jobs: list[Future[_BucketFacts | None]] = [
            self.pool.submit(self._read_bucket, name, region) for name, region in listed
        ]
        facts = [fact for job in jobs if (fact := job.result()) is not None]
        regions = {fact.name: fact.region for fact in facts}
        for fact in facts:
            yield bucket_asset(fact, self.account, self.partition, self._target_region(regions))

    def _list_buckets(self) -> list[tuple[str, str | None]]:
        client = self.clients.get("s3", self.home)
        listed: list[tuple[str, str | None]] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"MaxBuckets": 1000}
            if token:
                kwargs["ContinuationToken"] = token
            page = client.list_buckets(**kwargs)
            listed.extend((b["Name"], b.get("BucketRegion")) for b in page.get("Buckets", []))
            token = page.get("ContinuationToken")
            if not token:
                return listed

    def _read_bucket(self, name: str, region: str | None) -> _BucketFacts | None:
        if region is None:
            region = self._bucket_region(name)
            if region is None:
                return None
        client = self.clients.get("s3", region)
        encryption = self._call(
            lambda: bucket_encryption(client.get_bucket_encryption(Bucket=name), region),
            name,
            region,
            Encryption(custody=KeyCustody.UNKNOWN),
            absent=Encryption(custody=KeyCustody.NONE),
        )
        targets: list[str] = self._call(
            lambda: replication_targets(client.get_bucket_replication(Bucket=name)),
            name,
            region,
            [],
            absent=[],
        )
        blocked = self._call(
            lambda: public_access_blocked(client.get_public_access_block(Bucket=name)),
            name,
            region,
            None,
            absent=False,
        )
        tags: dict[str, str] = self._call(
            lambda: {
                t["Key"]: t["Value"] for t in client.get_bucket_tagging(Bucket=name)["TagSet"]
            },
            name,
            region,
            {},
            absent={},
        )
        return _BucketFacts(name, region, encryption, targets, blocked, tags)

    def _bucket_region(self, name: str) -> str | None:
        try:
            answer = self.clients.get("s3", self.home).get_bucket_location(Bucket=name)
        except (ClientError, BotoCoreError) as error:
            self.gaps.record(error, "s3", None, name)
            return None
        return bucket_region(answer.get("LocationConstraint"))

    def _call(
        self, read: Callable[[], _T], bucket: str, region: str, failed: _T, *, absent: _T
    ) -> _T:
        try:
            return read()
        except ClientError as error:
            if _code(error) in _ABSENT:
                return absent
            self.gaps.record(error, "s3", region, bucket)
        except BotoCoreError as error:
            self.gaps.record(error, "s3", region, bucket)
        return failed

    def _target_region(self, known: dict[str, str]) -> Callable[[str], str | None]:
        def resolve(bucket: str) -> str | None:
            if bucket in known:
                return known[bucket]
            # A destination outside this listing (another account): ask where it is.
            return self._bucket_region(bucket)

        return resolve


def _list_instances(
    clients: AwsClients, account: str, partition: str, region: str, gaps: GapCollector
) -> list[ProbeItem]:
    try:
        paginator = clients.get("ec2", region).get_paginator("describe_instances")
        reservations = [r for page in paginator.paginate() for r in page["Reservations"]]
    except (ClientError, BotoCoreError) as error:
        gaps.record(error, "ec2", region, None)
        return []
    return [
        instance_asset(instance, account, partition, region)
        for reservation in reservations
        for instance in reservation["Instances"]
        if instance.get("State", {}).get("Name") != "terminated"
    ]


# --- pure functions: AWS responses → assessor models -------------------------------------


def iam_policy(operations: frozenset[str]) -> dict[str, Any]:
    """The least-privilege IAM policy for the declared operations (``assessor aws-policy``).

    IAM names most actions like the API operation; ListBuckets is ``s3:ListAllMyBuckets``
    and the S3 configuration reads are ``s3:Get*Configuration``-style names.
    """
    renamed = {
        "s3:ListBuckets": "s3:ListAllMyBuckets",
        "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
        "s3:GetBucketReplication": "s3:GetReplicationConfiguration",
        "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    }
    actions = sorted({renamed.get(operation, operation) for operation in operations})
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AssessorReadOnly", "Effect": "Allow", "Action": actions, "Resource": "*"}
        ],
    }


def bucket_region(location_constraint: str | None) -> str:
    """GetBucketLocation answers None for us-east-1 and 'EU' for old eu-west-1 buckets."""
    if not location_constraint:
        return "us-east-1"
    if location_constraint == "EU":
        return "eu-west-1"
    return location_constraint


def bucket_encryption(response: dict[str, Any], bucket_region: str) -> Encryption:
    rules = response.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {}) if rules else {}
    algorithm = default.get("SSEAlgorithm")
    key_id = default.get("KMSMasterKeyID")
    if not algorithm:
        return Encryption(custody=KeyCustody.NONE)
    if algorithm == "AES256" or not key_id or key_id.startswith("alias/aws/"):
        # SSE-S3 or the AWS-managed aws/s3 key: the provider holds the key.
        return Encryption(
            custody=KeyCustody.PROVIDER_MANAGED, algorithm=algorithm, key_region=bucket_region
        )
    return Encryption(
        custody=KeyCustody.CUSTOMER_MANAGED,
        algorithm=algorithm,
        key_id=key_id,
        key_region=arn_region(key_id) or bucket_region,
    )


def replication_targets(response: dict[str, Any]) -> list[str]:
    rules = response.get("ReplicationConfiguration", {}).get("Rules", [])
    targets = []
    for rule in rules:
        if rule.get("Status", "Enabled") != "Enabled":
            continue
        destination = rule.get("Destination", {}).get("Bucket", "")
        targets.append(destination.rsplit(":", 1)[-1])
    return sorted(set(targets))


def public_access_blocked(response: dict[str, Any]) -> bool:
    config = response.get("PublicAccessBlockConfiguration", {})
    keys = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    return all(config.get(key, False) for key in keys)


def arn_region(arn: str) -> str | None:
    parts = arn.split(":")
    if len(parts) >= 6 and parts[0] == "arn" and parts[3]:
        return parts[3]
    return None


def classification(tags: dict[str, str]) -> str | None:
    lowered = {key.lower(): value for key, value in tags.items()}
    for key in _CLASSIFICATION_TAGS:
        if lowered.get(key):
            return lowered[key].strip().lower()
    return None


def bucket_asset(
    facts: _BucketFacts,
    account: str,
    partition: str,
    target_region: Callable[[str], str | None],
) -> Asset:
    flows = tuple(
        Flow(
            kind=FlowKind.REPLICATION,
            target_id=f"arn:{partition}:s3:::{target}",
            target_region=target_region(target),
        )
        for target in facts.replication_targets
    )
    return Asset(
        id=f"arn:{partition}:s3:::{facts.name}",
        provider=Provider.AWS,
        service="s3",
        kind="bucket",
        name=facts.name,
        account=account,
        region=facts.region,
        tags=facts.tags,
        classification=classification(facts.tags),
        encryption=facts.encryption,
        public_access_blocked=facts.public_access_blocked,
        flows=flows,
    )


def instance_asset(instance: dict[str, Any], account: str, partition: str, region: str) -> Asset:
    tags = {t["Key"]: t["Value"] for t in instance.get("Tags", [])}
    instance_id = instance["InstanceId"]
    attributes = {"instance_type": instance.get("InstanceType", "")}
    if instance.get("State", {}).get("Name"):
        attributes["state"] = instance["State"]["Name"]
    return Asset(
        id=f"arn:{partition}:ec2:{region}:{account}:instance/{instance_id}",
        provider=Provider.AWS,
        service="ec2",
        kind="instance",
        name=tags.get("Name", instance_id),
        account=account,
        region=region,
        tags=tags,
        classification=classification(tags),
        attributes=attributes,
    )


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _code(error: Exception) -> str | None:
    if isinstance(error, ClientError):
        code: str | None = error.response.get("Error", {}).get("Code")
        return code
    return None


def _reason(error: Exception) -> GapReason:
    code = _code(error)
    if code in _ERROR_REASONS:
        return _ERROR_REASONS[code]
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 403:
            return GapReason.ACCESS_DENIED
        if status in (429, 503):
            return GapReason.THROTTLED
    return GapReason.ERROR


def _gap(reason: GapReason, message: str, service: str | None = None) -> CoverageGap:
    return CoverageGap(probe="aws", reason=reason, message=message, service=service)
