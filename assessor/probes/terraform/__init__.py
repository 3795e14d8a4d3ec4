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
from assessor.models import CoverageGap, GapReason
from assessor.probes.base import OptionKind, Probe, ProbeItem, ProbeOption
from assessor.probes.terraform.assets import linked, resource_asset
from assessor.probes.terraform.blocks import Resource, settle
from assessor.probes.terraform.hcl import Block, HclError, read_blocks
from assessor.probes.terraform.modules import ModuleSources, repository_root
from assessor.probes.terraform.plan import plan_assets
from assessor.probes.terraform.resolve import Scope
from assessor.probes.terraform.resources import PROVIDER_DEFAULTS, REGION_ENVIRONMENT
from assessor.probes.terraform.walk import Module, Walker, _defaults

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
        # What decided each resource's region (see Resource.how), for the methodology.
        self._placed: Counter[str] = Counter()
        # Parse errors in called modules outside the scanned tree, reported after the assets.
        self._late_gaps: list[CoverageGap] = []

    def scope(self) -> str:
        return "paths " + ", ".join(map(str, self.settings.paths("path")))

    def notes(self) -> tuple[str, ...]:
        notes = []
        if self._placed["provider-default"]:
            defaults = "; ".join(
                f"{name}: {region} ({' or '.join(REGION_ENVIRONMENT.get(name, ()))} or a profile "
                "overrides it)"
                for name, region in sorted(PROVIDER_DEFAULTS.items())
            )
            notes.append(
                f"{self._placed['provider-default']} resources placed in their provider's own "
                f"default region, as nothing in the code sets one ({defaults}; the providers' "
                "DEFAULT_REGION in their source); --terraform-assume-region reads the variable "
                "where the CI environment sets it"
            )
        if self._placed["parent"]:
            notes.append(
                f"{self._placed['parent']} resources with no location of their own placed "
                "where their parent is (a subnet's network, a table's dataset)"
            )
        if self._placed["global"]:
            notes.append(
                f"{self._placed['global']} resources of global types (identity, DNS, CDN, "
                "organization) have no region and are located as global"
            )
        if self._unmodelled:
            kinds = ", ".join(f"{name} ({n})" for name, n in sorted(self._unmodelled.items()))
            notes.append(
                f"{len(self._unmodelled)} resource types located but not modelled "
                f"(service and kind from the type name): {kinds}"
            )
        return tuple(notes)

    def scan(self) -> Iterator[ProbeItem]:
        paths = list(self.settings.paths("path"))
        plans = list(self.settings.paths("plan"))
        if not paths and not plans:
            raise ConfigurationError(
                "the terraform probe needs --terraform-path or --terraform-plan"
            )
        for plan in plans:
            unmodelled: dict[str, int] = {}
            yield from plan_assets(plan, unmodelled, self._placed)
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
        self._placed.update(resource.how for resource in resources)
        for resource, flows in linked(resources):
            if not resource.spec.is_asset:
                continue
            address = resource.key
            relative = _repository_path(resource.block.path, base)
            # Unique across root modules: the same address in another root is another asset.
            yield resource_asset(
                resource,
                flows,
                identity=f"{root}:{address}",
                account=f"terraform:{root}",
                attributes={"address": address, "root_module": root},
                path=relative,
            )
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
