"""Run moto's server as an account that has opted in to some opt-in regions.

moto reports every opt-in region (ap-east-1, me-central-1, ...) as ``not-opted-in``. An
organization that keeps data in Hong Kong has opted in to ap-east-1, and the AWS probe
rightly skips regions that are not enabled, so the demo and the tests opt in to the
regions named in ``ASSESSOR_MOTO_OPT_IN`` (comma-separated) before the server starts.

moto 5.2's Tagging API also reads every service's backend in the region and answers 500
when one has none there (SESv2 has no ap-east-1), so GetResources fails in Hong Kong; such
a backend is treated as empty, which is what AWS answers.

moto 5.2 does not serve Direct Connect's DescribeInterconnects and DescribeVirtualInterfaces;
they answer what AWS answers an account that has none (tests that need some put a fault
proxy in front with answers shaped by botocore's model).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any


def main() -> None:
    from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend
    from moto.server import main as moto_main

    opted_in = {r.strip() for r in os.environ.get("ASSESSOR_MOTO_OPT_IN", "").split(",")}
    for region in RegionsAndZonesBackend.regions:
        if region.name in opted_in:
            region.opt_in_status = "opted-in"
    _tolerate_missing_regional_backends()
    _answer_missing_direct_connect_reads()
    moto_main(sys.argv[1:])


def _answer_missing_direct_connect_reads() -> None:
    from moto.core.responses import ActionResult
    from moto.directconnect.responses import DirectConnectResponse

    def none_of(key: str) -> Callable[[Any], Any]:
        return lambda response: ActionResult({key: []})

    for action, key in (
        ("describe_interconnects", "interconnects"),
        ("describe_virtual_interfaces", "virtualInterfaces"),
    ):
        if not hasattr(DirectConnectResponse, action):
            setattr(DirectConnectResponse, action, none_of(key))


def _tolerate_missing_regional_backends() -> None:
    from moto.resourcegroupstaggingapi.models import ResourceGroupsTaggingAPIBackend

    for name, attribute in list(vars(ResourceGroupsTaggingAPIBackend).items()):
        if name.endswith("_backend") and isinstance(attribute, property) and attribute.fget:
            setattr(
                ResourceGroupsTaggingAPIBackend, name, property(_none_if_missing(attribute.fget))
            )


def _none_if_missing(read: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def tolerant(backend: Any) -> Any:
        try:
            return read(backend)
        except KeyError:  # no backend for this service in this region
            return None

    return tolerant


if __name__ == "__main__":
    main()
