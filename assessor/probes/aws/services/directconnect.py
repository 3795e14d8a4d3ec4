"""Direct Connect: dedicated and hosted connections and interconnects, each a carrier
asset, and virtual interfaces with the customer router's address as an endpoint.

A connection names who provides it: ``providerName`` (the partner that provisioned a hosted
connection, "China Telecom Americas") and ``partnerName``; the carrier is resolved to a
catalog vendor through the sourced spellings table, so Clean Carrier (CLN-006) is judged on
evidence. Calls: one DescribeConnections, DescribeInterconnects and DescribeVirtualInterfaces
per region (none paginated).
"""

from __future__ import annotations

from typing import Any, ClassVar

from assessor.catalog.networks import load_network_catalog
from assessor.models import Asset
from assessor.probes.aws.services.base import RegionScope, ServiceReader, Work, tag_dict


class DirectConnectReader(ServiceReader):
    name = "directconnect"
    operations: ClassVar[frozenset[str]] = frozenset(
        {
            "directconnect:DescribeConnections",
            "directconnect:DescribeInterconnects",
            "directconnect:DescribeVirtualInterfaces",
        }
    )

    def read(self, scope: RegionScope) -> Work:
        client = scope.client("directconnect")
        connections = client.describe_connections().get("connections", [])
        interconnects = client.describe_interconnects().get("interconnects", [])
        interfaces = client.describe_virtual_interfaces().get("virtualInterfaces", [])
        return [
            *(connection_asset(scope, connection) for connection in connections),
            *(connection_asset(scope, line, "interconnect") for line in interconnects),
            *(interface_asset(scope, interface) for interface in interfaces),
        ]


def connection_asset(
    scope: RegionScope, connection: dict[str, Any], kind: str = "connection"
) -> Asset:
    catalog = load_network_catalog()
    provider = str(connection.get("providerName") or "")
    partner = str(connection.get("partnerName") or "")
    vendor = catalog.carrier(provider) or catalog.carrier(partner)
    identifier = str(connection.get(f"{kind}Id", ""))
    name = str(connection.get(f"{kind}Name") or identifier)
    return scope.asset(
        service="directconnect",
        kind="carrier",
        id=identifier
        if identifier.startswith("arn:")
        else scope.arn("directconnect", f"dxcon/{identifier}"),  # interconnects too
        name=name,
        tags=tag_dict(connection.get("tags"), "key", "value"),
        vendor=vendor,
        attributes={
            "carrier": provider or partner,
            "partner": partner,
            "location": str(connection.get("location") or ""),
            "bandwidth": str(connection.get("bandwidth") or ""),
            "state": str(connection.get(f"{kind}State") or ""),
            "circuit": kind,
        },
    )


def interface_asset(scope: RegionScope, interface: dict[str, Any]) -> Asset:
    """A virtual interface: its connection, and the customer router's address (a public
    VIF's is a public address the network probe places; a private one's is skipped)."""
    identifier = str(interface.get("virtualInterfaceId", ""))
    address = str(interface.get("customerAddress") or "").split("/", 1)[0]
    return scope.asset(
        service="directconnect",
        kind="virtual-interface",
        id=scope.arn("directconnect", f"dxvif/{identifier}"),
        name=str(interface.get("virtualInterfaceName") or identifier),
        tags=tag_dict(interface.get("tags"), "key", "value"),
        attributes={
            "endpoints": address,
            "connection": str(interface.get("connectionId") or ""),
            "type": str(interface.get("virtualInterfaceType") or ""),
            "owner": str(interface.get("ownerAccount") or ""),
        },
    )
