"""Alibaba Cloud: every resource from Resource Center, and every OSS bucket with the regions
its cross-region replication copies into.

Calls: one ``SearchResources`` page per 100 resources (``SearchMultiAccountResources`` for a
resource directory, folder or member with ``--alibaba-scope``), paced to Resource Center's
20 requests a second; one OSS ``ListBuckets`` page per 1,000 buckets (each names its region)
and one ``GetBucketReplication`` per bucket, in the bucket's own region; one RDS
``DescribeInstanceCrossBackupPolicy`` per database instance (where its backups are copied);
one VPC ``DescribePhysicalConnections`` page per 50 Express Connect lines in each region the
index shows the account in (each line a carrier: ``LineOperator`` names it).
With ``--alibaba-role-arn``, one STS ``AssumeRole`` first; every later call signs with its keys.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from assessor.models import Asset, Flow, GapReason, Provider
from assessor.probes.alibaba.network import (
    DNS,
    DNS_OPERATIONS,
    VPC,
    VPC_OPERATIONS,
    dns_zones,
    lines,
)
from assessor.probes.alibaba.resources import (
    cross_backup_flows,
    oss_region,
    replication_flows,
    resource_asset,
)
from assessor.probes.alibaba.rpc import Keys, RpcApi, client
from assessor.probes.base import OptionKind, Probe, ProbeItem, ProbeOption
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
from assessor.probes.live.calls import UnparsableAnswer

PAGE_SIZE = 100
RATE_PER_SECOND = 20  # Resource Center's documented limit
# Resource Center has one endpoint per site: China (aliyun.com accounts) and international.
RESOURCE_CENTER = {"cn": "resourcecenter.aliyuncs.com", "intl": "resourcecenter-intl.aliyuncs.com"}
STS = "sts.aliyuncs.com"  # one public STS endpoint serves both sites
RDS = "rds.aliyuncs.com"
RDS_OPERATIONS = {"DescribeInstanceCrossBackupPolicy": "rds:DescribeInstanceCrossBackupPolicy"}

OPERATIONS = {
    "search_resources": "resourcecenter:SearchResources",
    "search_multi_account_resources": "resourcecenter:SearchMultiAccountResources",
}
OSS_OPERATIONS = {
    "list_buckets": "oss:ListBuckets",
    "get_bucket_replication": "oss:GetBucketReplication",
}


class AlibabaProbe(Probe):
    """Every Alibaba Cloud resource of an account or resource directory."""

    name = "alibaba"
    description = (
        "Alibaba Cloud: every resource from Resource Center; OSS buckets and their "
        "cross-region replication"
    )
    version = "1"
    options = (
        ProbeOption(
            "scope",
            "Resource directory, folder or member account id (cross-account search)",
        ),
        ProbeOption("site", "Account site", OptionKind.CHOICE, "intl", tuple(RESOURCE_CENTER)),
        ProbeOption("role-arn", "RAM role to assume (acs:ram::ACCOUNT:role/NAME)"),
        ProbeOption("role-session", "Session name when assuming the role", default="assessor"),
        regions_option(),
        ProbeOption("skip-oss", "Do not read OSS bucket replication", OptionKind.BOOL, False),
        ProbeOption("skip-rds", "Do not read RDS cross-region backups", OptionKind.BOOL, False),
        ProbeOption(
            "skip-express-connect",
            "Do not read Express Connect physical connections (carriers)",
            OptionKind.BOOL,
            False,
        ),
        ProbeOption(
            "skip-dns",
            "Do not read Alibaba Cloud DNS records (the endpoints they point at)",
            OptionKind.BOOL,
            False,
        ),
        endpoint_option("alibaba"),
        attempts_option(),
    )
    read_operations: ClassVar[frozenset[str]] = frozenset(
        {
            *OPERATIONS.values(),
            *OSS_OPERATIONS.values(),
            *RDS_OPERATIONS.values(),
            *VPC_OPERATIONS.values(),
            *DNS_OPERATIONS.values(),
        }
    )
    credential_operations: ClassVar[frozenset[str]] = frozenset({"sts:AssumeRole"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._notes: list[str] = []

    @classmethod
    def access_policy(cls, role: str | None = None) -> dict[str, Any]:
        """A RAM policy with only the declared reads, and assuming ``role`` when one is named."""
        statements: list[dict[str, Any]] = [
            {"Effect": "Allow", "Action": sorted(cls.read_operations), "Resource": "*"}
        ]
        if role:
            arn = role if role.startswith("acs:") else f"acs:ram:*:*:role/{role}"
            statements.append({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": arn})
        return {"Version": "1", "Statement": statements}

    def scope(self) -> str:
        return f"scope {self.settings.text('scope')}" if self.settings.text("scope") else "account"

    def notes(self) -> tuple[str, ...]:
        return tuple(self._notes)

    def scan(self) -> Iterator[ProbeItem]:
        keys = _credentials()
        override = endpoint("alibaba", self.settings)
        attempts = self.settings.integer("max-attempts")
        site = self.settings.setting("site")
        role = self.settings.text("role-arn")
        if role:
            session = self.settings.setting("role-session")
            try:
                keys = _assume(keys, override, role, session, attempts)
            except FaultError as error:
                yield error.gap(self.name, account=None, region=None, service="sts")
                return
            self._notes.append(f"read as the role {role}")
        client = GuardedClient(_resource_center(keys, override, site), self.name, OPERATIONS)
        scope = self.settings.text("scope")
        reading = Reading(self.name, classify, attempts, Pacer(RATE_PER_SECOND), account=scope)
        found = read_pages(_search(client, scope), reading)
        assets, gaps = split(found)
        yield from gaps  # a page that failed: every page before it is kept
        if not self.settings.flag("skip-rds"):
            rds = RpcApi(keys, override, RDS, "2014-08-15", RDS_OPERATIONS, classify)
            read = partial(_cross_region_backup, rds, attempts)
            operation = RDS_OPERATIONS["DescribeInstanceCrossBackupPolicy"]
            assets = yield from with_copies(assets, self.name, operation, _is_rds_instance, read)
        if not self.settings.flag("skip-express-connect"):
            vpc = RpcApi(keys, override, VPC, "2016-04-28", VPC_OPERATIONS, classify)
            circuits = yield from lines(vpc, attempts, assets, self.settings.items("regions"))
            assets = [asset for asset in assets if asset.id not in circuits] + list(
                circuits.values()
            )
        if not self.settings.flag("skip-dns"):
            dns = RpcApi(keys, override, DNS, "2015-01-09", DNS_OPERATIONS, classify)
            zones = yield from dns_zones(dns, attempts, assets)
            assets = [asset for asset in assets if asset.id not in zones] + list(zones.values())
        buckets: dict[str, Asset] = {}
        if not self.settings.flag("skip-oss"):
            oss = _Oss(keys, override, attempts)
            owners = {asset.name: asset.account for asset in assets if asset.kind == "bucket"}

            def bucket(name: str, region: str | None, flows: list[Flow]) -> Asset:
                # Named as Resource Center names it (with its account, from the index or
                # OSS's owner), so a bucket is one asset whichever listing found it.
                return _bucket(name, region, flows, owners.get(name) or oss.owner)

            regions = self.settings.items("regions")
            buckets = yield from read_buckets(
                oss, self.name, "oss", bucket, regions=regions, accounts=owners
            )
        yield from with_buckets(assets, buckets)


def _search(client: Any, scope: str | None) -> Listing[Asset]:
    """Resource Center's index: ``SearchResources`` for the caller's account, or
    ``SearchMultiAccountResources`` over a resource directory, folder or member."""
    from alibabacloud_resourcecenter20221201 import models

    def fetch(token: str | None) -> Any:
        if scope:
            request: Any = models.SearchMultiAccountResourcesRequest(
                scope=scope, max_results=PAGE_SIZE, next_token=token
            )
            return client.search_multi_account_resources(request).body
        request = models.SearchResourcesRequest(max_results=PAGE_SIZE, next_token=token)
        return client.search_resources(request).body

    operation = OPERATIONS["search_multi_account_resources" if scope else "search_resources"]
    return Listing(
        operation=operation,
        service="resourcecenter",
        fetch=fetch,
        items=lambda body: (resource_asset(row.to_map(), "") for row in body.resources or ()),
        next_token=lambda body: body.next_token,
    )


class _Oss:
    """OSS as the bucket pass reads it: the bucket listing and each bucket's replication."""

    listing_operation = OSS_OPERATIONS["list_buckets"]
    replication_operation = OSS_OPERATIONS["get_bucket_replication"]

    def __init__(self, keys: Keys, override: str | None, attempts: int) -> None:
        import oss2

        key_id, secret, token = keys
        self.auth: Any = oss2.StsAuth(key_id, secret, token) if token else oss2.Auth(key_id, secret)
        self.override = override
        self.attempts = attempts
        self.owner = ""  # the account that owns the buckets, as the listing names it

    def _endpoint(self, region: str | None) -> str:
        if self.override:
            return self.override
        return f"https://oss-{region}.aliyuncs.com" if region else "https://oss.aliyuncs.com"

    def buckets(self) -> Iterator[tuple[str, str | None]]:
        import oss2

        service = GuardedClient(
            oss2.Service(self.auth, self._endpoint(None), is_path_style=bool(self.override)),
            "alibaba",
            {"list_buckets": OSS_OPERATIONS["list_buckets"]},
        )
        marker = ""
        while True:
            listing = partial(_parsed, service.list_buckets, marker=marker, max_keys=1000)
            page = call(listing, classify, None, self.attempts)
            self.owner = self.owner or str(getattr(page.owner, "id", "") or "")
            for bucket in page.buckets:
                yield bucket.name, oss_region(bucket.location)
            if not page.is_truncated:
                return
            marker = page.next_marker

    def replication(self, name: str, region: str | None) -> list[Flow]:
        import oss2

        bucket = GuardedClient(
            oss2.Bucket(self.auth, self._endpoint(region), name, is_path_style=bool(self.override)),
            "alibaba",
            {"get_bucket_replication": OSS_OPERATIONS["get_bucket_replication"]},
        )
        reading = partial(_parsed, bucket.get_bucket_replication)
        result = call(reading, classify, None, self.attempts)
        return replication_flows(result.rule_list)


