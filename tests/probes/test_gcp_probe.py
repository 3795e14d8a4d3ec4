"""The gcp probe: the real google-cloud-asset client (REST transport, unmodified) against a
loopback server that speaks Cloud Asset's searchAllResources shape and wants a bearer token."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from assessor.catalog import Catalog
from assessor.cli import main
from assessor.models import GapReason, Inventory, Plan
from assessor.probes.base import ReadOnlyViolation
from assessor.probes.gcp import GcpProbe
from assessor.testing.environment import scoped_environment
from assessor.testing.probes import scan
from assessor.testing.servers.base import Answer, serving
from assessor.testing.servers.cloud_asset import CloudAssetApi
from tests.shards.sharding import sharded_and_whole

ORG = "organizations/4242"
FOLDER = "folders/77"


def _resource(
    project: str, asset_type: str, name: str, location: str, **extra: Any
) -> dict[str, Any]:
    # Cloud SQL's resources are named under cloudsql.googleapis.com, as Cloud Asset does.
    service = {"sqladmin": "cloudsql"}.get(asset_type.split(".")[0], asset_type.split(".")[0])
    return {
        "name": f"//{service}.googleapis.com/projects/{project}/{name}",
        "assetType": asset_type,
        "project": f"projects/{project}",
        "projectId": project,
        "folders": [FOLDER],
        "organization": ORG,
        "location": location,
        **extra,
    }


def estate() -> list[dict[str, Any]]:
    """Two projects: 1,100 ordinary disks across zones (so results span pages) and the
    resources whose residency hides in their own JSON."""
    resources = [
        _resource(
            f"proj-{i % 2}",
            "compute.googleapis.com/Disk",
            f"zones/us-central1-a/disks/d{i}",
            "us-central1-a",
        )
        for i in range(1100)
    ]
    resources += [
        _resource(
            "proj-0",
            "bigquery.googleapis.com/Dataset",
            "datasets/hk_customers",
            "asia-east2",
            labels={"data-class": "pii"},
            kmsKeys=["projects/proj-0/locations/asia-east2/keyRings/r/cryptoKeys/bq"],
        ),
        _resource(
            "proj-0",
            "secretmanager.googleapis.com/Secret",
            "secrets/api-key",
            "global",
            versionedResources=[
                {
                    "version": "v1",
                    "resource": {
                        "replication": {
                            "userManaged": {
                                "replicas": [{"location": "us-east1"}, {"location": "asia-east2"}]
                            }
                        }
                    },
                }
            ],
        ),
        _resource(
            "proj-1",
            "spanner.googleapis.com/Instance",
            "instances/ledger",
            "nam-eur-asia1",
            labels={"data-class": "pii"},
            versionedResources=[
                {
                    "version": "v1",
                    "resource": {"config": "projects/proj-1/instanceConfigs/nam-eur-asia1"},
                }
            ],
        ),
        _resource(
            "proj-1",
            "compute.googleapis.com/Snapshot",
            "global/snapshots/nightly",
            "global",
            versionedResources=[
                {"version": "v1", "resource": {"storageLocations": ["asia-east2"]}}
            ],
        ),
        _resource(
            "proj-1",
            "storage.googleapis.com/Bucket",
            "buckets/tw-jp",
            "asia",
            versionedResources=[
                {
                    "version": "v1",
                    "resource": {
                        "location": "ASIA",
                        "customPlacementConfig": {
                            "dataLocations": ["ASIA-EAST1", "ASIA-NORTHEAST1"]
                        },
                    },
                }
            ],
        ),
        _resource(
            "proj-1",
            "pubsub.googleapis.com/Topic",
            "topics/events",
            "global",
            versionedResources=[
                {
                    "version": "v1",
                    "resource": {
                        "messageStoragePolicy": {
                            "allowedPersistenceRegions": ["europe-west1", "asia-east2"]
                        }
                    },
                }
            ],
        ),
        _resource("proj-1", "sqladmin.googleapis.com/Instance", "instances/orders", "us-central1"),
        _resource(
            "proj-1",
            "sqladmin.googleapis.com/Instance",
            "instances/orders-hk",
            "asia-east2",
            versionedResources=[
                {
                    "version": "v1",
                    "resource": {"masterInstanceName": "proj-1:orders", "region": "asia-east2"},
                }
            ],
        ),
        _resource("proj-1", "compute.googleapis.com/Network", "global/networks/default", "global"),
    ]
    return resources


@pytest.fixture
def cloud_asset() -> Iterator[tuple[CloudAssetApi, str]]:
    api = CloudAssetApi(estate())
    with serving(api) as url:
        environment = {"GOOGLE_OAUTH_ACCESS_TOKEN": api.token, "ASSESSOR_GCP_ENDPOINT": url}
        with scoped_environment(environment):
            yield api, url


def _ending_in(inventory: Inventory, suffix: str) -> Any:
    return next(asset for asset in inventory.assets if asset.id.endswith(suffix))


def test_every_resource_across_pages_and_projects_with_its_country(
    cloud_asset: tuple[CloudAssetApi, str], catalog: Catalog
) -> None:
    api, _ = cloud_asset
    inventory = scan(GcpProbe, catalog, scope=(ORG,))
    assert len(inventory.assets) == len(api.resources) and not inventory.gaps
    searches = [r for r in api.requests if r.path.endswith(":searchAllResources")]
    assert len(searches) == 3 and all(r.query["pageSize"] == "500" for r in searches)
    assert {a.account for a in inventory.assets} == {"projects/proj-0", "projects/proj-1"}
    disk = _ending_in(inventory, "disks/d7")
    assert disk.region == "us-central1-a" and disk.location.country == "US"  # zone → region
    dataset = _ending_in(inventory, "datasets/hk_customers")
    assert dataset.location.country == "HK" and dataset.classification == "pii"
    assert dataset.encryption.key_region == "asia-east2"
    network = _ending_in(inventory, "networks/default")
    assert network.region == "global" and not network.location.known  # said, never guessed
    assert network.attributes["location_note"].startswith("global")


def test_copies_named_in_each_resource_json_are_locations_and_flows(
    cloud_asset: tuple[CloudAssetApi, str], catalog: Catalog
) -> None:
    inventory = scan(GcpProbe, catalog, scope=(FOLDER,))
    secret = _ending_in(inventory, "secrets/api-key")
    assert {f.target_region for f in secret.flows} == {"us-east1", "asia-east2"}
    assert set(secret.location.countries) == {"US", "HK"}
    snapshot = _ending_in(inventory, "snapshots/nightly")
    assert snapshot.location.country == "HK"  # its name says global; storageLocations say HK
    bucket = _ending_in(inventory, "buckets/tw-jp")
    assert set(bucket.location.countries) == {"TW", "JP"}
    spanner = _ending_in(inventory, "instances/ledger")
    assert set(spanner.location.countries) == {"US", "BE", "TW"}
    topic = _ending_in(inventory, "topics/events")
    assert {f.target_location.country for f in topic.flows} == {"BE", "HK"}
    primary = _ending_in(inventory, "instances/orders")
    (replica,) = primary.flows
    assert replica.target_region == "asia-east2" and replica.target_location.country == "HK"


def test_the_audit_flags_the_hong_kong_copies_and_a_policy_flags_spanner_in_asia(
    cloud_asset: tuple[CloudAssetApi, str], tmp_path: Path
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "rules:\n  - name: pii-us-eu\n    classification: pii\n    allowed: [US, EU]\n"
    )
    ran = CliRunner().invoke(
        main,
        [
            "audit",
            "--probe",
            "gcp",
            "--gcp-scope",
            ORG,
            "--policy",
            str(policy),
            "-o",
            str(tmp_path),
            "--format",
            "json",
        ],
        env=dict(os.environ),
    )
    assert ran.exit_code == 0, ran.output
    report = json.loads((tmp_path / "report.json").read_text())
    fired: dict[str, set[str]] = {}
    for finding in report["findings"]:
        fired.setdefault(finding["asset_id"].rsplit("/", 2)[-1], set()).add(finding["rule_id"])
    assert "COC-004" in fired["api-key"]  # a replica in Hong Kong: a copy into a country of concern
    assert "COC-004" in fired["orders"]  # its read replica in Hong Kong
    assert "COC-001" in fired["hk_customers"]
    assert any(rule.startswith("RES-") for rule in fired["ledger"])  # pii replicated to Taiwan


def test_throttling_then_success_is_absorbed(
    cloud_asset: tuple[CloudAssetApi, str], catalog: Catalog
) -> None:
    api, _ = cloud_asset
    refused = {"count": 0}

    def throttle(request: Any) -> Answer | None:
        if refused["count"] < 2:
            refused["count"] += 1
            return Answer.of(
                429, {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "quota"}}
            )
        return None

    api.fault = throttle
    inventory = scan(GcpProbe, catalog, scope=(ORG,))
    assert len(inventory.assets) == len(api.resources) and not inventory.gaps


def test_a_denied_project_and_a_disabled_api_are_one_gap_each(
    cloud_asset: tuple[CloudAssetApi, str], catalog: Catalog
) -> None:
    api, _ = cloud_asset
    api.disabled.add("projects/proj-1")

    def deny(request: Any) -> Answer | None:
        if "projects/proj-0" in request.path:
            return Answer.of(
                403, {"error": {"code": 403, "status": "PERMISSION_DENIED", "message": "denied"}}
            )
        return None

    api.fault = deny
    inventory = scan(GcpProbe, catalog, scope=("projects/proj-0", "projects/proj-1", FOLDER))
    gaps = {gap.account: gap for gap in inventory.gaps}
    assert set(gaps) == {"projects/proj-0", "projects/proj-1"}
    assert gaps["projects/proj-0"].reason is GapReason.ACCESS_DENIED
    assert gaps["projects/proj-1"].reason is GapReason.NOT_ENABLED
    assert {gap.operation for gap in gaps.values()} == {"cloudasset.assets.searchAllResources"}
    assert len(inventory.assets) == len(api.resources)  # the folder scope still read everything


def test_a_page_that_is_not_the_api_is_a_gap(
    cloud_asset: tuple[CloudAssetApi, str], catalog: Catalog
) -> None:
    api, _ = cloud_asset
    api.fault = lambda request: Answer(200, b"<html>Sign in</html>", content_type="text/html")
    inventory = scan(GcpProbe, catalog, scope=(ORG,))
    (gap,) = inventory.gaps
    assert gap.reason is GapReason.ERROR and not inventory.assets


def test_only_declared_operations_reach_the_client(cloud_asset: tuple[CloudAssetApi, str]) -> None:
    from assessor.probes.gcp.probe import OPERATIONS, _client
    from assessor.probes.live import GuardedClient

    client = GuardedClient(_client(os.environ["ASSESSOR_GCP_ENDPOINT"]), "gcp", OPERATIONS)
    with pytest.raises(ReadOnlyViolation, match="refused analyze_move"):
        client.analyze_move()
    assert GcpProbe.read_operations == {
        "cloudasset.assets.searchAllResources",
        "dns.resourceRecordSets.list",
    }
    assert all(
        op.split(".")[-1].startswith(("search", "list", "get")) for op in GcpProbe.read_operations
    )


def test_without_a_token_the_server_refuses(
    cloud_asset: tuple[CloudAssetApi, str], catalog: Catalog
) -> None:
    os.environ["GOOGLE_OAUTH_ACCESS_TOKEN"] = "wrong"
    inventory = scan(GcpProbe, catalog, scope=(ORG,))
    assert inventory.gaps[0].reason is GapReason.ACCESS_DENIED and not inventory.assets


def test_throttling_that_outlasts_the_retries_is_one_gap_per_scope(
    cloud_asset: tuple[CloudAssetApi, str], catalog: Catalog
) -> None:
    api, _ = cloud_asset

    def throttle(request: Any) -> Answer | None:
        if "proj-1" in request.path:
            return Answer.of(429, {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED"}})
        return None

    api.fault = throttle
    inventory = scan(
        GcpProbe, catalog, scope=("projects/proj-0", "projects/proj-1"), **{"max-attempts": "2"}
    )
    (gap,) = inventory.gaps
    assert gap.reason is GapReason.THROTTLED and gap.account == "projects/proj-1"
    assert "after 2 attempts" in gap.message
    assert {a.account for a in inventory.assets} == {"projects/proj-0"}


def test_catalog_knows_the_multi_region_names_the_probe_meets(catalog: Catalog) -> None:
    from assessor.models import Provider

    for code in ("us", "eu", "asia", "nam4", "eur4", "asia1", "nam5", "eur3", "nam-eur-asia1"):
        location = catalog.locate(Provider.GCP, code)
        assert location.known and location.countries and location.source, code
    assert not catalog.locate(Provider.GCP, "nam-mars1").known


def test_a_plan_splits_an_organization_into_projects_and_the_shards_merge_whole(
    cloud_asset: tuple[CloudAssetApi, str], tmp_path: Path
) -> None:
    api, _ = cloud_asset
    for number, project in enumerate(("proj-0", "proj-1")):
        api.resources.append(
            {
                "name": f"//cloudresourcemanager.googleapis.com/projects/{1000 + number}",
                "assetType": "cloudresourcemanager.googleapis.com/Project",
                "project": f"projects/{1000 + number}",
                "projectId": project,
                "folders": [FOLDER],
                "organization": ORG,
                "location": "global",
                "additionalAttributes": {"projectId": project},
            }
        )
    runner = CliRunner()
    plan_file = tmp_path / "plan.json"
    planned = runner.invoke(
        main, ["plan", "--probe", "gcp", "--gcp-scope", ORG, "-o", str(plan_file)]
    )
    assert planned.exit_code == 0, planned.output
    plan = Plan.model_validate_json(plan_file.read_text())
    assert plan.units == ("projects/proj-0", "projects/proj-1") and plan.unit_option == "scope"
    searches = [r for r in api.requests if r.query.get("assetTypes")]
    assert len(searches) == 1  # one project search for the organization
    merged, whole = sharded_and_whole(
        plan_file, 2, ["--probe", "gcp", "--gcp-scope", ORG], tmp_path
    )
    assert merged == whole and len(whole) > 1100


def test_a_snapshot_with_the_older_singular_storage_location_is_placed_too(
    catalog: Catalog,
) -> None:
    from assessor.catalog import locate
    from assessor.probes.gcp.resources import resource_asset

    for spelling in ({"storageLocations": ["asia-east2"]}, {"storageLocation": "asia-east2"}):
        row = _resource(
            "proj-1",
            "compute.googleapis.com/Snapshot",
            "global/snapshots/old",
            "global",
            versionedResources=[{"version": "v1", "resource": spelling}],
        )
        located = locate(resource_asset(row), catalog)
        assert located.region == "asia-east2" and located.location.country == "HK", spelling


def test_spanner_s_nam_eur_asia1_is_where_google_says_it_is(catalog: Catalog) -> None:
    # "United States, Europe, and Asia (Iowa/Oklahoma/Belgium/Taiwan)": the Netherlands is
    # nam-eur-asia3's.
    from assessor.models import Provider

    place = catalog.locate(Provider.GCP, "nam-eur-asia1")
    assert set(place.countries) == {"US", "BE", "TW"}
