"""Which rules a run uses: built-in and extra packs, the organization's residency policy and
parameter overrides, compiled against the catalog (a policy may add country groups)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assessor.catalog import Catalog
from assessor.engine.loader import LoadedRule, Overrides, builtin_rules_dir, load_rules
from assessor.engine.residency import load_policy
from assessor.errors import InputError


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
        """Load the selected rules (built-in packs, extra paths, the policy) against ``catalog``,
        with overrides applied."""
        roots = ((builtin_rules_dir(),) if self.builtin else ()) + self.paths
        overrides: Overrides = {}
        extra: list[LoadedRule] = []
        if self.policy is not None:
            policy = load_policy(self.policy, catalog)
            catalog, extra, overrides = policy.catalog, policy.rules, policy.overrides
            if not extra and "residency" in self.packs:
                raise InputError(str(self.policy), None, "rules", "the policy has no entries")
        for rule_id, values in self.overrides.items():
            overrides[rule_id] = {**overrides.get(rule_id, {}), **values}
        packs = self.packs
        if packs and extra:
            packs = (*packs, "residency")
        return RuleSet(catalog, load_rules(roots, catalog, packs, overrides, extra))
