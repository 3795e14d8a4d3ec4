"""The fields a rule condition may read, registered by name.

Each field is a small function of the evaluation context. Only names registered here are
accepted in rule files, so a typo is a load-time error with file and line, and a rule can
never reach anything but these values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assessor.catalog import Catalog
from assessor.models import Asset, Flow, Location

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
    }


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
    "provider_profile.name": lambda c: c.catalog.provider(c.asset.provider).name,
    "provider_profile.parent": lambda c: c.catalog.provider(c.asset.provider).parent,
    "provider_profile.hq_country": lambda c: c.catalog.provider(c.asset.provider).hq_country,
    "provider_profile.jurisdictions": lambda c: c.catalog.provider(c.asset.provider).jurisdictions,
    "provider_profile.named_in": lambda c: c.catalog.provider(c.asset.provider).named_in,
    **_location_fields("location", _location),
    **_location_fields("key_location", _key_location),
}

FLOW_FIELDS: dict[str, Getter] = {
    "flow.kind": lambda c: c.flow.kind.value if c.flow else None,
    "flow.target_id": lambda c: c.flow.target_id if c.flow else None,
    **_location_fields("target", _target),
}

TAG_PREFIX = "tags."


def getter(name: str, in_flow: bool) -> Getter | None:
    """The getter for a field name, or None if rules may not use that name here."""
    if name.startswith(TAG_PREFIX) and len(name) > len(TAG_PREFIX):
        key = name[len(TAG_PREFIX) :]
        return lambda c: c.asset.tags.get(key)
    if in_flow and name in FLOW_FIELDS:
        return FLOW_FIELDS[name]
    return ASSET_FIELDS.get(name)


def known_fields(in_flow: bool) -> list[str]:
    names = list(ASSET_FIELDS) + ([*FLOW_FIELDS] if in_flow else [])
    return [*sorted(names), "tags.<key>"]
