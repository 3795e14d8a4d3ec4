"""Google Cloud through Cloud Asset Inventory: every resource of an organization, folder or
project from one paginated index (``SearchAllResources``, 500 per page), located by the
catalog, with the copies its own JSON names.

Calls: one page per 500 resources per scope, nothing per resource: the resource JSON comes
back in the same page (``readMask`` with ``versionedResources``). Pages are paced to the
documented quota (400 requests per minute per project). ``gcs`` remains the narrower,
storage-only probe that reads bucket settings from the Storage API itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any, ClassVar

from assessor.errors import ConfigurationError
from assessor.models import CoverageGap, GapReason
from assessor.probes.base import OptionKind, Probe, ProbeItem, ProbeOption
from assessor.probes.gcp.dns import DNS_OPERATIONS, with_record_sets
from assessor.probes.gcp.resources import link_replicas, resource_asset
from assessor.probes.live import (
    Fault,
    GuardedClient,
    Listing,
    Pacer,
    Reading,
    attempts_option,
    endpoint,
    endpoint_option,
    read_pages,
)

PAGE_SIZE = 500
# SearchAllResources: 400 requests per minute per consumer project (Cloud Asset quotas).
RATE_PER_SECOND = 400 / 60
READ_MASK = (
    "name,assetType,project,folders,organization,displayName,location,labels,kmsKeys,"
    "parentFullResourceName,versionedResources"
)
OPERATIONS = {"search_all_resources": "cloudasset.assets.searchAllResources"}
PROJECT = "cloudresourcemanager.googleapis.com/Project"
PROJECT_MASK = "name,assetType,project,additionalAttributes"


class GcpProbe(Probe):
    """Every Google Cloud resource in the scopes, from Cloud Asset Inventory."""

    name = "gcp"
    description = (
        "Google Cloud: every resource of organizations, folders or projects from Cloud Asset "
        "Inventory, with multi-region placements and copies"
    )
    version = "1"
    options = (
        ProbeOption(
            "scope",
            "organizations/N, folders/N or projects/ID (default: the credentials' project)",
            OptionKind.LIST,
        ),
        ProbeOption("skip-dns", "Do not read Cloud DNS record sets", OptionKind.BOOL, False),
        endpoint_option("gcp"),
        attempts_option(),
    )
    read_operations: ClassVar[frozenset[str]] = frozenset(
        {*OPERATIONS.values(), *DNS_OPERATIONS.values()}
    )
    # A plan's units are projects, each read as its own scope.
    unit_option: ClassVar[str | None] = "scope"

    @classmethod
    def access_policy(cls, role: str | None = None) -> dict[str, Any]:
        """A custom role with only the permission used; roles/cloudasset.viewer covers it."""
        return {
            "title": "assessor read-only (gcp)",
            "description": "Searches the Cloud Asset Inventory; predefined equivalent: "
            "roles/cloudasset.viewer",
            "stage": "GA",
            "includedPermissions": sorted(cls.read_operations),
        }

    def scope(self) -> str:
        return "scopes " + ", ".join(self._scopes())

    def _scopes(self) -> list[str]:
        scopes = list(self.settings.items("scope"))
        project = os.environ.get("GOOGLE_CLOUD_PROJECT")
        if not scopes and project:
            scopes = [f"projects/{project}"]
        for scope in scopes:
            if not scope.startswith(("organizations/", "folders/", "projects/")):
                raise ConfigurationError(
                    f"--gcp-scope {scope!r}: write organizations/N, folders/N or projects/ID"
                )
        return scopes

    def units(self) -> list[str]:
        """The projects a plan splits, as scopes (``projects/ID``): those named, and those
        under each organization or folder scope, from one project search per scope.

        ``audit --workers`` does not split Google Cloud: one search covers every project of
        a scope, and the quota is per consumer project, so splitting only adds requests."""
        scopes = self._scopes()
        if not scopes:
            raise ConfigurationError("a gcp plan needs --gcp-scope (an organization or folder)")
        client = GuardedClient(_client(endpoint("gcp", self.settings)), self.name, OPERATIONS)
        pacer = Pacer(RATE_PER_SECOND)
        attempts = self.settings.integer("max-attempts")
        projects: set[str] = set()
        for scope in scopes:
            if scope.startswith("projects/"):
                projects.add(scope)
                continue
            reading = Reading(self.name, classify, attempts, pacer, account=scope)
            for found in read_pages(_search(client, scope, (PROJECT,), PROJECT_MASK), reading):
                if isinstance(found, CoverageGap):  # a plan must list every project
                    raise ConfigurationError(
                        f"cannot list the projects of {scope}: {found.message}"
                    )
                projects.add(_project_scope(found))
        return sorted(projects)

    def scan(self) -> Iterator[ProbeItem]:
        scopes = self._scopes()
        if not scopes:
            raise ConfigurationError(
                "the gcp probe needs --gcp-scope (or GOOGLE_CLOUD_PROJECT for one project)"
            )
        client = GuardedClient(_client(endpoint("gcp", self.settings)), self.name, OPERATIONS)
        pacer = Pacer(RATE_PER_SECOND)
        attempts = self.settings.integer("max-attempts")
        assets = []
        for scope in scopes:
            # Pages before a failed one are kept; the gap says how far the scope was read.
            reading = Reading(self.name, classify, attempts, pacer, account=scope)
            for found in read_pages(_search(client, scope), reading):
                if isinstance(found, CoverageGap):
                    yield found
                else:
                    assets.append(resource_asset(found))
        if self.settings.flag("skip-dns"):
            yield from link_replicas(assets)
            return
        clients = partial(_dns_client, endpoint("gcp", self.settings))
        yield from with_record_sets(link_replicas(assets), clients, classify, attempts)


def _search(
    client: Any,
    scope: str,
    asset_types: Sequence[str] = (),
    read_mask: str = READ_MASK,
) -> Listing[dict[str, Any]]:
    """Cloud Asset's ``SearchAllResources`` over a scope, one page per call (the SDK's pager
    would fetch the next page outside the probe's pacing)."""
    from google.cloud import asset_v1

    def fetch(token: str | None) -> Any:
        request = asset_v1.SearchAllResourcesRequest(
            scope=scope,
            page_size=PAGE_SIZE,
            page_token=token or "",
            read_mask=read_mask,
            asset_types=list(asset_types),
        )
        return next(iter(client.search_all_resources(request=request).pages))

    return Listing(
        operation=OPERATIONS["search_all_resources"],
        service="cloudasset",
        fetch=fetch,
        items=lambda page: (
            asset_v1.ResourceSearchResult.to_dict(
                result, use_integers_for_enums=False, preserving_proto_field_name=False
            )
            for result in page.results
        ),
        next_token=lambda page: page.next_page_token,
    )


