"""Secrets Manager: secrets, and replicas of secrets from other regions.

Calls: pages of ListSecrets per region (tags and key included). A replica is listed in
its own region with ``PrimaryRegion``; the probe links it back to its primary as a flow,
so no per-secret DescribeSecret call is needed while every region is read. When some are
not (not enabled, or not selected), one DescribeSecret per primary secret names the
replicas there, so those copies stay flows.
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from assessor.models import Asset, Flow, FlowKind
from assessor.probes.aws.scheduler import Task
from assessor.probes.aws.services.base import (
    FlowFact,
    Found,
    RegionScope,
    ServiceReader,
    Work,
    kms_encryption,
    tag_dict,
)


class SecretsManagerReader(ServiceReader):
    name = "secretsmanager"
    operations: ClassVar[frozenset[str]] = frozenset(
        {"secretsmanager:ListSecrets", "secretsmanager:DescribeSecret"}
    )

    def read(self, scope: RegionScope) -> Work:
        secrets = scope.pages("secretsmanager", "list_secrets", "SecretList")
        work: list[Found | Task[Found]] = [secret_asset(scope, secret) for secret in secrets]
        if self.unread:
            work.extend(
                scope.task(partial(self._replicas_not_read, scope, secret["ARN"]))
                for secret in secrets
                if secret.get("PrimaryRegion") in (None, scope.region)
            )
        return work

    def _replicas_not_read(self, scope: RegionScope, arn: str) -> list[Found]:
        statuses = scope.client("secretsmanager").describe_secret(SecretId=arn)
        return [
            FlowFact(
                arn,
                Flow(
                    kind=FlowKind.REPLICATION,
                    target_id=_in_region(arn, status["Region"]),
                    target_region=status["Region"],
                ),
            )
            for status in statuses.get("ReplicationStatus", [])
            if status.get("Region") in self.unread
        ]


def secret_asset(scope: RegionScope, secret: dict[str, Any]) -> Asset:
    arn = secret["ARN"]
    primary_region = secret.get("PrimaryRegion")
    primary = ""
    if primary_region and primary_region != scope.region:
        primary = _in_region(arn, primary_region)
    return scope.asset(
        service="secretsmanager",
        kind="secret",
        id=arn,
        name=secret.get("Name", arn),
        tags=tag_dict(secret.get("Tags")),
        encryption=kms_encryption(True, secret.get("KmsKeyId"), scope.region),
        attributes={"replica_of": primary},
    )


def _in_region(arn: str, region: str) -> str:
    """The same secret's ARN in another region (a replica keeps name and suffix)."""
    parts = arn.split(":")
    parts[3] = region
    return ":".join(parts)
