"""Accepted risks: a waivers file matched against findings by rule and asset pattern.

A waived finding stays in every report, marked waived with its owner, reason and expiry; it
does not count towards ``--fail-on``. A waiver past its expiry date stops applying and is
reported, and so is a waiver that matched nothing (it may be stale).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from assessor.engine.loader import LoadedRule
from assessor.inputs import load_validated_yaml
from assessor.models import Asset, Finding, FindingStatus, Waiver, WaiverFile


@dataclass(frozen=True)
class WaiverOutcome:
    """What applying waivers did: the findings with waived ones marked, and the waivers that expired
    or matched nothing."""

    findings: list[Finding]
    expired: list[Waiver]
    unused: list[Waiver]


def load_waivers(path: Path) -> list[Waiver]:
    """Read a waivers file; errors name the file, line and field."""
    parsed, lines = load_validated_yaml(path, WaiverFile)
    return [
        waiver.model_copy(update={"source": f"{path}:{lines.get(('waivers', i), 1)}"})
        for i, waiver in enumerate(parsed.waivers)
    ]


def apply_waivers(
    findings: Sequence[Finding],
    assets: Mapping[str, Asset],
    rules: Iterable[LoadedRule],
    waivers: Sequence[Waiver],
    today: date,
) -> WaiverOutcome:
    """Mark the findings that an unexpired waiver (a file's or an inline one) covers as waived."""
    names = {
        identity: item.rule.id
        for item in rules
        for identity in (item.rule.id, item.rule.name, *item.rule.aliases)
    }
    active = [w for w in waivers if w.expires >= today]
    expired = [w for w in waivers if w.expires < today]
    used: set[int] = set()
    result = []
    for finding in findings:
        asset = assets.get(finding.asset_id)
        match = next(
            (
                (index, waiver)
                for index, waiver in enumerate(active)
                if _rule_matches(waiver.rule, finding.rule_id, names)
                and _asset_matches(waiver.asset, finding.asset_id, asset)
            ),
            None,
        )
        if match is None:
            result.append(finding)
            continue
        used.add(match[0])
        result.append(
            finding.model_copy(update={"status": FindingStatus.WAIVED, "waiver": match[1]})
        )
    unused = [waiver for index, waiver in enumerate(active) if index not in used]
    return WaiverOutcome(result, expired, unused)


def _rule_matches(pattern: str, rule_id: str, names: Mapping[str, str]) -> bool:
    return pattern == "*" or names.get(pattern, pattern) == rule_id


def _asset_matches(pattern: str, asset_id: str, asset: Asset | None) -> bool:
    candidates = [asset_id] + ([asset.name] if asset else [])
    return any(fnmatch.fnmatchcase(candidate, pattern) for candidate in candidates)
