"""The location and provider catalog, checked against what installed SDKs ship."""

from __future__ import annotations

import json

import botocore.session
import pytest
from click.testing import CliRunner

from assessor.catalog import Catalog
from assessor.cli import main
from assessor.models import Confidence, LocationScope, Provider


def _botocore_regions() -> list[tuple[str, str]]:
    loader = botocore.session.get_session().get_component("data_loader")
    endpoints = loader.load_data("endpoints")
    return [(p["partition"], code) for p in endpoints["partitions"] for code in p["regions"]]


@pytest.mark.parametrize(("partition", "region"), _botocore_regions())
def test_every_botocore_region_is_in_the_catalog(
    catalog: Catalog, partition: str, region: str
) -> None:
    location = catalog.locate(Provider.AWS, region)
    assert location.known, f"{partition}/{region} is missing from regions/aws.csv"
    assert location.partition == partition
    assert location.country is not None


def test_every_row_has_a_resolvable_source_and_a_place(catalog: Catalog) -> None:
    sources = catalog.sources()
    for row in catalog.regions():
        assert row.source in sources, row
        assert row.countries, row
        if row.scope is LocationScope.REGION:
            assert row.latitude is not None and row.longitude is not None, row


def test_every_provider_has_a_profile_and_regions(catalog: Catalog) -> None:
    for provider in Provider:
        if not provider.has_regions:
            assert catalog.provider(provider) is None  # declared items name a vendor instead
            continue
        profile = catalog.provider(provider)
        assert profile is not None
        assert profile.hq_country and profile.jurisdictions and profile.sources
        assert catalog.regions(provider), provider


@pytest.mark.parametrize(
    ("provider", "region", "country", "jurisdictions", "operator"),
    [
        (Provider.AWS, "ap-east-1", "HK", ("CN", "HK"), None),
        (Provider.AWS, "cn-north-1", "CN", ("CN",), "Sinnet"),
        (Provider.AWS, "cn-northwest-1", "CN", ("CN",), "NWCD"),
        (Provider.AWS, "eu-central-1", "DE", ("DE", "EU"), None),
        (Provider.AZURE, "chinanorth3", "CN", ("CN",), "21Vianet"),
        (Provider.AZURE, "eastasia", "HK", ("CN", "HK"), None),
        (Provider.GCP, "asia-east2", "HK", ("CN", "HK"), None),
        (Provider.GCP, "US-EAST4", "US", ("US",), None),
        (Provider.ALIBABA, "us-east-1", "US", ("US",), None),
        (Provider.HUAWEI, "ap-southeast-1", "HK", ("CN", "HK"), None),
        (Provider.ORACLE, "eu-frankfurt-1", "DE", ("DE", "EU"), None),
        (Provider.TENCENT, "ap-hongkong", "HK", ("CN", "HK"), None),
    ],
)
def test_known_regions(
    catalog: Catalog,
    provider: Provider,
    region: str,
    country: str,
    jurisdictions: tuple[str, ...],
    operator: str | None,
) -> None:
    location = catalog.locate(provider, region)
    assert location.known and location.country == country
    assert location.jurisdictions == jurisdictions
    if operator:
        assert location.operator and operator in location.operator
    else:
        assert location.operator is None


def test_unknown_region_is_unknown_not_guessed(catalog: Catalog) -> None:
    location = catalog.locate(Provider.AWS, "ap-east-9")
    assert location.known is False and location.country is None and location.countries == ()
    assert catalog.locate(Provider.ALIBABA, "rus-west-1").known is False  # no public region known


def test_uncertain_rows_are_marked(catalog: Catalog) -> None:
    assert catalog.locate(Provider.AWS, "eu-isoe-west-1").confidence is Confidence.UNCERTAIN


def test_countries_of_concern_include_hong_kong_and_macau(catalog: Catalog) -> None:
    group = catalog.group("countries-of-concern").countries
    assert group == {"CN", "HK", "MO", "CU", "IR", "KP", "RU", "VE"}


def test_cli_regions_json_has_location_fields() -> None:
    result = CliRunner().invoke(main, ["regions", "hong kong", "--format", "json"])
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert {(r["provider"], r["region"]) for r in rows} >= {
        ("aws", "ap-east-1"),
        ("gcp", "asia-east2"),
    }
    assert all(r["country"] == "HK" and r["latitude"] and "CN" in r["jurisdictions"] for r in rows)


def test_cli_regions_unknown_region_says_known_false() -> None:
    result = CliRunner().invoke(
        main, ["regions", "xx-nowhere-1", "--provider", "aws", "--format", "json"]
    )
    assert result.exit_code == 0
    [row] = json.loads(result.output)
    assert row["region"] == "xx-nowhere-1" and row["known"] is False and row["country"] is None


def test_cli_regions_table() -> None:
    result = CliRunner().invoke(main, ["regions", "cn-north-1", "--provider", "aws"])
    assert result.exit_code == 0
    assert "Beijing" in result.output and "Sinnet" in result.output
