"""Tencent Cloud: every resource from Cloud Config (or, where Config was never set up or
is switched off, the Tag service's resource list), and every COS bucket with the regions its
replication copies into.

Calls: one STS ``GetCallerIdentity`` (whose account is read); one
``ListDiscoveredResources`` page per 200 resources (``ListAggregateDiscoveredResources`` for
an account group with ``--tencent-aggregator``), paced to Config's 20 requests a second;
when Config answers ``ResourceNotFound.RecorderIsNotExist`` or
``FailedOperation.RecorderIsClose``, one ``GetResources`` page per 200 tagged resources
instead, and the methodology says so; one MySQL ``DescribeRemoteBackupConfig`` per
instance however it was listed; one COS ``GetService`` and one ``GetBucketReplication``
per bucket, at the bucket's own region.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from assessor.models import Asset, CoverageGap, Flow, GapReason, Provider
from assessor.probes.base import OptionKind, Probe, ProbeItem, ProbeOption, ReadOnlyViolation
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
    not_enabled,
    read_buckets,
    read_pages,
    regions_option,
    split,
    throttled,
    transient,
    with_buckets,
    with_copies,
)
from assessor.probes.tencent.dns import DNSPOD_OPERATIONS, dns_zones
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
# Products without an SDK here go through the common client, guarded the same way.
CDB_OPERATIONS = {"DescribeRemoteBackupConfig": "cdb:DescribeRemoteBackupConfig"}
STS_READS = {"GetCallerIdentity": "sts:GetCallerIdentity"}
STS_CREDENTIALS = {"AssumeRole": "sts:AssumeRole"}
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
        ProbeOption("skip-dns", "Do not read DNSPod records", OptionKind.BOOL, False),
        endpoint_option("tencent"),
        attempts_option(),
    )
    read_operations: ClassVar[frozenset[str]] = frozenset(
        {
            *CONFIG_OPERATIONS.values(),
            *TAG_OPERATIONS.values(),
            *COS_OPERATIONS.values(),
            *CDB_OPERATIONS.values(),
            *DNSPOD_OPERATIONS.values(),
            *STS_READS.values(),
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
        region = self.settings.setting("region")
        attempts = self.settings.integer("max-attempts")
        domain = SITES[self.settings.setting("site")]
        api = _Api(secret_id, secret_key, override, region, attempts, domain)
        keys: tuple[str, str, str | None] = (secret_id, secret_key, None)
        role = self.settings.text("role-arn")
        if role:
            try:
                keys = api.assume(role, self.settings.setting("role-session"))
            except FaultError as error:
                yield error.gap(
                    self.name, account=None, region=None, service="sts", operation="sts:AssumeRole"
                )
                return
            self._notes.append(f"read as the role {role}")
        try:
            account: str | None = api.account() or None
        except FaultError as error:
            # Everything is still read; only the account cannot be named, and the report says so.
            account = None
            self._notes.append(f"the account could not be named (sts:GetCallerIdentity: {error})")
        assets, gaps = self._index(api, account)
        yield from gaps
        if not self.settings.flag("skip-cdb"):
            operation = CDB_OPERATIONS["DescribeRemoteBackupConfig"]
            read = api.remote_backups
            assets = yield from with_copies(assets, self.name, operation, _is_cdb_instance, read)
        if not self.settings.flag("skip-dns"):
            assets += yield from dns_zones(api.dnspod(), account or "unknown")
        buckets: dict[str, Asset] = {}
        if not self.settings.flag("skip-cos"):
            cos = _Cos(keys, override, region, attempts)
            buckets = yield from read_buckets(
                cos,
                self.name,
                "cos",
                partial(_bucket, account=account or "unknown"),
                account,
                self.settings.items("regions"),
                {asset.name: asset.account for asset in assets if asset.kind == "bucket"},
            )
        yield from with_buckets(assets, buckets)

    def _index(self, api: _Api, account: str | None) -> tuple[list[Asset], list[CoverageGap]]:
        """Cloud Config's listing or, where Config was never set up or is switched off (its
        own codes), the Tag service's; returns the assets and the listing's gaps."""
        reading = Reading(self.name, classify, api.attempts, api.pacer, account=account)
        group = self.settings.text("aggregator")
        listed = read_pages(api.config(group, account or ""), reading)
        assets, gaps = split(listed)
        if not (gaps and gaps[0].reason is GapReason.NOT_ENABLED and not assets):
            self._notes.append("resources listed by Cloud Config")
            return assets, gaps
        self._notes.append(
            "Cloud Config is not set up or is switched off: resources listed by the Tag "
            "service (only resources that carry a tag)"
        )
        found = read_pages(api.tags(), reading)
        return split(found)


class _Common:
    """A product reached through the SDK's common client, callable only with declared
    actions (anything else is refused before a request is built)."""

    def __init__(self, client: Any, operations: dict[str, str]) -> None:
        self._client = client
        self._operations = operations

    def call(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        """The answer of one declared action."""
        if action not in self._operations:
            raise ReadOnlyViolation(f"tencent probe refused {action}: not a declared operation")
        answer: dict[str, Any] = self._client.call_json(action, params)
        return answer


class _Api:
    """The Tencent Cloud API 3.0 products the probe reads, one client per product (and per
    region for MySQL), built when first needed."""

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

        self.credential = credential.Credential(secret_id, secret_key)
        self.override = urlsplit(override) if override else None
        self.domain = domain
        self.region = region
        self.attempts = attempts
        self.pacer = Pacer(RATE_PER_SECOND)
        self._cdb: dict[str, _Common] = {}

    def _profile(self, product: str) -> Any:
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile

        if self.override is not None:
            http = HttpProfile(protocol=self.override.scheme, endpoint=self.override.netloc)
        else:
            http = HttpProfile(endpoint=f"{product}.{self.domain}")
        return ClientProfile(httpProfile=http)

    def _common(
        self, product: str, version: str, region: str, operations: dict[str, str]
    ) -> _Common:
        from tencentcloud.common.common_client import CommonClient

        profile = self._profile(product)
        return _Common(CommonClient(product, version, self.credential, region, profile), operations)

    def _call(self, api: _Common, action: str, params: dict[str, Any]) -> dict[str, Any]:
        answer = call(partial(api.call, action, params), classify, self.pacer, self.attempts)
        return dict(answer.get("Response") or {})

    def assume(self, role: str, session: str) -> tuple[str, str, str]:
        """STS AssumeRole (the one credential operation); every later call uses the role's
        temporary keys. Returns them for COS."""
        from tencentcloud.common import credential

        sts = self._common("sts", "2018-08-13", self.region, STS_CREDENTIALS)
        params = {"RoleArn": role, "RoleSessionName": session, "DurationSeconds": 3600}
        granted = self._call(sts, "AssumeRole", params)["Credentials"]
        keys = (granted["TmpSecretId"], granted["TmpSecretKey"], granted["Token"])
        self.credential = credential.Credential(*keys)
        return keys

    def account(self) -> str:
        """The account (its uin) whose resources are read; raises FaultError when STS will
        not say."""
        sts = self._common("sts", "2018-08-13", self.region, STS_READS)
        return str(self._call(sts, "GetCallerIdentity", {}).get("AccountId") or "")

    def dnspod(self) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
        """DNSPod's declared reads (the API is global: no region)."""
        api = self._common("dnspod", "2021-03-23", "", DNSPOD_OPERATIONS)
        return partial(self._call, api)

    def remote_backups(self, asset: Asset) -> list[Flow]:
        """A MySQL instance's remote backup configuration: the regions its backups are
        copied into (``DescribeRemoteBackupConfig``, in the instance's region)."""
        region = asset.region or self.region
        cdb = self._cdb.get(region)
        if cdb is None:  # one client per region, not per instance
            cdb = self._cdb[region] = self._common("cdb", "2017-03-20", region, CDB_OPERATIONS)
        query = {"InstanceId": asset.id.rsplit("/", 1)[1]}
        answer = self._call(cdb, "DescribeRemoteBackupConfig", query)
        return remote_backup_flows({"Response": answer})

    def config(self, group: str | None, account: str) -> Listing[Asset]:
        """Cloud Config's index of the account, or of an account group."""
        from tencentcloud.config.v20220802 import config_client, models

        client = GuardedClient(
            config_client.ConfigClient(self.credential, self.region, self._profile("config")),
            "tencent",
            CONFIG_OPERATIONS,
        )

        def fetch(token: str | None) -> Any:
            if group:
                request: Any = models.ListAggregateDiscoveredResourcesRequest()
                request.AccountGroupId = group
                operation = client.ListAggregateDiscoveredResources
            else:
                request = models.ListDiscoveredResourcesRequest()
                operation = client.ListDiscoveredResources
            request.MaxResults = PAGE_SIZE
            request.NextToken = token or None
            return operation(request)

        action = "ListAggregateDiscoveredResources" if group else "ListDiscoveredResources"
        return Listing(
            operation=CONFIG_OPERATIONS[action],
            service="config",
            fetch=fetch,
            items=lambda page: (
                config_asset(item, account) for item in _as_dict(page).get("Items") or ()
            ),
            next_token=lambda page: page.NextToken,
        )

    def tags(self) -> Listing[Asset]:
        """The Tag service's list of tagged resources (six-segment resource names)."""
        from tencentcloud.tag.v20180813 import models, tag_client

        client = GuardedClient(
            tag_client.TagClient(self.credential, self.region, self._profile("tag")),
            "tencent",
            TAG_OPERATIONS,
        )

        def fetch(token: str | None) -> Any:
            request = models.GetResourcesRequest()
            request.MaxResults = PAGE_SIZE
            request.PaginationToken = token or None
            return client.GetResources(request)

        return Listing(
            operation=TAG_OPERATIONS["GetResources"],
            service="tag",
            fetch=fetch,
            items=lambda page: (
                tag_asset(mapping) for mapping in _as_dict(page).get("ResourceTagMappingList") or ()
            ),
            next_token=lambda page: page.PaginationToken,
        )


