"""Direct Connect: dedicated and hosted connections, each a carrier asset.

A connection names who provides it: ``providerName`` (the partner that provisioned a hosted
connection, "China Telecom Americas") and ``partnerName``; the carrier is resolved to a
catalog vendor through the sourced spellings table, so Clean Carrier (CLN-006) is judged on
evidence. Calls: one DescribeConnections per region (not paginated).
"""

from __future__ import annotations

from typing import Any, ClassVar

from assessor.catalog.networks import load_network_catalog
from assessor.models import Asset
from assessor.probes.aws.services.base import RegionScope, ServiceReader, Work, tag_dict


class DirectConnectReader(ServiceReader):
    name = "directconnect"
    operations: ClassVar[frozenset[str]] = frozenset({"directconnect:DescribeConnections"})

    def read(self, scope: RegionScope) -> Work:
        answer = scope.client("directconnect").describe_connections()
        return [connection_asset(scope, connection) for connection in answer.get("connections", [])]


def connection_asset(scope: RegionScope, connection: dict[str, Any]) -> Asset:
    catalog = load_network_catalog()
    provider = str(connection.get("providerName") or "")
    partner = str(connection.get("partnerName") or "")
    vendor = catalog.carrier(provider) or catalog.carrier(partner)
    identifier = str(connection.get("connectionId", ""))
    name = str(connection.get("connectionName") or identifier)
    return scope.asset(
        service="directconnect",
        kind="carrier",
        id=identifier
        if identifier.startswith("arn:")
        else scope.arn("directconnect", f"dxcon/{identifier}"),
        name=name,
        tags=tag_dict(connection.get("tags"), "key", "value"),
        vendor=vendor,
        attributes={
            "carrier": provider or partner,
            "partner": partner,
            "location": str(connection.get("location") or ""),
            "bandwidth": str(connection.get("bandwidth") or ""),
            "state": str(connection.get("connectionState") or ""),
        },
    )
