"""``rules``: list, show, validate and test rule packs."""

from __future__ import annotations

import json
from pathlib import Path

import click

from assessor import run
from assessor.catalog import load_catalog
from assessor.cli import console
from assessor.cli.options import rules_options
from assessor.engine.examples import run_examples
from assessor.engine.loader import builtin_rules_dir, load_rules
from assessor.engine.selection import RuleSelection
from assessor.errors import ConfigurationError


@click.group()
def rules() -> None:
    """List, show, validate and test rule packs."""


@rules.command("list")
@rules_options
def rules_list(selection: RuleSelection) -> None:
    """List every rule with its pack, severity and the fact it judges."""
    for item in selection.load(load_catalog()).rules:
        rule = item.rule
        line = f"{rule.id:<9} {rule.severity.value:<8} {rule.fact.value:<11} {item.pack:<22}"
        console.out(f"{line} {rule.title}")


@rules.command("show")
@click.argument("rule_id")
@rules_options
def rules_show(rule_id: str, selection: RuleSelection) -> None:
    """Show one rule (by id, name or alias) as JSON."""
    for item in selection.load(load_catalog()).rules:
        if rule_id in (item.rule.id, item.rule.name, *item.rule.aliases):
            data = {
                "pack": item.pack,
                "file": f"{item.path}:{item.line}",
                **item.rule.model_dump(mode="json", by_alias=True),
            }
            console.out(json.dumps(data, indent=2))
            return
    raise ConfigurationError(f"no rule {rule_id!r}")


@rules.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def rules_validate(paths: tuple[Path, ...]) -> None:
    """Validate rule files (default: the built-in packs); exit 2 on the first error."""
    loaded = load_rules(paths or (builtin_rules_dir(),), load_catalog())
    console.out(f"{len(loaded)} rules valid in {len({item.path for item in loaded})} file(s)")


@rules.command("test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def rules_test(paths: tuple[Path, ...]) -> int:
    """Run each rule's violating and compliant examples (default: the built-in packs)."""
    catalog = load_catalog()
    outcomes = list(run_examples(load_rules(paths or (builtin_rules_dir(),), catalog), catalog))
    failed = [outcome for outcome in outcomes if not outcome.passed]
    for outcome in failed:
        console.note(f"FAIL {outcome.rule_id} ({outcome.path}): {outcome.detail}")
    console.out(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    return run.exit_status(failing=bool(failed))


COMMANDS = (rules,)
