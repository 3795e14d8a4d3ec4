"""What Terraform makes of a resource block beyond its own arguments: ``dynamic`` blocks
written out as the nested blocks they generate, and a resource with no location of its
own placed where its parent is (:func:`settle`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assessor.probes.terraform.evaluate import Unresolved
from assessor.probes.terraform.hcl import Block
from assessor.probes.terraform.resolve import Scope, Values
from assessor.probes.terraform.resources import GLOBAL, ResourceType
from assessor.probes.terraform.syntax import Attribute, Name, SyntaxProblem, parse


@dataclass
class Resource:
    """A resource instance before flows are attached.

    ``parents`` are the module-qualified addresses of the blocks its parent arguments point
    at, for a type with no location of its own: :func:`settle` places it with the first
    parent that is located, else leaves ``region``/``note`` (the provider's answer).
    """

    address: str  # aws_s3_bucket.b, aws_s3_bucket.b["k"], aws_s3_bucket.b[0]
    module: str  # module.a.module.b. ("" for the root)
    spec: ResourceType
    block: Block
    region: str | None
    note: str | None
    scope: Values
    parents: tuple[str, ...] = ()
    # The arguments with dynamic blocks written out (``block.body`` when there are none).
    body: dict[str, Any] = field(default_factory=dict)
    # What decided the region: argument, provider, environment, provider-default,
    # schema-default, parent, global or unknown (counted in the methodology).
    how: str = "argument"

    def __post_init__(self) -> None:
        if not self.body:
            self.body = self.block.body

    @property
    def key(self) -> str:
        return f"{self.module}{self.address}"


def provider_reference(expression: Any) -> tuple[str, str | None]:
    """``aws.replica`` (``provider = aws.replica``, a ``providers`` map value) → ("aws",
    "replica"); ``aws`` → ("aws", None)."""
    try:
        node = parse(str(expression))
    except SyntaxProblem:
        node = None
    if isinstance(node, Attribute) and isinstance(node.target, Name):
        return node.target.name, node.name
    if isinstance(node, Name):
        return node.name, None
    text = str(expression)
    name, _, alias = text.partition(".")
    return name, alias or None


def expanded(
    body: dict[str, Any], scope: Scope, limit: int, bound: dict[str, Any] | None = None
) -> Any:
    """The body with each ``dynamic "X"`` block written out as the ``X`` blocks Terraform
    generates, one per element of its ``for_each``, their content evaluated with the
    iterator bound (unknown parts stay unknown). A ``for_each`` that cannot be known
    generates nothing that can be read, and is left out."""
    if bound is None and not _has_dynamic(body):
        return body
    result: dict[str, Any] = {}
    for name, value in body.items():
        if name == "dynamic":
            for entry in value if isinstance(value, list) else [value]:
                for label, spec in (entry or {}).items() if isinstance(entry, dict) else ():
                    result.setdefault(label, []).extend(
                        _generated(label, spec, scope, limit, bound)
                    )
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            result[name] = [expanded(item, scope, limit, bound or {}) for item in value]
        elif bound:
            try:
                result[name] = scope.raw(value, bound)
            except Unresolved:
                continue
        else:
            result[name] = value
    return result


def _generated(
    label: str, spec: Any, scope: Scope, limit: int, bound: dict[str, Any] | None
) -> list[dict[str, Any]]:
    if not isinstance(spec, dict):
        return []
    try:
        collection = scope.raw(spec.get("for_each"), bound)
    except Unresolved:
        return []
    if isinstance(collection, dict):
        items = list(collection.items())
    elif isinstance(collection, list):
        items = list(enumerate(collection))
    else:
        return []  # unknown, or not a collection
    iterator = label
    if "iterator" in spec:
        iterator, _ = provider_reference(spec["iterator"])
    contents = spec.get("content") or [{}]
    content = contents[0] if isinstance(contents, list) else contents
    return [
        expanded(content, scope, limit, {**(bound or {}), iterator: {"key": key, "value": value}})
        for key, value in items[:limit]
    ]


def _has_dynamic(value: Any) -> bool:
    if isinstance(value, dict):
        return "dynamic" in value or any(_has_dynamic(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_dynamic(v) for v in value)
    return False


def settle(resources: list[Resource]) -> None:
    """Places each resource with parents where its first located parent is (a table in its
    dataset's location, a subnet in its network's), following chains of parents."""
    by_key = {resource.key: resource for resource in resources}

    def placed(resource: Resource, seen: frozenset[str]) -> tuple[str | None, str | None, str]:
        for key in resource.parents:
            parent = by_key.get(key) or by_key.get(key.split("[")[0])
            if parent is None or parent.key in seen:
                continue
            region, _, _ = placed(parent, seen | {parent.key})
            if region is not None and region != GLOBAL:
                return region, f"{region}: where its parent {parent.key} is", "parent"
        return resource.region, resource.note, resource.how

    for resource in resources:
        if resource.parents:
            resource.region, resource.note, resource.how = placed(
                resource, frozenset({resource.key})
            )
            resource.parents = ()
