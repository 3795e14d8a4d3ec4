"""The network probe places endpoints offline, by the network that originates them, and
claims no more than the dataset says (registration is not location)."""

from __future__ import annotations

import gzip
import os
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from assessor.catalog import Catalog
from assessor.cli import main
from assessor.errors import ConfigurationError, InputError
from assessor.models import GapReason
from assessor.probes.network.probe import NetworkProbe
from assessor.testing.probes import scan
from tests.auditing import audited

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "network"


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """The sample, dated today (a TSV's date is its modification time)."""
    path = tmp_path / "ip2asn.tsv"
    shutil.copy(FIXTURES / "ip2asn-sample.tsv", path)
    return path


def _placed(catalog: Catalog, dataset: Path, **options: tuple[str, ...]) -> dict[str, object]:
    inventory = scan(
        NetworkProbe,
        catalog,
        dataset=(str(dataset),),
        endpoints=(str(FIXTURES / "endpoints.txt"),),
        **options,
    )
    return {"assets": {a.name: a for a in inventory.assets}, "inventory": inventory}


def test_endpoints_get_their_network_owner_and_registration_never_a_location(
    catalog: Catalog, dataset: Path
) -> None:
    found = _placed(catalog, dataset)
    assets = found["assets"]
    assert isinstance(assets, dict)
    today = datetime.now(UTC).date().isoformat()
    telecom = assets["202.97.1.1"]
    assert telecom.vendor == "china-telecom" and telecom.attributes["asn"] == "AS4134"
    assert telecom.attributes["placement"] == f"AS4134 per IPtoASN {today}"
    assert telecom.attributes["found_at"].endswith("endpoints.txt:2")
    alibaba = assets["47.88.1.1"]
    # Registered in CN though served from the US: an owner, not a location.
    assert alibaba.vendor == "alibaba-cloud" and alibaba.attributes["as_registered_in"] == "CN"
    assert alibaba.country is None and alibaba.location is not None
    assert alibaba.location.countries == ()
    assert assets["1.1.1.1"].attributes["placement"].startswith("anycast: not placeable")
    assert assets["2400:da00::6666"].vendor == "baidu"
    assert assets["59.43.0.0"].attributes["asn"] == "AS4809"
    cos = assets["examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"]
    # Tencent's by its suffix, and in ap-guangzhou by the shape of a COS host name.
    assert cos.vendor == "tencent" and (cos.provider.value, cos.region) == (
        "tencent",
        "ap-guangzhou",
    )
    assert cos.attributes["placement"] == "tencent ap-guangzhou (COS, by its host name)"
    assert cos.location is not None and cos.location.country == "CN"
    for unknown in ("5.5.5.5", "api.example.com"):
        asset = assets[unknown]
        assert asset.region is None and asset.vendor is None  # unknown, never clean
        assert asset.attributes["placement"].startswith("unknown")
    assert "10.20.0.5" not in assets and "100.64.3.2" not in assets
    inventory = found["inventory"]
    notes = " ".join(inventory.probes[0].notes)  # type: ignore[attr-defined]
    assert "private (1)" in notes and "shared (CGNAT) (1)" in notes
    assert "registered" in notes and not inventory.gaps  # type: ignore[attr-defined]


