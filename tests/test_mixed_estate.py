"""Every built-in pack on a mixed estate: AWS (moto), Google Cloud (GCS emulator), declared."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from assessor.cli import main
from assessor.demo.estate import DemoBucket, DemoGcsBucket, seed_aws, seed_gcs
from assessor.testing.emulators import pointed_at

DECLARED = """
organization: acme
items:
  - {name: crm, kind: saas, vendor: salesforce, country: US, classification: pii, records: 500000}
  - {name: genome-lab, kind: saas, vendor: alibaba-cloud, country: SG, classification: genomic, records: 5000}
  - {name: uplink, kind: carrier, vendor: china-telecom-americas, country: US}
  - {name: switches, kind: equipment, vendor: zte, country: US}
  - {name: chat-sdk, kind: sdk, vendor: tencent, country: US}
  - {name: store, kind: app-store, vendor: huawei}
"""

EXPECTED = {
    # pack → assets it must fire on (and on no other)
    "countries-of-concern": {"acme-hk", "acme-eu", "acme-gcs-hk", "store", "genome-lab"},
    "clean-network": {
        "acme-hk",
        "acme-eu",
        "acme-gcs-hk",
        "genome-lab",
        "uplink",
        "switches",
        "chat-sdk",
        "store",
    },
    "alibaba-cloud-review": {"acme-hk", "acme-eu", "acme-gcs-hk", "genome-lab"},
    "us-data-security": {"acme-hk", "genome-lab"},
    "residency": {"acme-hk", "acme-us", "crm"},  # PII outside the EU
}


@pytest.fixture
def both(moto_endpoint: str, gcs_endpoint: str, aws: str, gcs: str) -> Iterator[None]:
    with pointed_at(moto_endpoint, gcs_endpoint):
        yield


def test_every_pack_fires_where_it_should(both: None, tmp_path: Path) -> None:
    seed_aws(
        (
            DemoBucket("acme-hk", "ap-east-1", {"data-class": "pii", "records": "250000"}),
            DemoBucket("acme-eu", "eu-west-1", replicate_to="acme-hk"),
            DemoBucket("acme-us", "us-east-1", {"data-class": "pii"}),
            DemoBucket("acme-de", "eu-central-1", {"data-class": "pii"}),
        ),
        (),
    )
    seed_gcs(
        (
            DemoGcsBucket("acme-gcs-hk", "ASIA-EAST2"),
            DemoGcsBucket("acme-gcs-eu", "EUROPE-WEST3", {"data-class": "pii"}),
        ),
        project="acme",
    )
    declared = tmp_path / "declared.yaml"
    declared.write_text(DECLARED)
    policy = tmp_path / "policy.yaml"
    policy.write_text("rules:\n  - {classification: pii, allowed: [in:eu-locations]}\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "audit",
            "--probe",
            "aws",
            "--aws-regions",
            "us-east-1,eu-west-1,ap-east-1",
            "--aws-services",
            "s3,ec2",
            "--probe",
            "gcs",
            "--gcs-project",
            "acme",
            "--probe",
            "declared",
            "--declared-file",
            str(declared),
            "--policy",
            str(policy),
            "-o",
            str(out),
            "--format",
            "json",
        ],
        env=dict(os.environ),
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    names = {a["id"]: a["name"] for a in report["assets"]}
    fired: dict[str, set[str]] = {pack: set() for pack in EXPECTED}
    for finding in report["findings"]:
        assert finding["sources"], finding
        fired[finding["pack"]].add(names[finding["asset_id"]])
    assert fired == EXPECTED
