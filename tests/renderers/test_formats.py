"""SARIF, JUnit, CSV, Markdown and HTML pieces from the same result; `assessor report` re-renders."""

from __future__ import annotations

import csv
import gzip
import io
import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from assessor.cli import main
from assessor.models import AuditResult, FindingStatus
from assessor.renderers import csv as csv_renderer
from assessor.renderers import html, junit, markdown, sarif
from assessor.renderers import json as json_renderer
from tests.renderers.conftest import HOSTILE

SARIF_SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "data" / "sarif-schema-2.1.0.json"


def test_sarif_validates_against_the_oasis_schema(result: AuditResult) -> None:
    log = json.loads(sarif.render(result))
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text()))
    run = log["runs"][0]
    assert run["automationDetails"]["id"].endswith("/")
    assert len(run["results"]) == len(result.findings)
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    for item in run["results"]:
        assert item["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        assert len(item["partialFingerprints"]["assessorFinding/v1"]) == 32
        rule = rules[item["ruleId"]]
        assert float(rule["properties"]["security-severity"]) >= 0
        assert rule["help"]["markdown"] and rule["helpUri"].startswith("https://")
        assert len(rule["properties"]["tags"]) <= 20
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["COC-001"] == "error" and levels["COC-005"] == "warning"


def test_sarif_security_severity_follows_github_bands(result: AuditResult) -> None:
    bands = {"critical": (9.0, 10.0), "high": (7.0, 8.9), "medium": (4.0, 6.9), "low": (0.1, 3.9)}
    for rule in json.loads(sarif.render(result))["runs"][0]["tool"]["driver"]["rules"]:
        severity = next(r.severity.value for r in result.rules if r.id == rule["id"])
        if severity in bands:
            low, high = bands[severity]
            assert low <= float(rule["properties"]["security-severity"]) <= high


def test_sarif_suppresses_waived_findings(result: AuditResult) -> None:
    from datetime import date

    from assessor.models import Waiver

    waiver = Waiver(rule="*", asset="*", owner="cso", reason="accepted", expires=date(2999, 1, 1))
    first = result.findings[0].model_copy(update={"status": FindingStatus.WAIVED, "waiver": waiver})
    waived = result.model_copy(update={"findings": (first, *result.findings[1:])})
    item = json.loads(sarif.render(waived))["runs"][0]["results"][0]
    assert item["suppressions"][0]["status"] == "accepted"
    assert "accepted" in item["suppressions"][0]["justification"]


def test_sarif_keeps_the_most_severe_results_under_the_limit(
    result: AuditResult, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sarif, "MAX_RESULTS", 2)
    run = json.loads(sarif.render(result))["runs"][0]
    assert [r["level"] for r in run["results"]] == ["error", "error"]
    assert run["properties"]["resultsOmitted"] == len(result.findings) - 2
    assert "left out" in (sarif.truncation_note(result) or "")


def test_sarif_stays_under_the_compressed_upload_limit_cutting_low_severities_first(
    result: AuditResult,
) -> None:
    whole = sarif.fit(result)
    limit = len(gzip.compress(whole.data)) - 1  # one byte too many: something must go
    fitted = sarif.fit(result, max_gzip_bytes=limit)
    assert 0 < fitted.dropped < len(result.findings) and len(gzip.compress(fitted.data)) <= limit
    log = json.loads(fitted.data)
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text()))
    run = log["runs"][0]
    assert run["properties"]["resultsOmitted"] == fitted.dropped
    assert "gzip-compressed" in run["properties"]["truncation"]
    kept = {r["partialFingerprints"]["assessorFinding/v1"] for r in run["results"]}
    rank = {f.fingerprint: f.severity.rank for f in result.findings}
    lowest_kept = min(rank[f] for f in kept)
    assert all(
        rank[f.fingerprint] <= lowest_kept for f in result.findings if f.fingerprint not in kept
    )


def test_junit_parses_and_counts(result: AuditResult) -> None:
    root = ElementTree.fromstring(junit.render(result))
    assert root.tag == "testsuites"
    assert int(root.get("failures", "0")) == len(result.findings)
    assert {suite.get("name") for suite in root} == set(result.packs)
    cases = root.findall(".//testcase")
    assert int(root.get("tests", "0")) == len(cases)
    assert all(case.get("classname") for case in cases)


def test_csv_has_a_row_per_finding_and_defuses_formulas(hostile_result: AuditResult) -> None:
    formula = hostile_result.model_copy(
        update={
            "findings": tuple(
                f.model_copy(update={"message": '=HYPERLINK("http://x")'})
                for f in hostile_result.findings
            )
        }
    )
    rows = list(csv.DictReader(io.StringIO(csv_renderer.render(formula).decode())))
    assert len(rows) == len(formula.findings)
    assert all(row["message"].startswith("'=") for row in rows)
    assert any(HOSTILE in row["asset_name"] for row in rows)


