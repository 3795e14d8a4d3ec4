"""report.json: schema-valid, complete and byte-for-byte deterministic."""

from __future__ import annotations

import json

import jsonschema

from assessor.catalog import Catalog
from assessor.models import AuditResult
from assessor.renderers import json as json_renderer
from assessor.renderers import parse_formats
from tests.renderers.conftest import build_result


def test_report_validates_against_the_generated_schema(result: AuditResult) -> None:
    data = json.loads(json_renderer.render(result))
    jsonschema.validate(data, AuditResult.model_json_schema())
    assert data["schema_version"] == "2"  # 2: the result carries its risks
    assert data["summary"]["finding_count"] == len(data["findings"]) > 0
    # Every finding is a policy line of exactly one risk.
    lines = [line["fingerprint"] for risk in data["risks"] for line in risk["lines"]]
    assert sorted(lines) == sorted(f["fingerprint"] for f in data["findings"])
    assert 0 < len(data["estate_risks"]) <= 10
    assert data["gaps"][0]["reason"] == "access_denied"


def test_report_round_trips_into_the_model(result: AuditResult) -> None:
    assert AuditResult.model_validate_json(json_renderer.render(result)) == result


def test_same_estate_gives_the_same_bytes(catalog: Catalog) -> None:
    assert json_renderer.render(build_result(catalog)) == json_renderer.render(
        build_result(catalog)
    )


def test_findings_are_ordered_most_severe_first(result: AuditResult) -> None:
    ranks = [finding.severity.rank for finding in result.findings]
    assert ranks == sorted(ranks, reverse=True)


def test_format_list_parsing() -> None:
    assert parse_formats("html, JSON,html") == ["html", "json"]
    try:
        parse_formats("html,pdf")
    except ValueError as error:
        assert "pdf" in str(error)
    else:
        raise AssertionError("pdf accepted")
