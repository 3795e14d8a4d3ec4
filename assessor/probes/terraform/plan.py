"""Assets from a plan in Terraform's JSON format (``terraform show -json PLAN``).

A plan's ``planned_values`` are literal values, so nothing is evaluated here; where a value
is known only after apply (a bucket's ``id``), the configuration's ``expressions`` say which
blocks it refers to. A resource's region follows the same order as for ``.tf`` files: a
global type is ``global``; its own region or zone argument (null is unset); the schema's
default; its ``provider_config_key`` → that provider's ``expressions.region`` (a constant,
or a reference to a variable) → the plan's ``variables``; the provider's own default. The
flows and the asset are built by the same code as for ``.tf`` files (:mod:`assets`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assessor.errors import InputError
from assessor.inputs import read_json
from assessor.models import Asset
from assessor.probes.terraform.assets import linked, resource_asset
from assessor.probes.terraform.blocks import Resource
from assessor.probes.terraform.evaluate import NOT_BLOCKS, Unknown
from assessor.probes.terraform.hcl import Block
from assessor.probes.terraform.references import Reference
from assessor.probes.terraform.resources import (
    GLOBAL,
    PROVIDERS,
    ZONE_ARGS,
    ResourceType,
    generic_type,
    is_global,
    provider_default,
    provider_of,
    region_from,
    type_of,
)

# Values that identify a resource when another one names it literally (a replication
# configuration's ``bucket = "acme-logs"``).
_IDENTIFYING = ("bucket", "name", "identifier", "id", "arn")


@dataclass(frozen=True)
class _Known:
    """Blocks a value is known only after apply refers to (from ``expressions``)."""

    references: tuple[str, ...]


class _PlanValues:
    """A plan's values are literal; references come from identifying values or from the
    configuration's expressions."""

    def __init__(self, identified: dict[str, str]) -> None:
        self.identified = identified

    def raw(self, expression: Any) -> Any:
        if isinstance(expression, _Known):
            return Unknown("known only after apply")
        return expression

    def value(self, expression: Any) -> Any:
        return None if isinstance(expression, _Known) else expression

    def text(self, expression: Any) -> str | None:
        return expression if isinstance(expression, str) else None

    def identity(self, expression: Any) -> str | None:
        return self.text(expression)

    def references(self, expression: Any) -> list[Reference]:
        if isinstance(expression, _Known):
            return [Reference(address) for address in expression.references]
        if isinstance(expression, str) and expression in self.identified:
            return [Reference(self.identified[expression], absolute=True)]
        return []


def plan_assets(path: Path, unmodelled: dict[str, int], placed: Counter[str]) -> Iterator[Asset]:
    plan = read_json(path)
    if not isinstance(plan, dict) or "format_version" not in plan:
        raise InputError(str(path), None, "format_version", "not a Terraform JSON plan")
    variables = {k: (v or {}).get("value") for k, v in (plan.get("variables") or {}).items()}
    configuration = plan.get("configuration") or {}
    providers = configuration.get("provider_config") or {}
    configured = dict(_configured(configuration.get("root_module") or {}, ""))
    identified: dict[str, str] = {}
    values_of = _PlanValues(identified)
    resources = []
    for planned in _planned(plan.get("planned_values", {}).get("root_module") or {}):
        resource_type = str(planned.get("type", ""))
        spec = type_of(resource_type)
        if spec is None:
            if provider_of(resource_type) not in PROVIDERS:
                continue
            spec = generic_type(resource_type)
            unmodelled[resource_type] = unmodelled.get(resource_type, 0) + 1
        address = str(planned["address"])
        values = planned.get("values") or {}
        key, expressions = configured.get(address.split("[")[0], ("", {}))
        region, note, how = _region(resource_type, values, spec, key, providers, variables)
        placed[how] += 1
        module, _, local = address.rpartition(f"{resource_type}.")
        block = Block(
            "resource",
            (resource_type, str(planned.get("name", ""))),
            _with_references(values, expressions),
            path,
            0,
            0,
        )
        resources.append(
            Resource(
                f"{resource_type}.{local}", module, spec, block, region, note, values_of, how=how
            )
        )
        for argument in _IDENTIFYING:
            if isinstance(values.get(argument), str) and values[argument]:
                identified.setdefault(values[argument], address)
        if resource_type == "aws_s3_bucket" and values.get("bucket"):
            identified.setdefault(f"arn:aws:s3:::{values['bucket']}", address)
    for resource, flows in linked(resources):
        if resource.spec.is_asset:
            yield resource_asset(
                resource,
                flows,
                identity=f"plan:{resource.key}",
                account="terraform:plan",
                attributes={"address": resource.key, "plan": path.name},
                path=None,
            )


