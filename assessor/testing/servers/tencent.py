"""Tencent Cloud's wire shapes on one loopback port: the API 3.0 JSON calls (``POST /`` with
``X-TC-Action``, signed ``TC3-HMAC-SHA256``; answers ``{"Response": {...}}``, errors
``{"Response": {"Error": {"Code", "Message"}}}``) for Cloud Config and the Tag service, and
COS (``GetService`` and ``GET /?replication`` on the bucket's host), signed ``q-sign-algorithm``.
STS ``AssumeRole`` issues temporary keys; a request signed with one must carry its token
(``X-TC-Token`` or ``x-cos-security-token``), as Tencent requires.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import parse_qsl, quote
from xml.sax.saxutils import escape

from assessor.testing.servers.base import Answer, KeyStore, LoopbackApi, Request

ACTIONS = {
    "ListDiscoveredResources",
    "ListAggregateDiscoveredResources",
    "GetResources",
    "AssumeRole",
    "GetCallerIdentity",
    "DescribeRemoteBackupConfig",
    "DescribeDomainList",
    "DescribeRecordList",
}
MAX_RESULTS = 200
# What each listing's items carry (the SDK's ResourceListInfo and AggregateResourceInfo):
# an owner only in an account group's listing.
ITEM_FIELDS = (
    "ResourceType",
    "ResourceName",
    "ResourceId",
    "ResourceRegion",
    "ResourceStatus",
    "ResourceDelete",
    "ResourceCreateTime",
    "Tags",
    "ResourceZone",
    "ComplianceResult",
)
AGGREGATE_FIELDS = (*ITEM_FIELDS, "ResourceOwnerId", "ResourceOwnerName")
# Cloud Config's own answers when its recorder was never set up, or was switched off
# (tencentcloud/config/v20220802/errorcodes.py).
RECORDER_ERRORS = {
    "absent": ("ResourceNotFound.RecorderIsNotExist", "the resource recorder does not exist"),
    "closed": ("FailedOperation.RecorderIsClose", "the resource recorder is closed"),
}


class TencentApi(LoopbackApi):
    secret_id = "AKID-assessor-test"  # noqa: S105 - a loopback test credential
    secret_key = "assessor-test-key"  # noqa: S105 - a loopback test credential

    def __init__(self, items: list[dict[str, Any]] | None = None) -> None:
        super().__init__()
        self.items = list(items or [])  # Cloud Config items
        self.groups: dict[str, set[str]] = {}  # account group → owner ids
        self.tagged: list[dict[str, Any]] = []  # Tag service mappings
        self.buckets: list[dict[str, Any]] = []  # {"name", "region", "replicate_to"}
        self.recorder = "on"  # Cloud Config's recorder: "on", "absent" (never set up) or "closed"
        self.uin = "100000000001"  # the caller's account, as STS GetCallerIdentity says
        self.keys = KeyStore(self.secret_id, self.secret_key, "AKIDtmp")
        self.remote_backups: dict[str, list[str]] = {}  # CDB instance → backup regions
        # DNSPod: domain → records ({"Name", "Type", "Value"}); denied domains refuse reads.
        self.domains: dict[str, list[dict[str, Any]]] = {}
        self.denied_domains: set[str] = set()

    def authorized(self, request: Request) -> bool:
        authorization = request.headers.get("authorization", "")
        if authorization.startswith("TC3-HMAC-SHA256 "):
            key_id = authorization.split("Credential=", 1)[-1].split("/", 1)[0]
            token = request.headers.get("x-tc-token")
            valid = _tc3_valid
        elif authorization.startswith("q-sign-algorithm=sha1"):
            key_id = authorization.split("q-ak=", 1)[-1].split("&", 1)[0]
            token = request.headers.get("x-cos-security-token")
            valid = _cos_valid
        else:
            return False
        return self.keys.accepts(
            key_id, token, lambda secret: valid(request, authorization, key_id, secret)
        )

    def refused(self, request: Request) -> Answer:
        if "x-tc-action" in request.headers:
            return _api_error("AuthFailure.SignatureFailure", "the signature does not match")
        return _cos_error(403, "SignatureDoesNotMatch", "the signature does not match")

    def answer(self, request: Request) -> Answer:
        action = request.headers.get("x-tc-action")
        if action is None:
            return self._cos(request)
        if request.method != "POST" or action not in ACTIONS:
            return _api_error("InvalidAction", f"{action} is not served")
        body = request.json()
        if action == "AssumeRole":
            return self._assume(body)
        if action == "DescribeRemoteBackupConfig":
            return self._remote_backup(str(body.get("InstanceId")))
        if action in ("DescribeDomainList", "DescribeRecordList"):
            return self._dnspod(action, body)
        if action == "GetCallerIdentity":
            arn = f"qcs::cam::uin/{self.uin}:uin/{self.uin}"
            identity = {"AccountId": self.uin, "UserId": self.uin, "PrincipalId": self.uin}
            return _api({"Arn": arn, **identity, "Type": "RootAccount"})
        size = min(int(body.get("MaxResults") or 20), MAX_RESULTS)
        if action == "GetResources":
            start = int(body.get("PaginationToken") or 0)
            page = self.tagged[start : start + size]
            more = start + size < len(self.tagged)
            return _api(
                {
                    "ResourceTagMappingList": page,
                    "PaginationToken": str(start + size) if more else "",
                }
            )
        if self.recorder in RECORDER_ERRORS:
            return _api_error(*RECORDER_ERRORS[self.recorder])
        found = self.items
        fields: tuple[str, ...] = ITEM_FIELDS
        if action == "ListAggregateDiscoveredResources":
            owners = self.groups.get(str(body.get("AccountGroupId")), set())
            found = [item for item in found if item.get("ResourceOwnerId") in owners]
            fields = AGGREGATE_FIELDS
        start = int(body.get("NextToken") or 0)
        page = [
            {key: value for key, value in item.items() if key in fields}
            for item in found[start : start + size]
        ]
        more = start + size < len(found)
        return _api({"Items": page, "NextToken": str(start + size) if more else ""})

    def _assume(self, body: dict[str, Any]) -> Answer:
        if body.get("RoleArn") not in self.keys.roles:
            return _api_error("ResourceNotFound.RoleNotExist", "the role does not exist")
        key_id, key, token = self.keys.issue()
        granted = {"TmpSecretId": key_id, "TmpSecretKey": key, "Token": token}
        return _api({"Credentials": granted, "ExpiredTime": 4102444800})

    def _dnspod(self, action: str, body: dict[str, Any]) -> Answer:
        """DNSPod (2021-03-23): Offset/Limit paging; an empty listing is the API's
        ResourceNotFound.NoDataOf... error, as the reference documents."""
        offset, limit = int(body.get("Offset") or 0), int(body.get("Limit") or 20)
        if action == "DescribeDomainList":
            names = sorted(self.domains)
            if not names:
                return _api_error("ResourceNotFound.NoDataOfDomain", "No domain found.")
            rows = [
                {"DomainId": 1000 + i, "Name": name, "Status": "ENABLE", "TTL": 600,
                 "CNAMESpeedup": "DISABLE", "DNSStatus": "", "Grade": "DP_FREE", "GroupId": 1,
                 "SearchEnginePush": "NO", "Remark": "", "Punycode": name,
                 "EffectiveDNS": ["f1g1ns1.dnspod.net"], "GradeLevel": 2, "GradeTitle": "Free",
                 "IsVip": "NO", "RecordCount": len(self.domains[name]),
                 "CreatedOn": "2026-01-05 08:00:00", "UpdatedOn": "2026-01-05 08:00:00",
                 "Owner": f"{self.uin}@qcloud.com"}
                for i, name in enumerate(names)
            ][offset : offset + limit]  # fmt: skip
            counts = {"DomainTotal": len(names), "AllTotal": len(names), "MineTotal": len(names)}
            return _api({"DomainCountInfo": counts, "DomainList": rows})
        name = str(body.get("Domain") or "")
        if name in self.denied_domains:
            return _api_error("UnauthorizedOperation", "You are not authorized to operate.")
        records = self.domains.get(name)
        if not records:
            return _api_error("ResourceNotFound.NoDataOfRecord", "No record found.")
        rows = [
            {"RecordId": 500 + i, "Status": "ENABLE", "UpdatedOn": "2026-01-05 08:00:00",
             "Line": "默认", "LineId": "0", "Weight": None, "MonitorStatus": "", "Remark": "",
             "TTL": 600, "MX": 0, "DefaultNS": False, **record}
            for i, record in enumerate(records)
        ][offset : offset + limit]  # fmt: skip
        counts = {
            "SubdomainCount": len(records),
            "ListCount": len(rows),
            "TotalCount": len(records),
        }
        return _api({"RecordCountInfo": counts, "RecordList": rows})

    def _remote_backup(self, instance: str) -> Answer:
        tagged = {str(m.get("Resource", "")).rsplit("/", 1)[-1] for m in self.tagged}
        if instance not in {item.get("ResourceId") for item in self.items} | tagged:
            return _api_error("InvalidParameter.InstanceNotFound", f"{instance} not found")
        regions = self.remote_backups.get(instance, [])
        return _api(
            {
                "ExpireDays": 7,
                "RemoteBackupSave": "on" if regions else "off",
                "RemoteBinlogSave": "on" if regions else "off",
                "RemoteRegion": regions,
            }
        )

    def _cos(self, request: Request) -> Answer:
        if request.method != "GET":
            return _cos_error(405, "MethodNotAllowed", "only reads are served")
        host = request.headers.get("host", "").split(":")[0]
        if "replication" not in request.query:
            return _xml(
                "<ListAllMyBucketsResult><Owner><ID>qcs::cam::uin/1:uin/1</ID>"
                "<DisplayName>1</DisplayName></Owner><Buckets>"
                + "".join(
                    f"<Bucket><Name>{escape(b['name'])}</Name><Location>{escape(b['region'])}"
                    "</Location><CreationDate>2024-01-01T00:00:00Z</CreationDate>"
                    "<BucketType>cos</BucketType></Bucket>"
                    for b in self.buckets
                )
                + "</Buckets><IsTruncated>false</IsTruncated></ListAllMyBucketsResult>"
            )
        name = host.split(".cos.")[0]
        bucket = next((b for b in self.buckets if b["name"] == name), None)
        if bucket is None:
            return _cos_error(404, "NoSuchBucket", "The specified bucket does not exist")
        if not bucket.get("replicate_to"):
            return _cos_error(404, "NoSuchReplicationConfiguration", "no replication rule")
        target, region = bucket["replicate_to"]
        return _xml(
            "<ReplicationConfiguration><Role>qcs::cam::uin/1:uin/1</Role><Rule><ID>rule-1</ID>"
            "<Status>Enabled</Status><Prefix></Prefix><Destination>"
            f"<Bucket>qcs::cos:{escape(region)}::{escape(target)}</Bucket></Destination></Rule>"
            "</ReplicationConfiguration>"
        )


def _tc3_valid(request: Request, authorization: str, secret_id: str, secret_key: str) -> bool:
    fields = dict(
        part.strip().split("=", 1)
        for part in authorization.partition(" ")[2].split(",")
        if "=" in part
    )
    credential = fields.get("Credential", "").split("/")
    if len(credential) != 4 or credential[0] != secret_id or credential[3] != "tc3_request":
        return False
    date, service = credential[1], credential[2]
    signed = fields.get("SignedHeaders", "").split(";")
    headers = request.headers
    canonical_headers = "".join(
        f"{name}:{headers.get(name, '').strip().lower()}\n" for name in signed
    )
    canonical = "\n".join(
        [
            request.method,
            "/",
            request.raw_query,
            canonical_headers,
            ";".join(signed),
            hashlib.sha256(request.body).hexdigest(),
        ]
    )
    to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            headers.get("x-tc-timestamp", ""),
            f"{date}/{service}/tc3_request",
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )

    def sign(key: bytes, message: str) -> bytes:
        return hmac.new(key, message.encode(), hashlib.sha256).digest()

    key = sign(sign(sign(("TC3" + secret_key).encode(), date), service), "tc3_request")
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("Signature", ""))


def _cos_valid(request: Request, authorization: str, secret_id: str, secret_key: str) -> bool:
    fields = dict(part.split("=", 1) for part in authorization.split("&") if "=" in part)
    if fields.get("q-ak") != secret_id:
        return False
    headers = dict(request.headers)
    host = headers.get("host", "")
    headers["host"] = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    params = {k.lower(): v for k, v in parse_qsl(request.raw_query, keep_blank_values=True)}

    def encoded(values: dict[str, str], names: str) -> str:
        keys = [key for key in names.split(";") if key]
        return "&".join(
            f"{quote(key.lower(), safe='-_.~')}={quote(str(values.get(key, '')), safe='-_.~')}"
            for key in keys
        )

    http = (
        f"{request.method.lower()}\n{request.path}\n"
        f"{encoded(params, fields.get('q-url-param-list', ''))}\n"
        f"{encoded(headers, fields.get('q-header-list', ''))}\n"
    )
    to_sign = f"sha1\n{fields.get('q-sign-time', '')}\n{hashlib.sha1(http.encode()).hexdigest()}\n"  # noqa: S324 - COS's scheme
    key = hmac.new(secret_key.encode(), fields.get("q-key-time", "").encode(), hashlib.sha1)
    expected = hmac.new(key.hexdigest().encode(), to_sign.encode(), hashlib.sha1).hexdigest()
    return hmac.compare_digest(expected, fields.get("q-signature", ""))


def _api(response: dict[str, Any]) -> Answer:
    return Answer.of(200, {"Response": {**response, "RequestId": "assessor-test"}})


def _api_error(code: str, message: str) -> Answer:
    error = {"Error": {"Code": code, "Message": message}, "RequestId": "assessor-test"}
    return Answer.of(200, {"Response": error})


def _cos_error(status: int, code: str, message: str) -> Answer:
    return _xml(
        f"<Error><Code>{code}</Code><Message>{escape(message)}</Message>"
        "<Resource>127.0.0.1</Resource><RequestId>assessor-test</RequestId>"
        "<TraceId>assessor-test</TraceId></Error>",
        status,
    )


def _xml(body: str, status: int = 200) -> Answer:
    document = '<?xml version="1.0" encoding="UTF-8"?>\n' + body
    return Answer(status, document.encode("utf-8"), {}, content_type="application/xml")
