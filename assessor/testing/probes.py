"""Run one probe the way the inventory stage does and look at what it found: the helpers
every probe's tests share."""

from __future__ import annotations

from collections.abc import Sequence

from assessor.catalog import Catalog
from assessor.inventory import run_probes
from assessor.models import Asset, Inventory
from assessor.probes.base import Probe, ProbeConfig


def probe_config(**options: str | Sequence[str]) -> ProbeConfig:
    """Options as the command line gives them, without the probe's prefix: a text is one
    occurrence, a sequence of texts several (``path=("a", "b")``)."""
    return ProbeConfig(
        {
            name: (value,) if isinstance(value, str) else tuple(value)
            for name, value in options.items()
        }
    )


def scan(probe: type[Probe], catalog: Catalog, **options: str | Sequence[str]) -> Inventory:
    """The located inventory ``probe`` finds with ``options``."""
    return run_probes([probe(probe_config(**options))], catalog)


def named(inventory: Inventory, name: str) -> Asset:
    """The one asset called ``name``; fails naming every asset there is."""
    found = [asset for asset in inventory.assets if asset.name == name]
    if len(found) != 1:
        names = sorted(asset.name for asset in inventory.assets)
        raise AssertionError(f"{len(found)} assets named {name!r} among {names}")
    return found[0]
