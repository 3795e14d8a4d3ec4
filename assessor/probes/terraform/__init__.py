"""Terraform probe: every resource of a cloud provider declared in ``.tf`` files, with file
and lines, read the way Terraform reads them.

A resource's region comes from, in order: its own region/location argument, the provider
block its ``provider = NAME.ALIAS`` names (or a module's ``providers = {}`` map hands
down), the default provider block, and with ``--terraform-assume-region`` the provider's
standard environment variable (``AWS_REGION``, ``ALICLOUD_REGION``, ...). Variables,
locals, references to other blocks, module outputs, known ``for_each``/``count`` and the
usual functions are evaluated statically (:mod:`resolve`); modules are found where
Terraform finds them (:mod:`modules`); a region that cannot be known becomes an unknown
location with a note naming the deciding expression.
Every asset records its file (relative to the working directory, the repository root in
CI), start and end line, module path and address; its identity is the root module path plus
the module path and address, never a line, so it survives reformatting.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator, Iterator
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
from assessor.probes.terraform.modules import ModuleSources, repository_root
from assessor.probes.terraform.plan import plan_assets
from assessor.probes.terraform.resolve import Scope
from assessor.probes.terraform.resources import PROVIDERS
from assessor.probes.terraform.walk import Module, Resource, Walker, _defaults, settle

_TFVARS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)


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
            "repo-root",
            "How far up local module sources may reach (default: the git work tree)",
            OptionKind.PATHS,
        ),
        ProbeOption(
            "assume-region",
            "Use the provider's region environment variable as the last resort",
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
        # Parse errors in called modules outside the scanned tree, reported after the assets.
        self._late_gaps: list[CoverageGap] = []

    def scope(self) -> str:
        return "paths " + ", ".join(map(str, self.settings.paths("path")))

    def notes(self) -> tuple[str, ...]:
        if not self._unmodelled:
            return ()
        kinds = ", ".join(f"{name} ({n})" for name, n in sorted(self._unmodelled.items()))
        return (
            f"{len(self._unmodelled)} resource types located but not modelled "
            f"(service and kind from the type name): {kinds}",
        )

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
            if ".terraform" in path.relative_to(base).parts:
                continue  # modules terraform init downloaded: read only when called
            blocks = yield from self._read(path, base)
            parsed.setdefault(path.parent.resolve(), []).extend(blocks)
        cache = dict(parsed)

        def load(directory: Path) -> list[Block]:
            directory = directory.resolve()
            if directory not in cache:
                cache[directory] = []
                for path in sorted(directory.glob("*.tf")):
                    cache[directory].extend(self._read_quietly(path, base))
            return cache[directory]

        overrides = self.settings.paths("repo-root")
        repository = repository_root(base, overrides[-1] if overrides else None)
        called = {
            (directory / str(block.body.get("source", ""))).resolve()
            for directory, blocks in parsed.items()
            for block in blocks
            if block.kind == "module" and str(block.body.get("source", "")).startswith(".")
        }
        for directory in sorted(parsed):
            if directory in called:
                continue
            root = _repository_path(directory, base)
            scope = Scope(variables=self._root_variables(directory, parsed[directory]))
            walker = Walker(
                self.name,
                ModuleSources(directory, repository),
                load,
                lambda block: f"{_repository_path(block.path, base)}:{block.start_line}",
                self.settings.flag("assume-region"),
            )
            walker.walk(Module(directory, "", scope))
            self._unmodelled.update(walker.unmodelled)
            yield from self._assets(walker.resources, root, base)
            yield from walker.gaps

    def _read(self, path: Path, base: Path) -> Generator[ProbeItem, None, list[Block]]:
        try:
            return read_blocks(path)
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
            return []

    def _read_quietly(self, path: Path, base: Path) -> list[Block]:
        """A called module's file outside the scanned tree: its parse errors are gaps too."""
        reading = self._read(path, base)
        try:
            while True:
                self._late_gaps.append(next(reading))  # type: ignore[arg-type]
        except StopIteration as done:
            return list(done.value or [])

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

    def _assets(self, resources: list[Resource], root: str, base: Path) -> Iterator[ProbeItem]:
        settle(resources)
        for resource, flows in linked(resources):
            if resource.spec.is_asset:
                yield _asset(resource, root, base, flows)
        yield from self._late_gaps
        self._late_gaps = []


def _repository_path(path: Path, base: Path) -> str:
    """Paths as CI sees them: relative to the working directory (the repository root) when
    the scanned directory is inside it, else relative to the scanned directory."""
    for anchor in (Path.cwd(), base):
        try:
            return path.resolve().relative_to(anchor.resolve()).as_posix() or "."
        except ValueError:
            continue
    return path.as_posix()


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
            key = f"{module}{reference.address}"
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


def _asset(resource: Resource, root: str, base: Path, flows: tuple[Flow, ...]) -> Asset:
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
