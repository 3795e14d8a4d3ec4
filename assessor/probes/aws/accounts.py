"""Which accounts to read, and clients for each.

By default the caller's own account. With ``--aws-org-role`` every active account of the
organization (from ``organizations:ListAccounts``) or of ``--aws-accounts`` is read through
that role; an account whose role cannot be assumed is a coverage gap, and the others go on.
"""

from __future__ import annotations

from dataclasses import dataclass

from assessor.probes.aws.session import AwsClients


@dataclass(frozen=True)
class AccountPlan:
    """How to reach the accounts of one run."""

    caller: str
    partition: str
    home: str
    role: str | None
    external_id: str | None

    def role_arn(self, account: str) -> str:
        return f"arn:{self.partition}:iam::{account}:role/{self.role}"

    def clients_for(self, base: AwsClients, account: str) -> AwsClients:
        """The caller's own clients for its own account, assumed-role clients otherwise."""
        if account == self.caller or not self.role:
            return base
        # Assumes the role now, so a denied role fails here (one gap for the account), not
        # later in every call.
        return base.assumed(self.role_arn(account), self.home, self.external_id)


def organization_accounts(base: AwsClients, home: str) -> list[str]:
    """Active member accounts, from the organization's management or delegated account."""
    paginator = base.get("organizations", home).get_paginator("list_accounts")
    return sorted(
        account["Id"]
        for page in paginator.paginate()
        for account in page.get("Accounts", [])
        if account.get("State", account.get("Status")) == "ACTIVE"
    )
