"""Alibaba Cloud's wire shapes on one loopback port: Resource Center's RPC API (``POST /``
with ``x-acs-action``, signed ``ACS3-HMAC-SHA256``, JSON answers with ``NextToken``, errors as
``{"Code", "Message", "RequestId"}``) and OSS in path style (``GET /`` lists buckets with their
``Location``; ``GET /BUCKET/?replication``), signed ``OSS AK:signature`` (HMAC-SHA1).
STS ``AssumeRole`` issues temporary keys; a request signed with one must carry its token
(``x-acs-security-token`` or ``x-oss-security-token``), as Alibaba Cloud requires."""

from __future__ import annotations

import base64
import hashlib
import hmac
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode
from xml.sax.saxutils import escape

from assessor.testing.servers.base import Answer, KeyStore, LoopbackApi, Request

ACTIONS = {"SearchResources", "SearchMultiAccountResources"}
MAX_RESULTS = 100


class AlibabaApi(LoopbackApi):
    access_key_id = "LTAI-assessor-test"
    access_key_secret = "assessor-test-secret"  # noqa: S105 - a loopback test credential

    def __init__(self, resources: list[dict[str, Any]] | None = None) -> None:
        super().__init__()
        self.resources = list(resources or [])
        self.directories: dict[str, set[str]] = {}  # scope → member account ids
        self.buckets: list[
            dict[str, Any]
        ] = []  # {"name", "region", "replicate_to": (bucket, region)}
        self.disabled = False  # Resource Center not activated
        self.keys = KeyStore(self.access_key_id, self.access_key_secret, "STS.tmp")
        self.cross_backups: dict[str, str] = {}  # RDS instance id → region of its backups
        # Express Connect: region → physical connections (VPC DescribePhysicalConnections);
        # regions whose calls a RAM policy denies answer Forbidden.RAM.
        self.physical_connections: dict[str, list[dict[str, Any]]] = {}
        self.denied_vpc_regions: set[str] = set()
        # Alibaba Cloud DNS: domain name → its records (RR, Type, Value); domains whose
        # records a RAM policy denies answer Forbidden.RAM.
        self.domains: dict[str, list[dict[str, Any]]] = {}
        self.denied_domains: set[str] = set()
        self.owner = "1111222233334444"  # the account OSS names as its buckets' owner

    # --- authentication -------------------------------------------------------------

    def authorized(self, request: Request) -> bool:
        authorization = request.headers.get("authorization", "")
        if authorization.startswith("ACS3-HMAC-SHA256 "):
            key_id = authorization.split("Credential=", 1)[-1].split(",", 1)[0]
            token = request.headers.get("x-acs-security-token")
            valid = _acs3_valid
        elif authorization.startswith("OSS "):
            key_id = authorization[4:].partition(":")[0]
            token = request.headers.get("x-oss-security-token")
            valid = _oss_v1_valid
        else:
            return False
        return self.keys.accepts(
            key_id, token, lambda secret: valid(request, authorization, key_id, secret)
        )

    def refused(self, request: Request) -> Answer:
        if "x-acs-action" in request.headers:
            return _rpc_error(400, "IncompleteSignature", "The request signature does not conform")
        return _oss_error(
            403, "SignatureDoesNotMatch", "The request signature we calculated does not match"
        )

    # --- answers --------------------------------------------------------------------

    def answer(self, request: Request) -> Answer:
        action = request.headers.get("x-acs-action")
        if action is not None:
            return self._resource_center(request, action)
        return self._oss(request)

    def _resource_center(self, request: Request, action: str) -> Answer:
        if request.method == "POST" and action == "AssumeRole":
            return self._assume(request)
        if request.method == "POST" and action == "DescribeInstanceCrossBackupPolicy":
            return self._cross_backup(request)
        if request.method == "POST" and action == "DescribePhysicalConnections":
            return self._physical_connections(request)
        if request.method == "POST" and action in ("DescribeDomains", "DescribeDomainRecords"):
            return self._dns(request, action)
        if request.method != "POST" or action not in ACTIONS:
            return _rpc_error(400, "InvalidAction.NotFound", f"{action} is not served")
        if self.disabled:
            # DisableResourceCenter's reference lists the code a switched-off service answers.
            return _rpc_error(400, "ServiceNotEnabled", "ResourceCenter Service is not enabled.")
        query = dict(parse_qsl(request.path.partition("?")[2])) | request.query
        size = min(int(query.get("MaxResults") or 20), MAX_RESULTS)
        start = int(query.get("NextToken") or 0)
        found = self.resources
        if action == "SearchMultiAccountResources":
            members = self.directories.get(query.get("Scope", ""), set())
            found = [r for r in found if r.get("AccountId") in members]
        page = found[start : start + size]
        body: dict[str, Any] = {"RequestId": "assessor-test", "MaxResults": size, "Resources": page}
        if start + size < len(found):
            body["NextToken"] = str(start + size)
        if action == "SearchMultiAccountResources":
            body["Scope"] = query.get("Scope")
        return Answer.of(200, body)

    def _assume(self, request: Request) -> Answer:
        query = dict(parse_qsl(request.raw_query)) | request.query
        if query.get("RoleArn") not in self.keys.roles:
            return _rpc_error(404, "EntityNotExist.Role", "The role does not exist")
        key_id, secret, token = self.keys.issue()
        granted = {
            "AccessKeyId": key_id,
            "AccessKeySecret": secret,
            "SecurityToken": token,
            "Expiration": "2099-01-01T00:00:00Z",
        }
        return Answer.of(200, {"RequestId": "assessor-test", "Credentials": granted})

    def _physical_connections(self, request: Request) -> Answer:
        """VPC DescribePhysicalConnections (2016-04-28): pages of PageSize (at most 50) by
        PageNumber, the connections under PhysicalConnectionSet.PhysicalConnectionType."""
        query = dict(parse_qsl(request.raw_query)) | request.query
        region = query.get("RegionId", "")
        if region in self.denied_vpc_regions:
            return _rpc_error(
                403, "Forbidden.RAM", "User not authorized to operate on the specified resource."
            )
        size = min(int(query.get("PageSize") or 10), 50)
        number = int(query.get("PageNumber") or 1)
        rows = self.physical_connections.get(region, [])
        page = rows[(number - 1) * size : number * size]
        body = {
            "RequestId": "assessor-test",
            "PageNumber": number,
            "PageSize": size,
            "TotalCount": len(rows),
            "PhysicalConnectionSet": {"PhysicalConnectionType": page},
        }
        return Answer.of(200, body)

    def _dns(self, request: Request, action: str) -> Answer:
        """Alidns (2015-01-09) DescribeDomains and DescribeDomainRecords: PageNumber and
        PageSize paging, rows under Domains.Domain and DomainRecords.Record."""
        query = dict(parse_qsl(request.raw_query)) | request.query
        size, number = int(query.get("PageSize") or 20), int(query.get("PageNumber") or 1)
        if action == "DescribeDomains":
            rows: list[dict[str, Any]] = [
                {"DomainName": name, "DomainId": f"dom-{index}", "RecordCount": len(records),
                 "AliDomain": False, "VersionCode": "mianfei", "PunyCode": name,
                 "CreateTime": "2026-01-05T08:00Z", "CreateTimestamp": 1767600000000}
                for index, (name, records) in enumerate(sorted(self.domains.items()))
            ]  # fmt: skip
            outer, inner = "Domains", "Domain"
        else:
            name = query.get("DomainName", "")
            if name in self.denied_domains:
                return _rpc_error(403, "Forbidden.RAM", "User not authorized to operate.")
            if name not in self.domains:
                return _rpc_error(400, "InvalidDomainName.NoExist", "The domain does not exist.")
            rows = [
                {"DomainName": name, "RecordId": f"rec-{index}", "TTL": 600, "Line": "default",
                 "Status": "ENABLE", "Locked": False, "Weight": 1, **record}
                for index, record in enumerate(self.domains[name])
            ]  # fmt: skip
            outer, inner = "DomainRecords", "Record"
        page = rows[(number - 1) * size : number * size]
        body = {
            "RequestId": "assessor-test",
            "TotalCount": len(rows),
            "PageNumber": number,
            "PageSize": size,
            outer: {inner: page},
        }
        return Answer.of(200, body)

    def _cross_backup(self, request: Request) -> Answer:
        query = dict(parse_qsl(request.raw_query)) | request.query
        instance = query.get("DBInstanceId", "")
        known = {r.get("ResourceId") for r in self.resources}
        if instance not in known:
            return _rpc_error(404, "InvalidDBInstanceId.NotFound", "The instance does not exist")
        region = self.cross_backups.get(instance)
        policy = {
            "RequestId": "assessor-test",
            "DBInstanceId": instance,
            "RegionId": query.get("RegionId"),
            "BackupEnabled": "Enable" if region else "Disabled",
            "LogBackupEnabled": "Enable" if region else "Disabled",
            "CrossBackupType": "1",
            "CrossBackupRegion": region or "",
            "RetentType": 1,
            "Retention": 7,
        }
        return Answer.of(200, policy)

    def _oss(self, request: Request) -> Answer:
        if request.method != "GET":
            return _oss_error(405, "MethodNotAllowed", "only reads are served")
        path = request.path.strip("/")
        if not path:
            return _xml(
                f"<ListAllMyBucketsResult><Owner><ID>{escape(self.owner)}</ID>"
                f"<DisplayName>{escape(self.owner)}</DisplayName></Owner>"
                "<Buckets>"
                + "".join(
                    f"<Bucket><CreationDate>2024-01-01T00:00:00.000Z</CreationDate>"
                    f"<ExtranetEndpoint>oss-{escape(b['region'])}.aliyuncs.com</ExtranetEndpoint>"
                    f"<IntranetEndpoint>oss-{escape(b['region'])}-internal.aliyuncs.com"
                    "</IntranetEndpoint>"
                    f"<Location>oss-{escape(b['region'])}</Location><Name>{escape(b['name'])}</Name>"
                    f"<Region>{escape(b['region'])}</Region><StorageClass>Standard</StorageClass>"
                    "</Bucket>"
                    for b in self.buckets
                )
                + "</Buckets><IsTruncated>false</IsTruncated></ListAllMyBucketsResult>"
            )
        bucket = next((b for b in self.buckets if b["name"] == path), None)
        if bucket is None:
            return _oss_error(404, "NoSuchBucket", "The specified bucket does not exist")
        if "replication" not in request.query:
            return _oss_error(400, "InvalidArgument", "only ?replication is served")
        if not bucket.get("replicate_to"):
            return _oss_error(404, "NoSuchReplicationConfiguration", "no replication rule")
        target, region = bucket["replicate_to"]
        return _xml(
            "<ReplicationConfiguration><Rule><ID>rule-1</ID><Action>ALL</Action>"
            f"<Destination><Bucket>{escape(target)}</Bucket><Location>oss-{escape(region)}</Location>"
            "</Destination><Status>doing</Status>"
            "<HistoricalObjectReplication>enabled</HistoricalObjectReplication></Rule>"
            "</ReplicationConfiguration>"
        )


