"""The estate's edges: VPN customer gateways (the far end's public address), CloudFront
distributions (the origins they fetch from) and load balancers (the DNS name they answer
on), each with the ``endpoints`` the network probe places. Calls: one
DescribeCustomerGateways and pages of elbv2 DescribeLoadBalancers per region; pages of
CloudFront ListDistributions once per account (global, whatever ``--aws-regions`` says).
"""

from __future__ import annotations

from typing import Any, ClassVar

from assessor.models import GLOBAL_REGION
from assessor.probes.aws.services.base import RegionScope, ServiceReader, Work, tag_dict


class VpnReader(ServiceReader):
    name = "vpn"
    clients = ("ec2",)
    operations: ClassVar[frozenset[str]] = frozenset({"ec2:DescribeCustomerGateways"})

    def read(self, scope: RegionScope) -> Work:
        answer = scope.client("ec2").describe_customer_gateways()
        return [
            scope.asset(
                service="ec2",
                kind="customer-gateway",
                id=scope.arn("ec2", f"customer-gateway/{gateway['CustomerGatewayId']}"),
                name=tag_dict(gateway.get("Tags")).get("Name", gateway["CustomerGatewayId"]),
                tags=tag_dict(gateway.get("Tags")),
                attributes={"endpoints": str(gateway.get("IpAddress") or "")},
            )
            for gateway in answer.get("CustomerGateways", [])
            if gateway.get("State") != "deleted"
        ]


class CloudFrontReader(ServiceReader):
    name = "cloudfront"
    global_listing = True
    operations: ClassVar[frozenset[str]] = frozenset({"cloudfront:ListDistributions"})

    def read(self, scope: RegionScope) -> Work:
        client = scope.client("cloudfront")
        distributions: list[dict[str, Any]] = []
        marker: str | None = None
        while True:
            page = client.list_distributions(**({"Marker": marker} if marker else {}))
            listing = page.get("DistributionList") or {}
            distributions.extend(listing.get("Items") or [])
            marker = listing.get("NextMarker") if listing.get("IsTruncated") else None
            if not marker:
                break
        return [
            scope.asset(
                service="cloudfront",
                kind="distribution",
                id=str(distribution["ARN"]),
                name=str(distribution.get("DomainName") or distribution["Id"]),
                region=GLOBAL_REGION,
                attributes={
                    "endpoints": " ".join(
                        str(origin.get("DomainName"))
                        for origin in (distribution.get("Origins") or {}).get("Items") or []
                        if origin.get("DomainName")
                    )
                },
            )
            for distribution in distributions
        ]


class LoadBalancerReader(ServiceReader):
    name = "elb"
    clients = ("elbv2",)
    operations: ClassVar[frozenset[str]] = frozenset({"elasticloadbalancing:DescribeLoadBalancers"})

    def read(self, scope: RegionScope) -> Work:
        balancers = scope.pages("elbv2", "describe_load_balancers", "LoadBalancers")
        return [
            scope.asset(
                service="elb",
                kind="load-balancer",
                id=str(balancer["LoadBalancerArn"]),
                name=str(balancer.get("LoadBalancerName") or balancer["LoadBalancerArn"]),
                attributes={
                    "endpoints": str(balancer.get("DNSName") or ""),
                    "scheme": str(balancer.get("Scheme") or ""),
                    "type": str(balancer.get("Type") or ""),
                },
            )
            for balancer in balancers
        ]
