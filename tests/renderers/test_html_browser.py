"""report.html opened in headless Chromium: offline, error-free, and hostile text stays text."""

from __future__ import annotations

from html import unescape
from pathlib import Path
from typing import Any

import pytest

from assessor.models import AuditResult
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
    page.wait_for_load_state("load")
    return page, requests, problems


def test_report_loads_offline_without_errors(
    browser: Any, result: AuditResult, tmp_path: Path, artifacts: Path
) -> None:
    path = tmp_path / "report.html"
    path.write_bytes(html.render(result))
    page, requests, problems = _open(browser, path)
    assert requests == [path.as_uri()], "the report fetched something besides itself"
    assert problems == []
    assert page.locator("[data-testid=finding-count]").inner_text() == str(len(result.findings))
    assert page.locator("tr.finding").count() == len(result.findings)
    assert page.locator("#places tbody tr").count() >= 3
    assert page.locator("tr.gap").count() == 1
    # Each finding links to its asset's row, which exists on the page.
    first_link = page.locator("tr.finding a.asset-name").first.get_attribute("href")
    assert first_link and page.locator(first_link).count() == 1
    page.screenshot(path=str(artifacts / "report.png"), full_page=True)
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
    assert page.locator("img").count() == 0 and page.locator("script").count() == 0
    assert HOSTILE in page.locator("#assets").inner_text()
    assert requests == [path.as_uri()]
    assert problems == []
    page.close()


def test_content_security_policy_forbids_network_access(result: AuditResult) -> None:
    page = unescape(html.render(result).decode())
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "http://" not in page.split("<body>")[0]
