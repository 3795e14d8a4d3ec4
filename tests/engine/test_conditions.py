"""The condition language, operator by operator, on located example assets."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from assessor.catalog import Catalog, locate
from assessor.engine.conditions import CompileError, compile_condition
from assessor.engine.examples import example_asset
from assessor.engine.fields import Context
from assessor.models import Condition

ASSET = {
    "provider": "aws",
    "region": "ap-east-1",
    "name": "payroll-archive",
    "tags": {"owner": "finance", "records": "120000"},
    "classification": "pii",
    "encryption": {"custody": "customer-managed", "key_region": "eu-west-1"},
    "flows": [
        {"kind": "replication", "target_region": "eu-central-1"},
        {"kind": "backup", "target_region": "cn-north-1"},
    ],
}

# (condition, fires?)
CASES: list[tuple[dict[str, Any], bool]] = [
    ({"field": "location.country", "op": "eq", "value": "HK"}, True),
    ({"field": "location.country", "op": "ne", "value": "HK"}, False),
    ({"field": "location.country", "op": "in", "value": ["HK", "MO"]}, True),
    ({"field": "location.country", "op": "not_in", "value": ["US"]}, True),
    ({"field": "location.jurisdictions", "op": "intersects", "value": "in:prc"}, True),
    ({"field": "location.jurisdictions", "op": "intersects", "value": "in:eu-locations"}, False),
    ({"field": "name", "op": "glob", "value": "payroll-*"}, True),
    ({"field": "name", "op": "regex", "value": "^pay.*ive$"}, True),
    ({"field": "region", "op": "regex", "value": "^eu-"}, False),
    ({"field": "tags.owner", "op": "eq", "value": "finance"}, True),
    ({"field": "tags.missing", "op": "exists"}, False),
    ({"field": "tags.missing", "op": "exists", "value": False}, True),
    ({"field": "tags.records", "op": "gte", "value": 100000}, True),
    ({"field": "tags.records", "op": "lt", "value": 1000}, False),
    ({"field": "key_location.country", "op": "eq", "value": "IE"}, True),
    ({"field": "encryption.custody", "op": "eq", "value": "customer-managed"}, True),
    ({"field": "provider_profile.hq_country", "op": "eq", "value": "US"}, True),
    (
        {
            "all": [
                {"field": "classification", "op": "eq", "value": "pii"},
                {"field": "location.country", "op": "eq", "value": "HK"},
            ]
        },
        True,
    ),
    (
        {
            "all": [
                {"field": "classification", "op": "eq", "value": "pii"},
                {"field": "location.country", "op": "eq", "value": "US"},
            ]
        },
        False,
    ),
    (
        {
            "any": [
                {"field": "location.country", "op": "eq", "value": "US"},
                {"field": "name", "op": "glob", "value": "*archive"},
            ]
        },
        True,
    ),
    ({"not": {"field": "location.known", "op": "eq", "value": True}}, False),
    ({"flows": {"where": {"field": "target.country", "op": "eq", "value": "CN"}}}, True),
    (
        {
            "flows": {
                "kinds": ["replication"],
                "where": {"field": "target.country", "op": "eq", "value": "CN"},
            }
        },
        False,
    ),
    (
        {
            "flows": {
                "where": {
                    "all": [
                        {"field": "flow.kind", "op": "eq", "value": "backup"},
                        {"field": "target.operator", "op": "exists"},
                    ]
                }
            }
        },
        True,
    ),
]

CONDITION = TypeAdapter(Condition)


@pytest.mark.parametrize(("condition", "fires"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_condition(catalog: Catalog, condition: dict[str, Any], fires: bool) -> None:
    asset = locate(example_asset("T", 0, ASSET), catalog)
    predicate = compile_condition(CONDITION.validate_python(condition), catalog)
    evidence = predicate(Context(asset, catalog))
    assert (evidence is not None) is fires


def test_flow_evidence_names_the_copy(catalog: Catalog) -> None:
    asset = locate(example_asset("T", 0, ASSET), catalog)
    condition = {
        "flows": {
            "where": {
                "field": "target.countries",
                "op": "intersects",
                "value": "in:countries-of-concern",
            }
        }
    }
    evidence = compile_condition(CONDITION.validate_python(condition), catalog)(
        Context(asset, catalog)
    )
    assert evidence == {"flows": "backup to cn-north-1 (cn-north-1, CN)"}


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"field": "target.country", "op": "eq", "value": "CN"}, "unknown field 'target.country'"),
        (
            {"flows": {"where": {"flows": {"where": {"field": "name", "op": "exists"}}}}},
            "cannot be nested",
        ),
        ({"field": "tags.n", "op": "gt", "value": "ten"}, "needs a number"),
    ],
)
def test_conditions_that_cannot_work_are_rejected(
    catalog: Catalog, condition: dict[str, Any], message: str
) -> None:
    with pytest.raises(CompileError, match=message):
        compile_condition(CONDITION.validate_python(condition), catalog)
