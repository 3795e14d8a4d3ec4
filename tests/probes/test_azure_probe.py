"""The azure probe: the real azure-mgmt-resourcegraph client (unmodified) against a loopback
server speaking Resource Graph's REST shape, with quota headers, 429s and a bearer token."""

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
from assessor.models import FlowKind, GapReason, Plan
from assessor.probes.azure import AzureProbe
from assessor.probes.azure import probe as azure
from assessor.testing.environment import scoped_environment
from assessor.testing.probes import named, scan
from assessor.testing.servers.base import Answer, serving
from assessor.testing.servers.resource_graph import ResourceGraphApi
from tests.shards.sharding import sharded_and_whole

SUB_A, SUB_B, SUB_LOCKED = "1111-aaaa", "2222-bbbb", "3333-cccc"


def _row(subscription: str, kind: str, name: str, location: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{subscription}/resourceGroups/rg/providers/{kind}/{name}",
        "name": name,
        "type": kind.lower(),
        "location": location,
        "subscriptionId": subscription,
        "resourceGroup": "rg",
        "tags": extra.pop("tags", {}),
        "sku": extra.pop("sku", None),
        "kind": extra.pop("kind", None),
        "properties": extra.pop("properties", {}),
    }


def estate() -> list[dict[str, Any]]:
    rows = [
        _row(SUB_A if i % 2 else SUB_B, "Microsoft.Compute/disks", f"disk-{i}", "westeurope")
        for i in range(2300)
    ]
    rows += [
        _row(
            SUB_A,
            "Microsoft.Storage/storageAccounts",
            "stcustomers",
            "eastasia",
            sku={"name": "Standard_GRS"},
            tags={"data-class": "pii"},
            properties={"primaryLocation": "eastasia", "secondaryLocation": "southeastasia"},
        ),
        _row(
            SUB_A,
            "Microsoft.Storage/storageAccounts",
            "stlogs",
            "westeurope",
            sku={"name": "Standard_RAGRS"},
            properties={},
        ),
        _row(
            SUB_B,
            "Microsoft.DocumentDB/databaseAccounts",
            "cosmos-orders",
            "westeurope",
            properties={
                "locations": [
                    {"locationName": "West Europe", "failoverPriority": 0},
                    {"locationName": "East Asia", "failoverPriority": 1},
                ]
            },
        ),
        _row(
            SUB_B,
            "Microsoft.Sql/servers/failoverGroups",
            "sql-fog",
            "northeurope",
            properties={
                "partnerServers": [
                    {
                        "id": "/subscriptions/x/servers/sql-dr",
                        "location": "East Asia",
                        "replicationRole": "Secondary",
                    }
                ]
            },
        ),
        _row(SUB_B, "Microsoft.KeyVault/vaults", "kv-app", "germanywestcentral"),
        _row(SUB_LOCKED, "Microsoft.Storage/storageAccounts", "stsecret", "eastus"),
    ]
    return rows


@pytest.fixture
def graph() -> Iterator[ResourceGraphApi]:
    api = ResourceGraphApi(estate(), quota=15, window=1.0)
    api.denied.add(SUB_LOCKED)
    with serving(api) as url:
        environment = {"AZURE_ACCESS_TOKEN": api.token, "ASSESSOR_AZURE_ENDPOINT": url}
        with scoped_environment(environment):
            yield api


def test_two_subscriptions_across_pages_with_copies_into_hong_kong(
    graph: ResourceGraphApi, catalog: Catalog
) -> None:
    inventory = scan(AzureProbe, catalog, subscription=(f"{SUB_A},{SUB_B}",))
    readable = [row for row in graph.rows if row["subscriptionId"] != SUB_LOCKED]
    assert len(inventory.assets) == len(readable) and not inventory.gaps
    pages = [r for r in graph.requests if r.method == "POST"]
    assert len(pages) == 3 and all(r.json()["options"]["$top"] == 1000 for r in pages)
    storage = named(inventory, "stcustomers")
    assert storage.location.country == "HK" and storage.classification == "pii"
    (secondary,) = storage.flows
    assert secondary.target_region == "southeastasia" and secondary.target_location.country == "SG"
    logs = named(inventory, "stlogs")  # RA-GRS with no secondary named: the catalog's pair
    assert logs.flows[0].target_region == "northeurope"
    cosmos = named(inventory, "cosmos-orders")
    (replica,) = cosmos.flows
    assert replica.target_region == "eastasia" and replica.target_location.country == "HK"
    fog = named(inventory, "sql-fog")
    assert fog.flows[0].target_location.country == "HK"
    vault = named(inventory, "kv-app")
    assert (
        vault.flows[0].kind is FlowKind.KEY_REPLICA
        and vault.flows[0].target_region == "germanynorth"
    )


def test_a_subscription_without_access_is_one_gap_and_the_others_are_read(
    graph: ResourceGraphApi, catalog: Catalog
) -> None:
    inventory = scan(AzureProbe, catalog, subscription=(SUB_A, SUB_LOCKED, SUB_B))
    (gap,) = inventory.gaps
    assert gap.reason is GapReason.ACCESS_DENIED and gap.account == SUB_LOCKED
    assert {asset.account for asset in inventory.assets} == {SUB_A, SUB_B}


