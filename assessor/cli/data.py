"""``data``: reference data a probe reads and assessor does not bundle (IP → AS)."""

from __future__ import annotations

from pathlib import Path

import click

from assessor import run
from assessor.cli import console
from assessor.probes.network.fetch import IPTOASN_URL, fetch_iptoasn


@click.group()
def data() -> None:
    """Fetch reference data the probes read (the audit itself never calls out)."""


@data.group()
def fetch() -> None:
    """Download a dataset."""


@fetch.command("iptoasn")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("ip2asn-combined.tsv.gz"),
    show_default=True,
)
@click.option("--url", default=IPTOASN_URL, show_default=True, help="Where to download from.")
def iptoasn(output: Path, url: str) -> int:
    """The IPtoASN IP → AS file (public domain), for --network-dataset."""
    size = fetch_iptoasn(output, url)
    console.out(f"wrote {output} ({size:,} bytes from {url}); use --network-dataset {output}")
    return run.exit_status()


COMMANDS = [data]
