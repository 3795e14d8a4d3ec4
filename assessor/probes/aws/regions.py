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


@dataclass(frozen=True)
class RegionChoice:
    scan: tuple[str, ...]
    not_enabled: tuple[str, ...]


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
    return RegionChoice(
        scan=tuple(r for r in wanted if r in enabled),
        # Not opted in, or not offered to this account at all.
        not_enabled=tuple(r for r in wanted if r not in enabled),
    )