def _project_scope(result: dict[str, Any]) -> str:
    """``projects/ID`` of a Project search result (its id, else its number)."""
    attributes = result.get("additionalAttributes") or {}
    project_id = attributes.get("projectId") if isinstance(attributes, dict) else None
    return f"projects/{project_id}" if project_id else str(result.get("project"))


# ErrorInfo reasons that mean the API is off for the project (Google's "Troubleshoot API
# errors": SERVICE_DISABLED; API_DISABLED in older answers).
SERVICE_NOT_ENABLED = frozenset({"SERVICE_DISABLED", "API_DISABLED"})


def classify(error: Exception) -> Fault | None:
    """Cloud Asset errors → gap reasons; throttling and server errors are retried."""
    from google.api_core import exceptions
    from google.auth import exceptions as auth_exceptions

    text = " ".join(str(error).split())[:300]
    if isinstance(error, auth_exceptions.GoogleAuthError):
        # A rejected token: the client tried to refresh it and could not.
        return Fault(GapReason.ACCESS_DENIED, f"credentials rejected: {text}")
    if isinstance(error, exceptions.TooManyRequests | exceptions.ResourceExhausted):
        return Fault(GapReason.THROTTLED, f"throttled: {text}", retry_after=1.0)
    if isinstance(error, exceptions.ServiceUnavailable | exceptions.InternalServerError):
        return Fault(GapReason.ERROR, f"server error: {text}", retry_after=0.5)
    if isinstance(error, exceptions.PermissionDenied | exceptions.Forbidden):
        # The ErrorInfo's reason (google/rpc/error_details.proto) says why, not the text.
        if error.reason in SERVICE_NOT_ENABLED:
            return Fault(GapReason.NOT_ENABLED, f"Cloud Asset API not enabled: {text}")
        return Fault(GapReason.ACCESS_DENIED, f"access denied: {text}")
    if isinstance(error, exceptions.Unauthenticated):
        return Fault(GapReason.ACCESS_DENIED, f"not authenticated: {text}")
    if isinstance(error, exceptions.GoogleAPICallError):
        return Fault(GapReason.ERROR, text)
    if isinstance(error, ValueError):  # a page that is not the API's JSON
        return Fault(GapReason.ERROR, f"an answer that does not parse: {text}")
    return None


def _credentials() -> Any:
    token = os.environ.get("GOOGLE_OAUTH_ACCESS_TOKEN")
    if token:
        from google.oauth2.credentials import Credentials

        return Credentials(token=token)  # type: ignore[no-untyped-call]
    import google.auth

    credentials, _ = google.auth.default(
        scopes=["https://www.googleapis.com/auth/cloud-platform.read-only"]
    )
    return credentials


def _dns_client(override: str | None, project: str) -> Any:
    from google.cloud import dns  # type: ignore[attr-defined]

    options = {"api_endpoint": override} if override else None
    return dns.Client(project=project, credentials=_credentials(), client_options=options)


def _client(override: str | None) -> Any:
    from google.cloud import asset_v1

    credentials = _credentials()
    options = {"api_endpoint": override} if override else None
    return asset_v1.AssetServiceClient(
        transport="rest", credentials=credentials, client_options=options
    )