def _planned(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for resource in module.get("resources") or []:
        if resource.get("mode", "managed") == "managed" and resource.get("address"):
            yield resource
    for child in module.get("child_modules") or []:
        yield from _planned(child)


def _configured(
    module: dict[str, Any], prefix: str
) -> Iterator[tuple[str, tuple[str, dict[str, Any]]]]:
    """address → (provider config key, argument expressions), through module calls."""
    for resource in module.get("resources") or []:
        yield (
            f"{prefix}{resource['address']}",
            (resource.get("provider_config_key", ""), resource.get("expressions") or {}),
        )
    for name, call in (module.get("module_calls") or {}).items():
        yield from _configured(call.get("module") or {}, f"{prefix}module.{name}.")


def _with_references(values: Any, expressions: Any) -> Any:
    """Planned values, with what is known only after apply replaced by the blocks the
    configuration says it refers to (nested blocks element by element)."""
    if isinstance(values, dict) and isinstance(expressions, dict):
        merged = dict(values)
        for name, expression in expressions.items():
            inner = values.get(name)
            if isinstance(expression, dict) and "references" in expression and inner is None:
                blocks = tuple(
                    ".".join(parts[:2])
                    for parts in (str(ref).split(".") for ref in expression["references"])
                    if len(parts) >= 2 and parts[0] not in NOT_BLOCKS and "_" in parts[0]
                )
                if blocks:
                    merged[name] = _Known(tuple(dict.fromkeys(blocks)))
            elif inner is not None:
                merged[name] = _with_references(inner, expression)
        return merged
    if isinstance(values, list) and isinstance(expressions, list):
        return [
            _with_references(value, expressions[index] if index < len(expressions) else {})
            for index, value in enumerate(values)
        ]
    return values


def _region(
    resource_type: str,
    values: dict[str, Any],
    spec: ResourceType,
    config_key: str,
    providers: dict[str, Any],
    variables: dict[str, Any],
) -> tuple[str | None, str | None, str]:
    if is_global(resource_type):
        return GLOBAL, "global: the resource type has no region", "global"
    for argument in spec.region_args:
        value = values.get(argument)
        zone = argument in ZONE_ARGS
        if isinstance(value, list) and value and zone:
            value = value[0]
        if isinstance(value, str) and value:
            return region_from(value, spec.provider, zone=zone), None, "argument"
    if spec.schema_default:
        default = spec.schema_default
        return default, f"{default.upper()}: the provider's schema default", "schema-default"
    key = config_key or spec.provider
    expression = ((providers.get(key) or {}).get("expressions") or {}).get("region") or {}
    if expression.get("constant_value"):
        return region_from(str(expression["constant_value"]), spec.provider), None, "provider"
    for reference in expression.get("references") or []:
        if reference.startswith("var.") and variables.get(reference[4:]):
            return region_from(str(variables[reference[4:]]), spec.provider), None, "provider"
        why = f"region unknown: provider {key} region is {reference}, not in the plan"
        return None, why, "unknown"
    fallback = provider_default(spec.provider, f"provider {key}")
    if fallback is not None:
        return (*fallback, "provider-default")
    return None, f"region unknown: no region in the plan (provider {key})", "unknown"
