"""Run moto's server as an account that has opted in to some opt-in regions.

moto reports every opt-in region (ap-east-1, me-central-1, ...) as ``not-opted-in``. An
organization that keeps data in Hong Kong has opted in to ap-east-1, and the AWS probe
rightly skips regions that are not enabled, so the demo and the tests opt in to the
regions named in ``ASSESSOR_MOTO_OPT_IN`` (comma-separated) before the server starts.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend
    from moto.server import main as moto_main

    opted_in = {r.strip() for r in os.environ.get("ASSESSOR_MOTO_OPT_IN", "").split(",")}
    for region in RegionsAndZonesBackend.regions:
        if region.name in opted_in:
            region.opt_in_status = "opted-in"
    moto_main(sys.argv[1:])


if __name__ == "__main__":
    main()
