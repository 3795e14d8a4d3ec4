"""What probes produce: assets with their locations, flows and coverage gaps, and the
declared-inventory file a person writes for what no cloud API lists."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from assessor.models.base import SCHEMA_VERSION, CountryCode, Model, Provider
from assessor.models.catalog import Location
from assessor.models.findings import Waiver


class KeyCustody(StrEnum):
    """Who holds the key that encrypts the data: decides who can be compelled to decrypt."""

    NONE = "none"
    PROVIDER_MANAGED = "provider-managed"
    CUSTOMER_MANAGED = "customer-managed"
    CUSTOMER_EXTERNAL = "customer-external"
    UNKNOWN = "unknown"


class Encryption(Model):
    """At-rest encryption of an asset and where its key lives."""

    custody: KeyCustody = KeyCustody.UNKNOWN
    algorithm: str | None = None
    key_id: str | None = None
    key_region: str | None = None


class FlowKind(StrEnum):
    """Why a copy of an asset's data exists somewhere else."""

    REPLICATION = "replication"
    BACKUP = "backup"
    SNAPSHOT_COPY = "snapshot-copy"
    READ_REPLICA = "read-replica"
    KEY_REPLICA = "key-replica"
    DATA_PLACEMENT = "data-placement"
    # Not a copy at rest: a network that carries the data between regions (Alibaba Cloud
    # Enterprise Network, cross-region peering).
    NETWORK = "network"


# A probe that knows only that the provider copies data into the region's geo-pair (Azure
# GRS storage) writes this as the flow's target region; locating replaces it with the pair
# the catalog knows, so the pair table lives in one place.
PAIRED_REGION = "paired-region"


class Flow(Model):
    """An edge from an asset to a place where copies of its data go."""

    kind: FlowKind
    target_region: str | None = None
    target_country: CountryCode | None = Field(
        default=None, description="Where the copy goes when only the country is declared"
    )
    target_id: str | None = None
    target_location: Location | None = None
    condition: str | None = Field(
        default=None,
        description="The copy happens only if this holds: a condition the code leaves open",
    )


class CodeLocation(Model):
    """Where an asset is declared in infrastructure code."""

    path: str = Field(description="File path relative to the scanned root")
    start_line: int
    end_line: int
    module: str = Field(default="", description="Module path, e.g. module.store")
    address: str = Field(description="Resource address, e.g. aws_s3_bucket.data")


class Asset(Model):
    """One thing that holds data or runs a workload, with where it is."""

    # Texts and tags that thousands of assets repeat: one copy each when laid out compactly.
    REPEATED: ClassVar[frozenset[str]] = frozenset(
        {"service", "kind", "account", "region", "country", "classification", "vendor", "tags"}
    )

    id: str = Field(description="Stable cloud identity: an ARN, a full resource name, ...")
    provider: Provider
    service: str
    kind: str
    name: str
    account: str
    region: str | None = None
    country: CountryCode | None = Field(
        default=None, description="Declared country, for items with no provider region"
    )
    location: Location | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    classification: str | None = Field(
        default=None, description="Data class from tags or labels such as data-class"
    )
    encryption: Encryption | None = None
    public_access_blocked: bool | None = None
    vendor: str | None = Field(
        default=None, description="Vendor id (catalog vendors.yaml) for declared items"
    )
    flows: tuple[Flow, ...] = ()
    attributes: dict[str, str] = Field(
        default_factory=dict, description="Provider-specific facts shown in the report"
    )
    source: CodeLocation | None = Field(
        default=None, description="Where infrastructure code declares the asset"
    )
    waivers: tuple[Waiver, ...] = Field(
        default=(), description="Waivers declared next to the asset (inline comments)"
    )


class GapReason(StrEnum):
    """Why part of the estate could not be read."""

    ACCESS_DENIED = "access_denied"
    THROTTLED = "throttled"
    REGION_DISABLED = "region_disabled"
    # The provider's service was never enabled or was switched off (Cloud Config, an API).
    NOT_ENABLED = "not_enabled"
    ERROR = "error"
    # Planned but never read: a shard's output is missing, or its worker died.
    UNREAD = "unread"
    # Read, but from reference data older than the run allows (an IP → AS dataset).
    STALE_DATA = "stale_data"


class CoverageGap(Model):
    """Part of the estate a probe could not read: a result, not a log line."""

    probe: str
    reason: GapReason
    message: str
    account: str | None = None
    region: str | None = None
    service: str | None = None
    # The API operation that failed, as the probe declares it (``oss:GetBucketReplication``).
    operation: str | None = None
    # What the one failed call was about: a bucket, an instance id, an ARN, a project.
    resource: str | None = None


class ProbeRun(Model):
    """Which probe ran, with which version and options."""

    name: str
    version: str
    scope: str = Field(description="What the probe looked at: account ids, projects, paths")
    asset_count: int
    gap_count: int
    seconds: float
    notes: tuple[str, ...] = Field(default=(), description="What the probe saw but did not model")
    unit_seconds: dict[str, float] = Field(
        default_factory=dict,
        description="A merged organization's seconds per unit (account), which balance the "
        "next plan's shards",
    )


class Inventory(Model):
    """Everything the probes found, with locations attached."""

    schema_version: str = SCHEMA_VERSION
    generated_at: datetime
    probes: tuple[ProbeRun, ...] = ()
    assets: tuple[Asset, ...] = ()
    gaps: tuple[CoverageGap, ...] = ()


class DeclaredKind(StrEnum):
    """What a declared item is."""

    SAAS = "saas"
    CLOUD = "cloud"
    CARRIER = "carrier"
    EQUIPMENT = "equipment"
    APP = "app"
    SDK = "sdk"
    APP_STORE = "app-store"
    DEVICE = "device"
    FLOW = "flow"


class DeclaredFlow(Model):
    """Where copies of a declared item's data go: a country, or a provider region."""

    kind: FlowKind = FlowKind.REPLICATION
    country: CountryCode | None = None
    region: str | None = Field(default=None, description="A region of the item's provider")
    target: str | None = None


class DeclaredItem(Model):
    """Something no cloud API lists: a SaaS vendor, a carrier, equipment, an app or SDK."""

    name: str = Field(min_length=1)
    kind: DeclaredKind
    vendor: str | None = None
    country: CountryCode | None = None
    provider: Provider | None = None
    region: str | None = None
    classification: str | None = None
    records: int | None = Field(default=None, ge=0)
    owner: str | None = None
    description: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    flows: tuple[DeclaredFlow, ...] = ()
    endpoints: tuple[
        Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[^\s]+$")], ...
    ] = Field(
        default=(),
        description="Host names, IPs or CIDRs it is reached at (the network probe places them)",
    )


class DeclaredInventory(Model):
    """A declared inventory file."""

    organization: str = "declared"
    items: tuple[DeclaredItem, ...] = ()