def test_the_quota_paces_pages_and_a_429_is_waited_out(
    graph: ResourceGraphApi, catalog: Catalog
) -> None:
    graph.quota = 2  # two queries per second: three pages need a wait
    refused = {"count": 0}

    def throttle(request: Any) -> Answer | None:
        if refused["count"] == 0:
            refused["count"] += 1
            return Answer.of(
                429,
                {"error": {"code": "RateLimiting", "message": "slow down"}},
                **{"Retry-After": "0.2"},
            )
        return None

    graph.fault = throttle
    inventory = scan(AzureProbe, catalog, subscription=(SUB_A, SUB_B))
    assert not inventory.gaps and len(inventory.assets) == 2305


def test_throttling_that_outlasts_the_retries_is_a_gap(
    graph: ResourceGraphApi, catalog: Catalog
) -> None:
    graph.fault = lambda request: Answer.of(
        429, {"error": {"code": "RateLimiting"}}, **{"Retry-After": "0.01"}
    )
    inventory = scan(AzureProbe, catalog, subscription=(SUB_A,), **{"max-attempts": ("2",)})
    (gap,) = inventory.gaps
    assert gap.reason is GapReason.THROTTLED and "after 2 attempts" in gap.message


def test_the_audit_flags_copies_into_hong_kong(graph: ResourceGraphApi, tmp_path: Path) -> None:
    ran = CliRunner().invoke(
        main,
        [
            "audit",
            "--probe",
            "azure",
            "--azure-subscription",
            f"{SUB_A},{SUB_B}",
            "-o",
            str(tmp_path),
            "--format",
            "json",
        ],
        env=dict(os.environ),
    )
    assert ran.exit_code == 0, ran.output
    findings = json.loads((tmp_path / "report.json").read_text())["findings"]
    fired = {(f["asset_id"].rsplit("/", 1)[-1], f["rule_id"]) for f in findings}
    assert ("cosmos-orders", "COC-004") in fired and ("sql-fog", "COC-004") in fired
    assert ("stcustomers", "COC-001") in fired


def test_azure_china_is_placed_in_the_prc_under_21vianet(
    graph: ResourceGraphApi, catalog: Catalog
) -> None:
    graph.rows = [_row(SUB_A, "Microsoft.Storage/storageAccounts", "stcn", "chinaeast2")]
    inventory = scan(AzureProbe, catalog, subscription=(SUB_A,), cloud=("china",))
    (asset,) = inventory.assets
    assert asset.location.country == "CN" and "21Vianet" in (asset.location.operator or "")
    assert "cloud china" in inventory.probes[0].scope


def test_management_groups_are_queried_as_such(graph: ResourceGraphApi, catalog: Catalog) -> None:
    graph.groups["mg-prod"] = {SUB_B}
    inventory = scan(AzureProbe, catalog, **{"management-group": ("mg-prod",)})
    assert {asset.account for asset in inventory.assets} == {SUB_B}
    assert graph.requests[-1].json()["managementGroups"] == ["mg-prod"]


def test_policy_is_a_reader_custom_role() -> None:
    role = AzureProbe.access_policy()
    assert role["Actions"] == [
        "*/read",
        "Microsoft.Network/dnszones/recordsets/read",
        "Microsoft.ResourceGraph/resources/read",
    ]
    assert not role["DataActions"] and not role["NotActions"]


def test_a_page_that_does_not_parse_is_a_gap(graph: ResourceGraphApi, catalog: Catalog) -> None:
    graph.fault = lambda request: Answer(200, b"<html>portal</html>", content_type="text/html")
    inventory = scan(AzureProbe, catalog, subscription=(SUB_A,))
    (gap,) = inventory.gaps
    assert gap.reason is GapReason.ERROR and not inventory.assets


def test_a_plan_splits_a_management_group_into_subscriptions_and_the_shards_merge_whole(
    graph: ResourceGraphApi, tmp_path: Path
) -> None:
    graph.groups["mg-prod"] = {SUB_A, SUB_B}
    runner = CliRunner()
    plan_file = tmp_path / "plan.json"
    group = ["--azure-management-group", "mg-prod"]
    planned = runner.invoke(main, ["plan", "--probe", "azure", *group, "-o", str(plan_file)])
    assert planned.exit_code == 0, planned.output
    plan = Plan.model_validate_json(plan_file.read_text())
    assert plan.units == (SUB_A, SUB_B) and plan.unit_option == "subscription"
    assert "management-group" not in plan.options  # a shard reads its subscriptions only
    queries = [r.json()["query"] for r in graph.requests if r.method == "POST"]
    assert queries == [azure.SUBSCRIPTIONS]  # one query listed them
    merged, whole = sharded_and_whole(plan_file, 2, ["--probe", "azure", *group], tmp_path)
    assert merged == whole and len(whole) > 2300
