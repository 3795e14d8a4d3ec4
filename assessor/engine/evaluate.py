"""Evaluates compiled rules over an inventory: a pure function from assets to findings."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from assessor.catalog import Catalog
from assessor.engine.fields import PLACEHOLDER, Context, getter
from assessor.engine.loader import LoadedRule
from assessor.identity import finding_fingerprint
from assessor.models import Asset, Finding, Rule, Selector


def evaluate(
    assets: Iterable[Asset], rules: Sequence[LoadedRule], catalog: Catalog
) -> list[Finding]:
    """Every finding of every rule on every asset, in a deterministic order."""
    findings: list[Finding] = []
    for asset in assets:
        context = Context(asset, catalog)
        for item in rules:
            if not selected(item.rule.select, asset):
                continue
            evidence = item.predicate(context)
            if evidence is None:
                continue
            findings.append(_finding(item, asset, evidence, context))
    return sort_findings(findings)


def selected(selector: Selector, asset: Asset) -> bool:
    return (
        (not selector.providers or asset.provider in selector.providers)
        and (not selector.services or asset.service in selector.services)
        and (not selector.kinds or asset.kind in selector.kinds)
    )


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.severity.rank, f.rule_id, f.asset_id, f.fingerprint))


def _finding(item: LoadedRule, asset: Asset, evidence: dict[str, str], context: Context) -> Finding:
    rule = item.rule
    severity = rule.severity
    for name, read in item.evidence:
        found = read(context)
        evidence[name] = ", ".join(found) if isinstance(found, tuple) else str(found)
    for step in item.escalations:
        if step.severity.rank > severity.rank and step.predicate(context) is not None:
            severity = step.severity
            evidence["severity raised"] = f"{rule.severity.value} → {severity.value}: {step.reason}"
    return Finding(
        fingerprint=finding_fingerprint(rule.id, asset),
        rule_id=rule.id,
        rule_name=rule.name,
        pack=item.pack,
        asset_id=asset.id,
        severity=severity,
        title=rule.title,
        message=render_message(rule, context),
        evidence=evidence,
        sources=rule.sources,
    )


def render_message(rule: Rule, context: Context) -> str:
    """Fill ``{field.path}`` placeholders with field values; unknown names stay as written."""

    def value(match: re.Match[str]) -> str:
        read = getter(match.group(1), in_flow=False)
        if read is None:
            return match.group(0)
        found = read(context)
        if isinstance(found, tuple):
            return ", ".join(found) or "none"
        return "unknown" if found in (None, "") else str(found)

    return PLACEHOLDER.sub(value, rule.message)
