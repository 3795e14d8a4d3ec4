"""Wires the stages together: probes → inventory → rules → findings → result.

The CLI calls these functions; nothing else imports more than one stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from assessor.baseline import apply_baseline
from assessor.catalog import Catalog
from assessor.engine.evaluate import evaluate
from assessor.engine.loader import LoadedRule, Overrides, builtin_rules_dir, load_rules
from assessor.inventory import ProgressCallback, run_probes
from assessor.models import AuditResult, Baseline, Inventory, Waiver
from assessor.output import write_atomic
from assessor.probes.base import Probe, ProbeConfig, load_probe
from assessor.renderers import RENDERERS
from assessor.residency import load_policy
from assessor.results import build_result
from assessor.scoring import score
from assessor.waivers import apply_waivers


@dataclass(frozen=True)
class RuleSet:
    """The rules to run and the catalog they were compiled against (a policy adds groups)."""

    catalog: Catalog
    rules: list[LoadedRule]


@dataclass(frozen=True)
class RuleSelection:
    """Which rules to load: built-in and extra packs (optionally only some, by name), the
    organization's residency policy, and parameter overrides."""

    paths: tuple[Path, ...] = ()
    packs: tuple[str, ...] = ()
    builtin: bool = True
    policy: Path | None = None
    overrides: Overrides = field(default_factory=dict)

    def load(self, catalog: Catalog) -> RuleSet:
        roots = ((builtin_rules_dir(),) if self.builtin else ()) + self.paths
        overrides: Overrides = {}
        extra: list[LoadedRule] = []
        if self.policy is not None:
            policy = load_policy(self.policy, catalog)
            catalog, extra, overrides = policy.catalog, policy.rules, policy.overrides
        for rule_id, values in self.overrides.items():
            overrides[rule_id] = {**overrides.get(rule_id, {}), **values}
        packs = self.packs
        if packs and extra:
            packs = (*packs, "residency")
        return RuleSet(catalog, load_rules(roots, catalog, packs, overrides, extra))


def build_probes(names: Sequence[str], configs: dict[str, ProbeConfig]) -> list[Probe]:
    return [load_probe(name)(configs.get(name)) for name in names]


def take_inventory(
    probes: Sequence[Probe], catalog: Catalog, progress: ProgressCallback | None = None
) -> Inventory:
    return run_probes(probes, catalog, progress)


def assess(
    inventory: Inventory,
    rule_set: RuleSet,
    waivers: Sequence[Waiver] = (),
    today: date | None = None,
    baseline: tuple[Path, Baseline] | None = None,
) -> AuditResult:
    """Evaluate the rules, apply waivers and a baseline, score, and assemble the result."""
    findings = evaluate(inventory.assets, rule_set.rules, rule_set.catalog)
    assets = {asset.id: asset for asset in inventory.assets}
    # Waivers written next to resources in code count like a waivers file's.
    waivers = [*waivers, *(waiver for asset in inventory.assets for waiver in asset.waivers)]
    day = today or inventory.generated_at.date()
    outcome = apply_waivers(findings, assets, rule_set.rules, waivers, day)
    final, baselined = outcome.findings, None
    if baseline is not None:
        final, baselined = apply_baseline(final, baseline[1], str(baseline[0]), day)
    result = build_result(inventory, rule_set.rules, final)
    return result.model_copy(
        update={
            "scores": score(inventory.assets, final),
            "expired_waivers": tuple(outcome.expired),
            "unused_waivers": tuple(outcome.unused),
            "baseline": baselined,
        }
    )


def write_reports(result: AuditResult, output: Path, formats: Sequence[str]) -> list[Path]:
    """Render every requested format first, then write each file atomically."""
    rendered = [(output / RENDERERS[name][0], RENDERERS[name][1](result)) for name in formats]
    for path, content in rendered:
        write_atomic(path, content)
    return [path for path, _ in rendered]
