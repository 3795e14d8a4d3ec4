"""From located resources to assets: the copies each one declares, linked to their
targets, and the asset with its name, tags, source lines and inline waivers. The ``.tf``
path and the JSON-plan path both end here, so both say the same of the same resource.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from assessor.models import Asset, CodeLocation, Flow, Waiver
from assessor.probes.base import classification
from assessor.probes.terraform.blocks import Resource
from assessor.probes.terraform.evaluate import Unknown, Unresolved
from assessor.probes.terraform.flows import FlowSite, Target
from assessor.probes.terraform.resources import PROVIDERS

# Arguments whose value names a resource when another one refers to it by name (a
# replication destination's ``bucket = "arn:aws:s3:::${local.replica}"``).
_IDENTIFYING = ("bucket", "identifier")


def linked(resources: list[Resource]) -> Iterator[tuple[Resource, tuple[Flow, ...]]]:
    """Each resource with the copies that start at it (declared on it or on another block
    that names it as its source)."""
    blocks = _Blocks(resources)
    flows: dict[str, list[Flow]] = {resource.key: [] for resource in resources}
    for resource in resources:
        for source, flow in _flows(resource, blocks):
            flows.setdefault(source, []).append(flow)
    for resource in resources:
        # Four replication rules to one destination are one copy.
        yield resource, tuple(dict.fromkeys(flows.get(resource.key, [])))


class _Blocks:
    """Finds the resource a reference, an unknown value's origin or a name points at."""

    def __init__(self, resources: list[Resource]) -> None:
        self.by_key = {resource.key: resource for resource in resources}
        self.first_instance: dict[str, Resource] = {}
        self.named: dict[str, Resource] = {}
        for resource in resources:
            self.first_instance.setdefault(resource.key.split("[")[0], resource)
            if not resource.spec.is_asset:
                continue
            for argument in _IDENTIFYING:
                name = resource.scope.identity(resource.body.get(argument))
                if name:
                    self.named.setdefault(name, resource)
                    if resource.block.labels[0] == "aws_s3_bucket":
                        self.named.setdefault(f"arn:aws:s3:::{name}", resource)

    def get(self, key: str) -> Resource | None:
        return (
            self.by_key.get(key)
            or self.by_key.get(key.split("[")[0])
            or self.first_instance.get(key)
        )


def _flows(resource: Resource, blocks: _Blocks) -> Iterator[tuple[str, Flow]]:
    """Copies declared in configuration, as (source asset key, flow)."""
    extract = resource.spec.flows
    if extract is None:
        return iter(())
    module = resource.module

    def targets(expression: Any) -> list[Target]:
        """The blocks an argument points at: the one its taken branch names (each one an
        open condition may choose, with the condition); else the resource an unknown value
        comes from; else the resource it names."""
        found: dict[str, Target] = {}
        for reference in sorted(resource.scope.references(expression), key=lambda r: r.possible):
            key = reference.address if reference.absolute else f"{module}{reference.address}"
            block = blocks.get(key)
            if block is not None and block.key not in found:
                found[block.key] = Target(block.key, block.region, reference.condition)
                if not reference.possible:
                    return [found[block.key]]
        if found:
            return list(found.values())
        try:
            value = resource.scope.raw(expression)
        except Unresolved:
            value = None
        for key in value.blocks if isinstance(value, Unknown) else ():
            block = blocks.get(key)
            if block is not None:
                return [Target(block.key, block.region)]
        name = resource.scope.identity(expression)
        block = blocks.named.get(name) if name else None
        if block is not None and block is not resource:
            return [Target(block.key, block.region)]
        return []

    site = FlowSite(resource.key, resource.region, resource.body, resource.scope.text, targets)
    return extract(site)


def _tags(resource: Resource) -> dict[str, str]:
    """Tags (labels on Google Cloud) as far as they are known: ``merge(var.tags, {...})``
    is evaluated; a tag whose value is known only after apply is left out."""
    written = resource.body.get("tags") or resource.body.get("labels") or {}
    try:
        raw = resource.scope.raw(written)
    except Unresolved:
        return {}
    if isinstance(raw, list):
        raw = raw[0] if raw and isinstance(raw[0], dict) else {}
    if not isinstance(raw, dict):
        return {}
    return {str(key): value for key, value in raw.items() if isinstance(value, str)}


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
        value = (
            tags.get(argument[5:]) if argument.startswith("tags.") else resource.body.get(argument)
        )
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
