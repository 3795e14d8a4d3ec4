"""``regions``: look regions up in the location catalog."""

from __future__ import annotations

import click

from assessor import run
from assessor.catalog import load_catalog
from assessor.cli import console
from assessor.models import Provider


@click.command()
@click.argument("query", required=False)
@click.option(
    "--provider", type=click.Choice([p.value for p in Provider]), help="Only this provider."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
@click.option(
    "--check",
    is_flag=True,
    help="Print, per provider, rows by confidence tag and every row that is not verified.",
)
def regions(query: str | None, provider: str | None, output_format: str, check: bool) -> int:
    """Look regions up in the location catalog (QUERY matches code, name, city or country).

    A region the catalog does not know is printed with known: false, never guessed.
    """
    catalog = load_catalog()
    rows = catalog.regions(Provider(provider) if provider else None)
    if check:
        console.catalog_check(rows, output_format == "json")
        return run.exit_status()
    if query:
        needle = query.lower()
        rows = [
            row
            for row in rows
            if any(
                needle in (value or "").lower()
                for value in (row.region, row.name, row.city, row.country, *row.countries)
            )
        ]
        if not rows and provider:
            rows = [catalog.locate(Provider(provider), query)]
    console.region_rows(rows, output_format == "json")
    if not rows:
        console.note("no matching region")
    return run.exit_status(failing=not rows)  # 1 when nothing matched, as grep does


COMMANDS = (regions,)