def test_the_audit_reports_carriers_clouds_and_registration_with_the_datasets_date(
    dataset: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    ran = CliRunner().invoke(
        main,
        [
            "audit",
            "--probe",
            "network",
            "--network-dataset",
            str(dataset),
            "--network-endpoints",
            str(FIXTURES / "endpoints.txt"),
            "--format",
            "json",
            "-o",
            str(out),
            "--fail-on",
            "none",
        ],
        env=dict(os.environ),
    )
    assert ran.exit_code == 0, ran.output
    import json

    report = json.loads((out / "report.json").read_text())
    fired = {(f["rule_id"], f["asset_id"].removeprefix("network:")): f for f in report["findings"]}
    assert fired[("NET-001", "202.97.1.1")]["severity"] == "high"
    assert fired[("NET-001", "59.43.0.0")]["severity"] == "high"
    assert fired[("NET-002", "47.88.1.1")]["severity"] == "medium"
    assert ("NET-002", "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com") in fired
    assert ("NET-003", "47.88.1.1") in fired and ("NET-003", "202.97.1.1") in fired
    assert "IPtoASN" in fired[("NET-001", "202.97.1.1")]["evidence"]["attributes.dataset"]
    assert not any(asset == "1.1.1.1" for _, asset in fired)  # anycast: nothing claimed
    assert ("COC-005", "5.5.5.5") in fired  # an address no dataset knows is unknown


def test_a_stale_dataset_is_one_gap_and_findings_are_still_reported(
    catalog: Catalog, dataset: Path
) -> None:
    old = time.time() - timedelta(days=40).total_seconds()
    os.utime(dataset, (old, old))
    found = _placed(catalog, dataset)
    inventory = found["inventory"]
    (gap,) = inventory.gaps  # type: ignore[attr-defined]
    assert gap.reason is GapReason.STALE_DATA and "40 days old (over 31)" in gap.message
    assert found["assets"]["202.97.1.1"].vendor == "china-telecom"  # type: ignore[index]
    # The user can state the date instead of the file's time.
    stated = _placed(catalog, dataset, **{"dataset-date": (datetime.now(UTC).date().isoformat(),)})
    assert not stated["inventory"].gaps  # type: ignore[attr-defined]


def test_a_gzipped_tsv_and_an_mmdb_read_alike(
    catalog: Catalog, dataset: Path, tmp_path: Path
) -> None:
    packed = tmp_path / "ip2asn.tsv.gz"
    packed.write_bytes(gzip.compress(dataset.read_bytes()))
    assert _placed(catalog, packed)["assets"]["202.97.1.1"].vendor == "china-telecom"  # type: ignore[index]

    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(ip_version=6, database_type="GeoLite2-ASN", ipv4_compatible=True)
    writer.insert_network(
        IPSet(["202.97.0.0/17"]),
        {"autonomous_system_number": 4134, "autonomous_system_organization": "CHINANET-BACKBONE"},
    )
    mmdb = tmp_path / "asn.mmdb"
    writer.to_db_file(str(mmdb))
    found = _placed(catalog, mmdb)["assets"]
    built = datetime.now(UTC).date().isoformat()
    assert found["202.97.1.1"].attributes["placement"] == f"AS4134 per GeoLite2-ASN {built}"  # type: ignore[index]
    assert found["47.88.1.1"].attributes["placement"].startswith("unknown")  # type: ignore[index]


def test_no_dataset_or_a_malformed_one_is_a_clear_error(
    catalog: Catalog, dataset: Path, tmp_path: Path
) -> None:
    with pytest.raises(ConfigurationError, match="needs --network-dataset"):
        scan(NetworkProbe, catalog, endpoints=(str(FIXTURES / "endpoints.txt"),))
    broken = tmp_path / "broken.tsv"
    broken.write_text(dataset.read_text() + "1.2.3.4\tnot-an-address\t7\tUS\tX\n")
    with pytest.raises(InputError) as raised:
        _placed(catalog, broken)
    assert raised.value.path == str(broken) and raised.value.line == 11
    ran = CliRunner().invoke(
        main,
        [
            "audit",
            "--probe",
            "network",
            "--network-dataset",
            str(broken),
            "--network-endpoints",
            str(FIXTURES / "endpoints.txt"),
            "-o",
            str(tmp_path / "o"),
        ],
    )
    assert ran.exit_code == 2 and f"{broken}:11" in ran.output


class _Served:
    """A loopback HTTP server answering every GET with one body."""

    def __init__(self, body: bytes) -> None:
        import http.server
        import threading

        payload = body

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/gzip")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/data/ip2asn-combined.tsv.gz"

    def __exit__(self, *args: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_data_fetch_iptoasn_downloads_checks_and_writes_atomically(
    catalog: Catalog, tmp_path: Path
) -> None:
    sample = gzip.compress((FIXTURES / "ip2asn-sample.tsv").read_bytes())
    out = tmp_path / "ip2asn.tsv.gz"
    with _Served(sample) as url:
        ran = CliRunner().invoke(main, ["data", "fetch", "iptoasn", "-o", str(out), "--url", url])
    assert ran.exit_code == 0, ran.output
    assert out.read_bytes() == sample and f"--network-dataset {out}" in ran.output
    assert _placed(catalog, out)["assets"]["202.97.1.1"].vendor == "china-telecom"  # type: ignore[index]

    for body, why in [
        (b"<html>maintenance</html>", "did not send a gzip file"),
        (gzip.compress(b"hello\tworld\n"), "did not send IPtoASN ranges"),
    ]:
        bad = tmp_path / "bad.tsv.gz"
        with _Served(body) as url:
            ran = CliRunner().invoke(
                main, ["data", "fetch", "iptoasn", "-o", str(bad), "--url", url]
            )
        assert ran.exit_code == 2 and why in ran.output and not bad.exists()
    ran = CliRunner().invoke(
        main,
        ["data", "fetch", "iptoasn", "-o", str(tmp_path / "x"), "--url", "http://127.0.0.1:9/"],
    )
    assert ran.exit_code == 2 and "cannot download" in ran.output


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.31.255.255",
        "192.168.0.1",
        "100.127.0.1",
        "127.0.0.1",
        "169.254.1.1",
        "192.0.2.5",
        "198.51.100.7",
        "203.0.113.9",
        "224.0.0.1",
        "255.255.255.255",
        "0.1.2.3",
        "fd00::1",
        "fe80::1",
        "::1",
        "2001:db8::1",
        "ff02::1",
        "8.8.8.8",
        "202.97.1.1",
        "47.88.1.1",
        "100.128.0.1",
        "172.32.0.1",
        "2400:da00::1",
        "2606:4700::1",
    ],
)
def test_what_is_not_public_agrees_with_the_standard_library(address: str) -> None:
    import ipaddress

    from assessor.probes.network.datasets import address_integer
    from assessor.probes.network.probe import _not_public

    parsed = ipaddress.ip_address(address)
    public = parsed.is_global and not parsed.is_multicast  # a multicast group is no endpoint
    assert (_not_public(address_integer(address)) is None) == public


