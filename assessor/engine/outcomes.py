"""The engine's findings, held compactly until they are read.

A finding as a model holds about 470 bytes (the object, its values, a 32-character
fingerprint, a rendered message); a million of them are half a gigabyte, most of it texts
derived from the rule and the asset. Here each finding is a pair, the *outcome* (a rule that
fired on the asset's shape: evidence, severity and the message rendered but for the parts
that name the asset, shared by every asset of that shape) and the asset itself, 16 bytes
in two lists. A :class:`Finding` is built from its pair when it is read, equal every time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import pairwise
from typing import NamedTuple, overload

from assessor.catalog import Catalog
from assessor.engine.fields import Context
from assessor.engine.loader import LoadedRule
from assessor.findings.identity import finding_fingerprint
from assessor.models import (
    Asset,
    Finding,
    FindingStatus,
    Severity,
    assembled,
    shared_fields_set,
)

MessagePart = str | Callable[[Context], str]
_FINDING_FIELDS = shared_fields_set(Finding.model_fields)


class Outcome(NamedTuple):
    """A rule that fired on an asset's shape, before it is a finding."""

    rule: LoadedRule
    evidence: dict[str, str]
    severity: Severity
    # Rendered but for the parts that name the asset, which are rendered per asset.
    message: list[MessagePart]


class FoundFindings(Sequence[Finding]):
    """Findings as (outcome, asset) pairs, each built into a :class:`Finding` when read."""

    __slots__ = ("_assets", "_catalog", "_outcomes")

    def __init__(self, catalog: Catalog) -> None:
        self._outcomes: list[Outcome] = []
        self._assets: list[Asset] = []
        self._catalog = catalog

    def add(self, outcomes: Sequence[Outcome], asset: Asset) -> None:
        """Record that each of ``outcomes`` fired on ``asset``."""
        self._outcomes += outcomes
        self._assets += [asset] * len(outcomes)

    def __len__(self) -> int:
        return len(self._outcomes)

    @overload
    def __getitem__(self, index: int) -> Finding: ...

    @overload
    def __getitem__(self, index: slice) -> FoundFindings: ...

    def __getitem__(self, index: int | slice) -> Finding | FoundFindings:
        if isinstance(index, slice):
            part = FoundFindings(self._catalog)
            part._outcomes = self._outcomes[index]
            part._assets = self._assets[index]
            return part
        return self._built(self._outcomes[index], self._assets[index])

    def __iter__(self) -> Iterator[Finding]:
        built = self._built
        for outcome, asset in zip(self._outcomes, self._assets, strict=True):
            yield built(outcome, asset)

    def sorted(self) -> FoundFindings:
        """The findings worst first, then by rule, asset and fingerprint: the order every
        output uses (as :func:`assessor.engine.evaluate.sort_findings`).

        Sorted by positions, one key at a time (each sort is stable); the fingerprint is
        only computed where rule and asset id tie (the same id in two accounts).
        """
        outcomes, assets = self._outcomes, self._assets
        order = list(range(len(outcomes)))
        keys: list[Callable[[int], str | int]] = [
            lambda at: assets[at].id,
            lambda at: outcomes[at].rule.rule.id,
            lambda at: -outcomes[at].severity.rank,
        ]
        for key in keys:
            order.sort(key=key)
        if any(_tied(outcomes, assets, one, next_one) for one, next_one in pairwise(order)):
            keys.insert(0, lambda at: finding_fingerprint(outcomes[at].rule.rule.id, assets[at]))
            for key in keys:
                order.sort(key=key)
        ordered = FoundFindings(self._catalog)
        ordered._outcomes = [outcomes[at] for at in order]
        ordered._assets = [assets[at] for at in order]
        return ordered

    def _built(self, outcome: Outcome, asset: Asset) -> Finding:
        item, evidence, severity, parts = outcome
        rule = item.rule
        context = Context(asset, self._catalog)
        # The parts are texts already joined, and the parts that name the asset.
        message = "".join([part if isinstance(part, str) else part(context) for part in parts])
        # Every value here is already validated; skip re-validating millions of findings.
        return assembled(
            Finding,
            _FINDING_FIELDS,
            {
                "fingerprint": finding_fingerprint(rule.id, asset),
                "rule_id": rule.id,
                "rule_name": rule.name,
                "pack": item.pack,
                "asset_id": asset.id,
                "severity": severity,
                "title": rule.title,
                "message": message,
                "evidence": evidence,
                "sources": rule.sources,
                "status": FindingStatus.OPEN,
                "waiver": None,
            },
        )


def _tied(outcomes: list[Outcome], assets: list[Asset], one: int, other: int) -> bool:
    """Whether two findings have the same severity, rule and asset id (only possible when
    two assets share an id, in different accounts or providers)."""
    return (
        assets[one].id == assets[other].id
        and outcomes[one].rule.rule.id == outcomes[other].rule.rule.id
        and outcomes[one].severity is outcomes[other].severity
    )
