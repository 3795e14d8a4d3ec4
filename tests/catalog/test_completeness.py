"""Every region a provider's own SDK knows is in the catalog, so a new region fails the build
with its name instead of an audit quietly saying "unknown location".

The SDK versions read here are pinned in pyproject.toml's test extras; bumping a pin is how a
provider's new regions reach the catalog. Sources per provider:

* AWS: botocore's endpoints.json, every partition (tests/catalog/test_catalog.py).
* Huawei Cloud: the ``*Region`` classes of the installed ``huaweicloudsdk*`` service SDKs
  (each service knows its own regions; their union is the provider's list).
* Alibaba Cloud: aliyun-python-sdk-core's endpoints.json; keys that are internal endpoints or
  points of presence are listed with their reason in ``catalog/data/not-regions.csv``.
* Oracle: oci's ``regions_definitions.REGIONS``.
* Tencent Cloud, Azure and Google Cloud ship no region list in their Python SDKs (regions come
  from a live API), so their rows are checked against the documents named in sources.yaml.
"""

from __future__ import annotations

import json
import re
from importlib import metadata, resources
from pathlib import Path

import pytest

from assessor.catalog import Catalog
from assessor.models import Provider

HUAWEI_SDKS = (
    "huaweicloudsdkecs",
    "huaweicloudsdkobs",
    "huaweicloudsdkrds",
    "huaweicloudsdkvpc",
    "huaweicloudsdknat",
    "huaweicloudsdkcse",
)
_REGION_CALL = re.compile(r'Region\(\s*"([a-z0-9-]+)"')


def _huawei_regions() -> list[tuple[str, str]]:
    """(region, sdk) for every ``Region("...")`` in the SDKs' region modules, read as text
    (importing a service SDK pulls in far more than its region list)."""
    found: dict[str, str] = {}
    for sdk in HUAWEI_SDKS:
        for file in metadata.files(sdk) or ():
            if file.name.endswith("_region.py"):
                text = Path(str(file.locate())).read_text(encoding="utf-8")
                for region in _REGION_CALL.findall(text):
                    found.setdefault(region, sdk)
    return sorted(found.items())


def _alibaba_regions() -> list[str]:
    data = resources.files("aliyunsdkcore").joinpath("data/endpoints.json").read_text("utf-8")
    endpoints = json.loads(data)
    keys = set(endpoints["regions"])
    for per_region in endpoints["regional_endpoints"].values():
        keys |= set(per_region)
    return sorted(keys)


def _oracle_regions() -> list[str]:
    from oci.regions_definitions import REGIONS

    return sorted(REGIONS)


def test_the_sdk_lists_are_read() -> None:
    # Guard against a completeness test that passes because it reads nothing.
    assert len(_huawei_regions()) >= 30 and len(_alibaba_regions()) >= 50
    assert len(_oracle_regions()) >= 80


@pytest.mark.parametrize(("region", "sdk"), _huawei_regions())
def test_every_huawei_sdk_region_is_in_the_catalog(catalog: Catalog, region: str, sdk: str) -> None:
    location = catalog.locate(Provider.HUAWEI, region)
    assert location.known, f"Huawei region {region} (in {sdk}) is missing from regions/huawei.csv"
    assert location.countries


@pytest.mark.parametrize("region", _alibaba_regions())
def test_every_alibaba_sdk_region_is_in_the_catalog_or_reviewed(
    catalog: Catalog, region: str
) -> None:
    location = catalog.locate(Provider.ALIBABA, region)
    reviewed = catalog.not_a_region(Provider.ALIBABA, region)
    assert location.known or reviewed, (
        f"Alibaba region {region} (aliyunsdkcore endpoints.json) is missing from "
        "regions/alibaba.csv and not reviewed in not-regions.csv"
    )
    assert not (location.known and reviewed), f"{region} is both a region and not a region"


@pytest.mark.parametrize("region", _oracle_regions())
def test_every_oracle_sdk_region_is_in_the_catalog(catalog: Catalog, region: str) -> None:
    location = catalog.locate(Provider.ORACLE, region)
    assert location.known, (
        f"Oracle region {region} (oci REGIONS) is missing from regions/oracle.csv"
    )


