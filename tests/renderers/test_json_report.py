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


def test_streamed_report_holds_the_same_data_as_the_whole_result(result: AuditResult) -> None:
    # More findings than one chunk holds, so the arrays are written in several pieces.
    many = tuple(
        finding.model_copy(update={"fingerprint": f"{index:032x}"})
        for index in range(2 * json_renderer._BATCH + 5)
        for finding in result.findings[:1]
    )
    large = result.model_copy(update={"findings": many})
    pieces = list(json_renderer.chunks(large))
    assert len(pieces) > 3
    whole = b"".join(pieces)
    assert json.loads(whole) == json.loads(json.dumps(large.model_dump(mode="json")))
    assert whole == json_renderer.render(large)
    # One element per line inside the streamed arrays; the rest indented as before.
    lines = whole.decode().splitlines()
    assert sum(line.startswith('    {"asset_id"') for line in lines) == len(many) + len(large.risks)
    assert '  "summary": {' in lines


def test_empty_arrays_stay_valid_json(result: AuditResult) -> None:
    empty = result.model_copy(update={"assets": (), "findings": (), "risks": ()})
    data = json.loads(json_renderer.render(empty))
    assert data["assets"] == data["findings"] == data["risks"] == []
