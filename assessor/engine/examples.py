"""Runs each rule's own examples: violating assets must fire it, compliant ones must not."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from assessor.catalog import Catalog, locate
from assessor.engine.evaluate import selected
from assessor.engine.fields import Context
from assessor.engine.loader import LoadedRule
from assessor.models import Asset


@dataclass(frozen=True)
class ExampleOutcome:
    """One example of a rule run: whether it fired as its rule file says it should."""

    rule_id: str
    path: str
    expected_to_fire: bool
    index: int
    passed: bool
    detail: str


def example_asset(rule_id: str, index: int, fields: dict[str, Any]) -> Asset:
    """An asset from an example's partial fields; identity fields get harmless defaults."""
    defaults = {
        "id": f"example:{rule_id}:{index}",
        "service": "example",
        "kind": "bucket",
        "name": f"example-{index}",
        "account": "example",
    }
    return Asset.model_validate({**defaults, **fields})


def run_examples(rules: Iterable[LoadedRule], catalog: Catalog) -> Iterator[ExampleOutcome]:
    """Run every rule's violating and compliant examples; one outcome per example."""
    for item in rules:
        cases = [(True, c) for c in item.rule.examples.violating] + [
            (False, c) for c in item.rule.examples.compliant
        ]
        for index, (should_fire, fields) in enumerate(cases):
            try:
                asset = locate(example_asset(item.rule.id, index, fields), catalog)
            except ValidationError as error:
                yield ExampleOutcome(
                    item.rule.id,
                    item.path,
                    should_fire,
                    index,
                    False,
                    f"example is not a valid asset: {error.errors()[0]['msg']}",
                )
                continue
            fired = (
                selected(item.rule.select, asset)
                and item.predicate(Context(asset, catalog)) is not None
            )
            verdict = "fired" if fired else "did not fire"
            yield ExampleOutcome(
                item.rule.id,
                item.path,
                should_fire,
                index,
                fired == should_fire,
                f"{'violating' if should_fire else 'compliant'} example {fields}: {verdict}",
            )