def _acs3_valid(request: Request, authorization: str, key_id: str, secret: str) -> bool:
    fields = dict(
        part.strip().split("=", 1)
        for part in authorization.partition(" ")[2].split(",")
        if "=" in part
    )
    if fields.get("Credential") != key_id:
        return False
    signed = fields.get("SignedHeaders", "").split(";")
    headers = request.headers
    if not {"host", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"} <= set(signed):
        return False
    raw_query = request.raw_query
    pairs = sorted(parse_qsl(raw_query, keep_blank_values=True))
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed)
    canonical = "\n".join(
        [
            request.method,
            request.path or "/",
            query,
            canonical_headers,
            ";".join(signed),
            headers.get("x-acs-content-sha256", ""),
        ]
    )
    if hashlib.sha256(request.body).hexdigest() != headers.get("x-acs-content-sha256"):
        return False
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    expected = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("Signature", ""))


def _oss_v1_valid(request: Request, authorization: str, key_id: str, secret: str) -> bool:
    given_id, _, signature = authorization[4:].partition(":")
    if given_id != key_id:
        return False
    headers = request.headers
    oss_headers = "".join(
        f"{name}:{headers[name].strip()}\n" for name in sorted(headers) if name.startswith("x-oss-")
    )
    resource = request.path  # path style: /BUCKET/ for a bucket, / for the service
    subresources = sorted(key for key in request.query if key in {"replication", "acl", "location"})
    if subresources:
        resource += "?" + "&".join(subresources)
    to_sign = "\n".join(
        [
            request.method,
            headers.get("content-md5", ""),
            headers.get("content-type", ""),
            headers.get("date", ""),
            oss_headers + resource,
        ]
    )
    expected = base64.b64encode(hmac.new(secret.encode(), to_sign.encode(), hashlib.sha1).digest())
    return hmac.compare_digest(expected.decode(), signature)


def _rpc_error(status: int, code: str, message: str) -> Answer:
    return Answer.of(status, {"Code": code, "Message": message, "RequestId": "assessor-test"})


def _oss_error(status: int, code: str, message: str) -> Answer:
    return _xml(
        f"<Error><Code>{code}</Code><Message>{escape(message)}</Message>"
        f"<RequestId>assessor-test</RequestId><HostId>127.0.0.1</HostId></Error>",
        status,
    )


def _xml(body: str, status: int = 200) -> Answer:
    document = '<?xml version="1.0" encoding="UTF-8"?>\n' + body
    headers = {"x-oss-request-id": "assessor-test", "Date": formatdate(usegmt=True)}
    return Answer(status, document.encode("utf-8"), headers, content_type="application/xml")


__all__ = ["AlibabaApi", "urlencode"]
