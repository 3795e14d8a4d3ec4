"""Assets from a plan in Terraform's JSON format (``terraform show -json PLAN``).

A resource's region comes from its own ``region`` attribute in ``planned_values`` (AWS
provider 6 has one per resource), else its ``provider_config_key`` → that provider's
``expressions.region`` (a constant, or a reference to a variable) → the plan's
``variables``. What cannot be resolved is an unknown location with a note.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assessor.errors import InputError
from assessor.inputs import read_json
from assessor.models import Asset, Flow, FlowKind
from assessor.probes.base import classification
from assessor.probes.terraform.resources import PROVIDERS, RESOURCE_TYPES, region_from


def plan_assets(path: Path, unmodelled: dict[str, int]) -> Iterator[Asset]:
    plan = read_json(path)
    if not isinstance(plan, dict) or "format_version" not in plan:
        raise InputError(str(path), None, "format_version", "not a Terraform JSON plan")
    variables = {k: v.get("value") for k, v in (plan.get("variables") or {}).items()}
    configuration = plan.get("configuration") or {}
    providers = configuration.get("provider_config") or {}
    config_keys = dict(_config_keys(configuration.get("root_module") or {}, ""))
    planned = list(_planned(plan.get("planned_values", {}).get("root_module") or {}))
    bucket_regions: dict[str, str | None] = {}
    rows = []
    for resource in planned:
        spec = RESOURCE_TYPES.get(resource.get("type", ""))
        if spec is None:
            if resource.get("type", "").split("_", 1)[0] in PROVIDERS:
                unmodelled[resource["type"]] = unmodelled.get(resource["type"], 0) + 1
            continue
        values = resource.get("values") or {}
        region, note = _region(
            resource, values, spec.provider, spec.region_args, config_keys, providers, variables
        )
        if resource["type"] == "aws_s3_bucket" and values.get("bucket"):
            bucket_regions[str(values["bucket"])] = region
        rows.append((resource, spec, values, region, note))
    flows: dict[str, list[Flow]] = {}
    for resource, _, values, _, _ in rows:
        if resource["type"] == "aws_s3_bucket_replication_configuration":
            source = str(values.get("bucket") or "")
            for rule in values.get("rule") or []:
                for destination in rule.get("destination") or []:
                    target = str(destination.get("bucket") or "").rsplit(":", 1)[-1]
                    flows.setdefault(source, []).append(
                        Flow(
                            kind=FlowKind.REPLICATION,
                            target_id=f"arn:aws:s3:::{target}",
                            target_region=bucket_regions.get(target),
                        )
                    )
    for resource, spec, values, region, note in rows:
        if not spec.is_asset:
            continue
        name = next((str(values[a]) for a in spec.name_args if values.get(a)), resource["address"])
        own = list(flows.get(str(values.get("bucket", "")), [])) if spec.kind == "bucket" else []
        for replica in values.get("replica") or []:
            own.append(Flow(kind=FlowKind.REPLICATION, target_region=replica.get("region_name")))
        tags = {
            str(k): str(v) for k, v in (values.get("tags") or values.get("labels") or {}).items()
        }
        attributes = {"address": resource["address"], "plan": path.name}
        if note:
            attributes["location_note"] = note
        yield Asset(
            id=f"plan:{resource['address']}",
            provider=PROVIDERS[spec.provider],
            service=spec.service,
            kind=spec.kind,
            name=name,
            account="terraform:plan",
            region=region,
            tags=tags,
            classification=classification(tags),
            flows=tuple(own),
            attributes=attributes,
        )


def _planned(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for resource in module.get("resources") or []:
        if resource.get("mode", "managed") == "managed":
            yield resource
    for child in module.get("child_modules") or []:
        yield from _planned(child)


def _config_keys(module: dict[str, Any], prefix: str) -> Iterator[tuple[str, str]]:
    for resource in module.get("resources") or []:
        yield f"{prefix}{resource['address']}", resource.get("provider_config_key", "")
    for name, call in (module.get("module_calls") or {}).items():
        yield from _config_keys(call.get("module") or {}, f"{prefix}module.{name}.")


def _region(
    resource: dict[str, Any],
    values: dict[str, Any],
    provider: str,
    region_args: tuple[str, ...],
    config_keys: dict[str, str],
    providers: dict[str, Any],
    variables: dict[str, Any],
) -> tuple[str | None, str | None]:
    for argument in region_args:
        if isinstance(values.get(argument), str) and values[argument]:
            return region_from(values[argument], provider), None
    address = resource["address"].split("[")[0]
    key = config_keys.get(address) or provider
    expression = ((providers.get(key) or {}).get("expressions") or {}).get("region") or {}
    if "constant_value" in expression:
        return region_from(str(expression["constant_value"]), provider), None
    for reference in expression.get("references") or []:
        if reference.startswith("var.") and variables.get(reference[4:]):
            return region_from(str(variables[reference[4:]]), provider), None
        return (
            None,
            f"region unknown: provider {key} region is {reference}, not in the plan",
        )
    return None, f"region unknown: no region for {address} in the plan (provider {key})"
