"""KMS: customer keys, their multi-region replicas, and who holds the key material.

Calls: pages of ListKeys and ListAliases per region, then DescribeKey for each key that
is not an AWS-managed ``aws/*`` key (those are known from their alias, no call needed).

Besides key assets, the reader reports a :class:`KeyFact` per key so the probe can
correct the key custody of every asset encrypted under it: an ARN alone does not say
whether a key is AWS-managed or lives in an external key store.
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from assessor.models import Asset, Encryption, Flow, FlowKind, KeyCustody
from assessor.probes.aws.scheduler import Task
from assessor.probes.aws.services.base import (
    Found,
    KeyFact,
    RegionScope,
    ServiceReader,
    Work,
    arn_region,
)


class KmsReader(ServiceReader):
    name = "kms"
    untagged_types = ("kms:key",)
    operations: ClassVar[frozenset[str]] = frozenset(
        {"kms:ListKeys", "kms:ListAliases", "kms:DescribeKey"}
    )

    def read(self, scope: RegionScope) -> Work:
        keys = scope.pages("kms", "list_keys", "Keys")
        aliases = scope.pages("kms", "list_aliases", "Aliases")
        names: dict[str, str] = {}
        managed: set[str] = set()
        for alias in aliases:
            target = alias.get("TargetKeyId")
            if target:
                names.setdefault(target, alias["AliasName"])
                if alias["AliasName"].startswith("alias/aws/"):
                    managed.add(target)
        work: list[Found | Task[Found]] = [
            KeyFact(key_id, KeyCustody.PROVIDER_MANAGED) for key_id in sorted(managed)
        ]
        work.extend(
            scope.task(partial(self._describe, scope, key["KeyId"], names))
            for key in keys
            if key["KeyId"] not in managed
        )
        return work

    def _describe(self, scope: RegionScope, key_id: str, names: dict[str, str]) -> list[Found]:
        metadata = scope.client("kms").describe_key(KeyId=key_id)["KeyMetadata"]
        custody = key_custody(metadata)
        facts: list[Found] = [KeyFact(metadata["KeyId"], custody)]
        if (
            metadata.get("KeyManager") == "CUSTOMER"
            and metadata.get("KeyState") != "PendingDeletion"
        ):
            facts.append(key_asset(scope, metadata, names.get(metadata["KeyId"])))
        return facts


def key_custody(metadata: dict[str, Any]) -> KeyCustody:
    if metadata.get("KeyManager") == "AWS":
        return KeyCustody.PROVIDER_MANAGED
    if metadata.get("Origin") == "EXTERNAL_KEY_STORE":
        # The key material never leaves the customer's own key manager (XKS).
        return KeyCustody.CUSTOMER_EXTERNAL
    return KeyCustody.CUSTOMER_MANAGED


def key_asset(scope: RegionScope, metadata: dict[str, Any], alias: str | None) -> Asset:
    arn = metadata.get("Arn") or scope.arn("kms", f"key/{metadata['KeyId']}")
    multi = metadata.get("MultiRegionConfiguration") or {}
    flows: list[Flow] = []
    if multi.get("MultiRegionKeyType") == "PRIMARY":
        flows = [
            Flow(
                kind=FlowKind.KEY_REPLICA,
                target_id=replica["Arn"],
                target_region=replica.get("Region") or arn_region(replica["Arn"]),
            )
            for replica in multi.get("ReplicaKeys", [])
        ]
    primary = (multi.get("PrimaryKey") or {}).get("Arn", "")
    return scope.asset(
        service="kms",
        kind="key",
        id=arn,
        name=alias or metadata["KeyId"],
        encryption=Encryption(custody=key_custody(metadata), key_id=arn, key_region=scope.region),
        flows=flows,
        attributes={
            "origin": metadata.get("Origin", ""),
            "key_state": metadata.get("KeyState", ""),
            "custom_key_store": metadata.get("CustomKeyStoreId", ""),
            "multi_region": multi.get("MultiRegionKeyType", "").lower(),
            "replica_of": primary if primary != arn else "",
        },
    )
