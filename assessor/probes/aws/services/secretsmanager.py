"""Secrets Manager: secrets, and replicas of secrets from other regions.

Calls: pages of ListSecrets per region (tags and key included). A replica is listed in
its own region with ``PrimaryRegion``; the probe links it back to its primary as a flow,
so no per-secret DescribeSecret call is needed.
"""

from __future__ import annotations

from typing import Any, ClassVar

from assessor.models import Asset
from assessor.probes.aws.services.base import (
    RegionScope,
    ServiceReader,
    Work,
    kms_encryption,
    tag_dict,
)


class SecretsManagerReader(ServiceReader):
    name = "secretsmanager"
    operations: ClassVar[frozenset[str]] = frozenset({"secretsmanager:ListSecrets"})

    def read(self, scope: RegionScope) -> Work:
        secrets = scope.pages("secretsmanager", "list_secrets", "SecretList")
        return [secret_asset(scope, secret) for secret in secrets]


def secret_asset(scope: RegionScope, secret: dict[str, Any]) -> Asset:
    arn = secret["ARN"]
    primary_region = secret.get("PrimaryRegion")
    primary = ""
    if primary_region and primary_region != scope.region:
        parts = arn.split(":")
        parts[3] = primary_region
        primary = ":".join(parts)
    return scope.asset(
        service="secretsmanager",
        kind="secret",
        id=arn,
        name=secret.get("Name", arn),
        tags=tag_dict(secret.get("Tags")),
        encryption=kms_encryption(True, secret.get("KmsKeyId"), scope.region),
        attributes={"replica_of": primary},
    )
