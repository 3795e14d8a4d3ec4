"""Google Cloud Storage probe: every bucket of the given projects.

One ``buckets.list`` page carries everything this probe reads (location, location type,
dual-region data locations, default KMS key, public access prevention, labels), so the
cost is one call per 1,000 buckets. Credentials come from Application Default
Credentials; ``STORAGE_EMULATOR_HOST`` points the client at an emulator.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import google.cloud.storage as storage
import requests
from google.api_core import exceptions as google_errors
from google.auth.credentials import AnonymousCredentials
from google.auth.transport.requests import AuthorizedSession

from assessor.models import (
    Asset,
    CoverageGap,
    Encryption,
    Flow,
    FlowKind,
    GapReason,
    KeyCustody,
    Provider,
)
from assessor.probes.base import (
    OptionKind,
    Probe,
    ProbeItem,
    ProbeOption,
    ReadOnlyViolation,
    classification,
)

_READ_METHODS = frozenset({"GET", "HEAD"})


class ReadOnlySession(AuthorizedSession):
    """The probe's HTTP transport: refuses any method but GET and HEAD, so no code path
    through the storage client can change a bucket."""

    def request(  # type: ignore[override]
        self, method: str, url: str, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if method.upper() not in _READ_METHODS:
            raise ReadOnlyViolation(f"refused {method} {url}: the GCS probe only reads")
        response: requests.Response = super().request(  # type: ignore[no-untyped-call]
            method, url, *args, **kwargs
        )
        return response


@dataclass(frozen=True)
class BucketFacts:
    """What one bucket resource says, lifted out of the client's Bucket object."""

    name: str
    project: str
    location: str
    location_type: str | None
    data_locations: tuple[str, ...]
    kms_key: str | None
    public_access_prevention: str | None
    labels: dict[str, str]


class GcsProbe(Probe):
    """Buckets of one or more Google Cloud projects."""

    name = "gcs"
    description = "Google Cloud Storage: buckets of the given projects"
    version = "1"
    options = (
        ProbeOption("project", "Project ids to scan (default: the ADC project)", OptionKind.LIST),
    )
    read_operations: ClassVar[frozenset[str]] = frozenset({"storage.buckets.list"})

    @classmethod
    def access_policy(cls, role: str | None = None) -> dict[str, Any]:
        """A custom IAM role with exactly the permissions the probe uses (the predefined
        roles/storage.bucketViewer covers them too)."""
        return {
            "title": "assessor read-only (gcs)",
            "description": "Lists buckets and their location, labels and encryption settings.",
            "stage": "GA",
            "includedPermissions": sorted(cls.read_operations),
        }

    def scope(self) -> str:
        return "projects " + ", ".join(self._projects())

    def _projects(self) -> list[str]:
        projects = list(self.settings.items("project"))
        if not projects and os.environ.get("GOOGLE_CLOUD_PROJECT"):
            projects = [os.environ["GOOGLE_CLOUD_PROJECT"]]
        return projects

    def scan(self) -> Iterator[ProbeItem]:
        projects = self._projects()
        if not projects:
            yield CoverageGap(
                probe=self.name,
                reason=GapReason.ERROR,
                message="no project given: pass --gcs-project or set GOOGLE_CLOUD_PROJECT",
                service="storage",
            )
            return
        for project in projects:
            try:
                client = _client(project)
                buckets = [
                    _facts(bucket, project) for bucket in client.list_buckets(project=project)
                ]
            except google_errors.GoogleAPIError as error:
                yield CoverageGap(
                    probe=self.name,
                    reason=_reason(error),
                    message=f"buckets.list: {error}",
                    account=project,
                    service="storage",
                )
                continue
            for facts in buckets:
                yield bucket_asset(facts)


def _client(project: str) -> storage.Client:
    if os.environ.get("STORAGE_EMULATOR_HOST"):
        credentials: Any = AnonymousCredentials()  # type: ignore[no-untyped-call]
    else:
        import google.auth

        credentials, _ = google.auth.default(
            scopes=["https://www.googleapis.com/auth/devstorage.read_only"]
        )
    session = ReadOnlySession(credentials)  # type: ignore[no-untyped-call]
    return storage.Client(project=project, credentials=credentials, _http=session)


def _facts(bucket: storage.Bucket, project: str) -> BucketFacts:
    return BucketFacts(
        name=bucket.name,
        project=project,
        location=bucket.location or "",
        location_type=bucket.location_type,
        data_locations=tuple(bucket.data_locations or ()),
        kms_key=bucket.default_kms_key_name,
        public_access_prevention=bucket.iam_configuration.public_access_prevention,
        labels=dict(bucket.labels or {}),
    )


def _reason(error: Exception) -> GapReason:
    if isinstance(error, google_errors.Forbidden | google_errors.Unauthorized):
        return GapReason.ACCESS_DENIED
    if isinstance(error, google_errors.TooManyRequests | google_errors.ServiceUnavailable):
        return GapReason.THROTTLED
    return GapReason.ERROR


# --- pure functions: bucket facts → assessor models ----------------------------------------


def kms_key_region(key_name: str) -> str | None:
    """``projects/P/locations/L/keyRings/R/cryptoKeys/K`` → ``L``."""
    parts = key_name.split("/")
    if "locations" in parts:
        index = parts.index("locations")
        if index + 1 < len(parts):
            return parts[index + 1].lower()
    return None


def bucket_asset(facts: BucketFacts) -> Asset:
    region = facts.location.lower() or None
    if facts.data_locations:
        # A configurable dual-region reports its multi-region (ASIA) as location, but its
        # data sits only in the two regions it names: the catalog places REGION+REGION there.
        region = "+".join(sorted(placement.lower() for placement in facts.data_locations))
    if facts.kms_key:
        encryption = Encryption(
            custody=KeyCustody.CUSTOMER_MANAGED,
            key_id=facts.kms_key,
            key_region=kms_key_region(facts.kms_key),
        )
    else:
        # Google-managed default encryption: the provider holds the key.
        encryption = Encryption(custody=KeyCustody.PROVIDER_MANAGED, key_region=region)
    # A configurable dual-region names the two regions its data is placed in.
    flows = tuple(
        Flow(kind=FlowKind.DATA_PLACEMENT, target_region=placement.lower())
        for placement in facts.data_locations
    )
    attributes = {"location_type": facts.location_type or ""}
    if facts.data_locations:
        attributes["multi_region"] = facts.location.upper()
    if facts.public_access_prevention:
        attributes["public_access_prevention"] = facts.public_access_prevention
    return Asset(
        id=f"//storage.googleapis.com/projects/_/buckets/{facts.name}",
        provider=Provider.GCP,
        service="storage",
        kind="bucket",
        name=facts.name,
        account=facts.project,
        region=region,
        tags=facts.labels,
        classification=classification(facts.labels),
        encryption=encryption,
        public_access_blocked=facts.public_access_prevention == "enforced",
        flows=flows,
        attributes=attributes,
    )
