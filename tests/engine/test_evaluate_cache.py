"""Evaluating by asset shape gives exactly what evaluating every asset afresh gives."""

from __future__ import annotations

import random
from pathlib import Path

from assessor.catalog import Catalog, locate
from assessor.engine.evaluate import Evaluator, sort_findings
from assessor.engine.examples import example_asset
from assessor.engine.loader import builtin_rules_dir, load_rules
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


def test_shape_cache_matches_fresh_evaluation(tmp_path: Path, catalog: Catalog) -> None:
    # A rule that reads the asset's name cannot be cached by shape; include one.
    (tmp_path / "named.yaml").write_text(
        GOOD_RULE.replace(
            "field: location.country\n      op: in\n      value: [HK]",
            "field: name\n      op: glob\n      value: '*-7'",
        )
    )
    rules = load_rules([builtin_rules_dir(), tmp_path], catalog)
    rng = random.Random(3)
    assets = []
    for i in range(400):
        provider, region = rng.choice(REGIONS)
        spec = {
            "provider": provider,
            "region": region,
            "name": f"a-{i % 10}",
            "classification": rng.choice([None, "pii", "genomic", "public"]),
            "tags": {"records": rng.choice(["5", "500000"]), "Environment": "production"},
        }
        if rng.random() < 0.3:
            spec["flows"] = [{"kind": "backup", "target_region": rng.choice(REGIONS)[1]}]
        assets.append(locate(example_asset("C", i, spec), catalog))

    cached = Evaluator(rules, catalog).run(assets)
    fresh = [f for asset in assets for f in Evaluator(rules, catalog).run([asset])]
    assert len(cached) > 100
    assert sort_findings(cached) == sort_findings(fresh)
    assert {f.rule_id for f in cached} >= {"ORG-001", "COC-001", "DSP-007", "ACR-001", "CLN-009"}
