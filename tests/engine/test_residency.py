"""The organization's residency policy, written as a policy file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assessor.catalog import Catalog, locate
from assessor.engine.evaluate import evaluate
from assessor.engine.examples import example_asset
from assessor.engine.residency import load_policy
from assessor.errors import InputError


def _fired(
    tmp_path: Path, catalog: Catalog, policy: str, *specs: dict[str, Any]
) -> dict[str, set[str]]:
    path = tmp_path / "policy.yaml"
    path.write_text(policy)
    loaded = load_policy(path, catalog)
    assets = [
        locate(example_asset("P", i, {"name": f"a{i}", "id": f"a{i}", **spec}), loaded.catalog)
        for i, spec in enumerate(specs)
    ]
    fired: dict[str, set[str]] = {asset.name: set() for asset in assets}
    for finding in evaluate(assets, loaded.rules, loaded.catalog):
        fired[finding.asset_id].add(finding.rule_id)
    return fired


EU_ONLY_PII = """
rules:
  - classification: pii
    allowed: [in:eu-locations]
"""


def test_pii_only_in_eu_flags_us_east_1_and_passes_europe_west3(
    tmp_path: Path, catalog: Catalog
) -> None:
    fired = _fired(
        tmp_path,
        catalog,
        EU_ONLY_PII,
        {"provider": "aws", "region": "us-east-1", "classification": "pii"},
        {"provider": "gcp", "region": "europe-west3", "classification": "pii"},
        {"provider": "aws", "region": "us-east-1", "classification": "public"},
        {"provider": "gcp", "region": "eu", "classification": "pii"},  # EU multi-region
        {"provider": "gcp", "region": "eur5", "classification": "pii"},  # Belgium and London
        {"provider": "aws", "region": "xx-1", "classification": "pii"},  # unknown: not "in" the EU
        {
            "provider": "aws",
            "region": "eu-west-1",
            "classification": "pii",
            "flows": [{"kind": "backup", "target_region": "us-west-2"}],
        },
    )
    assert fired == {
        "a0": {"RES-001"},
        "a1": set(),
        "a2": set(),
        "a3": set(),
        "a4": {"RES-001"},
        "a5": {"RES-001"},
        "a6": {"RES-001"},
    }


def test_denied_places_regions_and_extended_groups(tmp_path: Path, catalog: Catalog) -> None:
    policy = """
groups:
  five-eyes: {extend: [JP]}
  hubs: {countries: [SG]}
rules:
  - classification: "*"
    denied: [in:countries-of-concern, "aws:eu-west-2"]
    severity: critical
  - classification: financial
    allowed: [in:five-eyes, in:hubs]
"""
    fired = _fired(
        tmp_path,
        catalog,
        policy,
        {"provider": "aws", "region": "ap-east-1"},
        {"provider": "aws", "region": "eu-west-2"},
        {"provider": "aws", "region": "ap-northeast-1", "classification": "financial"},
        {"provider": "aws", "region": "ap-southeast-1", "classification": "financial"},
        {"provider": "aws", "region": "eu-central-1", "classification": "financial"},
        {"provider": "declared", "country": "RU"},
    )
    assert fired == {
        "a0": {"RES-001"},
        "a1": {"RES-001"},
        "a2": set(),
        "a3": set(),
        "a4": {"RES-002"},
        "a5": {"RES-001"},
    }


@pytest.mark.parametrize(
    ("policy", "line", "message"),
    [
        (
            "rules:\n  - classification: pii\n    allowed: [in:nowhere]\n",
            3,
            "unknown country group",
        ),
        (
            "rules:\n  - classification: pii\n    allowed:\n      - DE\n      - aws:mars-1\n",
            5,
            "not a region in the catalog",
        ),
        ("rules:\n  - classification: pii\n    allowed: [Germany]\n", 3, "is not a country"),
        ("rules:\n  - classification: pii\n", 2, "needs allowed or denied"),
        ("groups:\n  nope: {extend: [DE]}\n", 2, "no group 'nope' to extend"),
        ("rules:\n  - classification: pii\n    allowed: [DE]\n    severity: dire\n", 4, "severity"),
    ],
)
def test_policy_errors_name_file_and_line(
    tmp_path: Path, catalog: Catalog, policy: str, line: int, message: str
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(policy)
    with pytest.raises(InputError) as caught:
        load_policy(path, catalog)
    assert caught.value.path == str(path) and caught.value.line == line, str(caught.value)
    assert message in str(caught.value)