@pytest.mark.parametrize(
    ("provider", "region", "city", "country"),
    [
        (Provider.HUAWEI, "ru-northwest-2", "Moscow", "RU"),
        (Provider.ALIBABA, "rg-china-mainland", None, "CN"),
        (Provider.AZURE, "swedensouth", "Malmö", "SE"),
        (Provider.TENCENT, "ap-taipei", "Taipei", "TW"),
        (Provider.TENCENT, "ap-beijing-fsi", "Beijing", "CN"),
        (Provider.ALIBABA, "na-south-1", "Querétaro", "MX"),
        (Provider.ALIBABA, "eu-west-2", "Paris", "FR"),
        (Provider.BAIDU, "hb-fsg", None, "CN"),
        (Provider.AZURE, "jioindiawest", "Jamnagar", "IN"),
        (Provider.GCP, "us-central1-a", "Council Bluffs", "US"),
    ],
)
def test_regions_that_read_as_unknown_before(
    catalog: Catalog, provider: Provider, region: str, city: str | None, country: str
) -> None:
    location = catalog.locate(provider, region)
    assert location.known and location.city == city and location.countries == (country,)
    assert location.source in catalog.sources()


@pytest.mark.parametrize(
    ("region", "paired"),
    [
        ("swedencentral", "swedensouth"),
        ("westindia", "southindia"),
        ("brazilsoutheast", "brazilsouth"),
    ],
)
def test_azure_pairs(catalog: Catalog, region: str, paired: str) -> None:
    assert catalog.paired_region(Provider.AZURE, region) == paired


def test_a_configurable_dual_region_is_placed_in_its_two_regions_only(catalog: Catalog) -> None:
    from assessor.catalog import locate
    from assessor.probes.gcs import BucketFacts, bucket_asset

    facts = BucketFacts(
        name="tw-jp",
        project="p",
        location="ASIA",
        location_type="dual-region",
        data_locations=("ASIA-EAST1", "ASIA-NORTHEAST1"),
        kms_key=None,
        public_access_prevention=None,
        labels={},
    )
    asset = locate(bucket_asset(facts), catalog)
    assert asset.location is not None and asset.location.known
    assert set(asset.location.countries) == {"TW", "JP"} and "HK" not in asset.location.countries
    assert asset.attributes["multi_region"] == "ASIA"
    # The multi-region alone, with no placement, is all of ASIA, and said to be inferred.
    asia = catalog.locate(Provider.GCP, "asia")
    assert "HK" in asia.countries and asia.confidence is not None and asia.confidence.value == "U"


def test_partner_operated_regions_name_their_operator(catalog: Catalog) -> None:
    riyadh = catalog.locate(Provider.ALIBABA, "me-central-1")
    assert riyadh.operator and "stc" in riyadh.operator and riyadh.operator_jurisdiction == "SA"
    for region, jurisdiction in (("eu-west-0", "FR"), ("ae-ad-1", "AE"), ("ru-moscow-1", "RU")):
        location = catalog.locate(Provider.HUAWEI, region)
        assert location.operator and "unverified" in location.operator, region
        assert location.operator_jurisdiction == jurisdiction


def test_every_listing_flag_is_supported_by_a_source_it_cites(catalog: Catalog) -> None:
    entries = [*catalog.vendors().values(), *catalog.providers().values()]
    assert entries
    for entry in entries:
        for flag in entry.named_in:
            assert any(flag in catalog.supports(source) for source in entry.sources), (
                f"{entry.id}: no cited source supports {flag}"
            )
    vendors = catalog.vendors()
    assert (
        "entity-list" in vendors["hikvision"].named_in
        and "entity-list" in vendors["dahua"].named_in
    )
    assert (
        "entity-list" in vendors["kaspersky"].named_in and "pafaca" in vendors["bytedance"].named_in
    )
    assert "clean-carrier" not in vendors["china-mobile-international-usa"].named_in
    assert catalog.sources()["cfr-28-202-208"].url.endswith("section-202.208")


def test_regions_check_shows_where_knowledge_is_thin() -> None:
    from click.testing import CliRunner

    from assessor.cli import main

    ran = CliRunner().invoke(main, ["regions", "--check", "--format", "json"])
    assert ran.exit_code == 0, ran.output
    report = json.loads(ran.output)
    huawei = report["huawei"]
    assert huawei["rows"] == sum(huawei["by_confidence"].values())
    flagged = {row["region"]: row for row in huawei["not_verified"]}
    assert "unverified" in flagged["eu-west-0"]["operator"] and "cn-north-4" not in flagged
    table = CliRunner().invoke(main, ["regions", "--check", "--provider", "alibaba"]).output
    assert table.startswith("alibaba") and "na-south-1" in table and "cn-hangzhou " not in table
