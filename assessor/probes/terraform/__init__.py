"""Terraform probe: data-bearing resources declared in ``.tf`` files, with file and lines.

A resource's region comes from, in order: its own region/location argument, the provider
block its ``provider = NAME.ALIAS`` names, the default provider block, and for AWS the
standard ``AWS_REGION``/``AWS_DEFAULT_REGION`` only with ``--terraform-assume-region``.
Variables (defaults, ``terraform.tfvars``, ``*.auto.tfvars``, ``--terraform-var-file``),
locals, simple interpolations and local modules are resolved statically; a region that
cannot be known becomes an unknown location with a note naming the deciding expression.
Every asset records its file (relative to the working directory, the repository root in
CI), start and end line, module path and address; its identity is the root module path plus
the module path and address, never a line, so it survives reformatting.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import hcl2
from hcl2 import SerializationOptions

from assessor.errors import ConfigurationError, InputError
from assessor.inputs import read_text
from assessor.models import (
    Asset,
    CodeLocation,
    CoverageGap,
    Flow,
    GapReason,
    Waiver,
)
from assessor.probes.base import OptionKind, Probe, ProbeItem, ProbeOption, classification
from assessor.probes.terraform.flows import FlowSite, Target
from assessor.probes.terraform.hcl import Block, HclError, read_blocks
from assessor.probes.terraform.plan import plan_assets
from assessor.probes.terraform.resolve import Scope, Unresolved, references
from assessor.probes.terraform.resources import (
    PROVIDERS,
    RESOURCE_TYPES,
    ResourceType,
    provider_of,
    region_from,
)

_TFVARS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)


@dataclass
class _Resource:
    """A modelled resource before flows are attached."""

    address: str
    module: str
    spec: ResourceType
    block: Block
    region: str | None
    note: str | None
    scope: Scope


@dataclass
class _Module:
    directory: Path
    module_path: str
    scope: Scope
    providers: dict[tuple[str, str | None], tuple[Any, Scope]] = field(default_factory=dict)


class TerraformProbe(Probe):
    """Resources that hold data or run workloads, from Terraform configuration."""

    name = "terraform"
    description = "Terraform: data-bearing resources in .tf files, with file and line"
    version = "1"
    options = (
        ProbeOption("path", "Directory of Terraform to scan", OptionKind.PATHS),
        ProbeOption("plan", "Plan in Terraform's JSON format", OptionKind.PATHS),
        ProbeOption("var-file", "Extra .tfvars file for every root module", OptionKind.PATHS),
        ProbeOption(
            "assume-region",
            "Use AWS_REGION/AWS_DEFAULT_REGION as the last resort",
            OptionKind.BOOL,
            False,
        ),
        ProbeOption(
            "strict",
            "A file that does not parse is an input error (exit 2)",
            OptionKind.BOOL,
            False,
        ),
    )
    read_operations: ClassVar[frozenset[str]] = frozenset({"file:Read"})

    def __init__(self, config: Any = None) -> None:
        super().__init__(config)
        self._unmodelled: Counter[str] = Counter()
        # Modules whose resources could not be read: reported as coverage gaps.
        self._unread: list[CoverageGap] = []

    def scope(self) -> str:
        return "paths " + ", ".join(map(str, self.settings.paths("path")))

    def notes(self) -> tuple[str, ...]:
        if not self._unmodelled:
            return ()
        kinds = ", ".join(f"{name} ({n})" for name, n in sorted(self._unmodelled.items()))
        return (f"{len(self._unmodelled)} resource types not modelled: {kinds}",)

    def scan(self) -> Iterator[ProbeItem]:
        paths = list(self.settings.paths("path"))
        plans = list(self.settings.paths("plan"))
        if not paths and not plans:
            raise ConfigurationError(
                "the terraform probe needs --terraform-path or --terraform-plan"
            )
        for plan in plans:
            unmodelled: dict[str, int] = {}
            yield from plan_assets(plan, unmodelled)
            self._unmodelled.update(unmodelled)
        for base in paths:
            if not base.is_dir():
                raise InputError(str(base), None, None, "not a directory of Terraform")
            yield from self._scan_base(base)

    def _scan_base(self, base: Path) -> Iterator[ProbeItem]:
        parsed: dict[Path, list[Block]] = {}
        for path in sorted(base.rglob("*.tf")):
            if ".terraform" in path.parts:
                continue
            try:
                parsed.setdefault(path.parent, []).extend(read_blocks(path))
            except HclError as error:
                relative = _repository_path(path, base)
                if self.settings.flag("strict"):
                    raise InputError(relative, error.line, None, error.message) from None
                where = f"{relative}:{error.line}" if error.line else relative
                yield CoverageGap(
                    probe=self.name,
                    reason=GapReason.ERROR,
                    service="terraform",
                    resource=relative,
                    message=f"{where} does not parse: {error.message}",
                )
                parsed.setdefault(path.parent, [])
        called = {
            (directory / str(block.body.get("source", ""))).resolve()
            for directory, blocks in parsed.items()
            for block in blocks
            if block.kind == "module" and str(block.body.get("source", "")).startswith(".")
        }
        for directory in sorted(parsed):
            if directory.resolve() in called:
                continue
            root = _repository_path(directory, base)
            scope = Scope(variables=self._root_variables(directory, parsed[directory]))
            resources: list[_Resource] = []
            module = _Module(directory, "", scope)
            self._unread = []
            self._walk(module, parsed, resources, base, depth=0)
            yield from self._assets(resources, root, base)
            yield from self._unread

    def _root_variables(self, directory: Path, blocks: list[Block]) -> dict[str, Any]:
        variables = _defaults(blocks)
        files = [directory / "terraform.tfvars", *sorted(directory.glob("*.auto.tfvars"))]
        files += self.settings.paths("var-file")
        for path in files:
            if path.is_file():
                text = read_text(path)
                try:
                    loaded = hcl2.loads(text, serialization_options=_TFVARS)
                except Exception as error:
                    message = " ".join(str(error).split())[:200]
                    raise InputError(
                        str(path), None, None, f"not a tfvars file: {message}"
                    ) from None
                if not isinstance(loaded, dict):
                    raise InputError(str(path), None, None, "not a tfvars file")
                variables.update(loaded)
        return variables

    def _walk(
        self,
        module: _Module,
        parsed: dict[Path, list[Block]],
        resources: list[_Resource],
        base: Path,
        depth: int,
    ) -> None:
        blocks = parsed.get(module.directory, [])
        for block in blocks:
            if block.kind == "locals":
                module.scope.locals.update(block.body)
        for block in blocks:
            if block.kind == "provider" and block.labels:
                key = (block.labels[0], block.body.get("alias"))
                module.providers[key] = (block.body.get("region"), module.scope)
        for block in blocks:
            if block.kind == "resource" and len(block.labels) == 2:
                self._resource(module, block, resources)
            elif block.kind == "module" and block.labels and depth < 10:
                self._module(module, block, parsed, resources, base, depth)

    def _module(
        self,
        parent: _Module,
        block: Block,
        parsed: dict[Path, list[Block]],
        resources: list[_Resource],
        base: Path,
        depth: int,
    ) -> None:
        source = str(block.body.get("source", ""))
        directory = (parent.directory / source).resolve()
        child_dir = next((d for d in parsed if d.resolve() == directory), None)
        if not source.startswith(".") or child_dir is None:
            # A registry or git module, or a local one with no .tf files: its resources are
            # not here to read, so they are a gap in coverage, not silently absent.
            where = f"{_repository_path(block.path, base)}:{block.start_line}"
            why = "is not in this repository" if not source.startswith(".") else "has no .tf files"
            self._unread.append(
                CoverageGap(
                    probe=self.name,
                    reason=GapReason.ERROR,
                    service="terraform",
                    resource=where,
                    message=f"module {block.labels[0]} at {where}: {source or '(no source)'} "
                    f"{why}; its resources were not read",
                )
            )
            return
        inputs = _defaults(parsed[child_dir])
        for key, value in block.body.items():
            if key in ("source", "version", "providers", "count", "for_each", "depends_on"):
                continue
            try:
                inputs[key] = parent.scope.value(value)
            except Unresolved:
                inputs.pop(key, None)  # stays without a value: resources using it say so
        path = f"{parent.module_path}module.{block.labels[0]}."
        child = _Module(child_dir, path, Scope(variables=inputs))
        # Providers pass down by default; a providers map can hand an alias to the module.
        child.providers = {k: v for k, v in parent.providers.items() if k[1] is None}
        mapping = block.body.get("providers")
        for entry in mapping if isinstance(mapping, list) else [mapping] if mapping else []:
            for name, target in (entry or {}).items():
                provider, _, alias = str(target).strip("${}").partition(".")
                found = parent.providers.get((provider, alias or None))
                if found:
                    local, _, local_alias = name.partition(".")
                    child.providers[(local, local_alias or None)] = found
        self._walk(child, parsed, resources, base, depth + 1)

    def _resource(self, module: _Module, block: Block, resources: list[_Resource]) -> None:
        resource_type, name = block.labels
        spec = RESOURCE_TYPES.get(resource_type)
        if spec is None:
            if provider_of(resource_type) in PROVIDERS:
                self._unmodelled[resource_type] += 1
            return
        region, note = self._region(module, block, spec)
        resources.append(
            _Resource(
                f"{resource_type}.{name}",
                module.module_path,
                spec,
                block,
                region,
                note,
                module.scope,
            )
        )

    def _region(
        self, module: _Module, block: Block, spec: ResourceType
    ) -> tuple[str | None, str | None]:
        scope = module.scope
        for argument in spec.region_args:
            if argument in block.body:
                return _resolved(block.body[argument], scope, spec.provider, argument)
        provider_name = spec.provider
        alias: str | None = None
        chosen = block.body.get("provider")
        if isinstance(chosen, str):
            provider_name, _, alias_part = chosen.strip("${}").partition(".")
            alias = alias_part or None
        found = module.providers.get((provider_name, alias))
        label = f"provider {provider_name}" + (f".{alias}" if alias else "")
        if found is not None and found[0] is not None:
            expression, provider_scope = found
            return _resolved(expression, provider_scope, spec.provider, f"{label} region")
        if spec.provider == "aws" and self.settings.flag("assume-region"):
            environment = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
            if environment:
                return environment, f"region assumed from the environment ({environment})"
        if found is None:
            return None, f"region unknown: no {label} block configures a region"
        return None, f"region unknown: the {label} block sets no region"

    def _assets(self, resources: list[_Resource], root: str, base: Path) -> Iterator[Asset]:
        by_address = {f"{r.module}{r.address}": r for r in resources}
        flows: dict[str, list[Flow]] = {key: [] for key in by_address}
        for resource in resources:
            for source, flow in _flows(resource, by_address):
                flows.setdefault(source, []).append(flow)
        for key, resource in by_address.items():
            if not resource.spec.is_asset:
                continue
            yield _asset(resource, root, base, tuple(flows.get(key, [])))


def _repository_path(path: Path, base: Path) -> str:
    """Paths as CI sees them: relative to the working directory (the repository root) when
    the scanned directory is inside it, else relative to the scanned directory."""
    for anchor in (Path.cwd(), base):
        try:
            return path.resolve().relative_to(anchor.resolve()).as_posix() or "."
        except ValueError:
            continue
    return path.as_posix()


def _defaults(blocks: list[Block]) -> dict[str, Any]:
    return {
        block.labels[0]: block.body["default"]
        for block in blocks
        if block.kind == "variable" and block.labels and "default" in block.body
    }


def _resolved(
    expression: Any, scope: Scope, provider: str, what: str
) -> tuple[str | None, str | None]:
    try:
        value = scope.value(expression)
    except Unresolved as error:
        return None, f"region unknown: {what} is {expression} ({error.why})"
    if not isinstance(value, str) or not value:
        return None, f"region unknown: {what} is not a string"
    return region_from(value, provider), None


def _flows(resource: _Resource, by_address: dict[str, _Resource]) -> Iterator[tuple[str, Flow]]:
    """Copies declared in configuration, as (source asset key, flow)."""
    extract = resource.spec.flows
    if extract is None:
        return iter(())
    module = resource.module

    def target(expression: Any) -> Target | None:
        for address in references(expression):
            found = by_address.get(f"{module}{address}")
            if found is not None:
                return Target(f"{found.module}{found.address}", found.region)
        return None

    key = f"{module}{resource.address}"
    site = FlowSite(key, resource.region, resource.block.body, resource.scope.text, target)
    return extract(site)


def _tags(resource: _Resource) -> dict[str, str]:
    raw = resource.block.body.get("tags") or resource.block.body.get("labels") or {}
    if isinstance(raw, list):
        raw = raw[0] if raw and isinstance(raw[0], dict) else {}
    tags = {}
    for key, value in raw.items() if isinstance(raw, dict) else ():
        text = resource.scope.text(value)
        if text is not None:
            tags[str(key)] = text
    return tags


def _asset(resource: _Resource, root: str, base: Path, flows: tuple[Flow, ...]) -> Asset:
    spec, block = resource.spec, resource.block
    tags = _tags(resource)
    name = None
    for argument in spec.name_args:
        value = tags.get(argument[5:]) if argument.startswith("tags.") else block.body.get(argument)
        name = resource.scope.text(value) if value is not None else None
        if name:
            break
    address = f"{resource.module}{resource.address}"
    # Unique across root modules: the same address in another root is another asset.
    identity = f"{root}:{address}"
    relative = _repository_path(block.path, base)
    attributes = {"address": address, "root_module": root}
    if resource.note:
        attributes["location_note"] = resource.note
    return Asset(
        id=identity,
        provider=PROVIDERS[spec.provider],
        service=spec.service,
        kind=spec.kind,
        name=name or address,
        account=f"terraform:{root}",
        region=resource.region,
        tags=tags,
        classification=classification(tags),
        flows=flows,
        attributes=attributes,
        source=CodeLocation(
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