class _Cos:
    """COS as the bucket pass reads it: the bucket listing and each bucket's replication."""

    listing_operation = COS_OPERATIONS["list_buckets"]
    replication_operation = COS_OPERATIONS["get_bucket_replication"]

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


def _bucket(name: str, region: str | None, flows: list[Flow], account: str) -> Asset:
    identity = f"qcs::cos:{region or ''}::{name}"
    return bucket_asset(Provider.TENCENT, "cos", identity, name, region, flows, account)


def _as_dict(model: Any) -> dict[str, Any]:
    return dict(json.loads(model.to_json_string()))


# Codes from the SDK's own tables where it ships them (checked by a test), else from the
# API and COS references.
_CONFIG = "tencentcloud.config.v20220802.errorcodes"
_TAG = "tencentcloud.tag.v20180813.errorcodes"
_RETRY = "tencentcloud.common.retry"  # the SDK's own list of codes worth retrying
_COS = "https://www.tencentcloud.com/document/product/436/7730"
_DNSPOD = "tencentcloud.dnspod.v20210323.errorcodes"
ERRORS = ErrorTable(
    codes=(
        throttled("RequestLimitExceeded", _RETRY),
        transient("InternalError", _CONFIG),
        denied("AuthFailure", _TAG),
        denied("UnauthorizedOperation", _CONFIG),
        denied("OperationDenied", _TAG),
        denied("AccessDenied", _COS),
        denied("SignatureDoesNotMatch", _COS),
        denied("InvalidAccessKeyId", _COS),
        not_enabled("ResourceNotFound.RecorderIsNotExist", _CONFIG),  # never set up
        not_enabled("FailedOperation.RecorderIsClose", _CONFIG),  # switched off
    ),
    absent=(
        denied("NoSuchReplicationConfiguration", _COS),
        denied("ResourceNotFound.NoDataOfDomain", _DNSPOD),  # an account with no domain
        denied("ResourceNotFound.NoDataOfRecord", _DNSPOD),  # a domain with no record
    ),
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
