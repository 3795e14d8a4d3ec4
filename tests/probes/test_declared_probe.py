"""The declared inventory probe, from YAML and CSV files."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessor.catalog import Catalog
from assessor.errors import InputError
from assessor.models import FlowKind, LocationScope, Provider
from assessor.probes.declared import DeclaredProbe
from assessor.testing.probes import scan


def test_yaml_items_become_located_assets(tmp_path: Path, catalog: Catalog) -> None:
    path = tmp_path / "estate.yaml"
    path.write_text(
        """
organization: acme
items:
  - {name: Support desk, kind: saas, vendor: Zendesk, country: us, classification: PII, records: 1200}
  - {name: Core routers, kind: equipment, vendor: huawei, country: DE}
  - name: Vendor mirror
    kind: saas
    provider: aws
    region: ap-east-1
    flows: [{kind: backup, country: CN}]
""".replace("country: us", "country: US")
    )
    inventory = scan(DeclaredProbe, catalog, file=str(path))
    assets = {a.name: a for a in inventory.assets}
    desk = assets["Support desk"]
    assert desk.id == "declared:acme:saas:support-desk"
    assert desk.provider is Provider.DECLARED and desk.vendor == "zendesk"
    assert desk.classification == "pii" and desk.tags["records"] == "1200"
    assert desk.location is not None and desk.location.scope is LocationScope.COUNTRY
    assert desk.location.country == "US"
    mirror = assets["Vendor mirror"]
    assert mirror.location is not None and mirror.location.country == "HK"
    assert mirror.flows[0].kind is FlowKind.BACKUP
    assert mirror.flows[0].target_location is not None
    assert mirror.flows[0].target_location.country == "CN"


def test_csv_items(tmp_path: Path, catalog: Catalog) -> None:
    path = tmp_path / "vendors.csv"
    path.write_text(
        "name,kind,vendor,country,classification,records,flows_to\n"
        "Backup MPLS,carrier,comnet,us,,,\n"
        "Mobile SDK,sdk,bytedance,,pii,50000,CN;SG\n"
    )
    assets = {a.name: a for a in scan(DeclaredProbe, catalog, file=str(path)).assets}
    assert assets["Backup MPLS"].kind == "carrier" and assets["Backup MPLS"].country == "US"
    sdk = assets["Mobile SDK"]
    assert [f.target_country for f in sdk.flows] == ["CN", "SG"]
    assert sdk.location is not None and sdk.location.known is False


@pytest.mark.parametrize(
    ("name", "text", "line", "field"),
    [
        ("bad.yaml", "items:\n  - {name: x, kind: spaceship}\n", 2, "items[0].kind"),
        (
            "bad.yaml",
            "items:\n  - name: x\n    kind: saas\n    records: many\n",
            4,
            "items[0].records",
        ),
        ("bad.csv", "name,kind\nok,saas\nbroken,warp\n", 3, "kind"),
        ("bad.csv", "name,kind,colour\nok,saas,red\n", 1, "colour"),
    ],
)
def test_malformed_files_name_file_line_and_field(
    tmp_path: Path, catalog: Catalog, name: str, text: str, line: int, field: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        scan(DeclaredProbe, catalog, file=str(path))
    assert (caught.value.path, caught.value.line, caught.value.field) == (str(path), line, field)
