"""The AWS probe's Direct Connect connections are carriers and its Route 53 records are
endpoints the network probe places, in one audit against moto over HTTP."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from click.testing import CliRunner

from assessor.cli import main
from assessor.probes.aws import AwsProbe
from tests.auditing import audited

DATASET = Path(__file__).resolve().parents[1] / "fixtures" / "network" / "ip2asn-sample.tsv"


def _estate() -> None:
    direct = boto3.client("directconnect", region_name="us-west-2")
    direct.create_connection(
        location="EqSE2",
        bandwidth="1Gbps",
        connectionName="dx-hk-office",
        providerName="China Telecom Americas",
    )
    direct.create_connection(location="EqSE2", bandwidth="1Gbps", connectionName="dx-backup")
    route53 = boto3.client("route53", region_name="us-east-1")
    zone = route53.create_hosted_zone(Name="example.com.", CallerReference="zone-1")
    changes: list[dict[str, Any]] = [
        {"Action": "CREATE", "ResourceRecordSet": record}
        for record in [
            {
                "Name": "gw.example.com.",
                "Type": "A",
                "TTL": 300,
                "ResourceRecords": [{"Value": "202.97.1.1"}],
            },
            {
                "Name": "shop.example.com.",
                "Type": "A",
                "TTL": 300,
                "ResourceRecords": [{"Value": "47.88.1.1"}],
            },
            {
                "Name": "dns.example.com.",
                "Type": "A",
                "TTL": 300,
                "ResourceRecords": [{"Value": "1.1.1.1"}],
            },
            {
                "Name": "files.example.com.",
                "Type": "CNAME",
                "TTL": 300,
                "ResourceRecords": [{"Value": "media-1250000000.cos.ap-guangzhou.myqcloud.com"}],
            },
            {
                "Name": "mail.example.com.",
                "Type": "MX",
                "TTL": 300,
                "ResourceRecords": [{"Value": "10 mx.example.net"}],
            },
        ]
    ]
    route53.change_resource_record_sets(
        HostedZoneId=zone["HostedZone"]["Id"], ChangeBatch={"Changes": changes}
    )
    ec2 = boto3.client("ec2", region_name="us-west-2")
    ec2.create_customer_gateway(Type="ipsec.1", PublicIp="59.43.8.8", BgpAsn=65000)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{n}.0/24", AvailabilityZone=f"us-west-2{z}")[
            "Subnet"
        ]["SubnetId"]
        for n, z in ((1, "a"), (2, "b"))
    ]
    boto3.client("elbv2", region_name="us-west-2").create_load_balancer(
        Name="shop", Subnets=subnets, Scheme="internet-facing", Type="application"
    )
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "site",
            "Comment": "site",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "cos",
                        "DomainName": "site-1250000000.cos.ap-guangzhou.myqcloud.com",
                        "CustomOriginConfig": {
                            "HTTPPort": 80,
                            "HTTPSPort": 443,
                            "OriginProtocolPolicy": "https-only",
                        },
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "cos",
                "ViewerProtocolPolicy": "redirect-to-https",
                "MinTTL": 0,
            },
        }
    )


def test_a_circuit_from_china_telecom_and_records_pointing_at_prc_networks(
    aws: str, tmp_path: Path
) -> None:
    _estate()
    dataset = tmp_path / "ip2asn.tsv"
    shutil.copy(DATASET, dataset)
    out = tmp_path / "out"
    report = audited(
        out,
        "--probe",
        "aws",
        "--aws-regions",
        "us-west-2",
        "--aws-services",
        "directconnect,route53,vpn,cloudfront,elb",
        "--probe",
        "network",
        "--network-dataset",
        str(dataset),
        formats="json,html",
    )
    assets = {a["name"]: a for a in report["assets"]}
    circuit = assets["dx-hk-office"]
    assert (circuit["kind"], circuit["vendor"]) == ("carrier", "china-telecom-americas")
    assert assets["dx-backup"]["kind"] == "carrier" and assets["dx-backup"]["vendor"] is None
    zone = assets["example.com"]
    assert zone["region"] == "global" and "202.97.1.1" in zone["attributes"]["endpoints"]
    assert "mx.example.net" not in zone["attributes"]["endpoints"]  # MX is not an endpoint
    telecom, alibaba, cloudflare = assets["202.97.1.1"], assets["47.88.1.1"], assets["1.1.1.1"]
    assert telecom["vendor"] == "china-telecom" and telecom["attributes"]["asn"] == "AS4134"
    assert alibaba["attributes"]["as_registered_in"] == "CN"
    assert cloudflare["attributes"]["placement"].startswith("anycast: not placeable")
    assert zone["id"] in telecom["attributes"]["pointed_at_by"]
    assert assets["media-1250000000.cos.ap-guangzhou.myqcloud.com"]["vendor"] == "tencent"
    # A VPN's far end on China Telecom's CN2, a CloudFront origin on Tencent Cloud COS.
    assert assets["59.43.8.8"]["attributes"]["asn"] == "AS4809"
    # A load balancer's DNS name names its region: placed there without resolving it.
    (balancer,) = [a for a in report["assets"] if a["kind"] == "load-balancer"]
    (name,) = balancer["attributes"]["endpoints"].split()
    assert (assets[name]["provider"], assets[name]["region"]) == ("aws", "us-west-2")
    origin = assets["site-1250000000.cos.ap-guangzhou.myqcloud.com"]
    assert origin["vendor"] == "tencent" and "cloudfront" in origin["attributes"]["pointed_at_by"]

    fired = {(f["rule_id"], f["asset_id"]): f for f in report["findings"]}
    assert fired[("CLN-006", circuit["id"])]["severity"] == "high"
    assert fired[("NET-001", "network:202.97.1.1")]["severity"] == "high"
    assert ("NET-002", "network:47.88.1.1") in fired
    assert not any(asset == "network:1.1.1.1" for _, asset in fired)
    today = datetime.now(UTC).date().isoformat()
    notes = " ".join(n for run in report["probes"] for n in run["notes"])
    assert f"IPtoASN {today}" in notes  # the dataset's date, in the methodology
    assert f"IPtoASN {today}" in (out / "report.html").read_text()


def test_the_policy_grants_exactly_the_new_reads() -> None:
    for operation in (
        "directconnect:DescribeConnections",
        "route53:ListHostedZones",
        "route53:ListResourceRecordSets",
        "ec2:DescribeCustomerGateways",
        "cloudfront:ListDistributions",
        "elasticloadbalancing:DescribeLoadBalancers",
    ):
        assert operation in AwsProbe.read_operations
    ran = CliRunner().invoke(main, ["policy", "aws"])
    actions = json.loads(ran.output)["Statement"][0]["Action"]
    assert "directconnect:DescribeConnections" in actions and "route53:ListHostedZones" in actions
    assert not any(action.startswith("directconnect:Create") for action in actions)
