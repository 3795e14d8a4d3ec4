"""A toy probe: the smallest complete probe, to copy when adding one (see CONTRIBUTING.md).

It reads a fictional resource index in the shape of Oracle Cloud's Resource Search (one
paginated listing per region, the next page named by an ``opc-next-page`` header, a bearer
token), because Oracle Cloud is in the catalog but has no probe yet. A real Oracle probe
would sign its calls with the ``oci`` SDK; the toy keeps to ``urllib`` so the example stays
short. What it shows is the shape every probe has:

1. declarations: name, options, the read operations it may call;
2. one guarded way to call them (anything undeclared is refused before a request is made);
3. a pure mapping from an API answer to an :class:`Asset` (unit-testable without a server);
4. every fault a coverage gap naming what it is about, and never losing what was read.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from functools import partial
from typing import Any, ClassVar

from assessor.errors import ConfigurationError
from assessor.models import Asset, GapReason, Provider
from assessor.probes.base import (
    OptionKind,
    Probe,
    ProbeItem,
    ProbeOption,
    ReadOnlyViolation,
    classification,
)
from assessor.probes.live import Fault, FaultError, call, endpoint, endpoint_option

SEARCH = "toy:SearchResources"
PAGE_SIZE = 100


class ToyProbe(Probe):
    """Resources of a (toy) Oracle Cloud tenancy, region by region."""

    name = "toy"
    description = "A toy resource index in the shape of Oracle Cloud's Resource Search"
    options = (
        ProbeOption("regions", "Regions to read (default: us-ashburn-1)", OptionKind.LIST),
        ProbeOption("tenancy", "The tenancy's OCID", default="ocid1.tenancy.oc1..toy"),
        endpoint_option("toy"),
    )
    read_operations: ClassVar[frozenset[str]] = frozenset({SEARCH})

    def scan(self) -> Iterator[ProbeItem]:
        tenancy = self.settings.text("tenancy") or ""
        for region in self.settings.items("regions") or ("us-ashburn-1",):
            page: str | None = None
            pages = 0
            while True:
                try:
                    answer, page = call(partial(self._call, SEARCH, region, page), _classify)
                except FaultError as error:
                    # Pages already read were yielded: a fault costs only what it touched.
                    gap = error.gap(self.name, account=tenancy, region=region, service="search")
                    after = f" (resources after page {pages} not read)" if pages else ""
                    yield gap.model_copy(update={"message": gap.message + after})
                    break
                pages += 1
                for item in answer["items"]:
                    yield asset_from(item, region, tenancy)
                if not page:
                    break

    @classmethod
    def access_policy(cls, role: str | None = None) -> dict[str, Any] | None:
        """Oracle's policy language: reading the index needs only ``inspect``."""
        return {"statements": ["Allow group assessor-auditors to inspect all-resources in tenancy"]}

    def _call(self, operation: str, region: str, page: str | None) -> tuple[Any, str | None]:
        """The one way this probe reaches the API: undeclared operations are refused here,
        before any request is built."""
        if operation not in self.read_operations:
            raise ReadOnlyViolation(f"toy probe refused {operation}: not a declared read")
        base = endpoint("toy", self.settings) or f"https://query.{region}.oraclecloud.com"
        if not base.startswith(("https://", "http://")):
            raise ConfigurationError(f"--toy-endpoint {base!r}: expected an http(s) URL")
        query = f"?limit={PAGE_SIZE}" + (f"&page={page}" if page else "")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            f"{base}/20180409/resources{query}",
            data=json.dumps({"type": "Structured", "query": "query all resources"}).encode(),
            headers={
                "Authorization": f"Bearer {os.environ.get('TOY_TOKEN', '')}",
                "Content-Type": "application/json",
                "X-Toy-Region": region,
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - as above
            return json.load(response), response.headers.get("opc-next-page")


def _classify(error: Exception) -> Fault | None:
    """Faults by the API's status and error code, never by message text."""
    if not isinstance(error, urllib.error.HTTPError):
        return None  # not the API's answer: a bug, raised
    code = json.loads(error.read() or b"{}").get("code", "")
    if error.code == 429 or code == "TooManyRequests":
        return Fault(GapReason.THROTTLED, f"throttled: {code}", retry_after=0.05)
    if error.code in (401, 403, 404) or code == "NotAuthorizedOrNotFound":
        return Fault(GapReason.ACCESS_DENIED, f"access denied: {code}")
    return Fault(GapReason.ERROR, f"HTTP {error.code}: {code}")


def asset_from(item: dict[str, Any], region: str, tenancy: str) -> Asset:
    """One search result as an asset; the catalog locates ``region`` later."""
    tags = {str(key): str(value) for key, value in (item.get("freeformTags") or {}).items()}
    return Asset(
        id=item["identifier"],
        provider=Provider.ORACLE,
        service=item["resourceType"].lower(),
        kind=item["resourceType"],
        name=item["displayName"],
        account=tenancy,
        region=region,
        tags=tags,
        classification=classification(tags),
    )
