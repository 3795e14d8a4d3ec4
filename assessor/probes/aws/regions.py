"""Which regions of an account can hold anything: enabled ones, per EC2's DescribeRegions.

A region not opted in cannot hold resources, so it is skipped without a call and named in
the probe's notes; reading it would only fail with AuthFailure.
"""

from __future__ import annotations

from dataclasses import dataclass

# Where to ask DescribeRegions in each partition (any always-enabled region works).
HOME_REGION = {
    "aws": "us-east-1",
    "aws-cn": "cn-north-1",
    "aws-us-gov": "us-gov-west-1",
    "aws-iso": "us-iso-east-1",
    "aws-iso-b": "us-isob-east-1",
    "aws-iso-e": "eu-isoe-west-1",
    "aws-iso-f": "us-isof-south-1",
    "aws-eusc": "eusc-de-east-1",
}


NOT_ENABLED = "not enabled for the account"
NOT_SELECTED = "not selected by --aws-regions"


@dataclass(frozen=True)
class RegionChoice:
    scan: tuple[str, ...]
    not_enabled: tuple[str, ...]
    # Every region of the partition this scan does not read, and why. Data can still be
    # there (a region disabled after use keeps its data): listings that name such a region
    # (S3's ListBuckets, a replica list) keep what they name.
    unread: dict[str, str]


def choose_regions(
    described: list[dict[str, str]], partition_regions: set[str], wanted: list[str]
) -> RegionChoice:
    """Regions to scan: wanted, in this partition, and enabled for the account."""
    enabled: set[str] = set()
    for region in described:
        name = region["RegionName"]
        if name not in partition_regions:
            continue  # another partition's region (some emulators list them all)
        if region.get("OptInStatus", "opt-in-not-required") != "not-opted-in":
            enabled.add(name)
    scan = tuple(r for r in wanted if r in enabled)
    unread = {
        region: NOT_SELECTED if region not in wanted else NOT_ENABLED
        for region in sorted(partition_regions - set(scan))
    }
    return RegionChoice(
        scan=scan,
        # Not opted in, or not offered to this account at all.
        not_enabled=tuple(r for r in wanted if r not in enabled),
        unread=unread,
    )
