"""From located resources to assets: the copies each one declares, linked to their
targets, and the asset with its name, tags, source lines and inline waivers. The ``.tf``
path and the JSON-plan path both end here, so both say the same of the same resource.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from assessor.models import Asset, CodeLocation, Flow, Waiver
from assessor.probes.base import classification
from assessor.probes.terraform.flows import FlowSite, Target
from assessor.probes.terraform.resources import PROVIDERS
from assessor.probes.terraform.walk import Resource


def linked(resources: list[Resource]) -> Iterator[tuple[Resource, tuple[Flow, ...]]]:
    """Each resource with the copies that start at it (declared on it or on another block
    that names it as its source)."""
    by_address = {resource.key: resource for resource in resources}
    flows: dict[str, list[Flow]] = {key: [] for key in by_address}
    for resource in resources:
        for source, flow in _flows(resource, by_address):
            flows.setdefault(source, []).append(flow)
    for key, resource in by_address.items():
        yield resource, tuple(flows.get(key, []))


def _flows(resource: Resource, by_address: dict[str, Resource]) -> Iterator[tuple[str, Flow]]:
    """Copies declared in configuration, as (source asset key, flow)."""
    extract = resource.spec.flows
    if extract is None:
        return iter(())
    module = resource.module

    def target(expression: Any) -> Target | None:
        """The block an argument points at: the one its taken branch names; when the
        condition is open, the first it may name, with the condition."""
        found = resource.scope.references(expression)
        for reference in sorted(found, key=lambda r: r.possible):
            key = reference.address if reference.absolute else f"{module}{reference.address}"
            block = by_address.get(key) or by_address.get(key.split("[")[0])
            if block is not None:
                return Target(block.key, block.region, reference.condition)
        return None

    site = FlowSite(resource.key, resource.region, resource.block.body, resource.scope.text, target)
    return extract(site)


def _tags(resource: Resource) -> dict[str, str]:
    raw = resource.block.body.get("tags") or resource.block.body.get("labels") or {}
    if isinstance(raw, list):
        raw = raw[0] if raw and isinstance(raw[0], dict) else {}
    tags = {}
    for key, value in raw.items() if isinstance(raw, dict) else ():
        text = resource.scope.text(value)
        if text is not None:
            tags[str(key)] = text
    return tags


def resource_asset(
    resource: Resource,
    flows: tuple[Flow, ...],
    *,
    identity: str,
    account: str,
    attributes: dict[str, str],
    path: str | None,
) -> Asset:
    """The asset of one resource; ``path`` is its file as CI shows it (None for a plan,
    which has no lines)."""
    spec, block = resource.spec, resource.block
    tags = _tags(resource)
    name = None
    for argument in spec.name_args:
        value = tags.get(argument[5:]) if argument.startswith("tags.") else block.body.get(argument)
        name = resource.scope.text(value) if value is not None else None
        if name:
            break
    if resource.note:
        attributes = {**attributes, "location_note": resource.note}
    relative = path or ""
    return Asset(
        id=identity,
        provider=PROVIDERS[spec.provider],
        service=spec.service,
        kind=spec.kind,
        name=name or resource.key,
        account=account,
        region=resource.region,
        tags=tags,
        classification=classification(tags),
        flows=flows,
        attributes=attributes,
        source=None
        if path is None
        else CodeLocation(
            path=relative,
            start_line=block.start_line,
            end_line=block.end_line,
            module=resource.module.rstrip("."),
            address=resource.address,
        ),
        waivers=tuple(
            Waiver(
                rule=waiver.rule,
                asset=identity,
                owner=f"inline in {relative}",
                reason=waiver.reason,
                expires=waiver.expires,
                source=f"{relative}:{waiver.line}",
            )
            for waiver in block.waivers
        ),
    )