def _parsed(operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """An OSS call whose answer oss2 could not parse raises :class:`UnparsableAnswer`:
    oss2 reports a missing element as a bare RuntimeError from its XML reader."""
    from xml.etree.ElementTree import ParseError

    try:
        return operation(*args, **kwargs)
    except ParseError as error:
        raise UnparsableAnswer(str(error)) from error
    except RuntimeError as error:
        frames = traceback.extract_tb(error.__traceback__)
        if frames and frames[-1].filename.endswith(("oss2/xml_utils.py", "oss2\\xml_utils.py")):
            raise UnparsableAnswer(str(error)) from error
        raise


def _bucket(name: str, region: str | None, flows: list[Flow], account: str) -> Asset:
    identity = f"acs:oss:{region or ''}:{account}:bucket/{name}"
    return bucket_asset(
        Provider.ALIBABA, "oss", identity, name, region, flows, account or "unknown"
    )


# Resource Center's and RDS's codes (Alibaba's API error center and each operation's
# reference), and OSS's (the OSS error code reference); none ships in an SDK table.
_RC = "https://www.alibabacloud.com/help/en/resource-management/developer-reference/api-resourcecenter-2022-12-01-disableresourcecenter"
_COMMON = "https://www.alibabacloud.com/help/en/openapi/error-codes"
_OSS = "https://www.alibabacloud.com/help/en/oss/support/http-status-code-403"
_OSS_REPLICATION = (
    "https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketreplication"
)
ERRORS = ErrorTable(
    codes=(
        throttled("Throttling", _COMMON),  # Throttling.User, Throttling.Api
        throttled("ServiceUnavailable", _COMMON),
        transient("InternalError", _COMMON),
        denied("NoPermission", _RC),
        denied("Forbidden", _COMMON),  # Forbidden.RAM, Forbidden.AccessKeyDisabled
        denied("InvalidAccessKeyId", _COMMON),
        denied("SignatureDoesNotMatch", _COMMON),
        denied("IncompleteSignature", _COMMON),
        denied("AccessDenied", _OSS),
        not_enabled("ServiceNotEnabled", _RC),
    ),
    absent=(denied("NoSuchReplicationConfiguration", _OSS_REPLICATION),),
)


def classify(error: Exception) -> Fault | None:
    """Resource Center (tea), RDS and OSS errors → gap reasons, by code; throttling is
    retried."""
    if isinstance(error, UnparsableAnswer):
        return Fault(GapReason.ERROR, f"an answer that does not parse: {error}")
    if not type(error).__module__.startswith(("Tea", "oss2", "alibabacloud", "darabonba")):
        return None
    status = int(getattr(error, "status", 0) or getattr(error, "statusCode", 0) or 0)
    message = str(getattr(error, "message", "") or error)
    return ERRORS.classify(_code(error), status, message)


def _code(error: Exception) -> str:
    code = getattr(error, "code", None)
    if code:
        return str(code)
    details = getattr(error, "details", None)
    return str(details.get("Code", "")) if isinstance(details, dict) else ""


def _credentials() -> Keys:
    """The standard environment variables (a RAM user's keys, or a role session's with
    ``ALIBABA_CLOUD_SECURITY_TOKEN``), else the credentials file the Alibaba Cloud tools
    write (``ALIBABA_CLOUD_CREDENTIALS_FILE``, profile ``ALIBABA_CLOUD_PROFILE``)."""
    named = os.environ.get("ALIBABA_CLOUD_CREDENTIALS_FILE")
    return KeySource(
        probe="alibaba",
        variables=(
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            "ALIBABA_CLOUD_SECURITY_TOKEN",
        ),
        files=(Path(named) if named else Path.home() / ".alibabacloud" / "credentials.ini",),
        profile=os.environ.get("ALIBABA_CLOUD_PROFILE") or "default",
        fields=("access_key_id", "access_key_secret", "security_token"),
    ).keys()


def _assume(keys: Keys, override: str | None, role: str, session: str, attempts: int) -> Keys:
    """STS AssumeRole (the one credential operation); every later call signs with its keys."""
    sts = RpcApi(keys, override, STS, "2015-04-01", {"AssumeRole": "sts:AssumeRole"}, classify)
    query = {"RoleArn": role, "RoleSessionName": session, "DurationSeconds": "3600"}
    granted = sts.call("AssumeRole", query, attempts)["Credentials"]
    return granted["AccessKeyId"], granted["AccessKeySecret"], granted["SecurityToken"]


def _cross_region_backup(rds: RpcApi, attempts: int, asset: Asset) -> list[Flow]:
    """An RDS instance's cross-region backup policy: backups kept in another region."""
    query = {"RegionId": asset.region or "", "DBInstanceId": asset.id.rsplit("/", 1)[1]}
    return cross_backup_flows(rds.call("DescribeInstanceCrossBackupPolicy", query, attempts))


def _is_rds_instance(asset: Asset) -> bool:
    return asset.service == "rds" and asset.kind == "db-instance"


def _resource_center(keys: Keys, override: str | None, site: str) -> Any:
    from alibabacloud_resourcecenter20221201.client import Client

    return client(Client, keys, override, RESOURCE_CENTER[site])
