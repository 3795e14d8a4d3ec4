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


# What AWS answers for an interconnect and a public virtual interface (the Direct Connect API
# reference's shapes; moto serves neither, so a fault proxy answers them in front of it).
INTERCONNECTS = {
    "interconnects": [
        {
            "interconnectId": "dxcon-ffabc123",
            "interconnectName": "partner-hk",
            "interconnectState": "available",
            "region": "us-west-2",
            "location": "EqSE2",
            "bandwidth": "10Gbps",
            "providerName": "China Unicom Global",
            "awsDevice": "EqSE2-1abcd",
            "jumboFrameCapable": False,
            "hasLogicalRedundancy": "no",
            "tags": [],
        }
    ]
}
VIRTUAL_INTERFACES = {
    "virtualInterfaces": [
        {
            "ownerAccount": "123456789012",
            "virtualInterfaceId": "dxvif-fgabc123",
            "location": "EqSE2",
            "connectionId": "dxcon-ffabc123",
            "virtualInterfaceType": "public",
            "virtualInterfaceName": "public-vif",
            "vlan": 101,
            "asn": 65000,
            "amazonSideAsn": 7224,
            "amazonAddress": "202.97.0.9/30",
            "customerAddress": "202.97.0.10/30",
            "addressFamily": "ipv4",
            "virtualInterfaceState": "available",
            "region": "us-west-2",
            "tags": [],
        }
    ]
}


def _direct_connect_answers(request: Any) -> Any:
    from assessor.testing.faultproxy import Fault

    answers = {
        "DescribeInterconnects": INTERCONNECTS,
        "DescribeVirtualInterfaces": VIRTUAL_INTERFACES,
    }
    if request.action in answers:
        body = json.dumps(answers[request.action]).encode()
        return Fault(200, body, "application/x-amz-json-1.1")
    return None


def test_interconnects_are_carriers_and_a_public_vifs_address_is_an_endpoint(
    aws: str, tmp_path: Path
) -> None:
    from assessor.testing.emulators import pointed_at
    from assessor.testing.faultproxy import fault_proxy

    dataset = tmp_path / "ip2asn.tsv"
    shutil.copy(DATASET, dataset)
    with fault_proxy(aws, _direct_connect_answers) as proxy, pointed_at(proxy, None):
        report = audited(
            tmp_path / "out",
            "--probe", "aws", "--aws-regions", "us-west-2", "--aws-services", "directconnect",
            "--probe", "network", "--network-dataset", str(dataset),
        )  # fmt: skip
    assets = {a["name"]: a for a in report["assets"]}
    line = assets["partner-hk"]
    assert (line["kind"], line["vendor"]) == ("carrier", "china-unicom")
    assert line["attributes"]["circuit"] == "interconnect"
    assert assets["public-vif"]["attributes"]["endpoints"] == "202.97.0.10"
    assert assets["202.97.0.10"]["attributes"]["asn"] == "AS4134"
    fired = {(f["rule_id"], f["asset_id"]) for f in report["findings"]}
    assert ("CLN-006", line["id"]) in fired and ("NET-001", "network:202.97.0.10") in fired


def test_the_direct_connect_answers_parse_as_botocore_reads_them() -> None:
    import botocore.session
    from botocore.parsers import create_parser

    model = botocore.session.get_session().get_service_model("directconnect")
    parser = create_parser("json")  # what boto3 speaks to Direct Connect, as moto answers
    for operation, answer, key in (
        ("DescribeInterconnects", INTERCONNECTS, "interconnects"),
        ("DescribeVirtualInterfaces", VIRTUAL_INTERFACES, "virtualInterfaces"),
    ):
        shape = model.operation_model(operation).output_shape
        parsed = parser.parse(
            {"status_code": 200, "headers": {}, "body": json.dumps(answer).encode()}, shape
        )
        members = shape.members[key].member.members
        assert parsed[key] and set(answer[key][0]) <= set(members), operation
