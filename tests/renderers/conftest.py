"""An AuditResult built through the real engine from example assets (no cloud needed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assessor.catalog import Catalog, locate
from assessor.engine.examples import example_asset
from assessor.engine.loader import builtin_rules_dir, load_rules
from assessor.engine.selection import RuleSet
from assessor.models import AuditResult, CoverageGap, GapReason, Inventory, ProbeRun
from assessor.run import assess

HOSTILE = '<script>window.__pwned = 1</script>"><img src=x onerror="window.__pwned=2">'


def build_result(catalog: Catalog, hostile: bool = False) -> AuditResult:
    name = f"bucket-{HOSTILE}" if hostile else "bucket"
    specs = [
        {
            "name": f"{name}-hk",
            "provider": "aws",
            "region": "ap-east-1",
            "tags": {"owner": HOSTILE if hostile else "data-team"},
        },
        {
            "name": f"{name}-eu",
            "provider": "aws",
            "region": "eu-west-1",
            "flows": [
                {
                    "kind": "replication",
                    "target_region": "ap-east-1",
                    "target_id": f"arn:aws:s3:::{name}-hk",
                }
            ],
        },
        {"name": f"{name}-us", "provider": "gcp", "region": "us-east4"},
        {"name": f"{name}-odd", "provider": "aws", "region": HOSTILE if hostile else "xx-1"},
    ]
    assets = tuple(
        locate(
            example_asset("R", i, {**spec, "id": f"asset-{i}", "account": "111122223333"}), catalog
        )
        for i, spec in enumerate(specs)
    )
    inventory = Inventory(
        generated_at=datetime(2026, 11, 23, tzinfo=UTC),
        probes=(
            ProbeRun(
                name="aws", version="1", scope="test", asset_count=4, gap_count=1, seconds=0.1
            ),
        ),
        assets=assets,
        gaps=(
            CoverageGap(
                probe="aws",
                reason=GapReason.ACCESS_DENIED,
                region="eu-west-2",
                service="s3",
                message=f"GetBucketEncryption: AccessDenied {name}",
            ),
        ),
    )
    return assess(inventory, RuleSet(catalog, load_rules([builtin_rules_dir()], catalog)))


@pytest.fixture
def result(catalog: Catalog) -> AuditResult:
    return build_result(catalog)


@pytest.fixture
def hostile_result(catalog: Catalog) -> AuditResult:
    return build_result(catalog, hostile=True)
