"""The fields a rule condition may read, registered by name.

Each field is a small function of the evaluation context. Only names registered here are
accepted in rule files, so a typo is a load-time error with file and line, and a rule can
never reach anything but these values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assessor.catalog import Catalog
from assessor.models import Asset, Flow, Location, ProviderProfile, VendorProfile

Value = str | int | float | bool | tuple[str, ...] | None


@dataclass(frozen=True)
class Context:
    """What a condition sees: one asset, optionally one of its flows, and the catalog."""

    asset: Asset
    catalog: Catalog
    flow: Flow | None = None


Getter = Callable[[Context], Value]


def _location(context: Context) -> Location:
    return context.asset.location or Location.unknown(context.asset.provider, context.asset.region)


def _target(context: Context) -> Location:
    flow = context.flow
    if flow is None or flow.target_location is None:
        return Location.unknown(None, flow.target_region if flow else None)
    return flow.target_location


def _key_location(context: Context) -> Location:
    encryption = context.asset.encryption
    key_region = encryption.key_region if encryption else None
    return context.catalog.locate(context.asset.provider, key_region)


def _location_fields(prefix: str, where: Callable[[Context], Location]) -> dict[str, Getter]:
    return {
        f"{prefix}.known": lambda c: where(c).known,
        f"{prefix}.region": lambda c: where(c).region,
        f"{prefix}.country": lambda c: where(c).country,
        f"{prefix}.countries": lambda c: where(c).countries,
        f"{prefix}.city": lambda c: where(c).city,
        f"{prefix}.jurisdictions": lambda c: where(c).jurisdictions,
        f"{prefix}.operator": lambda c: where(c).operator,
        f"{prefix}.operator_jurisdiction": lambda c: where(c).operator_jurisdiction,
        f"{prefix}.scope": lambda c: where(c).scope.value,
        f"{prefix}.name": lambda c: where(c).name,
        f"{prefix}.provider_region": lambda c: _provider_region(where(c)),
    }


def _provider_region(location: Location) -> str | None:
    if location.provider is None or location.region is None:
        return None
    return f"{location.provider.value}:{location.region}"


RECORD_COUNT_TAGS = ("records", "record-count", "record_count", "us-persons", "data-subjects")


def record_count(asset: Asset) -> int | None:
    """How many people's records the asset holds, from a tag such as ``records=250000``."""
    if not asset.tags:
        return None
    lowered = {key.lower(): value for key, value in asset.tags.items()}
    for key in RECORD_COUNT_TAGS:
        raw = lowered.get(key)
        if raw is not None:
            digits = raw.replace(",", "").replace("_", "").strip()
            if digits.isdigit():
                return int(digits)
    return None


def _attr(profile: ProviderProfile | VendorProfile | None, name: str) -> Value:
    if profile is None:
        return None
    value = getattr(profile, name)
    return value if isinstance(value, str | tuple) else str(value)


def _holder(context: Context) -> ProviderProfile | VendorProfile | None:
    return context.catalog.vendor(context.asset.vendor) or context.catalog.provider(
        context.asset.provider
    )


def _profile_fields(
    prefix: str, profile: Callable[[Context], ProviderProfile | VendorProfile | None]
) -> dict[str, Getter]:
    names = ("name", "parent", "hq_country", "jurisdictions", "named_in")
    return {f"{prefix}.{name}": _profile_getter(profile, name) for name in names}


def _profile_getter(
    profile: Callable[[Context], ProviderProfile | VendorProfile | None], name: str
) -> Getter:
    return lambda c: _attr(profile(c), name)


ASSET_FIELDS: dict[str, Getter] = {
    "id": lambda c: c.asset.id,
    "provider": lambda c: c.asset.provider.value,
    "service": lambda c: c.asset.service,
    "kind": lambda c: c.asset.kind,
    "name": lambda c: c.asset.name,
    "account": lambda c: c.asset.account,
    "region": lambda c: c.asset.region,
    "classification": lambda c: c.asset.classification,
    "public_access_blocked": lambda c: c.asset.public_access_blocked,
    "encryption.custody": lambda c: (
        c.asset.encryption.custody.value if c.asset.encryption else None
    ),
    "encryption.key_region": lambda c: (
        c.asset.encryption.key_region if c.asset.encryption else None
    ),
    "flow_count": lambda c: len(c.asset.flows),
    "vendor": lambda c: c.asset.vendor,
    "record_count": lambda c: record_count(c.asset),
    **_profile_fields("provider_profile", lambda c: c.catalog.provider(c.asset.provider)),
    **_profile_fields("vendor_profile", lambda c: c.catalog.vendor(c.asset.vendor)),
    "vendor_profile.known": lambda c: c.catalog.vendor(c.asset.vendor) is not None,
    # Whoever holds the data: the declared vendor if there is one, else the cloud provider.
    **_profile_fields("holder", _holder),
    "vendor_profile.categories": lambda c: _attr(c.catalog.vendor(c.asset.vendor), "categories"),
    **_location_fields("location", _location),
    **_location_fields("key_location", _key_location),
}

FLOW_FIELDS: dict[str, Getter] = {
    "flow.kind": lambda c: c.flow.kind.value if c.flow else None,
    "flow.target_id": lambda c: c.flow.target_id if c.flow else None,
    **_location_fields("target", _target),
}

TAG_PREFIX = "tags."
# Probe-specific facts (a Terraform location note, an instance type); they vary per asset.
ATTRIBUTE_PREFIX = "attributes."
# ``{field.path}`` placeholders in a rule's finding message.
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.-]*)\}")


def getter(name: str, in_flow: bool) -> Getter | None:
    """The getter for a field name, or None if rules may not use that name here."""
    if name.startswith(TAG_PREFIX) and len(name) > len(TAG_PREFIX):
        key = name[len(TAG_PREFIX) :]
        return lambda c: c.asset.tags.get(key)
    if name.startswith(ATTRIBUTE_PREFIX) and len(name) > len(ATTRIBUTE_PREFIX):
        attribute = name[len(ATTRIBUTE_PREFIX) :]
        return lambda c: c.asset.attributes.get(attribute)
    if in_flow and name in FLOW_FIELDS:
        return FLOW_FIELDS[name]
    return ASSET_FIELDS.get(name)


def known_fields(in_flow: bool) -> list[str]:
    """The field names a condition may read, for the error that names an unknown one."""
    names = list(ASSET_FIELDS) + ([*FLOW_FIELDS] if in_flow else [])
    return [*sorted(names), "tags.<key>", "attributes.<key>"]
