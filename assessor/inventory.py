"""Runs probes, collects their assets and coverage gaps, and attaches locations.

Probes only know region codes; the catalog turns each into a :class:`Location` here, once,
so rules and renderers never look a region up themselves.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from assessor.catalog import Catalog
from assessor.errors import AssessorError
from assessor.models import (
    Asset,
    CoverageGap,
    GapReason,
    Inventory,
    Location,
    ProbeRun,
    Provider,
    replaced,
)
from assessor.probes.base import Probe, ReadOnlyViolation

ProgressCallback = Callable[[str, int, int], None]
PROBE_CRASH = "probe stopped early: "


def run_probes(
    probes: Sequence[Probe],
    catalog: Catalog,
    progress: ProgressCallback | None = None,
    now: datetime | None = None,
) -> Inventory:
    """Run each probe to completion and return the located inventory.

    A probe that raises does not end the audit: its failure becomes a coverage gap, and the
    assets it had already yielded are kept.
    """
    started = now or datetime.now(UTC)
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
            gaps.append(
                CoverageGap(
                    probe=probe.name,
                    reason=GapReason.ERROR,
                    message=f"{PROBE_CRASH}{type(error).__name__}: {error}",
                )
            )
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
    return Inventory(
        generated_at=started,
        probes=tuple(runs),
        assets=tuple(sorted(assets.values(), key=lambda asset: asset.id)),
        gaps=tuple(sorted(gaps, key=gap_sort_key)),
    )


def locate(asset: Asset, catalog: Catalog) -> Asset:
    """Attach the catalog location to an asset and to each of its flows.

    A provider region is looked up in the catalog; a declared item with only a country gets
    a country-level location; anything else is an unknown location.
    """
    flows = tuple(
        replaced(
            flow,
            target_location=_place(
                catalog, asset.provider, flow.target_region, flow.target_country
            ),
        )
        for flow in asset.flows
    )
    location = _place(catalog, asset.provider, asset.region, asset.country)
    return replaced(asset, location=location, flows=flows)


def _place(
    catalog: Catalog, provider: Provider, region: str | None, country: str | None
) -> Location:
    if region and provider is not Provider.DECLARED:
        return catalog.locate(provider, region)
    if country:
        return catalog.country_location(country)
    return catalog.locate(provider, region)


def gap_sort_key(gap: CoverageGap) -> tuple[str, ...]:
    return (gap.probe, gap.account or "", gap.region or "", gap.service or "", gap.message)


def relocate(inventory: Inventory, catalog: Catalog) -> Inventory:
    """Locate the assets of a saved inventory again with this catalog (``evaluate``)."""
    return inventory.model_copy(
        update={"assets": tuple(locate(asset, catalog) for asset in inventory.assets)}
    )


__all__ = ["locate", "relocate", "run_probes"]
