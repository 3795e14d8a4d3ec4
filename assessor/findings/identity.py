"""A finding's stable identity, defined once for baselines, SARIF fingerprints and history.

The fingerprint hashes the rule id, the asset's identity (provider, account, cloud id) and
an evidence key. It never includes line numbers, timestamps or message text, so it survives
reformatting, re-runs and rule wording changes.
"""

from __future__ import annotations

import hashlib

from assessor.models import Asset

FINGERPRINT_VERSION = "v1"


def asset_identity(asset: Asset) -> str:
    """What identifies an asset across runs: provider, account and id."""
    return f"{asset.provider.value}|{asset.account}|{asset.id}"


def finding_fingerprint(rule_id: str, asset: Asset, evidence_key: str = "") -> str:
    """A finding's stable fingerprint: the rule, the asset's identity and the evidence key, never a
    line number, so baselines, SARIF and history keep matching as code moves."""
    material = "\x1f".join((FINGERPRINT_VERSION, rule_id, asset_identity(asset), evidence_key))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]
