"""report.junit.xml: one test suite per rule pack, one test case per rule and asset.

A rule that fired on nothing is one passing case; each open finding is a failing case;
a waived finding is a skipped case with the waiver's reason. CI systems show it as tests.
Written case by case as it is rendered (the counts each suite opens with are worked out
first), so a million findings are never one XML tree.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from xml.sax.saxutils import escape, quoteattr

from assessor.models import AuditResult, Finding, FindingStatus
from assessor.renderers.base import NO_CONTEXT, ReportContext

_BATCH = 1000  # cases per piece
# Characters XML 1.0 cannot hold at all, even escaped; names and tags may carry them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render(result: AuditResult, context: ReportContext = NO_CONTEXT) -> bytes:
    """A suite per pack: a passing case per rule that found nothing, a failed case per open
    finding, a skipped one per waived or baselined finding; for CI test tabs."""
    return b"".join(chunks(result, context))


def chunks(result: AuditResult, context: ReportContext = NO_CONTEXT) -> Iterator[bytes]:
    """:func:`render`'s bytes, a thousand cases at a time."""
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_rule[finding.rule_id].append(finding)
    suites = {pack: [r for r in result.rules if r.pack == pack] for pack in result.packs}
    counts = {
        pack: _counts([by_rule.get(rule.id, []) for rule in rules])
        for pack, rules in suites.items()
    }
    totals = [sum(column) for column in zip(*counts.values(), strict=True)] or [0, 0, 0]
    assets = {asset.id: asset for asset in result.assets}
    yield b"<?xml version='1.0' encoding='utf-8'?>\n"
    yield f"<testsuites {_attributes('assessor', totals)}>\n".encode()
    for pack, rules in suites.items():
        yield f"  <testsuite {_attributes(pack, counts[pack])}>\n".encode()
        lines: list[str] = []
        for rule in rules:
            classname = f"{pack}.{rule.id}"
            found = by_rule.get(rule.id, [])
            if not found:
                lines.append(f"    <testcase {_pairs(classname=classname, name=rule.title)} />")
            for finding in found:
                asset = assets.get(finding.asset_id)
                name = f"{asset.name if asset else finding.asset_id} ({finding.asset_id})"
                lines.append(_case(classname, name, finding))
                if len(lines) >= _BATCH:
                    yield ("\n".join(lines) + "\n").encode()
                    lines = []
        if lines:
            yield ("\n".join(lines) + "\n").encode()
        yield b"  </testsuite>\n"
    yield b"</testsuites>\n"


def _counts(found_per_rule: list[list[Finding]]) -> list[int]:
    """Tests, failures and skipped cases of one suite."""
    tests = sum(len(found) or 1 for found in found_per_rule)
    findings = [finding for found in found_per_rule for finding in found]
    failures = sum(1 for finding in findings if finding.status is FindingStatus.OPEN)
    return [tests, failures, len(findings) - failures]


def _attributes(name: str, counts: list[int]) -> str:
    tests, failures, skipped = counts
    return _pairs(name=name, tests=tests, failures=failures, skipped=skipped, errors=0)


def _case(classname: str, name: str, finding: Finding) -> str:
    head = f"    <testcase {_pairs(classname=classname, name=name)}>\n"
    if finding.status is not FindingStatus.OPEN:
        why = finding.waiver.reason if finding.waiver else "in the baseline"
        body = f"      <skipped {_pairs(message=f'{finding.status.value}: {why}')} />\n"
    else:
        evidence = "\n".join(f"{key}: {value}" for key, value in finding.evidence.items())
        attributes = _pairs(message=finding.message, type=finding.severity.value)
        body = f"      <failure {attributes}>{escape(_xml_text(evidence))}</failure>\n"
    return f"{head}{body}    </testcase>"


def _pairs(**values: object) -> str:
    return " ".join(f"{key}={quoteattr(_xml_text(str(value)))}" for key, value in values.items())


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
