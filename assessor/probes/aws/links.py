"""After every region is read: what one region's listing cannot say on its own.

* A copy (EBS snapshot or AMI copied from another region, a copied RDS snapshot, a
  Secrets Manager replica, a cross-region read replica) is listed in its own region and
  names its source; the source gets a flow to the copy's region.
* A flow learnt elsewhere (an Aurora global database's members) goes to its source.
* Tags from the Tagging API go to the assets whose listing had none, with the data
  classification they carry.
* An asset encrypted under a KMS key named only by ARN gets the key's real custody from
  KMS: an AWS-managed ``aws/*`` key is provider-managed, an external key store's key is
  customer-external.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from assessor.models import Asset, Encryption, Flow, FlowKind, KeyCustody, replaced
from assessor.probes.aws.services.base import (
    FlowFact,
    KeyFact,
    TagFact,
    key_uuid,
)
from assessor.probes.base import classification

_COPY_KINDS = {
    "snapshot": FlowKind.SNAPSHOT_COPY,
    "image": FlowKind.SNAPSHOT_COPY,
    "db-snapshot": FlowKind.SNAPSHOT_COPY,
    "db-cluster-snapshot": FlowKind.SNAPSHOT_COPY,
    "secret": FlowKind.REPLICATION,
    "db-instance": FlowKind.READ_REPLICA,
    "key": FlowKind.KEY_REPLICA,
}
_SOURCE_ATTRIBUTES = ("copied_from", "replica_of")


def link(
    assets: Iterable[Asset],
    keys: Iterable[KeyFact],
    tags: Iterable[TagFact] = (),
    flows: Iterable[FlowFact] = (),
) -> list[Asset]:
    listed = list(assets)
    custody = {key_uuid(fact.key_id): fact.custody for fact in keys}
    tagged = {fact.arn: fact.tags for fact in tags}
    copies: dict[str, list[Flow]] = defaultdict(list)
    for asset in listed:
        for attribute in _SOURCE_ATTRIBUTES:
            source = asset.attributes.get(attribute)
            if source and asset.kind in _COPY_KINDS:
                copies[source].append(
                    Flow(
                        kind=_COPY_KINDS[asset.kind], target_id=asset.id, target_region=asset.region
                    )
                )
    for fact in flows:
        copies[fact.source_id].append(fact.flow)
    return [
        _linked(asset, copies.get(asset.id, []), custody, tagged.get(asset.id)) for asset in listed
    ]


def _linked(
    asset: Asset,
    copies: list[Flow],
    custody: dict[str, KeyCustody],
    tags: dict[str, str] | None,
) -> Asset:
    update: dict[str, object] = {}
    if tags and not asset.tags:
        update["tags"] = tags
        update["classification"] = classification(tags)
    known = {(flow.kind, flow.target_id) for flow in asset.flows}
    new: list[Flow] = []
    for flow in copies:
        # A copy may be learnt from more than one listing: keep the first.
        if (flow.kind, flow.target_id) not in known:
            known.add((flow.kind, flow.target_id))
            new.append(flow)
    if new:
        update["flows"] = asset.flows + tuple(new)
    encryption = asset.encryption
    if encryption is not None and encryption.key_id and asset.service != "kms":
        actual = custody.get(key_uuid(encryption.key_id))
        if actual is not None and actual is not encryption.custody:
            update["encryption"] = _with_custody(encryption, actual)
    return replaced(asset, **update) if update else asset


def _with_custody(encryption: Encryption, custody: KeyCustody) -> Encryption:
    if custody is KeyCustody.PROVIDER_MANAGED:
        return Encryption(
            custody=custody, algorithm=encryption.algorithm, key_region=encryption.key_region
        )
    return replaced(encryption, custody=custody)
