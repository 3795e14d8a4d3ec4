"""The organization's residency policy, written as a policy file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assessor.catalog import Catalog, locate
from assessor.engine.evaluate import evaluate
from assessor.engine.examples import example_asset
from assessor.engine.residency import derived_id, load_policy
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


# Entries without an id or a name are keyed by their classification ("*" is "any").
PII, FINANCIAL, ANY = derived_id("pii"), derived_id("financial"), derived_id("any")

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
        "a0": {PII},
        "a1": set(),
        "a2": set(),
        "a3": set(),
        "a4": {PII},
        "a5": {PII},
        "a6": {PII},
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
        "a0": {ANY},
        "a1": {ANY},
        "a2": set(),
        "a3": set(),
        "a4": {FINANCIAL},
        "a5": {ANY},
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


def _fingerprints(tmp_path: Path, catalog: Catalog, policy: str) -> dict[str, set[str]]:
    path = tmp_path / "policy.yaml"
    path.write_text(policy)
    loaded = load_policy(path, catalog)
    assets = [
        locate(example_asset("P", i, spec), loaded.catalog)
        for i, spec in enumerate(
            [
                {"provider": "aws", "region": "ap-east-1", "classification": "pii"},
                {"provider": "aws", "region": "us-east-1", "classification": "financial"},
            ]
        )
    ]
    found: dict[str, set[str]] = {}
    for finding in evaluate(assets, loaded.rules, loaded.catalog):
        found.setdefault(finding.rule_id, set()).add(finding.fingerprint)
    return found


ENTRIES = [
    "  - classification: pii\n    allowed: [in:eu-locations]\n",
    "  - name: no-concern\n    classification: '*'\n    denied: [in:countries-of-concern]\n",
    "  - id: RES-042\n    classification: financial\n    allowed: [DE]\n",
]


def test_reordering_a_policy_changes_no_fingerprint(tmp_path: Path, catalog: Catalog) -> None:
    before = _fingerprints(tmp_path, catalog, "rules:\n" + "".join(ENTRIES))
    after = _fingerprints(tmp_path, catalog, "rules:\n" + "".join(reversed(ENTRIES)))
    assert before == after and set(before) == {PII, derived_id("no-concern"), "RES-042"}
    # Editing an entry's places keeps its identity too.
    edited = [ENTRIES[0].replace("in:eu-locations", "DE, FR"), *ENTRIES[1:]]
    assert _fingerprints(tmp_path, catalog, "rules:\n" + "".join(edited))[PII] == before[PII]


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (
            "  - {classification: pii, allowed: [DE]}\n  - {classification: pii, denied: [CN]}\n",
            "has the key 'pii': give each a name",
        ),
        (
            "  - {id: RES-001, classification: a, allowed: [DE]}\n"
            "  - {id: RES-001, classification: b, allowed: [DE]}\n",
            "RES-001 is also the id of the entry at line 2",
        ),
    ],
)
def test_entries_that_would_share_an_identity_are_refused(
    tmp_path: Path, catalog: Catalog, entries: str, message: str
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("rules:\n" + entries)
    with pytest.raises(InputError, match=message) as error:
        load_policy(path, catalog)
    assert error.value.line == 3
