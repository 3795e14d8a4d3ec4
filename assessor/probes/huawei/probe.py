"""Huawei Cloud: every resource from Config (RMS ``ListAllResources``), and every OBS bucket
with its location and the buckets its cross-region replication copies into.

Calls: one ``ListAllResources`` page per 200 resources, paced to 10 requests a second (the
domain id is always passed, so the SDK never calls IAM to look it up); one OBS
``ListBuckets`` with locations and one ``GetBucketReplication`` per bucket; Direct Connect
lines and DNS public zones as :mod:`assessor.probes.huawei.network` reads them.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from assessor.errors import ConfigurationError
from assessor.models import Asset, CoverageGap, Flow, FlowKind, GapReason, Provider, replaced
from assessor.probes.base import OptionKind, Probe, ProbeItem, ProbeOption, classification
from assessor.probes.huawei.network import (
    DC_OPERATIONS,
    DNS_OPERATIONS,
    DirectConnect,
    PublicDns,
)
from assessor.probes.live import (
    ErrorTable,
    Fault,
    FaultError,
    GuardedClient,
    KeySource,
    Listing,
    Pacer,
    Reading,
    attempts_option,
    bucket_asset,
    call,
    denied,
    endpoint,
    endpoint_option,
    read_buckets,
    read_pages,
    regions_option,
    split,
    throttled,
    with_buckets,
)

PAGE_SIZE = 200
RATE_PER_SECOND = 10
# Config (RMS) and OBS per site: the global one (China and international regions) and the
# European site, whose accounts live on myhuaweicloud.eu.
SITES = {
    "global": ("https://rms.myhuaweicloud.com", "https://obs.myhuaweicloud.com"),
    "eu": ("https://rms.myhuaweicloud.eu", "https://obs.eu-west-101.myhuaweicloud.eu"),
}
RMS_OPERATIONS = {"list_all_resources": "rms:resources:list"}
RDS_OPERATIONS = {"list_off_site_instances": "rds:backup:list"}

RDS_HOSTS = {
    "global": "https://rds.{region}.myhuaweicloud.com",
    "eu": "https://rds.{region}.myhuaweicloud.eu",
}
OBS_OPERATIONS = {
    "listBuckets": "obs:bucket:ListAllMyBuckets",
    "getBucketReplication": "obs:bucket:GetReplicationConfiguration",
}


class HuaweiProbe(Probe):
    """Every Huawei Cloud resource of an account (domain)."""

    name = "huawei"
    description = (
        "Huawei Cloud: every resource from Config (RMS); OBS buckets and their cross-region "
        "replication"
    )
    version = "1"
    options = (
        ProbeOption("domain-id", "The account (domain) id; also HUAWEICLOUD_SDK_DOMAIN_ID"),
        ProbeOption("site", "Account site", OptionKind.CHOICE, "global", tuple(SITES)),
        regions_option(),
        ProbeOption("skip-obs", "Do not read OBS bucket replication", OptionKind.BOOL, False),
        ProbeOption("skip-rds", "Do not read RDS cross-region backups", OptionKind.BOOL, False),
        ProbeOption(
            "skip-direct-connect",
            "Do not read Direct Connect connections (carriers)",
            OptionKind.BOOL,
            False,
        ),
        ProbeOption("skip-dns", "Do not read DNS public zone records", OptionKind.BOOL, False),
        endpoint_option("huawei"),
        attempts_option(),
    )
    read_operations: ClassVar[frozenset[str]] = frozenset(
        {
            *RMS_OPERATIONS.values(),
            *OBS_OPERATIONS.values(),
            *RDS_OPERATIONS.values(),
            *DC_OPERATIONS.values(),
            *DNS_OPERATIONS.values(),
        }
    )

    @classmethod
    def access_policy(cls, role: str | None = None) -> dict[str, Any]:
        """An IAM custom policy with only the declared reads."""
        return {
            "Version": "1.1",
            "Statement": [{"Effect": "Allow", "Action": sorted(cls.read_operations)}],
        }

    def scope(self) -> str:
        return f"domain {self._domain()}"

    def _domain(self) -> str:
        return self.settings.text("domain-id") or os.environ.get("HUAWEICLOUD_SDK_DOMAIN_ID", "")

    def scan(self) -> Iterator[ProbeItem]:
        ak, sk = _credentials()
        domain = self._domain()
        if not domain:
            raise ConfigurationError(
                "the huawei probe needs --huawei-domain-id (or HUAWEICLOUD_SDK_DOMAIN_ID)"
            )
        override = endpoint("huawei", self.settings)
        site = self.settings.setting("site")
        attempts = self.settings.integer("max-attempts")
        reading = Reading(self.name, classify, attempts, Pacer(RATE_PER_SECOND), account=domain)
        found = read_pages(_resources(ak, sk, domain, override or SITES[site][0]), reading)
        assets, gaps = split(found)
        yield from gaps  # a page that failed: every page before it is kept
        if not self.settings.flag("skip-rds"):
            offsite = _Offsite(ak, sk, override, attempts, site)
            assets = yield from offsite.backups(assets)
        if not self.settings.flag("skip-direct-connect"):
            lines = DirectConnect(ak, sk, override, attempts, site, classify)
            assets = yield from lines.circuits(assets, domain)
        if not self.settings.flag("skip-dns"):
            dns = PublicDns(ak, sk, override, attempts, site, classify)
            assets += yield from dns.zones(assets, domain)
        buckets: dict[str, Asset] = {}
        if not self.settings.flag("skip-obs"):
            obs = _Obs(ak, sk, override or SITES[site][1], attempts, bool(override))
            make = partial(_bucket, domain=domain)
            regions = self.settings.items("regions")
            owners = {asset.name: asset.account for asset in assets if asset.kind == "bucket"}
            buckets = yield from read_buckets(obs, self.name, "obs", make, domain, regions, owners)
        yield from with_buckets(assets, buckets)


def _resources(ak: str, sk: str, domain: str, server: str) -> Listing[Asset]:
    """Config's index of the account (always with the domain id, so the SDK never calls IAM
    to look it up)."""
    from huaweicloudsdkcore.auth.credentials import GlobalCredentials
    from huaweicloudsdkrms.v1 import ListAllResourcesRequest, RmsClient

    client = GuardedClient(
        RmsClient.new_builder()
        .with_credentials(GlobalCredentials(ak, sk, domain))
        .with_endpoints([server])
        .build(),
        "huawei",
        RMS_OPERATIONS,
    )
    return Listing(
        operation=RMS_OPERATIONS["list_all_resources"],
        service="rms",
        fetch=lambda marker: client.list_all_resources(
            ListAllResourcesRequest(limit=PAGE_SIZE, marker=marker)
        ),
        items=lambda page: (resource_asset(row.to_dict(), domain) for row in page.resources or ()),
        next_token=lambda page: page.page_info.next_marker if page.page_info else None,
    )


def resource_asset(row: dict[str, Any], domain: str) -> Asset:
    """One RMS resource: ``provider`` (the service) and ``type``, ``region_id``, tags."""
    service = str(row.get("provider") or "unknown").lower()
    kind = str(row.get("type") or "resource").lower().removesuffix("s")
    region = str(row.get("region_id") or "").lower() or None
    tags = {str(k): str(v) for k, v in (row.get("tags") or {}).items()}
    identity = str(row.get("id", ""))
    attributes = {
        "project_id": str(row.get("project_id") or ""),
        "ep_id": str(row.get("ep_id") or ""),
    }
    if region == "global":
        attributes["location_note"] = "global: the resource has no single location"
    return Asset(
        id=f"{service}:{region or ''}:{domain}:{kind}:{identity}",
        provider=Provider.HUAWEI,
        service=service,
        kind=kind,
        name=str(row.get("name") or identity),
        account=domain,
        region=region,
        tags=tags,
        classification=classification(tags),
        attributes={k: v for k, v in attributes.items() if v},
    )


class _Offsite:
    """RDS cross-region ("offsite") backups: one ``ListOffSiteInstances`` listing per region
    and project that holds an instance, not a call per instance."""

    def __init__(self, ak: str, sk: str, override: str | None, attempts: int, site: str) -> None:
        self.keys = (ak, sk)
        self.override = override
        self.attempts = attempts
        self.host = RDS_HOSTS[site]

    def backups(self, assets: list[Asset]) -> Generator[CoverageGap, None, list[Asset]]:
        places: dict[tuple[str, str], str] = {}
        for asset in assets:
            project = asset.attributes.get("project_id")
            if asset.service == "rds" and asset.kind == "instance" and asset.region and project:
                places[(asset.region, project)] = asset.account or ""
        destinations: dict[str, str] = {}
        for (region, project), account in sorted(places.items()):
            try:
                destinations.update(self._listing(region, project))
            except FaultError as error:
                held = sorted(
                    asset.id.rsplit(":", 1)[1]
                    for asset in assets
                    if asset.service == "rds"
                    and asset.region == region
                    and asset.attributes.get("project_id") == project
                )
                yield error.gap(
                    "huawei",
                    account=account,
                    region=region,
                    service="rds",
                    operation=RDS_OPERATIONS["list_off_site_instances"],
                    resource=", ".join(held),  # the instances whose backups were not read
                )
        return [
            replaced(asset, flows=(*asset.flows, Flow(kind=FlowKind.BACKUP, target_region=to)))
            if asset.service == "rds" and (to := destinations.get(asset.id.rsplit(":", 1)[1]))
            else asset
            for asset in assets
        ]

    def _listing(self, region: str, project: str) -> dict[str, str]:
        from huaweicloudsdkcore.auth.credentials import BasicCredentials
        from huaweicloudsdkrds.v3 import ListOffSiteInstancesRequest, RdsClient

        client = GuardedClient(
            RdsClient.new_builder()
            .with_credentials(BasicCredentials(*self.keys, project))  # a project id: no IAM call
            .with_endpoints([self.override or self.host.format(region=region)])
            .build(),
            "huawei",
            RDS_OPERATIONS,
        )
        found: dict[str, str] = {}
        offset = 0
        while True:
            request = ListOffSiteInstancesRequest(offset=offset, limit=100)
            page = call(
                partial(client.list_off_site_instances, request), classify, None, self.attempts
            )
            rows = page.offsite_backup_instances or []
            for row in rows:
                if str(row.source_region or region).lower() == region and row.destination_region:
                    found[str(row.id)] = str(row.destination_region).lower()
            offset += len(rows)
            if not rows or offset >= int(page.total_count or 0):
                return found


class _Obs:
    """OBS as the bucket pass reads it: the bucket listing and each bucket's replication."""

    listing_operation = OBS_OPERATIONS["listBuckets"]
    replication_operation = OBS_OPERATIONS["getBucketReplication"]

    def __init__(self, ak: str, sk: str, server: str, attempts: int, path_style: bool) -> None:
        from obs import ObsClient

        self.client = GuardedClient(
            ObsClient(
                access_key_id=ak,
                secret_access_key=sk,
                server=server,
                path_style=path_style,
                max_retry_count=0,
            ),
            "huawei",
            OBS_OPERATIONS,
        )
        self.attempts = attempts
        self.locations: dict[str, str | None] = {}

    def _checked(self, answer: Any) -> Any:
        if answer.status >= 300:
            raise _ObsError(
                answer.status, str(answer.errorCode or ""), str(answer.errorMessage or "")
            )
        return answer.body

    def buckets(self) -> Iterator[tuple[str, str | None]]:
        body = call(self._listing, classify, None, self.attempts)
        self.locations = {
            str(bucket.name): str(bucket.location or "").lower() or None
            for bucket in body.buckets or ()
        }
        yield from self.locations.items()

    def _listing(self) -> Any:
        return self._checked(self.client.listBuckets(isQueryLocation=True))

    def replication(self, name: str, region: str | None) -> list[Flow]:
        """OBS rules name the destination bucket only: its region is the listing's."""
        body = call(partial(self._replication, name), classify, None, self.attempts)
        rules = (body or {}).get("replicationRules") or []
        flows = []
        for rule in rules:
            if rule.get("status", "Enabled") != "Enabled":
                continue
            target = destination_bucket(str(rule.get("bucket") or ""))
            flows.append(
                Flow(
                    kind=FlowKind.REPLICATION,
                    target_id=f"obs:::{target}",
                    target_region=self.locations.get(target),
                )
            )
        return flows

    def _replication(self, name: str) -> Any:
        return self._checked(self.client.getBucketReplication(name))


