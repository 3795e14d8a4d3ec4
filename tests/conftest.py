"""Shared fixtures: a moto server and a GCS emulator over HTTP, the catalog, Chromium.

The emulators start once per test session (the same launcher ``assessor demo`` uses) and
are reset before every test that uses them.
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assessor.catalog import Catalog, load_catalog
from assessor.testing.emulators import gcs_emulator, moto_server, pointed_at
from assessor.testing.postgres import throwaway_postgres

ARTIFACTS = Path(os.environ.get("ASSESSOR_TEST_ARTIFACTS", "test-artifacts"))


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def gcs_endpoint() -> Iterator[str]:
    with gcs_emulator() as endpoint:
        yield endpoint


@pytest.fixture
def aws(moto_endpoint: str) -> Iterator[str]:
    """A freshly reset moto server, with boto3 pointed at it through AWS_ENDPOINT_URL."""
    request = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    with pointed_at(moto_endpoint, None):
        yield moto_endpoint


@pytest.fixture
def gcs(gcs_endpoint: str) -> Iterator[str]:
    """A wiped GCS emulator, with google-cloud-storage pointed at it."""
    urllib.request.urlopen(f"{gcs_endpoint}/wipe", timeout=10).close()
    with pointed_at(None, gcs_endpoint):
        yield gcs_endpoint


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's headless Chromium driven by Playwright (installed by the test command)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a loopback port (see assessor.testing.postgres)."""
    with throwaway_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def history(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh history location: a SQLite file, or a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "state.sqlite")
    url: str = request.getfixturevalue("postgres_url")
    # A fresh database per test, so runs from other tests do not mix in.
    import psycopg

    name = f"h{os.getpid()}_{abs(hash(tmp_path)) % 10**8}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + f"/{name}"


# Fixtures that start a server, an emulator or a browser. Tests that use none of them (and
# are not marked `server` because they start one themselves) are marked `offline`, so a quick
# loop runs in seconds: `pytest -m offline`.
SERVER_FIXTURES = frozenset(
    {
        "aws",
        "gcs",
        "moto_endpoint",
        "gcs_endpoint",
        "browser",
        "postgres_url",
        "history",
        "page",
        "hook",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        needs_server = SERVER_FIXTURES & set(getattr(item, "fixturenames", ()))
        marked = item.get_closest_marker("server") or item.get_closest_marker("browser")
        if not needs_server and not marked:
            item.add_marker(pytest.mark.offline)
