"""Wires the stages together: probes → inventory → rules → findings → result.

The CLI calls these functions; nothing else imports more than one stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assessor.catalog import Catalog
from assessor.engine.evaluate import evaluate
from assessor.engine.loader import LoadedRule, builtin_rules_dir, load_rules
from assessor.inventory import ProgressCallback, run_probes
from assessor.models import AuditResult, Inventory
from assessor.output import write_atomic
from assessor.probes.base import Probe, ProbeConfig, load_probe
from assessor.renderers import RENDERERS
from assessor.results import build_result


@dataclass(frozen=True)
class RuleSelection:
    """Which rule packs to load: extra paths, and optionally only some packs by name."""

    paths: tuple[Path, ...] = ()
    packs: tuple[str, ...] = ()
    builtin: bool = True

    def load(self, catalog: Catalog) -> list[LoadedRule]:
        roots = ((builtin_rules_dir(),) if self.builtin else ()) + self.paths
        return load_rules(roots, catalog, self.packs)


def build_probes(names: Sequence[str], configs: dict[str, ProbeConfig]) -> list[Probe]:
    return [load_probe(name)(configs.get(name)) for name in names]


def take_inventory(
    probes: Sequence[Probe], catalog: Catalog, progress: ProgressCallback | None = None
) -> Inventory:
    return run_probes(probes, catalog, progress)


def assess(inventory: Inventory, rules: Sequence[LoadedRule], catalog: Catalog) -> AuditResult:
    findings = evaluate(inventory.assets, rules, catalog)
    return build_result(inventory, rules, findings)


def write_reports(result: AuditResult, output: Path, formats: Sequence[str]) -> list[Path]:
    """Render every requested format first, then write each file atomically."""
    rendered = [(output / RENDERERS[name][0], RENDERERS[name][1](result)) for name in formats]
    for path, content in rendered:
        write_atomic(path, content)
    return [path for path, _ in rendered]