def destination_bucket(named: str) -> str:
    """A replication destination as OBS names it natively (``bucket``) or as its
    S3-compatible protocol does, which the SDK speaks to any other host
    (``arn:aws:s3:::bucket``): the bucket's name either way."""
    return named.removeprefix("arn:aws:s3:::")


class _ObsError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message = status, code, message


def _bucket(name: str, region: str | None, flows: list[Flow], domain: str = "") -> Asset:
    identity = f"obs:{region or ''}:{domain}:bucket:{name}"
    return bucket_asset(Provider.HUAWEI, "obs", identity, name, region, flows, domain)


# API Gateway's codes, which every Huawei Cloud API answers through, and OBS's (its error
# reference); the SDKs ship no code tables. Config's own RMS.* codes are read by status.
_APIG = "https://support.huaweicloud.com/intl/en-us/api-apig/ErrorCode.html"
_OBS = "https://support.huaweicloud.com/intl/en-us/api-obs/obs_04_0115.html"
ERRORS = ErrorTable(
    codes=(
        throttled("APIGW.0308", _APIG),
        denied("APIGW.0301", _APIG),
        denied("AccessDenied", _OBS),
        denied("SignatureDoesNotMatch", _OBS),
        denied("InvalidAccessKeyId", _OBS),
    ),
    absent=(denied("NoSuchReplicationConfiguration", _OBS),),
)


