"""``assessor policy aws``: the least-privilege IAM policy for the probe's declared reads."""

from __future__ import annotations

from typing import Any

# IAM names most actions like the API operation; these are the exceptions.
_IAM_ACTION = {
    "s3:ListBuckets": "s3:ListAllMyBuckets",
    "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "s3:GetBucketReplication": "s3:GetReplicationConfiguration",
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "tagging:GetResources": "tag:GetResources",
}


def iam_policy(
    reads: frozenset[str],
    credentials: frozenset[str] = frozenset(),
    role: str | None = None,
    partition: str = "aws",
) -> dict[str, Any]:
    """One statement for the reads and, only when an organization role is named, one that
    lets the audit assume exactly that role (a single-account audit assumes nothing)."""
    actions = sorted({_IAM_ACTION.get(op, op) for op in reads})
    statements: list[dict[str, Any]] = [
        {"Sid": "AssessorReadOnly", "Effect": "Allow", "Action": actions, "Resource": "*"}
    ]
    assume = sorted(credentials)
    if assume and role:
        statements.append(
            {
                "Sid": "AssessorAssumeAuditRole",
                "Effect": "Allow",
                "Action": assume,
                "Resource": f"arn:{partition}:iam::*:role/{role}",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}
