"""EC2: instances, EBS volumes and snapshots, and AMIs owned by the account.

Calls: pages of DescribeInstances, DescribeVolumes, DescribeSnapshots (owner self) and
DescribeImages (owner self) per region; nothing per resource, since tags and
encryption come with the listings.

A snapshot or AMI copied from another region records where it came from; the probe
links the copy back to its source as a flow once every region has been read.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any, ClassVar

from assessor.models import Asset
from assessor.probes.aws.services.base import (
    RegionScope,
    ServiceReader,
    Work,
    iterate,
    kms_encryption,
    tag_dict,
)

# The description AWS gives a snapshot copy unless the caller supplies another.
_COPIED = re.compile(r"\[Copied (snap-[0-9a-f]+) from ([a-z0-9-]+)\]")


class Ec2Reader(ServiceReader):
    name = "ec2"
    operations: ClassVar[frozenset[str]] = frozenset(
        {
            "ec2:DescribeInstances",
            "ec2:DescribeVolumes",
            "ec2:DescribeSnapshots",
            "ec2:DescribeImages",
        }
    )

    def read(self, scope: RegionScope) -> Work:
        # Four independent listings: four tasks, so they are in flight together.
        listings = (self._instances, self._volumes, self._snapshots, self._images)
        return [scope.task(partial(listing, scope), discovery=True) for listing in listings]

    def _instances(self, scope: RegionScope) -> Work:
        reservations = scope.pages("ec2", "describe_instances", "Reservations")
        instances = iterate(*(r.get("Instances", []) for r in reservations))
        return [
            instance_asset(scope, instance)
            for instance in instances
            if instance.get("State", {}).get("Name") != "terminated"
        ]

    def _volumes(self, scope: RegionScope) -> Work:
        return [volume_asset(scope, v) for v in scope.pages("ec2", "describe_volumes", "Volumes")]

    def _snapshots(self, scope: RegionScope) -> Work:
        snapshots = scope.pages("ec2", "describe_snapshots", "Snapshots", OwnerIds=["self"])
        # Only the account's own: some endpoints (moto) also answer with public snapshots.
        return [
            snapshot_asset(scope, snapshot)
            for snapshot in snapshots
            if snapshot.get("OwnerId", scope.account) == scope.account
        ]

    def _images(self, scope: RegionScope) -> Work:
        images = scope.pages("ec2", "describe_images", "Images", Owners=["self"])
        return [image_asset(scope, image) for image in images]


def instance_asset(scope: RegionScope, instance: dict[str, Any]) -> Asset:
    tags = tag_dict(instance.get("Tags"))
    instance_id = instance["InstanceId"]
    return scope.asset(
        service="ec2",
        kind="instance",
        id=scope.arn("ec2", f"instance/{instance_id}"),
        name=tags.get("Name", instance_id),
        tags=tags,
        attributes={
            "instance_type": instance.get("InstanceType", ""),
            "state": instance.get("State", {}).get("Name", ""),
        },
    )


def volume_asset(scope: RegionScope, volume: dict[str, Any]) -> Asset:
    tags = tag_dict(volume.get("Tags"))
    volume_id = volume["VolumeId"]
    return scope.asset(
        service="ec2",
        kind="volume",
        id=scope.arn("ec2", f"volume/{volume_id}"),
        name=tags.get("Name", volume_id),
        tags=tags,
        encryption=kms_encryption(
            volume.get("Encrypted", False), volume.get("KmsKeyId"), scope.region
        ),
        attributes={"size_gib": str(volume.get("Size", "")), "state": volume.get("State", "")},
    )


def snapshot_asset(scope: RegionScope, snapshot: dict[str, Any]) -> Asset:
    tags = tag_dict(snapshot.get("Tags"))
    snapshot_id = snapshot["SnapshotId"]
    copied = _COPIED.search(snapshot.get("Description") or "")
    source = (
        f"arn:{scope.partition}:ec2:{copied.group(2)}:{scope.account}:snapshot/{copied.group(1)}"
        if copied
        else ""
    )
    return scope.asset(
        service="ec2",
        kind="snapshot",
        id=scope.arn("ec2", f"snapshot/{snapshot_id}"),
        name=tags.get("Name", snapshot_id),
        tags=tags,
        encryption=kms_encryption(
            snapshot.get("Encrypted", False), snapshot.get("KmsKeyId"), scope.region
        ),
        attributes={"volume": snapshot.get("VolumeId", ""), "copied_from": source},
    )


def image_asset(scope: RegionScope, image: dict[str, Any]) -> Asset:
    tags = tag_dict(image.get("Tags"))
    image_id = image["ImageId"]
    source = ""
    if image.get("SourceImageId") and image.get("SourceImageRegion"):
        origin = image["SourceImageRegion"]
        source = f"arn:{scope.partition}:ec2:{origin}::image/{image['SourceImageId']}"
    encrypted = [
        mapping["Ebs"].get("Encrypted", False)
        for mapping in image.get("BlockDeviceMappings", [])
        if "Ebs" in mapping
    ]
    return scope.asset(
        service="ec2",
        kind="image",
        id=scope.arn("ec2", f"image/{image_id}", account=False),
        name=image.get("Name") or image_id,
        tags=tags,
        encryption=kms_encryption(bool(encrypted) and all(encrypted), None, scope.region)
        if encrypted
        else None,
        attributes={"public": str(image.get("Public", False)).lower(), "copied_from": source},
    )