def classify(error: Exception) -> Fault | None:
    """Huawei SDK and OBS errors → gap reasons; throttling is retried."""
    from huaweicloudsdkcore.exceptions import exceptions

    if isinstance(error, _ObsError):
        return ERRORS.classify(error.code, error.status, error.message)
    if isinstance(error, exceptions.ServiceResponseException):
        code, message = str(error.error_code or ""), str(error.error_msg or "")
        return ERRORS.classify(code, error.status_code, message)
    if isinstance(error, exceptions.SdkException):
        return Fault(GapReason.ERROR, f"cannot reach the API: {error}", retry_after=0.5)
    return None


def _credentials() -> tuple[str, str]:
    """``HUAWEICLOUD_SDK_AK`` / ``HUAWEICLOUD_SDK_SK``, else the ``[global]`` profile of the
    SDK's credentials file (``HUAWEICLOUD_SDK_CREDENTIALS_FILE``, else
    ``~/.huaweicloud/credentials``)."""
    named = os.environ.get("HUAWEICLOUD_SDK_CREDENTIALS_FILE")
    ak, sk, _ = KeySource(
        probe="huawei",
        variables=("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK"),
        files=(Path(named) if named else Path.home() / ".huaweicloud" / "credentials",),
        profile="global",
        fields=("ak", "sk"),
    ).keys()
    return ak, sk
