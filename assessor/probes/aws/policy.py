"""``assessor aws-policy``: the least-privilege IAM policy for the probe's declared reads."""

from __future__ import annotations

from typing import Any

# IAM names most actions like the API operation; these are the exceptions.
_IAM_ACTION = {
    "s3:ListBuckets": "s3:ListAllMyBuckets",
    "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "s3:GetBucketReplication": "s3:GetReplicationConfiguration",
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
}
# AssumeRole only ever targets the role named by --aws-org-role; a policy can say so.
_ROLE_ACTIONS = frozenset({"sts:AssumeRole"})


def iam_policy(
    operations: frozenset[str], role: str | None = None, partition: str = "aws"
) -> dict[str, Any]:
    """One statement for the reads; AssumeRole limited to the organization role if named."""
    reads = sorted({_IAM_ACTION.get(op, op) for op in operations if op not in _ROLE_ACTIONS})
    statements: list[dict[str, Any]] = [
        {"Sid": "AssessorReadOnly", "Effect": "Allow", "Action": reads, "Resource": "*"}
    ]
    assume = sorted(operations & _ROLE_ACTIONS)
    if assume:
        statements.append(
            {
                "Sid": "AssessorAssumeAuditRole",
                "Effect": "Allow",
                "Action": assume,
                "Resource": f"arn:{partition}:iam::*:role/{role or '*'}",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}
