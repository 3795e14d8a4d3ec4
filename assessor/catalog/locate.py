"""Attaches catalog locations to assets and their flows.

Probes only know region codes; this turns each into a :class:`Location`, once, so rules and
renderers never look a region up themselves.
"""

from __future__ import annotations

from assessor.catalog.loader import Catalog
from assessor.models import PAIRED_REGION, Asset, Flow, Inventory, Location, Provider, replaced


def locate(asset: Asset, catalog: Catalog) -> Asset:
    """Attach the catalog location to an asset and to each of its flows.

    A provider region is looked up in the catalog; a declared item with only a country gets
    a country-level location; anything else is an unknown location.
    """
    flows = tuple(_locate_flow(flow, asset, catalog) for flow in asset.flows)
    location = _place(catalog, asset.provider, asset.region, asset.country)
    return replaced(asset, location=location, flows=flows)


def relocate(inventory: Inventory, catalog: Catalog) -> Inventory:
    """Locate the assets of a saved inventory again with this catalog (``evaluate``)."""
    return inventory.model_copy(
        update={"assets": tuple(locate(asset, catalog) for asset in inventory.assets)}
    )


def _locate_flow(flow: Flow, asset: Asset, catalog: Catalog) -> Flow:
    region = flow.target_region
    if region == PAIRED_REGION:
        region = catalog.paired_region(asset.provider, asset.region)
        flow = replaced(flow, target_region=region)
    return replaced(
        flow, target_location=_place(catalog, asset.provider, region, flow.target_country)
    )


def _place(
    catalog: Catalog, provider: Provider, region: str | None, country: str | None
) -> Location:
    if region and provider.has_regions:
        return catalog.locate(provider, region)
    if country:
        return catalog.country_location(country)
    return catalog.locate(provider, region)
