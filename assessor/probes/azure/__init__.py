"""Azure through Resource Graph: every resource of the subscriptions or management groups
the credential can read, from one paginated query (1,000 rows a page, ``$skipToken``), in
the public cloud, Azure China (operated by 21Vianet) or Azure Government.

Calls: one query page per 1,000 resources per batch of up to 1,000 subscriptions. The
per-user quota headers (``x-ms-user-quota-remaining``, ``-resets-after``) pace the next page;
a 429 waits as told. A subscription the credential cannot read is a gap of its own: the
batch it was in is asked again without it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any, ClassVar

from assessor.errors import ConfigurationError
from assessor.models import GapReason
from assessor.probes.azure.resources import row_asset
from assessor.probes.base import OptionKind, Probe, ProbeItem, ProbeOption
from assessor.probes.live import (
    Fault,
    FaultError,
    GuardedClient,
    call,
    endpoint,
    endpoint_option,
)

PAGE_SIZE = 1000
SUBSCRIPTION_BATCH = 1000
QUERY = (
    "Resources | project id, name, type, location, subscriptionId, resourceGroup, tags, "
    "sku, kind, properties"
)
SUBSCRIPTIONS = (
    "ResourceContainers | where type =~ 'microsoft.resources/subscriptions' "
    "| project subscriptionId"
)
OPERATIONS = {"resources": "Microsoft.ResourceGraph/resources/read"}
# Management endpoint, token authority and scope per cloud.
CLOUDS = {
    "public": ("https://management.azure.com", "login.microsoftonline.com"),
    "china": ("https://management.chinacloudapi.cn", "login.chinacloudapi.cn"),
    "usgov": ("https://management.usgovcloudapi.net", "login.microsoftonline.us"),
}


class AzureProbe(Probe):
    """Every Azure resource the credential can read, from Resource Graph."""

    name = "azure"
    description = (
        "Azure (public, China, Government): every resource of the subscriptions or management "
        "groups from Resource Graph, with geo-redundant and replicated copies"
    )
    version = "1"
    options = (
        ProbeOption(
            "subscription", "Subscription ids (default: every one readable)", OptionKind.LIST
        ),
        ProbeOption("management-group", "Management group ids", OptionKind.LIST),
        ProbeOption("cloud", "Azure cloud", OptionKind.CHOICE, "public", tuple(CLOUDS)),
        endpoint_option("azure"),
        ProbeOption(
            "max-attempts", "Attempts per page, retries included", OptionKind.INT, 5, minimum=1
        ),
    )
    read_operations: ClassVar[frozenset[str]] = frozenset({*OPERATIONS.values(), "*/read"})
    # A plan's units: each shard reads its subscriptions (and not the management groups).
    unit_option: ClassVar[str | None] = "subscription"
    unit_replaces: ClassVar[tuple[str, ...]] = ("management-group",)

    @classmethod
    def access_policy(cls, role: str | None = None) -> dict[str, Any]:
        """A custom role definition; the predefined Reader role covers it. Resource Graph
        returns only the resources the caller may read, hence ``*/read``."""
        return {
            "Name": "assessor read-only (azure)",
            "IsCustom": True,
            "Description": "Reads resources through Resource Graph; predefined equivalent: Reader",
            "Actions": sorted(cls.read_operations),
            "NotActions": [],
            "DataActions": [],
            "AssignableScopes": ["/subscriptions/{subscription-id}"],
        }

    def scope(self) -> str:
        parts = [f"cloud {self.settings.text('cloud')}"]
        if self.settings.items("subscription"):
            parts.append("subscriptions " + ", ".join(self.settings.items("subscription")))
        if self.settings.items("management-group"):
            parts.append("management groups " + ", ".join(self.settings.items("management-group")))
        return ", ".join(parts)

    def units(self) -> list[str]:
        """The subscriptions a plan splits: ``--azure-subscription``, or those under
        ``--azure-management-group`` (every readable one without), from one query.

        ``audit --workers`` does not split Azure: one paginated query covers every
        subscription, and the query quota is per identity, so splitting only adds queries."""
        explicit = self.settings.items("subscription")
        if explicit:
            return sorted(set(explicit))
        groups = list(self.settings.items("management-group"))
        try:
            rows = list(self._query()._pages(None, groups or None, SUBSCRIPTIONS))
        except FaultError as error:
            raise ConfigurationError(f"cannot list the subscriptions: {error}") from None
        return sorted({str(row["subscriptionId"]) for row in rows})

    def _query(self) -> _Query:
        cloud = self.settings.text("cloud") or "public"
        base_url = endpoint("azure", self.settings) or CLOUDS[cloud][0]
        client = GuardedClient(_client(base_url, cloud), self.name, OPERATIONS)
        return _Query(
            client, base_url.startswith("https://"), self.settings.integer("max-attempts")
        )

    def scan(self) -> Iterator[ProbeItem]:
        query = self._query()
        groups = list(self.settings.items("management-group"))
        subscriptions = list(self.settings.items("subscription"))
        if groups:
            yield from query.run(None, groups, self.name)
        if subscriptions or not groups:
            batches = [
                subscriptions[i : i + SUBSCRIPTION_BATCH]
                for i in range(0, len(subscriptions), SUBSCRIPTION_BATCH)
            ] or [[]]
            for batch in batches:
                yield from query.run(batch or None, None, self.name)


class _Query:
    def __init__(self, client: Any, https: bool, attempts: int) -> None:
        self.client = client
        self.https = https
        self.attempts = attempts

    def run(
        self, subscriptions: Sequence[str] | None, groups: Sequence[str] | None, probe: str
    ) -> Iterator[ProbeItem]:
        rows: list[dict[str, Any]] = []
        try:
            rows = list(self._pages(subscriptions, groups))
        except FaultError as error:
            if (
                subscriptions
                and len(subscriptions) > 1
                and error.fault.reason is GapReason.ACCESS_DENIED
            ):
                # Find the subscription(s) the credential cannot read; read the others.
                middle = len(subscriptions) // 2
                yield from self.run(subscriptions[:middle], None, probe)
                yield from self.run(subscriptions[middle:], None, probe)
                return
            where = ",".join(subscriptions or groups or ()) or None
            yield error.gap(probe, account=where, region=None, service="resourcegraph")
        yield from (row_asset(row) for row in rows)

    def _pages(
        self, subscriptions: Sequence[str] | None, groups: Sequence[str] | None, text: str = QUERY
    ) -> Iterator[dict[str, Any]]:
        from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

        token: str | None = None
        wait = 0.0
        while True:
            if wait:
                import time

                time.sleep(wait)
            request = QueryRequest(
                subscriptions=list(subscriptions) if subscriptions else None,
                management_groups=list(groups) if groups else None,
                query=text,
                options=QueryRequestOptions(
                    top=PAGE_SIZE, skip_token=token, result_format="objectArray"
                ),
            )
            response, headers = call(partial(self._page, request), classify, None, self.attempts)
            if not isinstance(response.data, list):
                raise FaultError(Fault(GapReason.ERROR, "an answer that is not a list of rows"), 1)
            yield from response.data
            wait = _quota_wait(headers)
            token = response.skip_token
            if not token:
                return

    def _page(self, request: Any) -> tuple[Any, dict[str, str]]:
        def keep_headers(raw: Any, data: Any, _: Any) -> tuple[Any, dict[str, str]]:
            return data, dict(raw.http_response.headers)

        answer: tuple[Any, dict[str, str]] = self.client.resources(
            request, enforce_https=self.https, cls=keep_headers
        )
        return answer


def _quota_wait(headers: dict[str, str]) -> float:
    """Seconds to wait before the next query when the per-user quota is spent."""
    lowered = {key.lower(): value for key, value in headers.items()}
    remaining = lowered.get("x-ms-user-quota-remaining")
    if remaining is None or int(remaining) > 0:
        return 0.0
    return _duration(lowered.get("x-ms-user-quota-resets-after", "00:00:01"))


def _duration(text: str) -> float:
    hours, minutes, seconds = [*text.split(":"), "0", "0"][:3]
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def classify(error: Exception) -> Fault | None:
    from azure.core.exceptions import (
        ClientAuthenticationError,
        DecodeError,
        HttpResponseError,
        ServiceRequestError,
    )

    text = " ".join(str(error).split())[:300]
    if isinstance(error, ClientAuthenticationError):
        return Fault(GapReason.ACCESS_DENIED, f"not authenticated: {text}")
    if isinstance(error, DecodeError):
        return Fault(GapReason.ERROR, f"an answer that does not parse: {text}")
    if isinstance(error, HttpResponseError):
        status = error.status_code or 0
        headers: Any = getattr(error.response, "headers", None) or {}
        if status == 429:
            after = headers.get("Retry-After") or headers.get("x-ms-user-quota-resets-after")
            return Fault(GapReason.THROTTLED, f"throttled: {text}", _retry_after(after))
        if status in (401, 403):
            return Fault(GapReason.ACCESS_DENIED, f"access denied: {text}")
        if status >= 500:
            return Fault(GapReason.ERROR, f"server error: {text}", retry_after=0.5)
        return Fault(GapReason.ERROR, text)
    if isinstance(error, ServiceRequestError):
        return Fault(GapReason.ERROR, f"cannot reach Resource Graph: {text}", retry_after=0.5)
    return None


def _retry_after(value: str | None) -> float:
    if not value:
        return 1.0
    return _duration(value) if ":" in value else float(value)


def _client(base_url: str, cloud: str) -> Any:
    from azure.mgmt.resourcegraph import ResourceGraphClient

    token = os.environ.get("AZURE_ACCESS_TOKEN")
    credential: Any
    if token:
        credential = _StaticToken(token)
    else:
        from azure.identity import DefaultAzureCredential

        credential = DefaultAzureCredential(authority=CLOUDS[cloud][1])
    return ResourceGraphClient(
        credential,
        base_url=base_url,
        credential_scopes=[f"{CLOUDS[cloud][0]}/.default"],
        retry_total=0,  # retries are ours: counted, paced and turned into gaps
    )


class _StaticToken:
    """A bearer token handed in (``AZURE_ACCESS_TOKEN``, as ``az account get-access-token``
    prints), for CI runners and tests."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken(self.token, 4_102_444_800)  # valid until 2100
