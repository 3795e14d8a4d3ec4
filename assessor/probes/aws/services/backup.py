"""AWS Backup: vaults, and the plan rules that copy recovery points to other regions.

Calls: pages of ListBackupVaults and ListBackupPlans per region, then one GetBackupPlan
per plan (only in regions that have plans).
"""

from __future__ import annotations

from collections import defaultdict
from functools import partial
from typing import Any, ClassVar

from assessor.models import Asset, Flow, FlowKind
from assessor.probes.aws.services.base import (
    RegionScope,
    ServiceReader,
    Work,
    arn_region,
    kms_encryption,
)


class BackupReader(ServiceReader):
    name = "backup"
    untagged_types = ("backup:backup-vault",)
    operations: ClassVar[frozenset[str]] = frozenset(
        {"backup:ListBackupVaults", "backup:ListBackupPlans", "backup:GetBackupPlan"}
    )

    def read(self, scope: RegionScope) -> Work:
        vaults = scope.pages("backup", "list_backup_vaults", "BackupVaultList")
        if not vaults:
            return []  # copy rules need a vault to copy from
        plans = scope.pages("backup", "list_backup_plans", "BackupPlansList")
        client = scope.client("backup")
        rules: list[dict[str, Any]] = []
        for plan in plans:
            rules.extend(
                scope.attempt(
                    "backup",
                    partial(_plan_rules, client, plan["BackupPlanId"]),
                    failed=[],
                    absent=[],
                    resource=plan.get("BackupPlanName"),
                )
            )
        copies = copy_destinations(rules)
        return [
            vault_asset(scope, vault, copies.get(vault["BackupVaultName"], [])) for vault in vaults
        ]


def _plan_rules(client: Any, plan_id: str) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = client.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"].get(
        "Rules", []
    )
    return rules


def copy_destinations(rules: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Vault name → destination vault ARNs its plan rules copy recovery points to."""
    by_vault: dict[str, list[str]] = defaultdict(list)
    for rule in rules:
        for action in rule.get("CopyActions", []):
            target = action.get("DestinationBackupVaultArn")
            if target:
                by_vault[rule.get("TargetBackupVaultName", "")].append(target)
    return by_vault


def vault_asset(scope: RegionScope, vault: dict[str, Any], copies: list[str]) -> Asset:
    name = vault["BackupVaultName"]
    return scope.asset(
        service="backup",
        kind="backup-vault",
        id=vault.get("BackupVaultArn") or scope.arn("backup", f"backup-vault:{name}"),
        name=name,
        encryption=kms_encryption(True, vault.get("EncryptionKeyArn"), scope.region),
        flows=[
            Flow(kind=FlowKind.BACKUP, target_id=target, target_region=arn_region(target))
            for target in sorted(set(copies))
        ],
        attributes={"recovery_points": str(vault.get("NumberOfRecoveryPoints", ""))},
    )
