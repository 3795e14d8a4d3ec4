"""The inventory stage: builds probes from their options, runs them, collects their assets
and coverage gaps, attaches locations, and stamps the result with the run's time.

Probes only know region codes; the catalog turns each into a :class:`Location` here, once
(:func:`assessor.catalog.locate`), so rules and renderers never look a region up themselves.
:func:`collect` is what every run's inventory goes through: an audit, ``assessor
inventory``, and each unit a shard worker reads.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from assessor.catalog import Catalog, load_catalog, locate
from assessor.errors import AssessorError
from assessor.models import (
    Asset,
    CoverageGap,
    GapReason,
    Inventory,
    ProbeRun,
)
from assessor.probes.base import Probe, ProbeConfig, ReadOnlyViolation, load_probe

ProgressCallback = Callable[[str, int, int], None]
PROBE_CRASH = "probe stopped early: "


@dataclass(frozen=True)
class ProbeResults:
    """The located inventory, and the gaps of probes that stopped early (a scheduled run
    announces those as a failure)."""

    inventory: Inventory
    crashed: tuple[CoverageGap, ...] = ()


def clock() -> datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set, so reports can be reproduced byte for byte.
    Read once per run and passed down, so one run has one time everywhere it is shown."""
    if reproducible():
        return datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), UTC)
    return datetime.now(UTC).replace(microsecond=0)


def reproducible() -> bool:
    """Whether this is a reproducible run (``SOURCE_DATE_EPOCH`` is set)."""
    return bool(os.environ.get("SOURCE_DATE_EPOCH", "").isdigit())


def build_probes(configs: Mapping[str, ProbeConfig], processes: int = 1) -> list[Probe]:
    """Construct every probe first: options are parsed and checked before any probe scans.
    Each may share its scan out between up to ``processes`` processes."""
    probes = [load_probe(name)(config) for name, config in configs.items()]
    for probe in probes:
        probe.processes = processes
    return probes


def collect(
    configs: Mapping[str, ProbeConfig],
    *,
    catalog: Catalog | None = None,
    now: datetime | None = None,
    progress: ProgressCallback | None = None,
    processes: int = 1,
) -> ProbeResults:
    """Build the probes named in ``configs`` (name → options), run them, and return the
    located inventory stamped with the run's time ``now``."""
    now = now or clock()
    taken = take_inventory(build_probes(configs, processes), catalog or load_catalog(), progress)
    return ProbeResults(stamped(taken.inventory, now), taken.crashed)


def stamped(taken: Inventory, now: datetime) -> Inventory:
    """The inventory with the run's time; in a reproducible run the probes' durations are
    left out too, so the same estate gives the same bytes."""
    update: dict[str, object] = {"generated_at": now}
    if reproducible():
        update["probes"] = tuple(run.model_copy(update={"seconds": 0.0}) for run in taken.probes)
    return taken.model_copy(update=update)


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
    # A probe that reads the others' findings runs after them (the order is otherwise kept).
    for probe in sorted(probes, key=lambda probe: probe.reads_inventory):
        clock = time.monotonic()
        found = lost = 0
        try:
            if probe.reads_inventory:
                probe.observe(tuple(assets.values()))
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
    """The order gaps are listed in: by probe, account, region, service, message."""
    return (gap.probe, gap.account or "", gap.region or "", gap.service or "", gap.message)


__all__ = [
    "ProbeResults",
    "ProgressCallback",
    "build_probes",
    "clock",
    "collect",
    "reproducible",
    "run_probes",
    "stamped",
    "take_inventory",
]
