"""``assessor demo``: the real probes against local emulators seeded with a fictional estate."""

from __future__ import annotations

from pathlib import Path

from assessor.catalog import Catalog
from assessor.demo.china_clouds import china_cloud_servers
from assessor.demo.clouds import DEMO_AZURE_SUBSCRIPTION, DEMO_GCP_ORG, cloud_servers
from assessor.demo.estate import DEMO_GCP_PROJECT, seed_aws, seed_aws_services, seed_gcs
from assessor.inventory import ProgressCallback, run_probes
from assessor.models import Inventory
from assessor.probes.alibaba import AlibabaProbe
from assessor.probes.aws import AwsProbe
from assessor.probes.azure import AzureProbe
from assessor.probes.base import ProbeConfig
from assessor.probes.code.probe import CodeProbe
from assessor.probes.declared import DeclaredProbe
from assessor.probes.gcp import GcpProbe
from assessor.probes.gcs import GcsProbe
from assessor.probes.huawei import HuaweiProbe
from assessor.probes.tencent import TencentProbe
from assessor.testing.emulators import gcs_emulator, moto_server, pointed_at, seed_random_ids

DEMO_FILES = Path(__file__).resolve().parent
DEMO_POLICY = DEMO_FILES / "policy.yaml"
DEMO_WAIVERS = DEMO_FILES / "waivers.yaml"


def run_demo(catalog: Catalog, progress: ProgressCallback | None = None) -> Inventory:
    """Start the emulators and loopback servers, seed the estate, run the probes, stop them."""
    with (
        moto_server() as aws_endpoint,
        gcs_emulator() as gcs_endpoint,
        pointed_at(aws_endpoint, gcs_endpoint),
        cloud_servers() as (asset_url, graph_url),
        china_cloud_servers() as china,
    ):
        # moto draws resource ids (i-…, vol-…) at random; a fixed seed makes the demo's
        # report.json the same on every run (with SOURCE_DATE_EPOCH for the time).
        seed_random_ids(aws_endpoint)
        seed_aws()
        seed_aws_services()
        seed_gcs()
        probes = [
            AwsProbe(ProbeConfig()),
            GcsProbe(ProbeConfig({"project": (DEMO_GCP_PROJECT,)})),
            GcpProbe(ProbeConfig({"scope": (DEMO_GCP_ORG,), "endpoint": (asset_url,)})),
            AzureProbe(
                ProbeConfig({"subscription": (DEMO_AZURE_SUBSCRIPTION,), "endpoint": (graph_url,)})
            ),
            AlibabaProbe(ProbeConfig({"endpoint": (china["alibaba"],)})),
            TencentProbe(ProbeConfig({"endpoint": (china["tencent"],)})),
            HuaweiProbe(ProbeConfig({"endpoint": (china["huawei"],)})),
            DeclaredProbe(ProbeConfig({"file": (str(DEMO_FILES / "declared.yaml"),)})),
            # Northwind's app repository: SDKs found in its lockfiles.
            CodeProbe(ProbeConfig({"path": (str(DEMO_FILES / "app"),), "data-class": ("pii",)})),
        ]
        return run_probes(probes, catalog, progress)
