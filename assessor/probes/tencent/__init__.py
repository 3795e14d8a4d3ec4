"""Tencent Cloud: every resource from Cloud Config (or, where Config is not enabled, the Tag
service's resource list), and every COS bucket with the regions its replication copies into.

Calls: one ``ListDiscoveredResources`` page per 200 resources (``ListAggregateDiscoveredResources``
for an account group with ``--tencent-aggregator``), paced to Config's 20 requests a second;
when Config answers that it is not enabled, one ``GetResources`` page per 200 tagged
resources instead, and the methodology says so; one COS ``GetService`` and one
``GetBucketReplication`` per bucket, at the bucket's own region.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from assessor.models import Asset, Flow, Provider
from assessor.probes.base import OptionKind, Probe, ProbeItem, ProbeOption
from assessor.probes.live import (
    ErrorCodes,
    Fault,
    FaultError,
    GuardedClient,
    KeySource,
    Pacer,
    bucket_asset,
    call,
    endpoint,
    endpoint_option,
    read_buckets,
    regions_option,
    with_buckets,
    with_copies,
)
from assessor.probes.tencent.resources import (
    config_asset,
    remote_backup_flows,
    replication_flows,
    tag_asset,
)

# API domains per site: mainland China accounts and international ones (isolated domain).
SITES = {"cn": "tencentcloudapi.com", "intl": "intl.tencentcloudapi.com"}
PAGE_SIZE = 200
RATE_PER_SECOND = 20  # Cloud Config's documented limit
CONFIG_OPERATIONS = {
    "ListDiscoveredResources": "config:ListDiscoveredResources",
    "ListAggregateDiscoveredResources": "config:ListAggregateDiscoveredResources",
}
TAG_OPERATIONS = {"GetResources": "tag:GetResources"}
# Called through the common client by this one literal name: nothing else can be asked.
CDB_OPERATION = "DescribeRemoteBackupConfig"
COS_OPERATIONS = {
    "list_buckets": "cos:GetService",
    "get_bucket_replication": "cos:GetBucketReplication",
}


class TencentProbe(Probe):
    """Every Tencent Cloud resource of an account or account group."""

    name = "tencent"
    description = (
        "Tencent Cloud: every resource from Cloud Config (or the Tag service); COS buckets "
        "and their cross-region replication"
    )
    version = "1"
    options = (
        ProbeOption("aggregator", "Cloud Config account group id (cross-account)"),
        ProbeOption("region", "API region for the calls", OptionKind.TEXT, "ap-guangzhou"),
        ProbeOption("site", "Account site", OptionKind.CHOICE, "intl", tuple(SITES)),
        ProbeOption("role-arn", "CAM role to assume (qcs::cam::uin/ACCOUNT:roleName/NAME)"),
        ProbeOption("role-session", "Session name when assuming the role", default="assessor"),
        regions_option(),
        ProbeOption("skip-cos", "Do not read COS bucket replication", OptionKind.BOOL, False),
        ProbeOption("skip-cdb", "Do not read MySQL remote backups", OptionKind.BOOL, False),
        endpoint_option("tencent"),
        ProbeOption("max-attempts", "Attempts per call", OptionKind.INT, 5, minimum=1),
    )
    read_operations: ClassVar[frozenset[str]] = frozenset(
        {
            *CONFIG_OPERATIONS.values(),
            *TAG_OPERATIONS.values(),
            *COS_OPERATIONS.values(),
            f"cdb:{CDB_OPERATION}",
        }
    )
    credential_operations: ClassVar[frozenset[str]] = frozenset({"sts:AssumeRole"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._notes: list[str] = []

    @classmethod
    def access_policy(cls, role: str | None = None) -> dict[str, Any]:
        """A CAM policy with only the declared reads, and assuming ``role`` when one is named."""
        statements: list[dict[str, Any]] = [
            {"effect": "allow", "action": sorted(cls.read_operations), "resource": ["*"]}
        ]
        if role:
            arn = role if role.startswith("qcs::") else f"qcs::cam::uin/*:roleName/{role}"
            statements.append({"effect": "allow", "action": ["sts:AssumeRole"], "resource": [arn]})
        return {"version": "2.0", "statement": statements}

    def scope(self) -> str:
        group = self.settings.text("aggregator")
        return f"account group {group}" if group else "account"

    def notes(self) -> tuple[str, ...]:
        return tuple(self._notes)

    def scan(self) -> Iterator[ProbeItem]:
        secret_id, secret_key = _credentials()
        override = endpoint("tencent", self.settings)
        region = self.settings.text("region") or "ap-guangzhou"
        attempts = self.settings.integer("max-attempts")
        domain = SITES[self.settings.text("site") or "intl"]
        listing = _Listing(secret_id, secret_key, override, region, attempts, domain)
        keys: tuple[str, str, str | None] = (secret_id, secret_key, None)
        role = self.settings.text("role-arn")
        if role:
            try:
                keys = listing.assume(role, self.settings.text("role-session") or "assessor")
            except FaultError as error:
                yield error.gap(self.name, account=None, region=None, service="sts")
                return
            self._notes.append(f"read as the role {role}")
        assets: list[Asset] = []
        try:
            assets = list(listing.config(self.settings.text("aggregator")))
            self._notes.append("resources listed by Cloud Config")
        except FaultError as error:
            if not error.fault.message.startswith("Cloud Config is not enabled"):
                yield error.gap(self.name, account=None, region=None, service="config")
            else:
                self._notes.append(
                    "Cloud Config is not enabled: resources listed by the Tag service "
                    "(only resources that carry a tag)"
                )
                try:
                    assets = list(listing.tags())
                except FaultError as tag_error:
                    yield tag_error.gap(self.name, account=None, region=None, service="tag")
        if not self.settings.flag("skip-cdb"):
            cdb = listing.remote_backups
            assets = yield from with_copies(assets, self.name, "cdb", _is_cdb_instance, cdb)
        buckets: dict[str, Asset] = {}
        if not self.settings.flag("skip-cos"):
            cos = _Cos(keys, override, region, attempts)
            buckets = yield from read_buckets(
                cos, self.name, "cos", _bucket, regions=self.settings.items("regions")
            )
        yield from with_buckets(assets, buckets)


class _Listing:
    def __init__(
        self,
        secret_id: str,
        secret_key: str,
        override: str | None,
        region: str,
        attempts: int,
        domain: str = SITES["intl"],
    ) -> None:
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile

        self.credential = credential.Credential(secret_id, secret_key)
        self.domain = domain
        self.region = region
        self.attempts = attempts
        self.pacer = Pacer(RATE_PER_SECOND)
        self._cdb: dict[str, Any] = {}  # region → CDB client, built when first needed

        def profile(host: str) -> Any:
            if override:
                parts = urlsplit(override)
                return ClientProfile(
                    httpProfile=HttpProfile(protocol=parts.scheme, endpoint=parts.netloc)
                )
            return ClientProfile(httpProfile=HttpProfile(endpoint=host))

        self.profile = profile

    def assume(self, role: str, session: str) -> tuple[str, str, str]:
        """STS AssumeRole (the one credential operation); every later call uses the role's
        temporary keys. Returns them for COS."""
        from tencentcloud.common import credential
        from tencentcloud.common.common_client import CommonClient

        profile = self.profile(f"sts.{self.domain}")
        sts = CommonClient("sts", "2018-08-13", self.credential, self.region, profile)
        params = {"RoleArn": role, "RoleSessionName": session, "DurationSeconds": 3600}
        assuming = partial(sts.call_json, "AssumeRole", params)
        answer = call(assuming, classify, self.pacer, self.attempts)
        granted = answer["Response"]["Credentials"]
        keys = (granted["TmpSecretId"], granted["TmpSecretKey"], granted["Token"])
        self.credential = credential.Credential(*keys)
        return keys

    def remote_backups(self, asset: Asset) -> list[Flow]:
        """A MySQL instance's remote backup configuration: the regions its backups are
        copied into (``DescribeRemoteBackupConfig``, in the instance's region)."""
        from tencentcloud.common.common_client import CommonClient

        region = asset.region or self.region
        cdb = self._cdb.get(region)
        if cdb is None:  # one client per region, not per instance
            profile = self.profile(f"cdb.{self.domain}")
            cdb = self._cdb[region] = CommonClient(
                "cdb", "2017-03-20", self.credential, region, profile
            )
        query = {"InstanceId": asset.id.rsplit("/", 1)[1]}
        reading = partial(cdb.call_json, CDB_OPERATION, query)
        return remote_backup_flows(call(reading, classify, self.pacer, self.attempts))

    def config(self, group: str | None) -> Iterator[Asset]:
        from tencentcloud.config.v20220802 import config_client, models

        client = GuardedClient(
            config_client.ConfigClient(
                self.credential, self.region, self.profile(f"config.{self.domain}")
            ),
            "tencent",
            CONFIG_OPERATIONS,
        )
        token = ""
        while True:
            if group:
                request: Any = models.ListAggregateDiscoveredResourcesRequest()
                request.AccountGroupId = group
                operation = client.ListAggregateDiscoveredResources
            else:
                request = models.ListDiscoveredResourcesRequest()
                operation = client.ListDiscoveredResources
            request.MaxResults = PAGE_SIZE
            request.NextToken = token or None
            page = call(partial(operation, request), classify, self.pacer, self.attempts)
            for item in _as_dict(page).get("Items") or ():  # one conversion a page
                yield config_asset(item, "")
            token = page.NextToken
            if not token:
                return

    def tags(self) -> Iterator[Asset]:
        from tencentcloud.tag.v20180813 import models, tag_client

        client = GuardedClient(
            tag_client.TagClient(self.credential, self.region, self.profile(f"tag.{self.domain}")),
            "tencent",
            TAG_OPERATIONS,
        )
        token = ""
        while True:
            request = models.GetResourcesRequest()
            request.MaxResults = PAGE_SIZE
            request.PaginationToken = token or None
            page = call(partial(client.GetResources, request), classify, self.pacer, self.attempts)
            for mapping in _as_dict(page).get("ResourceTagMappingList") or ():
                yield tag_asset(mapping)
            token = page.PaginationToken
            if not token:
                return


class _Cos:
    def __init__(
        self, keys: tuple[str, str, str | None], override: str | None, region: str, attempts: int
    ) -> None:
        self.keys = keys
        self.override = urlsplit(override) if override else None
        self.region = region
        self.attempts = attempts

    def _client(self, region: str) -> Any:
        from qcloud_cos import CosConfig, CosS3Client

        settings: dict[str, Any] = {
            "Region": region,
            "SecretId": self.keys[0],
            "SecretKey": self.keys[1],
            "Token": self.keys[2],
        }
        if self.override is not None:
            # Keep the real bucket host names (they carry the bucket), but connect here.
            settings |= {
                "Scheme": self.override.scheme,
                "IP": self.override.hostname,
                "Port": self.override.port,
                "ServiceDomain": self.override.netloc,
            }
        return GuardedClient(CosS3Client(CosConfig(**settings)), "tencent", COS_OPERATIONS)

    def buckets(self) -> Iterator[tuple[str, str | None]]:
        answer = call(self._client(self.region).list_buckets, classify, None, self.attempts)
        listed = (answer.get("Buckets") or {}).get("Bucket") or []
        for bucket in listed if isinstance(listed, list) else [listed]:
            yield str(bucket.get("Name")), str(bucket.get("Location") or "").lower() or None

    def replication(self, name: str, region: str | None) -> list[Flow]:
        client = self._client(region or self.region)
        reading = partial(client.get_bucket_replication, Bucket=name)
        return replication_flows(call(reading, classify, None, self.attempts) or {})


def _bucket(name: str, region: str | None, flows: list[Flow]) -> Asset:
    identity = f"qcs::cos:{region or ''}::{name}"
    return bucket_asset(Provider.TENCENT, "cos", identity, name, region, flows)


def _as_dict(model: Any) -> dict[str, Any]:
    import json

    return dict(json.loads(model.to_json_string()))


ERRORS = ErrorCodes(
    throttled=("RequestLimitExceeded", "LimitExceeded"),
    denied=("AuthFailure", "UnauthorizedOperation", "AccessDenied", "SignatureDoesNotMatch"),
    disabled=("NotEnabled", "NotOpen", "RecorderNotExist"),
    absent=("NoSuchReplicationConfiguration",),
    service="Cloud Config",
)


def classify(error: Exception) -> Fault | None:
    """Tencent API and COS errors → gap reasons; throttling is retried."""
    module = type(error).__module__
    if not module.startswith(("tencentcloud", "qcloud_cos")):
        return None
    if module.startswith("qcloud_cos"):
        get_code = getattr(error, "get_error_code", None)
        code = str(get_code()) if callable(get_code) else ""
        status = int(getattr(error, "get_status_code", lambda: 0)() or 0)
    else:
        code, status = str(getattr(error, "code", "") or ""), 0
    return ERRORS.classify(code, status, str(getattr(error, "message", "") or error))


def _credentials() -> tuple[str, str]:
    """``TENCENTCLOUD_SECRET_ID`` / ``TENCENTCLOUD_SECRET_KEY``, else the ``[default]`` profile
    of the credentials file Tencent's tools write (as the SDK's ProfileCredential reads it)."""
    secret_id, secret_key, _ = KeySource(
        probe="tencent",
        variables=("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"),
        files=(
            Path.home() / ".tencentcloud" / "credentials",
            Path("/etc/tencentcloud/credentials"),
        ),
        profile="default",
        fields=("secret_id", "secret_key"),
    ).keys()
    return secret_id, secret_key


def _is_cdb_instance(asset: Asset) -> bool:
    return asset.service == "cdb" and asset.kind == "instance"
