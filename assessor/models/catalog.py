"""What the catalog knows: where a region is, who a provider or vendor is, country groups."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from assessor.models.base import CountryCode, JurisdictionCode, Model, Provider


class LocationScope(StrEnum):
    """How much of the world one location code covers."""

    REGION = "region"
    DUAL_REGION = "dual-region"
    MULTI_REGION = "multi-region"
    COUNTRY = "country"
    GLOBAL = "global"  # a control-plane resource with no region (identity, DNS, CDN)
    UNKNOWN = "unknown"


class Confidence(StrEnum):
    """How sure the catalog is of a row (see shared domain facts for the tags)."""

    VERIFIED = "V"
    REPORTED = "R"
    KNOWN = "K"
    UNCERTAIN = "U"


class Location(Model):
    """Where a region physically is, and whose law reaches data stored there.

    ``known`` is false when the catalog has no row for the region: the location is then
    reported as unknown, never guessed. ``countries`` lists every country data may sit in
    (one for a region, several for dual- and multi-regions).
    """

    known: bool
    provider: Provider | None = None
    region: str | None = None
    name: str | None = None
    scope: LocationScope = LocationScope.UNKNOWN
    country: CountryCode | None = None
    countries: tuple[CountryCode, ...] = ()
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    jurisdictions: tuple[JurisdictionCode, ...] = ()
    operator: str | None = Field(
        default=None, description="Local company that runs the region for the provider"
    )
    operator_jurisdiction: CountryCode | None = None
    partition: str | None = Field(
        default=None, description="Provider partition, cloud or realm (aws-cn, azure-china, oc2)"
    )
    confidence: Confidence | None = None
    source: str | None = Field(default=None, description="Catalog source id for this row")

    @classmethod
    def unknown(cls, provider: Provider | None, region: str | None) -> Location:
        return cls(known=False, provider=provider, region=region)

    def places(self) -> tuple[str, ...]:
        """What a summary counts it under: its countries, ``global`` for a resource with no
        region, else ``unknown``."""
        if self.known and self.countries:
            return self.countries
        return (GLOBAL_REGION,) if self.scope is LocationScope.GLOBAL else ("unknown",)

    @classmethod
    def global_(cls, provider: Provider | None) -> Location:
        """A resource with no region: not a place, so not ``known``, but not unknown either
        (nothing about it could be learnt that would place it)."""
        return cls(
            known=False,
            provider=provider,
            region=GLOBAL_REGION,
            name="global (no region)",
            scope=LocationScope.GLOBAL,
        )


GLOBAL_REGION = "global"


class ProviderProfile(Model):
    """Who a provider is, where it is headquartered and whose law reaches it everywhere."""

    id: Provider
    name: str
    parent: str
    hq_country: CountryCode
    hq_city: str
    jurisdictions: tuple[JurisdictionCode, ...]
    named_in: tuple[str, ...] = ()
    confidence: Confidence
    sources: tuple[str, ...]


class VendorProfile(Model):
    """A company that is not a cloud provider in the region catalog: a SaaS vendor, a carrier,
    an equipment maker, an app developer. Keyed by a short id used in declared inventories."""

    id: str
    name: str
    parent: str
    hq_country: CountryCode
    jurisdictions: tuple[JurisdictionCode, ...]
    categories: tuple[str, ...] = ()
    named_in: tuple[str, ...] = ()
    confidence: Confidence
    sources: tuple[str, ...]


class CountryGroup(Model):
    """A named set of countries that rules refer to as ``in:NAME``."""

    name: str
    description: str
    countries: frozenset[CountryCode]
    sources: tuple[str, ...]


class SdkKind(StrEnum):
    """Whether a package is a channel to its vendor."""

    SDK = "sdk"  # sends data to the vendor (ads, analytics, push, a cloud's API)
    LIBRARY = "library"  # open-source code from the vendor that sends nothing to it


class SdkCategory(StrEnum):
    """What an SDK does with the data it sends."""

    ADS = "ads"
    ANALYTICS = "analytics"
    PUSH = "push"
    CRASH = "crash"
    LOGIN = "login"
    PAYMENT = "payment"
    MAP = "map"
    IM = "im"
    RTC = "rtc"
    WEBVIEW = "webview"
    CLOUD_API = "cloud-api"
    AI_API = "ai-api"
    DEVICE = "device"
    APP_STORE = "app-store"
    CODE = "code"  # a library: no data channel


class SdkPackage(Model):
    """A package of a listed vendor, matched by exact coordinates: a purl without version
    (``pkg:maven/com.pangle.global/ads-sdk``); a name ending in ``*`` matches names that
    start with the rest (``pkg:pypi/huaweicloudsdk*``)."""

    purl: str = Field(pattern=r"^pkg:[a-z]+/.+")
    vendor: str
    product: str
    category: SdkCategory
    kind: SdkKind
    confidence: Confidence
    source: str


class VendorRepository(Model):
    """A package repository only a vendor serves its SDK from: a build file that names it
    is evidence of that SDK (``artifact.bytedance.com/repository/pangle``)."""

    url: str = Field(description="Host and path prefix, without scheme")
    vendor: str
    product: str
    category: SdkCategory
    confidence: Confidence
    source: str


class PackageMirror(Model):
    """A public mirror of a package registry run by a company under a listed jurisdiction:
    builds that resolve through it send their dependency traffic there."""

    host: str
    vendor: str
    name: str
    confidence: Confidence
    source: str


class AutonomousSystem(Model):
    """Who originates a network's addresses (RIR and PeeringDB records)."""

    asn: int = Field(ge=1)
    name: str
    vendor: str | None = Field(default=None, description="The catalog vendor that owns it")
    anycast: bool = Field(
        default=False, description="Announced from many countries at once: not placeable"
    )
    source: str


class ProviderHostname(Model):
    """A host name shape a cloud's own service answers on, naming its region (``REGION``
    in ``name-1.REGION.elb.amazonaws.com``) or anycast (``cloudfront.net``)."""

    pattern: str = Field(description="A regular expression; a group named region, if any")
    provider: Provider
    service: str
    anycast: bool = False
    source: str


class HostnamePattern(Model):
    """A host name suffix a provider's services answer on (``.myqcloud.com``)."""

    suffix: str = Field(pattern=r"^\.[a-z0-9.-]+$")
    vendor: str
    service: str
    source: str
