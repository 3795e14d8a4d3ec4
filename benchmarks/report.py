"""How a large HTML report renders, loads and filters in headless Chromium.

    python benchmarks/report.py --findings 100000

Ends with one line: ``report: N findings, S MiB, render R s, load L s, filter F ms``.
Targets: 100,000 findings load in under 3 s and a filter responds in under 200 ms.
Needs Debian's chromium (/usr/bin/chromium) and playwright.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evaluate import synthetic_estate

from assessor.catalog import load_catalog
from assessor.engine.selection import RuleSelection
from assessor.models import Inventory
from assessor.renderers import html
from assessor.run import assess

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def build(findings: int):  # type: ignore[no-untyped-def]
    catalog = load_catalog()
    rule_set = RuleSelection().load(catalog)
    assets = synthetic_estate(int(findings * 1.3))
    inventory = Inventory(generated_at=datetime.now(UTC), assets=tuple(assets))
    result = assess(inventory, rule_set)
    return result.model_copy(update={"findings": result.findings[:findings]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--findings", type=int, default=100_000)
    args = parser.parse_args()
    result = build(args.findings)
    started = time.perf_counter()
    page_bytes = html.render(result)
    render_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        path = Path(folder) / "report.html"
        path.write_bytes(page_bytes)
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page()
        started = time.perf_counter()
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready=true]", timeout=60_000)
        load_seconds = time.perf_counter() - started
        filters = []
        for severity in ("critical", "medium", ""):
            filters.append(
                page.evaluate(
                    """(value) => {
                    const select = document.getElementById('f-severity');
                    select.value = value;
                    const started = performance.now();
                    select.dispatchEvent(new Event('change'));
                    return performance.now() - started;
                }""",
                    severity,
                )
            )
        browser.close()
    size = len(page_bytes) / 2**20
    print(f"{len(result.assets)} assets; filter times {', '.join(f'{f:.0f}' for f in filters)} ms")
    print(
        f"report: {len(result.findings)} findings, {size:.1f} MiB, render {render_seconds:.1f} s, "
        f"load {load_seconds:.2f} s, filter {max(filters):.0f} ms"
    )


if __name__ == "__main__":
    main()