def test_markdown_is_short_and_escapes_names(hostile_result: AuditResult) -> None:
    text = markdown.render(hostile_result, top=2).decode()
    assert text.startswith("## assessor")
    assert "<script>" not in text and "\\<script\\>" in text
    assert "more open risks" in text
    assert len(text) < 65_536


def test_report_command_rerenders_a_saved_result(result: AuditResult, tmp_path: Path) -> None:
    saved = tmp_path / "report.json"
    saved.write_bytes(json_renderer.render(result))
    out = tmp_path / "out"
    run = CliRunner().invoke(
        main,
        [
            "report",
            str(saved),
            "--format",
            "sarif,junit,csv,md,html",
            "-o",
            str(out),
            "--fail-on",
            "high",
        ],
    )
    assert run.exit_code == 1, run.output  # the saved result has high findings
    assert {p.name for p in out.iterdir()} == {
        "report.sarif",
        "report.junit.xml",
        "report.csv",
        "report.md",
        "report.html",
    }
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert CliRunner().invoke(main, ["report", str(bad), "-o", str(out)]).exit_code == 2


def test_csv_written_in_pieces_is_every_row_once(hostile_result: AuditResult) -> None:
    finding = hostile_result.findings[0]
    count = 2 * csv_renderer._BATCH + 3
    many = hostile_result.model_copy(
        update={
            "findings": tuple(
                finding.model_copy(update={"fingerprint": f"{index:032x}"})
                for index in range(count)
            )
        }
    )
    pieces = list(csv_renderer.chunks(many))
    assert len(pieces) == 3  # two full batches (the header rides with the first), the rest
    rows = list(csv.DictReader(io.StringIO(b"".join(pieces).decode())))
    assert [row["fingerprint"] for row in rows] == [f"{index:032x}" for index in range(count)]


def test_html_written_in_pieces_never_splits_a_character(hostile_result: AuditResult) -> None:
    finding = hostile_result.findings[0]
    # Messages of multi-byte characters on thousands of findings: over a megabyte of page.
    many = hostile_result.model_copy(
        update={
            "findings": tuple(
                finding.model_copy(
                    update={"fingerprint": f"{index:032x}", "message": f"存储 {index} ✓" * 8}
                )
                for index in range(6000)
            )
        }
    )
    pieces = list(html.chunks(many))
    assert len(pieces) > 1
    texts = [piece.decode("utf-8") for piece in pieces]  # each piece is whole characters
    page = "".join(texts)
    assert page.rstrip().endswith("</html>")
    assert html.render(many) == b"".join(pieces)
    # The page data, encoded a thousand rows at a time, is one JSON document the script reads,
    # and nothing in it can end its <script> element.
    start = page.index('id="report-data">') + len('id="report-data">')
    text = page[start : page.index("</script>", start)]
    assert "<" not in text and "&" not in text
    data = json.loads(text)
    assert [row[4] for row in data["findings"]] == [f"存储 {i} ✓" * 8 for i in range(6000)]
    assert len(data["assets"]) == len(many.assets) and len(data["risks"]) == len(many.risks)
    assert HOSTILE in {row[1] for row in data["assets"]} | set(data["strings"])


def test_junit_written_in_pieces_counts_every_case_and_holds_any_name(
    hostile_result: AuditResult,
) -> None:
    finding = hostile_result.findings[0]
    waived = hostile_result.findings[-1].model_copy(update={"status": FindingStatus.WAIVED})
    many = hostile_result.model_copy(
        update={
            "findings": (
                *(
                    finding.model_copy(
                        update={
                            "fingerprint": f"{index:032x}",
                            "message": f"{HOSTILE} \x00\x1b ]]> {index}",
                        }
                    )
                    for index in range(2500)
                ),
                waived,
            )
        }
    )
    pieces = list(junit.chunks(many))
    assert len(pieces) > 3
    root = ElementTree.fromstring(b"".join(pieces))  # well-formed despite NUL and escape bytes
    cases = root.findall(".//testcase")
    assert int(root.get("tests", "0")) == len(cases)
    failures = root.findall(".//failure")
    assert int(root.get("failures", "0")) == len(failures) == 2500
    assert int(root.get("skipped", "0")) == len(root.findall(".//skipped")) == 1
    assert failures[0].get("message") == f"{HOSTILE} \ufffd\ufffd ]]> 0"
    for suite in root:
        assert int(suite.get("tests", "0")) == len(suite.findall("testcase"))
