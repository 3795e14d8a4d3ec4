"""OpenSearch Service: domains with their at-rest encryption key.

Calls: one ListDomainNames per region, then one DescribeDomains per five domains.
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from assessor.models import Asset
from assessor.probes.aws.services.base import RegionScope, ServiceReader, Work, kms_encryption

_DESCRIBE_BATCH = 5  # DescribeDomains takes at most five names


class OpenSearchReader(ServiceReader):
    name = "opensearch"
    untagged_types = ("es:domain",)
    operations: ClassVar[frozenset[str]] = frozenset({"es:ListDomainNames", "es:DescribeDomains"})

    def read(self, scope: RegionScope) -> Work:
        client = scope.client("opensearch")
        names = [d["DomainName"] for d in client.list_domain_names().get("DomainNames", [])]
        batches = [names[i : i + _DESCRIBE_BATCH] for i in range(0, len(names), _DESCRIBE_BATCH)]
        return [scope.task(partial(self._describe, scope, batch)) for batch in batches]

    def _describe(self, scope: RegionScope, names: list[str]) -> list[Asset]:
        answer = scope.client("opensearch").describe_domains(DomainNames=names)
        return [domain_asset(scope, domain) for domain in answer.get("DomainStatusList", [])]


def domain_asset(scope: RegionScope, domain: dict[str, Any]) -> Asset:
    name = domain["DomainName"]
    at_rest = domain.get("EncryptionAtRestOptions") or {}
    return scope.asset(
        service="opensearch",
        kind="domain",
        id=domain.get("ARN") or scope.arn("es", f"domain/{name}"),
        name=name,
        encryption=kms_encryption(
            at_rest.get("Enabled", False), at_rest.get("KmsKeyId"), scope.region
        ),
        attributes={"engine_version": domain.get("EngineVersion", "")},
    )