def test_a_clouds_published_ranges_place_an_address_in_its_region_first(
    catalog: Catalog, dataset: Path, tmp_path: Path
) -> None:
    listed = tmp_path / "endpoints.txt"
    listed.write_text(
        "18.166.1.1\n3.5.141.7\n13.32.9.9\n2406:da60::1\n34.96.130.1\n20.2.3.4\n129.146.1.1\n"
        "202.97.1.1\n"
    )
    ranges = [
        str(FIXTURES / name)
        for name in (
            "aws-ip-ranges.json",
            "gcp-cloud.json",
            "azure-service-tags.json",
            "oracle-ranges.json",
        )
    ]
    inventory = scan(
        NetworkProbe,
        catalog,
        dataset=(str(dataset),),
        endpoints=(str(listed),),
        **{"cloud-ranges": tuple(ranges)},
    )
    assets = {a.name: a for a in inventory.assets}
    hong_kong = assets["18.166.1.1"]  # EC2 inside AMAZON: the more specific prefix
    assert (hong_kong.provider.value, hong_kong.region) == ("aws", "ap-east-1")
    assert hong_kong.location.country == "HK"
    assert (
        hong_kong.attributes["placement"] == "aws ap-east-1 (EC2) per aws-ip-ranges.json 2026-12-01"
    )
    assert assets["3.5.141.7"].location.country == "KR"
    assert (
        assets["13.32.9.9"].attributes["placement"].startswith("anycast: not placeable (CLOUDFRONT")
    )
    assert assets["2406:da60::1"].region == "ap-east-1"
    assert assets["34.96.130.1"].location.country == "HK"
    assert assets["20.2.3.4"].region == "eastasia"  # the regional tag, not the global one
    assert assets["129.146.1.1"].location.country == "US"
    assert assets["202.97.1.1"].vendor == "china-telecom"  # not a cloud's: the AS decides


def test_declared_endpoints_are_placed_with_the_item_that_names_them(
    dataset: Path, tmp_path: Path
) -> None:
    declared = tmp_path / "declared.yaml"
    declared.write_text(
        "organization: acme\nitems:\n"
        "  - name: Partner SFTP\n    kind: saas\n    country: US\n"
        "    endpoints: [202.97.1.1, sftp.partner.example]\n"
    )
    report_dir = tmp_path / "out"
    report = audited(
        report_dir,
        "--probe",
        "declared",
        "--declared-file",
        str(declared),
        "--probe",
        "network",
        "--network-dataset",
        str(dataset),
    )
    assets = {a["name"]: a for a in report["assets"]}
    assert assets["202.97.1.1"]["attributes"]["pointed_at_by"] == "declared:acme:saas:partner-sftp"
    assert assets["sftp.partner.example"]["attributes"]["placement"].startswith("unknown")


def test_an_sboms_service_endpoints_are_placed_too(dataset: Path, tmp_path: Path) -> None:
    """CycloneDX ``services[].endpoints``: what the software calls, placed by the network
    probe in the same audit as the code probe that read them."""
    sbom = tmp_path / "app" / "bom.cdx.json"
    sbom.parent.mkdir()
    sbom.write_text(
        '{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [],\n'
        ' "services": [{"name": "payments", "endpoints": ["https://202.97.1.1/api", '
        '"https://pay-1250000000.cos.ap-guangzhou.myqcloud.com/v1"]}]}\n'
    )
    out = tmp_path / "out"
    report = audited(
        out,
        "--probe",
        "code",
        "--code-path",
        str(sbom.parent),
        "--probe",
        "network",
        "--network-dataset",
        str(dataset),
    )
    assets = {a["name"]: a for a in report["assets"]}
    service = assets["payments"]
    assert service["kind"] == "service" and "202.97.1.1" in service["attributes"]["endpoints"]
    assert assets["202.97.1.1"]["vendor"] == "china-telecom"
    assert assets["pay-1250000000.cos.ap-guangzhou.myqcloud.com"]["vendor"] == "tencent"


def test_every_network_catalog_row_is_backed_by_a_source_that_supports_it(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assessor.catalog.networks as networks

    loaded = networks.load_network_catalog()
    assert {4134, 4809, 4837, 9929, 9808, 58453, 37963, 45102, 45090, 132203, 55990} <= set(
        loaded.systems
    )
    for system in loaded.systems.values():
        wanted = {"asn-owner", "anycast"} if system.anycast else {"asn-owner"}
        assert wanted <= catalog.supports(system.source), system
    # An anycast flag whose source does not support it is refused at load.
    raw = {"asns": [{"asn": 4134, "name": "x", "anycast": True, "source": "peeringdb-as4134"}]}
    monkeypatch.setattr(networks, "_load_yaml", lambda name: raw)
    networks.load_network_catalog.cache_clear()
    try:
        with pytest.raises(networks.CatalogError, match="does not support"):
            networks.load_network_catalog()
    finally:
        networks.load_network_catalog.cache_clear()
