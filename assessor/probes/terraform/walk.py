"""Walks a root module and the modules it calls, as Terraform would read them: locals,
providers (with aliases and ``providers = {}`` maps), resources and data sources (one
instance per known ``for_each`` key or ``count`` index), module calls and their outputs.

Every resource of a known provider is kept; the type table decides only what is modelled
beyond its location. A reference to another block (``azurerm_resource_group.rg.location``,
``data.x.y.z``, ``module.m.output``) is answered from that block's configuration.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assessor.models import CoverageGap, GapReason
from assessor.probes.terraform.blocks import Resource, expanded, provider_reference
from assessor.probes.terraform.evaluate import Missing, Unknown, Unresolved
from assessor.probes.terraform.hcl import Block
from assessor.probes.terraform.modules import Found, ModuleSources
from assessor.probes.terraform.resolve import Scope
from assessor.probes.terraform.resources import (
    GLOBAL,
    PARENT_ARGS,
    PROVIDERS,
    REGION_ENVIRONMENT,
    ZONE_ARGS,
    ResourceType,
    generic_type,
    is_global,
    provider_default,
    provider_of,
    region_from,
    type_of,
)

MAX_DEPTH = 10
MAX_INSTANCES = 1000


@dataclass
class Module:
    directory: Path
    module_path: str
    scope: Scope
    key: str = ""  # the modules.json key: "", "a", "a.b"
    providers: dict[tuple[str, str | None], tuple[Any, Scope]] = field(default_factory=dict)
    blocks: dict[tuple[str, str, str], Block] = field(default_factory=dict)
    children: dict[str, list[Module]] = field(default_factory=dict)


@dataclass
class Walker:
    """Reads one root module; what could not be read is collected in ``gaps``."""

    probe: str
    sources: ModuleSources
    load: Callable[[Path], list[Block]]
    where: Callable[[Block], str]
    assume_region: bool
    resources: list[Resource] = field(default_factory=list)
    gaps: list[CoverageGap] = field(default_factory=list)
    unmodelled: dict[str, int] = field(default_factory=dict)
    _outputs_resolving: set[tuple[str, str]] = field(default_factory=set)

    def walk(self, module: Module, depth: int = 0) -> None:
        blocks = self.load(module.directory)
        module.scope.world = self._world(module)
        for block in blocks:
            if block.kind == "locals":
                module.scope.locals.update(block.body)
            elif block.kind in ("resource", "data") and len(block.labels) == 2:
                module.blocks[(block.kind, block.labels[0], block.labels[1])] = block
            elif block.kind == "output" and block.labels:
                module.blocks[("output", block.labels[0], "")] = block
        for block in blocks:
            if block.kind == "provider" and block.labels:
                key = (block.labels[0], block.body.get("alias"))
                module.providers[key] = (block.body.get("region"), module.scope)
        for block in blocks:
            if block.kind == "module" and block.labels and depth < MAX_DEPTH:
                self._module(module, block, depth)
        for block in blocks:
            if block.kind == "resource" and len(block.labels) == 2:
                try:
                    self._resource(module, block)
                except RecursionError:
                    # Only this block is lost; what was read before it is kept.
                    self._gap(block, f"{self.where(block)}: nested too deeply to evaluate")

    # --- references to other blocks ---------------------------------------------------

    def _world(self, module: Module) -> Callable[[tuple[str | int, ...], Scope], Any]:
        def lookup(parts: tuple[str | int, ...], scope: Scope) -> Any:
            shown = ".".join(str(part) for part in parts)
            if parts[0] == "module":
                return self._output(module, parts, shown)
            kind = "data" if parts[0] == "data" else "resource"
            parts = parts[1:] if kind == "data" else parts
            if len(parts) < 3:
                raise Unresolved(shown, "cannot be known without running Terraform")
            block = module.blocks.get((kind, str(parts[0]), str(parts[1])))
            if block is None:
                raise Unresolved(shown, f"no {kind} {parts[0]}.{parts[1]} in this module")
            rest = parts[2:]
            instance = module.scope.instance()
            address = f"{module.module_path}{parts[0]}.{parts[1]}"
            if isinstance(rest[0], int | str) and rest[0] not in block.body and len(rest) > 1:
                # An instance key: TYPE.NAME["k"].arg or TYPE.NAME[0].arg.
                instance = self._instance_scope(module, block, rest[0])
                address += f'["{rest[0]}"]' if isinstance(rest[0], str) else f"[{rest[0]}]"
                rest = rest[1:]
            argument = str(rest[0])
            if argument not in block.body:
                why = f"{argument} is not written in configuration"
                raise Unresolved(shown, why, address if kind == "resource" else None)
            # A block's argument that leads back to itself (a ↔ b) is unknown, not a loop.
            key = (address, argument)
            if key in resolving:
                raise Unresolved(shown, f"{address}.{argument} refers to itself")
            resolving.add(key)
            try:
                value = instance.raw(block.body[argument])
            finally:
                resolving.discard(key)
            return _dig(value, rest[1:], shown)

        resolving: set[tuple[str, str]] = set()
        return lookup

    def _instance_scope(self, module: Module, block: Block, key: str | int) -> Scope:
        for each, count in self._instances(module, block)[0]:
            if (each is not None and each[0] == key) or (count is not None and count == key):
                return module.scope.instance(each, count)
        raise Unresolved(f"{block.labels[0]}.{block.labels[1]}[{key!r}]", "no such instance")

    def _output(self, module: Module, parts: tuple[str | int, ...], shown: str) -> Any:
        children = module.children.get(str(parts[1])) if len(parts) > 2 else None
        if not children:
            raise Unresolved(shown, f"module {parts[1]} was not read")
        rest = parts[2:]
        child = children[0]
        if len(children) > 1 or (rest and rest[0] not in ("",) and not isinstance(rest[0], str)):
            raise Unresolved(shown, "an output of a module with several instances")
        block = child.blocks.get(("output", str(rest[0]), ""))
        if block is None or "value" not in block.body:
            raise Unresolved(shown, f"module {parts[1]} has no output {rest[0]}")
        key = (child.module_path, str(rest[0]))
        if key in self._outputs_resolving:
            raise Unresolved(shown, f"output {rest[0]} of module {parts[1]} refers to itself")
        self._outputs_resolving.add(key)
        try:
            return _dig(child.scope.raw(block.body["value"]), rest[1:], shown)
        finally:
            self._outputs_resolving.discard(key)

    # --- modules ----------------------------------------------------------------------

    def _module(self, parent: Module, block: Block, depth: int) -> None:
        source = str(block.body.get("source", ""))
        key = f"{parent.key}.{block.labels[0]}" if parent.key else block.labels[0]
        located = self.sources.locate(source, parent.directory, key)
        if not isinstance(located, Found):
            self._gap(
                block,
                f"module {block.labels[0]} at {self.where(block)}: {located.why}; "
                "its resources were not read",
            )
            return
        instances, note = self._instances(parent, block)
        if note:
            instances = [(None, None)]
        for each, count in instances:
            scope = parent.scope.instance(each, count)
            inputs = {}
            for name, value in block.body.items():
                if name in ("source", "version", "providers", "count", "for_each", "depends_on"):
                    continue
                try:
                    inputs[name] = scope.raw(value)  # unknown parts stay unknown
                except Unresolved:
                    continue  # stays without a value: resources using it say so
            suffix = _instance_suffix(each, count)
            path = f"{parent.module_path}module.{block.labels[0]}{suffix}."
            child = Module(
                located.directory,
                path,
                Scope(variables={**_defaults(self.load(located.directory)), **inputs}),
                key,
            )
            # Providers pass down by default; a providers map can hand an alias to the module.
            child.providers = {k: v for k, v in parent.providers.items() if k[1] is None}
            mapping = block.body.get("providers")
            for entry in mapping if isinstance(mapping, list) else [mapping] if mapping else []:
                for name, target in (entry or {}).items():
                    provider, alias = provider_reference(target)
                    found = parent.providers.get((provider, alias))
                    if found:
                        local, _, local_alias = name.partition(".")
                        child.providers[(local, local_alias or None)] = found
            parent.children.setdefault(block.labels[0], []).append(child)
            self.walk(child, depth + 1)

    # --- resources ----------------------------------------------------------------------

    def _resource(self, module: Module, block: Block) -> None:
        resource_type, name = block.labels
        spec = type_of(resource_type)
        if spec is None:
            if provider_of(resource_type) not in PROVIDERS:
                return  # random_id, null_resource, local_file: not cloud resources
            spec = generic_type(resource_type)
            self.unmodelled[resource_type] = self.unmodelled.get(resource_type, 0) + 1
        instances, note = self._instances(module, block)
        for each, count in instances:
            scope = module.scope.instance(each, count)
            region, region_note, how, parents = self._region(module, block, spec, scope)
            region = _placement(block, scope) or region
            self.resources.append(
                Resource(
                    f"{resource_type}.{name}{_instance_suffix(each, count)}",
                    module.module_path,
                    spec,
                    block,
                    region,
                    "; ".join(filter(None, (note, region_note))) or None,
                    scope,
                    parents,
                    expanded(block.body, scope, MAX_INSTANCES),
                    how,
                )
            )

    def _instances(
        self, module: Module, block: Block
    ) -> tuple[list[tuple[tuple[Any, Any] | None, int | None]], str | None]:
        """One entry per instance: (each key and value, count index); a single unkeyed
        instance, with a note, when for_each or count cannot be known."""
        if "for_each" in block.body:
            try:
                collection = module.scope.value(block.body["for_each"])
            except Unresolved as error:
                return [
                    (None, None)
                ], f"instances unknown: for_each is {block.body['for_each']} ({error.why})"
            if isinstance(collection, dict):
                items = list(collection.items())
            elif isinstance(collection, list):
                items = [(item, item) for item in collection]
            else:
                return [(None, None)], "instances unknown: for_each is not a map or set"
            return [((key, value), None) for key, value in items[:MAX_INSTANCES]], None
        if "count" in block.body:
            try:
                count = module.scope.value(block.body["count"])
            except Unresolved as error:
                return [
                    (None, None)
                ], f"instances unknown: count is {block.body['count']} ({error.why})"
            if isinstance(count, str) and count.strip().isdigit():
                count = int(count)  # Terraform converts a numeric string
            if not isinstance(count, int) or isinstance(count, bool):
                return [(None, None)], "instances unknown: count is not a whole number"
            return [(None, index) for index in range(min(count, MAX_INSTANCES))], None
        return [(None, None)], None

    def _region(
        self, module: Module, block: Block, spec: ResourceType, scope: Scope
    ) -> tuple[str | None, str | None, str, tuple[str, ...]]:
        """(region, note, parents): where Terraform puts the resource. An argument whose
        value is null is unset, as in Terraform, so the next source decides."""
        if is_global(block.labels[0]):
            return GLOBAL, "global: the resource type has no region", "global", ()
        for argument in spec.region_args:
            if argument not in block.body:
                continue
            zone = argument in ZONE_ARGS
            try:
                value = scope.value(block.body[argument])
            except Unresolved as error:
                if zone:
                    continue  # a zone is always in its provider's region: that decides
                what = f"{argument} is {block.body[argument]} ({error.why})"
                return None, f"region unknown: {what}", "unknown", ()
            if isinstance(value, list) and value and zone:
                value = value[0]  # every zone of a list is in one region
            if value is None:
                continue
            if not isinstance(value, str) or not value:
                return None, f"region unknown: {argument} is not a string", "unknown", ()
            return region_from(value, spec.provider, zone=zone), None, "argument", ()
        if spec.schema_default:
            default = spec.schema_default
            return (
                default,
                f"{default.upper()}: the provider's schema default",
                "schema-default",
                (),
            )
        parents = self._parents(module, block, spec, scope)
        region, note, how = self._provider_region(module, block, spec)
        return region, note, how, parents

    def _parents(
        self, module: Module, block: Block, spec: ResourceType, scope: Scope
    ) -> tuple[str, ...]:
        found = []
        for argument in PARENT_ARGS.get(spec.provider, ()):
            for reference in scope.references(block.body.get(argument)):
                if not reference.possible:
                    found.append(f"{module.module_path}{reference.address}")
        return tuple(found)

    def _provider_region(
        self, module: Module, block: Block, spec: ResourceType
    ) -> tuple[str | None, str | None, str]:
        provider_name, alias = spec.provider, None
        if "provider" in block.body:
            provider_name, alias = provider_reference(block.body["provider"])
        found = module.providers.get((provider_name, alias))
        label = f"provider {provider_name}" + (f".{alias}" if alias else "")
        if found is not None and found[0] is not None:
            expression, provider_scope = found
            try:
                value = provider_scope.value(expression)
            except Unresolved as error:
                why = f"region unknown: {label} region is {expression} ({error.why})"
                return None, why, "unknown"
            if isinstance(value, str) and value:
                return region_from(value, spec.provider), None, "provider"
            if value is not None:
                return None, f"region unknown: {label} region is not a string", "unknown"
        if self.assume_region:
            for variable in REGION_ENVIRONMENT.get(spec.provider, ()):
                value = os.environ.get(variable)
                if value:
                    assumed = f"region assumed from {variable} ({value})"
                    return region_from(value, spec.provider), assumed, "environment"
        default = provider_default(spec.provider, label)
        if default is not None:
            return (*default, "provider-default")
        if found is None:
            return None, f"region unknown: no {label} block configures a region", "unknown"
        return None, f"region unknown: the {label} block sets no region", "unknown"

    def _gap(self, block: Block, message: str) -> None:
        self.gaps.append(
            CoverageGap(
                probe=self.probe,
                reason=GapReason.ERROR,
                service="terraform",
                resource=self.where(block),
                message=message,
            )
        )


def _placement(block: Block, scope: Scope) -> str | None:
    """A configurable dual-region bucket is where its data locations are (``A+B``), not in
    every country of the multi-region it names."""
    if block.labels[0] != "google_storage_bucket":
        return None
    placement = block.body.get("custom_placement_config")
    entries = placement if isinstance(placement, list) else [placement] if placement else []
    for entry in entries:
        try:
            locations = scope.value((entry or {}).get("data_locations") or [])
        except Unresolved:
            return None
        if isinstance(locations, list) and locations and all(isinstance(x, str) for x in locations):
            return "+".join(sorted(location.lower() for location in locations))
    return None


def _dig(value: Any, path: tuple[str | int, ...], shown: str) -> Any:
    for part in path:
        if isinstance(value, Unknown):
            return value
        if isinstance(value, dict) and str(part) in value:
            value = value[str(part)]
        elif isinstance(value, list) and isinstance(part, int) and -len(value) <= part < len(value):
            value = value[part]
        else:
            raise Missing(shown, f"no {part!r} in the value")
    return value


def _instance_suffix(each: tuple[Any, Any] | None, count: int | None) -> str:
    if each is not None:
        return f'["{each[0]}"]'
    if count is not None:
        return f"[{count}]"
    return ""


def _defaults(blocks: list[Block]) -> dict[str, Any]:
    return {
        block.labels[0]: block.body["default"]
        for block in blocks
        if block.kind == "variable" and block.labels and "default" in block.body
    }


__all__ = ["Module", "Resource", "Walker", "_defaults"]
