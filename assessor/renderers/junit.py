"""report.junit.xml: one test suite per rule pack, one test case per rule and asset.

A rule that fired on nothing is one passing case; each open finding is a failing case;
a waived finding is a skipped case with the waiver's reason. CI systems show it as tests.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections import defaultdict

from assessor.models import AuditResult, Finding, FindingStatus
from assessor.renderers.base import NO_CONTEXT, ReportContext


def render(result: AuditResult, context: ReportContext = NO_CONTEXT) -> bytes:
    """A suite per pack: a passing case per rule that found nothing, a failed case per open
    finding, a skipped one per waived or baselined finding; for CI test tabs."""
    assets = {asset.id: asset for asset in result.assets}
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_rule[finding.rule_id].append(finding)
    root = ElementTree.Element("testsuites", name="assessor")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for pack in result.packs:
        suite = ElementTree.SubElement(root, "testsuite", name=pack)
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        for rule in (r for r in result.rules if r.pack == pack):
            found = by_rule.get(rule.id, [])
            if not found:
                ElementTree.SubElement(
                    suite, "testcase", classname=f"{pack}.{rule.id}", name=rule.title
                )
                counts["tests"] += 1
            for finding in found:
                asset = assets.get(finding.asset_id)
                case = ElementTree.SubElement(
                    suite,
                    "testcase",
                    classname=f"{pack}.{rule.id}",
                    name=f"{asset.name if asset else finding.asset_id} ({finding.asset_id})",
                )
                counts["tests"] += 1
                if finding.status is not FindingStatus.OPEN:
                    why = finding.waiver.reason if finding.waiver else "in the baseline"
                    ElementTree.SubElement(
                        case, "skipped", message=f"{finding.status.value}: {why}"
                    )
                    counts["skipped"] += 1
                    continue
                failure = ElementTree.SubElement(
                    case, "failure", message=finding.message, type=finding.severity.value
                )
                failure.text = "\n".join(f"{k}: {v}" for k, v in finding.evidence.items())
                counts["failures"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("errors", "0")
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    ElementTree.indent(root)
    text: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return text + b"\n"
