"""Runs probes, collects their assets and coverage gaps, and attaches locations.

Probes only know region codes; the catalog turns each into a :class:`Location` here, once
(:func:`assessor.catalog.locate`), so rules and renderers never look a region up themselves.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from assessor.catalog import Catalog, locate
from assessor.errors import AssessorError
from assessor.models import (
    Asset,
    CoverageGap,
    GapReason,
    Inventory,
    ProbeRun,
)
from assessor.probes.base import Probe, ReadOnlyViolation

ProgressCallback = Callable[[str, int, int], None]
PROBE_CRASH = "probe stopped early: "


@dataclass(frozen=True)
class ProbeResults:
    """The located inventory, and the gaps of probes that stopped early (a scheduled run
    announces those as a failure)."""

    inventory: Inventory
    crashed: tuple[CoverageGap, ...] = ()


def run_probes(
    probes: Sequence[Probe],
    catalog: Catalog,
    progress: ProgressCallback | None = None,
    now: datetime | None = None,
) -> Inventory:
    """Run each probe to completion and return the located inventory."""
    return take_inventory(probes, catalog, progress, now).inventory


def take_inventory(
    probes: Sequence[Probe],
    catalog: Catalog,
    progress: ProgressCallback | None = None,
    now: datetime | None = None,
) -> ProbeResults:
    """Run each probe to completion and return the located inventory.

    A probe that raises does not end the audit: its failure becomes a coverage gap, and the
    assets it had already yielded are kept.
    """
    started = now or datetime.now(UTC)
    crashed: list[CoverageGap] = []
    assets: dict[str, Asset] = {}
    gaps: list[CoverageGap] = []
    runs: list[ProbeRun] = []
    for probe in probes:
        clock = time.monotonic()
        found = lost = 0
        try:
            for item in probe.scan():
                if isinstance(item, CoverageGap):
                    gaps.append(item)
                    lost += 1
                else:
                    assets[item.id] = locate(item, catalog)
                    found += 1
                if progress:
                    progress(probe.name, found, lost)
        except Exception as error:
            if isinstance(error, ReadOnlyViolation | AssessorError):
                raise  # a write attempt is a bug, bad input a usage error: never a gap
            crash = CoverageGap(
                probe=probe.name,
                reason=GapReason.ERROR,
                message=f"{PROBE_CRASH}{type(error).__name__}: {error}",
            )
            gaps.append(crash)
            crashed.append(crash)
            lost += 1
        runs.append(
            ProbeRun(
                name=probe.name,
                version=probe.version,
                scope=probe.scope(),
                asset_count=found,
                gap_count=lost,
                seconds=round(time.monotonic() - clock, 3),
                notes=probe.notes(),
            )
        )
    inventory = Inventory(
        generated_at=started,
        probes=tuple(runs),
        assets=tuple(sorted(assets.values(), key=lambda asset: asset.id)),
        gaps=tuple(sorted(gaps, key=gap_sort_key)),
    )
    return ProbeResults(inventory, tuple(crashed))


def gap_sort_key(gap: CoverageGap) -> tuple[str, ...]:
    return (gap.probe, gap.account or "", gap.region or "", gap.service or "", gap.message)


__all__ = ["ProbeResults", "run_probes", "take_inventory"]
