"""The code probe on lockfiles, SBOMs and build files modelled on public apps (each
fixture's README names the pattern): every listed SDK is one asset with vendor, version and
file:line; libraries and look-alikes are never assets."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from assessor.catalog import Catalog
from assessor.catalog.loader import CatalogError
from assessor.catalog.sdks import coordinates, load_sdk_catalog, parse_purl
from assessor.errors import InputError
from assessor.models import Inventory
from assessor.probes.code.probe import CodeProbe
from assessor.testing.probes import scan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "code"
CASES = sorted(path for path in FIXTURES.iterdir() if (path / "expected.json").is_file())
# Packages that must never be reported: libraries of listed vendors and look-alikes.
TRAPS = ("sonic", "base64x", "fastjson", "antd", "mmkv", "wechat_assets_picker", "umkit")


def _inventory(case: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> Inventory:
    monkeypatch.chdir(case)
    return scan(CodeProbe, catalog, path=(".",))


@pytest.mark.parametrize("case", CASES, ids=lambda path: path.name)
def test_every_listed_sdk_is_one_asset_with_vendor_version_and_line(
    case: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = json.loads((case / "expected.json").read_text())
    inventory = _inventory(case, catalog, monkeypatch)
    assert not inventory.gaps, inventory.gaps
    assets = {asset.id.removeprefix("code:"): asset for asset in inventory.assets}
    assert set(assets) == set(expected["sdks"]), sorted(assets)
    for key, want in expected["sdks"].items():
        asset = assets[key]
        assert (asset.vendor, asset.kind) == (want["vendor"], want["kind"]), key
        assert asset.attributes["file"] == want["file"], key
        assert asset.source is not None
        assert f"{asset.source.path}:{asset.source.start_line}" == want["file"]
        for name in ("version", "scope", "dev"):
            if name in want:
                assert asset.attributes[name] == want[name], (key, name)
    for asset in inventory.assets:
        assert not any(trap in asset.id.lower() for trap in TRAPS), asset.id
    notes = " ".join(inventory.probes[0].notes)
    for library in expected["libraries"]:
        assert f"{library} (" in notes


def test_the_catalog_matches_exact_coordinates_only() -> None:
    catalog = load_sdk_catalog()
    assert catalog.package(coordinates("maven", "com.pangle.global", "ads-sdk")) is not None
    # Registry rules, not words: PEP 503 names; Go packages under a module.
    assert catalog.package(coordinates("pypi", None, "HuaweiCloudSDK_Core")) is not None
    found, version = parse_purl("pkg:golang/github.com/aliyun/alibaba-cloud-sdk-go/sdk@v1.63.0")
    assert catalog.package(found) is not None and version == "v1.63.0"
    for namespace, name in [
        ("com.pangle.global", "ads-sdk-extra"),  # a longer name is another package
        ("com.pangle", "ads-sdk"),
        (None, "wechat"),
        (None, "umeng"),
    ]:
        row = catalog.package(coordinates("maven", namespace, name))
        assert row is None, (namespace, name)
    assert catalog.package(coordinates("cocoapods", None, "UMKit")) is None
    assert catalog.package(coordinates("golang", "github.com/bytedance", "sonic")).kind == "library"  # type: ignore[union-attr]


def test_every_catalog_row_has_a_known_source_and_vendor(catalog: Catalog) -> None:
    sdk = load_sdk_catalog()
    sources, vendors = catalog.sources(), catalog.vendors()
    rows = [*sdk.packages, *sdk.repositories, *sdk.mirrors]
    assert len(sdk.packages) >= 100 and sdk.repositories and sdk.mirrors
    for row in rows:
        assert row.source in sources and row.vendor in vendors, row
        assert "sdk-coordinates" in catalog.supports(row.source) or (
            "package-mirror" in catalog.supports(row.source)
        ), row.source
    for vendor in ("bytedance", "tencent", "alibaba-group", "ant-group", "alibaba-cloud"):
        assert any(row.vendor == vendor for row in sdk.packages), vendor
    for vendor in ("baidu", "huawei", "dji", "hikvision"):
        assert any(row.vendor == vendor for row in sdk.packages), vendor


def test_a_row_without_a_source_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import assessor.catalog.sdks as sdks

    rows = {
        "packages": [
            {
                "purl": "pkg:npm/x",
                "vendor": "tencent",
                "product": "x",
                "category": "ads",
                "kind": "sdk",
                "confidence": "V",
            }
        ]
    }
    monkeypatch.setattr(sdks, "_load_yaml", lambda name: rows)
    sdks.load_sdk_catalog.cache_clear()
    try:
        with pytest.raises(CatalogError, match=r"packages\[0\]: every row needs a source"):
            sdks.load_sdk_catalog()
    finally:
        sdks.load_sdk_catalog.cache_clear()


HOSTILE: dict[str, tuple[str, bytes]] = {
    "entity expansion in a CycloneDX XML": (
        "bom.xml",
        b'<?xml version="1.0"?><!DOCTYPE bom [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(
            f'<!ENTITY a{i} "{"&a;" * 10 if i == 0 else f"&a{i - 1};" * 10}">'.encode()
            for i in range(8)
        )
        + b']><bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components><component>'
        b"<purl>&a7;</purl></component></components></bom>",
    ),
    "an external entity in a pom.xml": (
        "pom.xml",
        b'<?xml version="1.0"?><!DOCTYPE project [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<project><dependencies><dependency><groupId>&x;</groupId></dependency></dependencies></project>",
    ),
    "deep nesting in a CycloneDX JSON": (
        "bom.json",
        b'{"components": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",
    ),
    "a 5 MB line in a yarn.lock": ("yarn.lock", b"a@^1:\n  version " + b"x" * 5_000_000 + b"\n"),
    "a 5 MB line in a requirements.txt": ("requirements.txt", b"oss2==" + b"1" * 5_000_000 + b"\n"),
    "invalid YAML in a pubspec.lock": ("pubspec.lock", b"packages:\n  a: [\n"),
    "not UTF-8 in a Podfile.lock": ("Podfile.lock", b"PODS:\n  - \xff\xfe (1)\n"),
}


@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_hostile_files_are_refused_fast_named_with_file(
    shape: str, catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Named directly: an input error (exit 2) naming the file. Found in a tree: a gap
    naming it, and the rest of the tree is still read."""
    name, content = HOSTILE[shape]
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / name).write_bytes(content)
    (folder / "sub").mkdir()
    (folder / "sub" / "requirements.txt").write_text("dashscope==1.20.0\n")
    monkeypatch.chdir(tmp_path)
    started = time.monotonic()
    with pytest.raises(InputError) as raised:
        scan(CodeProbe, catalog, path=(f"app/{name}",))
    assert raised.value.path == f"app/{name}"
    inventory = scan(CodeProbe, catalog, path=("app",))
    assert time.monotonic() - started < 5  # both runs; each is far under a second
    (gap,) = inventory.gaps
    assert gap.resource is not None and gap.resource.startswith(f"app/{name}")
    assert any(asset.id.endswith("pkg:pypi/dashscope") for asset in inventory.assets)
    with pytest.raises(InputError):
        scan(CodeProbe, catalog, path=("app",), strict=("yes",))


def test_a_30_mb_cyclonedx_sbom_parses(catalog: Catalog, tmp_path: Path) -> None:
    components: list[dict[str, Any]] = [
        {
            "type": "library",
            "name": f"p{i}",
            "purl": f"pkg:npm/p{i}@1.0.{i}",
            "description": "x" * 200,
        }
        for i in range(110_000)
    ]
    components.append(
        {
            "type": "library",
            "name": "ads-sdk",
            "purl": "pkg:maven/com.pangle.global/ads-sdk@6.2.0.5",
        }
    )
    path = tmp_path / "image.cdx.json"
    path.write_text(
        json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": components})
    )
    assert path.stat().st_size > 30_000_000
    inventory = scan(CodeProbe, catalog, path=(str(path),))
    (asset,) = inventory.assets
    assert asset.vendor == "bytedance" and asset.attributes["version"] == "6.2.0.5"
