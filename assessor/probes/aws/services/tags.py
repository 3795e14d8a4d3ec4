"""Tags for the services whose listings leave them out, from the Resource Groups Tagging API.

Lambda, KMS, ECR, OpenSearch, ElastiCache and Backup list resources without their tags;
asking each resource would cost a call per resource. One paginated ``GetResources`` per
region, filtered to those resource types, returns them all (100 per page), and the probe
attaches them, and the data classification they carry, once every region is read.
"""

from __future__ import annotations

from typing import ClassVar

from assessor.probes.aws.services.base import (
    RegionScope,
    ServiceReader,
    TagFact,
    Work,
    tag_dict,
)

__all__ = ["ResourceTagsReader", "TagFact"]


class ResourceTagsReader(ServiceReader):
    """Not a service of its own: runs in each region for the readers that need it."""

    name = "tagging"
    clients = ("resourcegroupstaggingapi",)
    operations: ClassVar[frozenset[str]] = frozenset({"tagging:GetResources"})

    def __init__(self, resource_types: tuple[str, ...]) -> None:
        super().__init__()
        self.resource_types = resource_types

    def read(self, scope: RegionScope) -> Work:
        mappings = scope.pages(
            "resourcegroupstaggingapi",
            "get_resources",
            "ResourceTagMappingList",
            ResourceTypeFilters=list(self.resource_types),
            ResourcesPerPage=100,
        )
        return [
            TagFact(mapping["ResourceARN"], tag_dict(mapping.get("Tags")))
            for mapping in mappings
            if mapping.get("Tags")
        ]
