"""S3: buckets with location, default encryption, replication, public access and tags.

Calls: pages of ListBuckets for the account, then 4 per bucket (encryption, replication,
public access block, tags) in the bucket's own region. GetBucketLocation is only called
when ListBuckets gives no ``BucketRegion`` (older endpoints, emulators) and for
replication destinations outside the listing.
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from assessor.models import Encryption, Flow, FlowKind, GapReason, KeyCustody
from assessor.probes.aws.gaps import AWS_ERRORS
from assessor.probes.aws.scheduler import Task
from assessor.probes.aws.services.base import (
    Found,
    RegionScope,
    ServiceReader,
    Work,
    arn_region,
)

_ABSENT = frozenset(
    {
        "ServerSideEncryptionConfigurationNotFoundError",
        "ReplicationConfigurationNotFoundError",
        "NoSuchPublicAccessBlockConfiguration",
        "NoSuchTagSet",
    }
)


# The largest page ListBuckets allows: fewest calls for the listing.
_PAGE = 10_000


class S3Reader(ServiceReader):
    name = "s3"
    global_listing = True
    operations: ClassVar[frozenset[str]] = frozenset(
        {
            "s3:ListBuckets",
            "s3:GetBucketLocation",
            "s3:GetBucketEncryption",
            "s3:GetBucketReplication",
            "s3:GetPublicAccessBlock",
            "s3:GetBucketTagging",
        }
    )

    def read(self, scope: RegionScope) -> Work:
        client = scope.client("s3")
        listed: list[tuple[str, str | None]] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"MaxBuckets": _PAGE}
            if token:
                kwargs["ContinuationToken"] = token
            page = client.list_buckets(**kwargs)
            buckets = page.get("Buckets", [])
            listed.extend((b["Name"], b.get("BucketRegion")) for b in buckets)
            token = page.get("ContinuationToken")
            if not token:
                if len(buckets) == _PAGE:
                    # A full page and no token: some endpoints (moto 5.2) cut the list there.
                    scope.gaps.add(
                        GapReason.ERROR,
                        f"ListBuckets returned a full page of {_PAGE} and no continuation "
                        "token: there may be more buckets",
                        account=scope.account,
                        service="s3",
                        region=None,
                    )
                break
        known = {name: region for name, region in listed if region}
        for name, region in listed:
            if region is not None and not self._reads(region):
                yield self._unread_bucket(scope, name, region)
                continue
            yield Task(
                (scope.account, region or scope.region),
                partial(self._read_bucket, scope, name, region, known),
            )

    def _reads(self, region: str) -> bool:
        return self.regions is None or region in self.regions

    def _unread_bucket(self, home: RegionScope, name: str, region: str) -> Found:
        """A bucket the listing places in a region this scan does not read: its location is
        known, so it is an asset (every location rule applies); its details are a gap."""
        why = self.unread.get(region, "not read by this scan")
        home.gaps.add(
            GapReason.REGION_DISABLED,
            f"buckets in {region} ({why}): listed with their location, but their encryption, "
            "replication, public access and tags were not read",
            account=home.account,
            service="s3",
            region=region,
            resource=name,
        )
        scope = RegionScope(home.clients, home.account, home.partition, region, home.gaps)
        return scope.asset(
            service="s3",
            kind="bucket",
            id=f"arn:{scope.partition}:s3:::{name}",
            name=name,
            attributes={"details": f"not read: {region} {why}"},
        )

    def _read_bucket(
        self, home: RegionScope, name: str, region: str | None, known: dict[str, str]
    ) -> list[Found]:
        if region is None:
            region = _bucket_region(home, name)
            if region is None:
                return []
            if not self._reads(region):
                return [self._unread_bucket(home, name, region)]
        scope = RegionScope(home.clients, home.account, home.partition, region, home.gaps)
        client = scope.client("s3")
        encryption = scope.attempt(
            "s3",
            lambda: bucket_encryption(client.get_bucket_encryption(Bucket=name), region),
            failed=Encryption(custody=KeyCustody.UNKNOWN),
            absent=Encryption(custody=KeyCustody.NONE),
            absent_codes=_ABSENT,
            resource=name,
        )
        targets: list[str] = scope.attempt(
            "s3",
            lambda: replication_targets(client.get_bucket_replication(Bucket=name)),
            failed=[],
            absent=[],
            absent_codes=_ABSENT,
            resource=name,
        )
        blocked = scope.attempt(
            "s3",
            lambda: public_access_blocked(client.get_public_access_block(Bucket=name)),
            failed=None,
            absent=False,
            absent_codes=_ABSENT,
            resource=name,
        )
        tags: dict[str, str] = scope.attempt(
            "s3",
            lambda: {
                t["Key"]: t["Value"] for t in client.get_bucket_tagging(Bucket=name)["TagSet"]
            },
            failed={},
            absent={},
            absent_codes=_ABSENT,
            resource=name,
        )
        flows = [
            Flow(
                kind=FlowKind.REPLICATION,
                target_id=f"arn:{scope.partition}:s3:::{target}",
                # A destination outside this listing (another account): ask where it is.
                target_region=known.get(target) or _bucket_region(home, target),
            )
            for target in targets
        ]
        return [
            scope.asset(
                service="s3",
                kind="bucket",
                id=f"arn:{scope.partition}:s3:::{name}",
                name=name,
                tags=tags,
                encryption=encryption,
                flows=flows,
                public_access_blocked=blocked,
            )
        ]


def _bucket_region(scope: RegionScope, name: str) -> str | None:
    try:
        answer = scope.client("s3").get_bucket_location(Bucket=name)
    except AWS_ERRORS as error:
        scope.gaps.record(error, account=scope.account, service="s3", region=None, resource=name)
        return None
    return bucket_region(answer.get("LocationConstraint"))


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
