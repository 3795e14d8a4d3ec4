"""Evaluating by asset shape gives exactly what evaluating every asset afresh gives: each
rule is cached on the parts of an asset it reads, so assets here vary in every part."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from assessor.catalog import Catalog, locate
from assessor.engine import evaluate as evaluate_module
from assessor.engine.evaluate import Evaluator, sort_findings
from assessor.engine.examples import example_asset
from assessor.engine.loader import builtin_rules_dir, load_rules
from assessor.models import Asset
from tests.engine.test_loader_errors import GOOD_RULE

REGIONS = [
    ("aws", "ap-east-1"),
    ("aws", "us-east-1"),
    ("alibaba", "us-east-1"),
    ("gcp", "asia-east2"),
    ("gcp", "eu"),
    ("aws", "cn-north-1"),
    ("aws", "xx-1"),
]


def _rule(rule_id: str, message: str, field: str, op: str, value: str) -> str:
    return (
        GOOD_RULE.replace("ORG-001", rule_id)
        .replace("custom.rule", f"custom.{rule_id.lower()}")
        .replace(
            "field: location.country\n      op: in\n      value: [HK]",
            f"field: {field}\n      op: {op}\n      value: {value}",
        )
        .replace('message: "{name} fired"', f"message: {message!r}")
    )


def test_shape_cache_matches_fresh_evaluation(tmp_path: Path, catalog: Catalog) -> None:
    # Rules that read the asset's name or a per-asset attribute cannot be cached by shape,
    # and rules whose messages name parts of the asset their conditions do not read.
    (tmp_path / "custom.yaml").write_text(
        _rule("ORG-001", "{name} fired", "name", "glob", "'*-7'")
        + _rule(
            "ORG-002",
            "{name} keys {encryption.custody} in {location.name}",
            "provider",
            "eq",
            "aws",
        ).split("rules:\n", 1)[1]
        + _rule("ORG-003", "{attributes.size} for {classification}", "flow_count", "gt", "0").split(
            "rules:\n", 1
        )[1]
        + _rule("ORG-004", "{name} open", "public_access_blocked", "eq", "false").split(
            "rules:\n", 1
        )[1]
    )
    rules = load_rules([builtin_rules_dir(), tmp_path], catalog)
    assets = _varied_assets(catalog)
    cached = Evaluator(rules, catalog).run(assets)
    fresh = [f for asset in assets for f in Evaluator(rules, catalog).run([asset])]
    assert len(cached) > 100
    assert sort_findings(cached) == sort_findings(fresh)
    fired = {f.rule_id for f in cached}
    assert fired >= {"ORG-001", "ORG-002", "ORG-003", "ORG-004", "COC-001", "DSP-007", "ACR-001"}
    assert fired >= {"CLN-009"}


def _varied_assets(catalog: Catalog) -> list[Asset]:
    """600 assets that vary in every part a rule can read."""
    rng = random.Random(3)
    assets = []
    for i in range(600):
        provider, region = rng.choice(REGIONS)
        spec: dict[str, object] = {
            "provider": provider,
            "region": region,
            "name": f"a-{i % 10}",
            "classification": rng.choice([None, "pii", "genomic", "public"]),
            "tags": {"records": rng.choice(["5", "500000"]), "Environment": "production"},
            "public_access_blocked": rng.choice([None, True, False]),
            "attributes": {"size": str(rng.randrange(3))},
        }
        if rng.random() < 0.5:
            spec["encryption"] = {
                "custody": rng.choice(["provider-managed", "customer-managed", "unknown"]),
                "key_region": rng.choice(REGIONS)[1],
            }
        if rng.random() < 0.2:
            spec["attributes"] = {"location_note": rng.choice(["provider default", "parent"])}
        if rng.random() < 0.1:
            spec.update(provider="declared", region=None, vendor="alibaba-cloud", country="CN")
        if rng.random() < 0.3:
            spec["flows"] = [{"kind": "backup", "target_region": rng.choice(REGIONS)[1]}]
        assets.append(locate(example_asset("C", i, spec), catalog))

    return assets


def test_an_evaluator_kept_across_parts_and_past_its_cache_limit_finds_the_same(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An organization's parts share one evaluator; a cache that fills starts again.
    rules = load_rules([builtin_rules_dir()], catalog)
    assets = _varied_assets(catalog)
    expected = list(Evaluator(rules, catalog).findings(assets))
    monkeypatch.setattr(evaluate_module, "SHAPES_HELD", 7)
    kept = Evaluator(rules, catalog)
    parts = [list(kept.findings(assets[:300])), list(kept.findings(assets[300:]))]
    assert len(kept._cache) <= 7
    assert sort_findings([*parts[0], *parts[1]]) == expected
