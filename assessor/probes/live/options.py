"""Options every index probe shares."""

from __future__ import annotations

import os

from assessor.probes.base import OptionKind, ProbeOption, ProbeSettings


def regions_option() -> ProbeOption:
    return ProbeOption(
        "regions",
        "Regions whose buckets' replication is read (default: all; the others stay assets)",
        OptionKind.LIST,
    )


def endpoint_option(probe: str) -> ProbeOption:
    return ProbeOption(
        "endpoint",
        f"Base URL of the API (a private endpoint or a test server; also "
        f"ASSESSOR_{probe.upper()}_ENDPOINT); when set, no call goes anywhere else",
    )


def endpoint(probe: str, settings: ProbeSettings) -> str | None:
    """The endpoint override from ``--<probe>-endpoint`` or ``ASSESSOR_<PROBE>_ENDPOINT``."""
    return settings.text("endpoint") or os.environ.get(f"ASSESSOR_{probe.upper()}_ENDPOINT") or None


def attempts_option() -> ProbeOption:
    """How many times a call is made before its fault is a gap."""
    return ProbeOption("max-attempts", "Attempts per call", OptionKind.INT, 5, minimum=1)
