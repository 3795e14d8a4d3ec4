"""report.html in headless Chromium: offline, error-free, interactive, and safe."""

from __future__ import annotations

from html import unescape
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from assessor.models import AuditResult, FindingStatus
from assessor.renderers import html
from tests.renderers.conftest import HOSTILE

pytestmark = pytest.mark.browser


def _open(browser: Any, path: Path) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready=true]")
    return page, requests, problems


def _rows(page: Any) -> int:
    return int(page.locator("#f-rows tr.finding").count())


def test_report_loads_offline_and_every_interaction_works(
    browser: Any, result: AuditResult, tmp_path: Path, artifacts: Path
) -> None:
    path = tmp_path / "report.html"
    path.write_bytes(html.render(result))
    page, requests, problems = _open(browser, path)
    assert requests == [path.as_uri()], "the report fetched something besides itself"
    assert problems == []

    # Summary and map: risks, with the findings beside them; each asset once in top risks.
    assert page.locator("[data-testid=open-count]").inner_text() == str(len(result.findings))
    assert page.locator("[data-testid=risk-count]").inner_text() == str(len(result.risks))
    tops = page.locator("[data-testid=top-risks] li .asset-name").all_inner_texts()
    assert tops and len(tops) == len(set(tops))
    assert page.locator("[data-testid=estate-risks] li").count() == len(result.estate_risks)
    assert page.locator("[data-testid=map-mark]").count() >= 2
    assert page.locator("[data-testid=flow-arc]").count() == 1  # eu-west-1 → Hong Kong
    assert "sev-high" in (page.locator("[data-testid=flow-arc]").get_attribute("class") or "")

    # Filters, search, grouping and sorting change what is shown.
    total = _rows(page)
    assert total == len(result.findings)
    page.select_option("#f-severity", "medium")
    medium = sum(1 for f in result.findings if f.severity.value == "medium")
    assert _rows(page) == medium
    page.select_option("#f-severity", "")
    page.fill("#f-search", "bucket-eu")
    matching = sum(1 for f in result.findings if "bucket-eu" in f.message)
    expect(page.locator("#f-rows tr.finding")).to_have_count(matching)
    assert all("bucket-eu" in t for t in page.locator("#f-rows tr.finding").all_inner_texts())
    page.fill("#f-search", "")
    expect(page.locator("#f-rows tr.finding")).to_have_count(total)
    page.select_option("#f-rule", "COC-001")
    assert _rows(page) == sum(1 for f in result.findings if f.rule_id == "COC-001")
    page.select_option("#f-rule", "")
    # Grouped by risk by default: one heading per risk, each finding under exactly one.
    assert page.locator("#f-group").input_value() == "risk"
    assert page.locator("#f-rows tr.group").count() == len(result.risks)
    page.select_option("#f-group", "asset")
    assert page.locator("#f-rows tr.group").count() == len({f.asset_id for f in result.findings})
    page.select_option("#f-group", "pack")
    assert page.locator("#f-rows tr.group").count() == len({f.pack for f in result.findings})
    # An estate-level line on the first screen shows the findings behind it.
    first = result.estate_risks[0]
    page.locator("a.estate-link").first.click()
    expect(page.locator("#f-rows tr.finding")).to_have_count(first.finding_count)
    assert page.locator("#f-group").input_value() == "risk"
    page.select_option("#f-risk", "")
    page.select_option("#f-group", "")
    page.locator("th[data-sort=asset]").click()
    names = [b.inner_text() for b in page.locator("#f-rows button.asset-name").all()]
    assert names == sorted(names)

    # The asset detail opens with the asset's findings and evidence.
    page.locator("#f-rows button.asset-name", has_text="bucket-hk").first.click()
    detail = page.locator("[data-testid=asset-detail]")
    assert detail.is_visible()
    assert "bucket-hk" in page.locator("#detail-title").inner_text()
    assert "COC-001" in detail.inner_text() and "Hong Kong" in detail.inner_text()
    (hk,) = [a.id for a in result.assets if a.name == "bucket-hk"]
    assert detail.locator(".detail-risk").count() == len(
        [r for r in result.risks if r.asset_id == hk]
    )
    page.screenshot(path=str(artifacts / "report-detail.png"))
    page.keyboard.press("Escape")
    assert not detail.is_visible()
    page.screenshot(path=str(artifacts / "report.png"), full_page=True)
    assert problems == [] and requests == [path.as_uri()]
    page.close()


def test_hostile_names_render_as_text_and_run_nothing(
    browser: Any, hostile_result: AuditResult, tmp_path: Path
) -> None:
    path = tmp_path / "report.html"
    page_bytes = html.render(hostile_result)
    assert b"<script>window.__pwned" not in page_bytes
    path.write_bytes(page_bytes)
    page, requests, problems = _open(browser, path)
    assert page.evaluate("window.__pwned === undefined")
    assert page.locator("img").count() == 0
    assert page.locator("script").count() == 2  # the data block and the report's own script
    assert HOSTILE in page.locator("#f-rows").inner_text()
    page.locator("#f-rows button.asset-name").first.click()
    assert HOSTILE in page.locator("#detail-body").inner_text()
    assert page.evaluate("window.__pwned === undefined")
    assert requests == [path.as_uri()]
    assert problems == []
    page.close()


def test_content_security_policy_forbids_network_access(result: AuditResult) -> None:
    page = unescape(html.render(result).decode())
    assert "default-src 'none'" in page and "connect-src 'none'" in page
    assert "script-src 'sha256-" in page and "unsafe-inline'; script" not in page
    head = page.split("<body>")[0]
    assert "http://" not in head and "https://" not in head


def test_an_organization_report_of_parts_counts_them_and_links_each(
    browser: Any, result: AuditResult, tmp_path: Path
) -> None:
    # As ``merge --units-per-part`` writes it: counts over the parts, no per-asset lists.
    parts = ("parts/part-1", "parts/part-2")
    folded = result.model_copy(update={"assets": (), "findings": (), "risks": (), "parts": parts})
    path = tmp_path / "report.html"
    path.write_bytes(html.render(folded))
    page, requests, problems = _open(browser, path)
    assert requests == [path.as_uri()] and problems == []
    summary = result.summary
    assert summary.by_status and summary.risk_count
    expected_open = str(summary.by_status[FindingStatus.OPEN])
    assert page.locator("[data-testid=open-count]").inner_text() == expected_open
    assert page.locator("[data-testid=risk-count]").inner_text() == str(summary.risk_count)
    links = page.locator("[data-testid=parts] a")
    assert links.all_inner_texts() == list(parts)
    assert links.first.get_attribute("href") == "parts/part-1/report.html"
    assert _rows(page) == 0
