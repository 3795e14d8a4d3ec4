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
import time
from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any, ClassVar

from assessor.errors import ConfigurationError
from assessor.models import CoverageGap, GapReason
from assessor.probes.azure.dns import DNS_OPERATIONS, with_record_sets
from assessor.probes.azure.resources import row_asset
from assessor.probes.base import OptionKind, Probe, ProbeItem, ProbeOption
from assessor.probes.live import (
    Fault,
    GuardedClient,
    Listing,
    Reading,
    attempts_option,
    endpoint,
    endpoint_option,
    read_pages,
    split,
)
from assessor.probes.live.calls import UnparsableAnswer

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
        ProbeOption("skip-dns", "Do not read DNS zones' record sets", OptionKind.BOOL, False),
        endpoint_option("azure"),
        attempts_option(),
    )
    read_operations: ClassVar[frozenset[str]] = frozenset(
        {*OPERATIONS.values(), *DNS_OPERATIONS.values(), "*/read"}
    )
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
        rows, gaps = split(self._query().rows(None, groups or None, self.name, SUBSCRIPTIONS))
        if gaps:  # a plan must list every subscription
            raise ConfigurationError(f"cannot list the subscriptions: {gaps[0].message}")
        return sorted({str(row["subscriptionId"]) for row in rows})

    def _query(self) -> _Query:
        cloud = self.settings.setting("cloud")
        base_url = endpoint("azure", self.settings) or CLOUDS[cloud][0]
        client = GuardedClient(_client(base_url, cloud), self.name, OPERATIONS)
        return _Query(
            client, base_url.startswith("https://"), self.settings.integer("max-attempts")
        )

    def scan(self) -> Iterator[ProbeItem]:
        items = self._index()
        if self.settings.flag("skip-dns"):
            yield from items
            return
        cloud = self.settings.setting("cloud")
        base_url = endpoint("azure", self.settings) or CLOUDS[cloud][0]
        attempts = self.settings.integer("max-attempts")
        clients = partial(_dns_client, base_url, cloud)
        https = base_url.startswith("https://")
        yield from with_record_sets(items, clients, classify, attempts, https)

    def _index(self) -> Iterator[ProbeItem]:
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
    """Resource Graph queries over subscriptions or management groups."""

    def __init__(self, client: Any, https: bool, attempts: int) -> None:
        self.client = client
        self.https = https
        self.attempts = attempts

    def run(
        self, subscriptions: Sequence[str] | None, groups: Sequence[str] | None, probe: str
    ) -> Iterator[ProbeItem]:
        """Every resource of the subscriptions (or groups) as an asset; a batch the
        credential cannot read at all is split until the unreadable subscriptions are found,
        and the others are read."""
        rows, gaps = split(self.rows(subscriptions, groups, probe))
        denied = gaps and gaps[0].reason is GapReason.ACCESS_DENIED
        if denied and not rows and subscriptions and len(subscriptions) > 1:
            middle = len(subscriptions) // 2
            yield from self.run(subscriptions[:middle], None, probe)
            yield from self.run(subscriptions[middle:], None, probe)
            return
        yield from gaps
        yield from (row_asset(row) for row in rows)

    def rows(
        self,
        subscriptions: Sequence[str] | None,
        groups: Sequence[str] | None,
        probe: str,
        text: str = QUERY,
    ) -> Iterator[dict[str, Any] | CoverageGap]:
        """The query's rows, page by page; a page that fails keeps the ones before it."""
        where = ",".join(subscriptions or groups or ()) or None
        reading = Reading(probe, classify, self.attempts, account=where)
        return read_pages(self._listing(subscriptions, groups, text), reading)

    def _listing(
        self, subscriptions: Sequence[str] | None, groups: Sequence[str] | None, text: str
    ) -> Listing[dict[str, Any]]:
        from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

        # The per-user quota, as the last answer's headers told it: waited out before the
        # next page is asked for.
        wait = [0.0]

        def fetch(token: str | None) -> Any:
            if wait[0]:
                time.sleep(wait[0])
            request = QueryRequest(
                subscriptions=list(subscriptions) if subscriptions else None,
                management_groups=list(groups) if groups else None,
                query=text,
                options=QueryRequestOptions(
                    top=PAGE_SIZE, skip_token=token, result_format="objectArray"
                ),
            )
            response, headers = self._page(request)
            if not isinstance(response.data, list):
                raise UnparsableAnswer("an answer that is not a list of rows")
            wait[0] = _quota_wait(headers)
            return response

        return Listing(
            operation=OPERATIONS["resources"],
            service="resourcegraph",
            fetch=fetch,
            items=lambda response: response.data,
            next_token=lambda response: response.skip_token,
        )

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
    if isinstance(error, UnparsableAnswer):
        return Fault(GapReason.ERROR, f"an answer that does not parse: {text}")
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


def _credential(cloud: str) -> Any:
    token = os.environ.get("AZURE_ACCESS_TOKEN")
    if token:
        return _StaticToken(token)
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential(authority=CLOUDS[cloud][1])


def _dns_client(base_url: str, cloud: str, subscription: str) -> Any:
    from azure.mgmt.dns import DnsManagementClient

    return DnsManagementClient(
        _credential(cloud),
        subscription,
        base_url=base_url,
        credential_scopes=[f"{CLOUDS[cloud][0]}/.default"],
        retry_total=0,  # retries are ours: counted, paced and turned into gaps
    )


def _client(base_url: str, cloud: str) -> Any:
    from azure.mgmt.resourcegraph import ResourceGraphClient

    return ResourceGraphClient(
        _credential(cloud),
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
