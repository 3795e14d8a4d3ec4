"""``assessor demo`` end to end: emulators, seeding, real probes, rules, reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assessor.demo.estate import AWS_BUCKETS, GCS_BUCKETS

# Starts emulators (or builds a wheel) of its own.
pytestmark = pytest.mark.server

# What each risky demo asset must trip, and why; every other asset must trip nothing.
RISKY = {
    # In Hong Kong: a country of concern, the PRC, and the policy's denied list.
    "nw-analytics-dr-apac": {"COC-001", "CLN-003", "ACR-002", "RES-003"},
    "nw-asia-cache": {"COC-001", "CLN-003", "ACR-002", "RES-003"},
    # Replicates from Ireland into Hong Kong.
    "nw-analytics-eu": {"COC-004", "CLN-009", "ACR-004", "RES-003"},
    # A PII database (no record count) with a read replica in Hong Kong, and the replica.
    "nw-orders": {"COC-004", "CLN-009", "ACR-004", "RES-001", "RES-003", "DSP-009"},
    "nw-orders-apac-reader": {"COC-001", "CLN-003", "ACR-002", "RES-001", "RES-003", "DSP-009"},
    # A region the catalog does not know (its waiver has expired, so it is open again).
    "nw-sandbox-new-region": {"COC-005"},
    # Replicates to a bucket whose region cannot be read (waived).
    "nw-partner-drop": {"COC-006"},
    # PII in Brazil: the policy allows only the EU and the US.
    "nw-mobile-telemetry": {"RES-001"},
    # Google Cloud (Cloud Asset Inventory): support tickets in Hong Kong; the ledger on a
    # Spanner configuration that keeps a replica in Taiwan, outside the financial policy.
    "nw_support_tickets": {"COC-001", "CLN-003", "ACR-002", "RES-001", "RES-003", "DSP-009"},
    "nw-ledger": {"RES-002"},
    # Azure (Resource Graph): customer files in Hong Kong (geo-replicated to Singapore), and
    # orders in the Netherlands replicated to East Asia (Hong Kong).
    "nwcustomerfiles": {"COC-001", "CLN-003", "ACR-002", "RES-001", "RES-003", "DSP-009"},
    "nw-orders-cosmos": {"COC-004", "CLN-009", "ACR-004", "RES-003"},
    # Alibaba, Tencent and Huawei clouds (live probes against loopback servers): any
    # resource at a PRC provider trips the Commerce review and Clean Cloud; PII in Hong Kong,
    # a Frankfurt bucket replicated into Shanghai, a bucket in Guangzhou, and a database in
    # ap-southeast-1, which is Hong Kong at Huawei Cloud.
    "nw-hk-customer-exports": {
        "ACR-001",
        "ACR-002",
        "CLN-001",
        "CLN-002",
        "CLN-003",
        "COC-001",
        "COC-003",
        "DSP-009",
        "RES-001",
        "RES-003",
    },
    "nw-fra-catalog": {
        "ACR-001",
        "ACR-002",
        "ACR-004",
        "CLN-001",
        "CLN-002",
        "CLN-009",
        "COC-003",
        "COC-004",
        "RES-003",
    },
    "nw-gz-media-1250000000": {
        "ACR-001",
        "ACR-002",
        "CLN-001",
        "CLN-002",
        "CLN-003",
        "COC-001",
        "COC-003",
        "RES-003",
    },
    "nw-apac-orders": {
        "ACR-001",
        "ACR-002",
        "CLN-002",
        "CLN-003",
        "COC-001",
        "COC-003",
        "DSP-009",
        "RES-001",
        "RES-003",
    },
    # Declared items.
    "Branch office routers": {"CLN-005"},
    "Transit to the Hong Kong office": {"CLN-006"},
    "Marketing analytics SDK": {"CLN-007", "RES-001", "COC-005", "DSP-009"},
    # Found in the app repository's lockfiles (the code probe).
    "Pangle ads (com.pangle.global/ads-sdk)": {
        "CLN-007",
        "CODE-001",
        "CODE-002",
        "DSP-009",
        "RES-001",
    },
    "Tencent Cloud Chat (IM) (@tencentcloud/chat)": {"CLN-007", "CODE-001", "DSP-009", "RES-001"},
    "Umeng device identification (com.umeng.umsdk/asms)": {"CODE-001", "DSP-009", "RES-001"},
    "Umeng analytics (com.umeng.umsdk/common)": {"CODE-001", "DSP-009", "RES-001"},
    "npmmirror (registry.npmmirror.com)": {"CODE-004"},
    "Nightly export to the Shenzhen contract manufacturer": {
        "COC-004",
        "CLN-009",
        "ACR-004",
        "RES-003",
    },
}


def test_demo_writes_reports_with_findings_only_on_risky_assets(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    run = subprocess.run(
        [sys.executable, "-m", "assessor", "demo", "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads((out / "report.json").read_text())
    assert (out / "report.html").read_text().startswith("<!DOCTYPE html>")
    names = {asset["name"] for asset in report["assets"]}
    assert {b.name for b in AWS_BUCKETS} | {b.name for b in GCS_BUCKETS} <= names
    by_asset: dict[str, set[str]] = {}
    asset_names = {asset["id"]: asset["name"] for asset in report["assets"]}
    for finding in report["findings"]:
        by_asset.setdefault(asset_names[finding["asset_id"]], set()).add(finding["rule_id"])
        assert finding["sources"], finding
    assert by_asset == RISKY
    severe = {
        asset_names[f["asset_id"]]
        for f in report["findings"]
        if f["severity"] in ("high", "critical")
    }
    assert severe <= set(RISKY)
    # The first screen states each fact once: the Alibaba bucket in Hong Kong is where it is,
    # who holds it, who holds its keys and how much personal data (every pack under each).
    risks: dict[str, list[dict[str, object]]] = {}
    for risk in report["risks"]:
        risks.setdefault(asset_names[risk["asset_id"]], []).append(risk)
    hk = {risk["fact"]: risk for risk in risks["nw-hk-customer-exports"]}
    assert set(hk) == {"location", "provider", "key-custody", "volume"}
    assert {line["pack"] for line in hk["location"]["lines"]} >= {  # type: ignore[attr-defined]
        "clean-network",
        "countries-of-concern",
        "residency",
    }
    assert len(report["findings"]) > len(report["risks"]) and len(report["estate_risks"]) <= 10
    page = (out / "report.html").read_text()
    top = page[page.index('data-testid="top-risks"') :].split("</ol>")[0]
    shown = [part.split("</strong>")[0] for part in top.split('<strong class="asset-name">')[1:]]
    assert shown and len(shown) == len(set(shown))  # no asset twice among the top risks
