"""ECR: repositories and the registry's cross-region replication rules.

Calls: pages of DescribeRepositories and one DescribeRegistry per region.
"""

from __future__ import annotations

from typing import Any, ClassVar

from assessor.models import Asset, Flow, FlowKind
from assessor.probes.aws.services.base import RegionScope, ServiceReader, Work, kms_encryption


class EcrReader(ServiceReader):
    name = "ecr"
    untagged_types = ("ecr:repository",)
    operations: ClassVar[frozenset[str]] = frozenset(
        {"ecr:DescribeRepositories", "ecr:DescribeRegistry"}
    )

    def read(self, scope: RegionScope) -> Work:
        repositories = scope.pages("ecr", "describe_repositories", "repositories")
        if not repositories:
            return []  # no repository, nothing to replicate: skip the registry call
        registry: dict[str, Any] = scope.attempt(
            "ecr", lambda: scope.client("ecr").describe_registry(), failed={}, absent={}
        )
        rules = (registry.get("replicationConfiguration") or {}).get("rules", [])
        return [repository_asset(scope, repository, rules) for repository in repositories]


def replication_destinations(name: str, rules: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Destinations of every rule whose filters match the repository (no filter: all)."""
    destinations = []
    for rule in rules:
        filters = rule.get("repositoryFilters") or []
        if filters and not any(name.startswith(f.get("filter", "")) for f in filters):
            continue
        destinations.extend(rule.get("destinations", []))
    return destinations


def repository_asset(
    scope: RegionScope, repository: dict[str, Any], rules: list[dict[str, Any]]
) -> Asset:
    name = repository["repositoryName"]
    encryption = repository.get("encryptionConfiguration") or {}
    flows = []
    for destination in replication_destinations(name, rules):
        region = destination.get("region")
        account = destination.get("registryId") or scope.account
        if region and (region != scope.region or account != scope.account):
            flows.append(
                Flow(
                    kind=FlowKind.REPLICATION,
                    target_id=f"arn:{scope.partition}:ecr:{region}:{account}:repository/{name}",
                    target_region=region,
                )
            )
    return scope.asset(
        service="ecr",
        kind="repository",
        id=repository.get("repositoryArn") or scope.arn("ecr", f"repository/{name}"),
        name=name,
        encryption=kms_encryption(
            True,
            encryption.get("kmsKey")
            if encryption.get("encryptionType", "").startswith("KMS")
            else None,
            scope.region,
            encryption.get("encryptionType"),
        ),
        flows=flows,
    )
