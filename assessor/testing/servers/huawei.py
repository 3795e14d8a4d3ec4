"""Huawei Cloud's wire shapes on one loopback port: Config (RMS) ``GET /v1/resource-manager/
domains/{domain_id}/all-resources`` with ``limit``/``marker`` and ``page_info.next_marker``,
signed ``SDK-HMAC-SHA256``; errors ``{"error_code", "error_msg"}``. And OBS in path style
(``GET /`` with ``x-obs-location``/``x-amz-location`` lists buckets with their locations,
``GET /BUCKET?replication``), signed ``OBS``/``AWS AK:signature`` (HMAC-SHA1). And RDS
``ListOffSiteInstances`` (cross-region backups), signed like RMS."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Any
from urllib.parse import parse_qsl, quote
from xml.sax.saxutils import escape

from assessor.testing.servers.base import Answer, LoopbackApi, Request

_RESOURCES = re.compile(r"^/v1/resource-manager/domains/([^/]+)/all-resources/?$")
MAX_LIMIT = 200
_NS = "http://obs.myhwclouds.com/doc/2015-06-30/"


class HuaweiApi(LoopbackApi):
    access_key = "HW-assessor-test"
    secret_key = "assessor-test-secret"  # noqa: S105 - a loopback test credential
    domain_id = "assessor-domain"

    def __init__(self, resources: list[dict[str, Any]] | None = None) -> None:
        super().__init__()
        self.resources = list(resources or [])
        self.buckets: list[dict[str, Any]] = []  # {"name", "region", "replicate_to": name}
        # RDS cross-region backups: {"id", "name", "source_region", "destination_region"}
        self.offsite: list[dict[str, Any]] = []
        # Direct Connect: project id → connections (DC API ListDirectConnects).
        self.direct_connects: dict[str, list[dict[str, Any]]] = {}
        # DNS public zones: zone name → record sets ({"name", "type", "records"}).
        self.zones: dict[str, list[dict[str, Any]]] = {}

    def authorized(self, request: Request) -> bool:
        authorization = request.headers.get("authorization", "")
        if authorization.startswith("SDK-HMAC-SHA256 "):
            return _sdk_valid(request, authorization, self.access_key, self.secret_key)
        if authorization.startswith(("OBS ", "AWS ")):
            return _obs_valid(request, authorization, self.access_key, self.secret_key)
        return False

    def refused(self, request: Request) -> Answer:
        if request.path.startswith(("/v1/", "/v3/")):
            return Answer.of(
                401, {"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication"}
            )
        return _obs_error(403, "SignatureDoesNotMatch", "the signature does not match")

    def answer(self, request: Request) -> Answer:
        match = _RESOURCES.match(request.path)
        if match is not None:
            if request.method != "GET" or match.group(1) != self.domain_id:
                return Answer.of(403, {"error_code": "RMS.00010003", "error_msg": "no access"})
            limit = min(int(request.query.get("limit") or 100), MAX_LIMIT)
            start = int(request.query.get("marker") or 0)
            page = self.resources[start : start + limit]
            more = start + limit < len(self.resources)
            info = {"current_count": len(page), "next_marker": str(start + limit) if more else None}
            return Answer.of(200, {"resources": page, "page_info": info})
        if request.path.endswith("/backups/offsite-backup-instance"):
            return self._offsite(request)
        if request.path.endswith("/dcaas/direct-connects"):
            return self._direct_connects(request)
        if request.path.startswith("/v2/zones"):
            return self._dns(request)
        if request.path.startswith(("/v1/", "/v3/")):
            return Answer.of(404, {"error_code": "APIGW.0101", "error_msg": "not served"})
        return self._obs(request)

    def _direct_connects(self, request: Request) -> Answer:
        """DC ``ListDirectConnects``: ``limit``/``marker`` paging, ``page_info``."""
        if request.method != "GET":
            return Answer.of(405, {"error_code": "DC.0001", "error_msg": "only reads"})
        project = request.path.split("/")[2]
        rows = self.direct_connects.get(project, [])
        limit = int(request.query.get("limit") or 2000)
        start = int(request.query.get("marker") or 0)
        page = rows[start : start + limit]
        more = start + limit < len(rows)
        info = {"current_count": len(page), "next_marker": str(start + limit) if more else None}
        return Answer.of(
            200, {"request_id": "assessor-test", "direct_connects": page, "page_info": info}
        )

    def _dns(self, request: Request) -> Answer:
        """DNS v2 ``ListPublicZones`` and ``ListRecordSetsByZone``: offset/limit paging,
        ``metadata.total_count``."""
        offset, limit = (
            int(request.query.get("offset") or 0),
            int(request.query.get("limit") or 500),
        )
        names = sorted(self.zones)
        zone_ids = {f"ff80808{index:04d}": name for index, name in enumerate(names)}
        parts = request.path.strip("/").split("/")
        if len(parts) == 2:
            rows: list[dict[str, Any]] = [
                {"id": zone_id, "name": f"{name}.", "description": "",
                 "email": "hostmaster@example.com", "ttl": 300, "serial": 1, "masters": [],
                 "status": "ACTIVE", "pool_id": "pool",
                 "project_id": "p1", "zone_type": "public", "created_at": "2026-01-05T08:00:00.000",
                 "updated_at": "2026-01-05T08:00:00.000", "record_num": len(self.zones[name]),
                 "links": {"self": f"/v2/zones/{zone_id}"}}
                for zone_id, name in zone_ids.items()
            ]  # fmt: skip
            key = "zones"
        else:
            zone = zone_ids.get(parts[2])
            if zone is None:
                return Answer.of(404, {"code": "DNS.0101", "message": "The zone does not exist."})
            rows = [
                {"id": f"rs-{index}", "name": f"{record['name']}.{zone}.", "description": "",
                 "zone_id": parts[2], "zone_name": f"{zone}.", "type": record["type"], "ttl": 300,
                 "records": record["records"], "create_at": "2026-01-05T08:00:00.000",
                 "update_at": "2026-01-05T08:00:00.000", "status": "ACTIVE", "default": False,
                 "project_id": "p1",
                 "links": {"self": f"/v2/zones/{parts[2]}/recordsets/rs-{index}"}}
                for index, record in enumerate(self.zones[zone])
            ]  # fmt: skip
            key = "recordsets"
        page = rows[offset : offset + limit]
        return Answer.of(
            200,
            {"links": {"self": request.path}, key: page, "metadata": {"total_count": len(rows)}},
        )

    def _offsite(self, request: Request) -> Answer:
        """RDS ``ListOffSiteInstances``: ``offset``/``limit`` paging and ``total_count``."""
        if request.method != "GET":
            return Answer.of(405, {"error_code": "DBS.200001", "error_msg": "only reads"})
        offset, limit = int(request.query.get("offset") or 0), int(request.query.get("limit") or 10)
        page = [
            {**row, "source_project_id": "p1", "destination_project_id": "p2", "keep_days": 7,
             "datastore": {"type": "MySQL", "version": "8.0"}}
            for row in self.offsite[offset : offset + limit]
        ]  # fmt: skip
        return Answer.of(200, {"offsite_backup_instances": page, "total_count": len(self.offsite)})

    def _obs(self, request: Request) -> Answer:
        if request.method != "GET":
            return _obs_error(405, "MethodNotAllowed", "only reads are served")
        name = request.path.strip("/")
        if not name:
            return _xml(
                f'<ListAllMyBucketsResult xmlns="{_NS}"><Owner><ID>owner</ID></Owner><Buckets>'
                + "".join(
                    f"<Bucket><Name>{escape(b['name'])}</Name>"
                    "<CreationDate>2024-01-01T00:00:00.000Z</CreationDate>"
                    f"<Location>{escape(b['region'])}</Location><BucketType>OBJECT</BucketType></Bucket>"
                    for b in self.buckets
                )
                + "</Buckets></ListAllMyBucketsResult>"
            )
        bucket = next((b for b in self.buckets if b["name"] == name), None)
        if bucket is None:
            return _obs_error(404, "NoSuchBucket", "The specified bucket does not exist")
        if not bucket.get("replicate_to"):
            return _obs_error(404, "NoSuchReplicationConfiguration", "no replication rule")
        # Natively (signed "OBS") the destination is the bucket's name; in the S3-compatible
        # protocol the SDK speaks to any other host (signed "AWS"), its S3 ARN.
        target = str(bucket["replicate_to"])
        if request.headers.get("authorization", "").startswith("AWS "):
            target = f"arn:aws:s3:::{target}"
        return _xml(
            f'<ReplicationConfiguration xmlns="{_NS}"><Agency>obs-replication</Agency><Rule>'
            "<ID>rule-1</ID><Status>Enabled</Status><Prefix></Prefix><Destination>"
            f"<Bucket>{escape(target)}</Bucket><StorageClass>STANDARD</StorageClass>"
            "</Destination></Rule></ReplicationConfiguration>"
        )


def _sdk_valid(request: Request, authorization: str, access_key: str, secret_key: str) -> bool:
    parts = authorization.partition(" ")[2].split(",")
    fields = dict(part.strip().split("=", 1) for part in parts if "=" in part)
    if fields.get("Access") != access_key:
        return False
    signed = fields.get("SignedHeaders", "").split(";")
    uri = request.path if request.path.endswith("/") else request.path + "/"
    pairs = sorted(parse_qsl(request.raw_query, keep_blank_values=True))
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)
    headers = "".join(f"{name}:{request.headers.get(name, '').strip()}\n" for name in signed)
    canonical = "\n".join(
        [
            request.method,
            uri,
            query,
            headers,
            ";".join(signed),
            hashlib.sha256(request.body).hexdigest(),
        ]
    )
    to_sign = "\n".join(
        [
            "SDK-HMAC-SHA256",
            request.headers.get("x-sdk-date", ""),
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )
    expected = hmac.new(secret_key.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("Signature", ""))


def _obs_valid(request: Request, authorization: str, access_key: str, secret_key: str) -> bool:
    algorithm, _, rest = authorization.partition(" ")
    given, _, signature = rest.partition(":")
    if given != access_key:
        return False
    prefix = "x-obs-" if algorithm == "OBS" else "x-amz-"
    headers = request.headers
    canonical = "".join(
        f"{k}:{headers[k].strip()}\n" for k in sorted(headers) if k.startswith(prefix)
    )
    resource = request.path + (f"?{request.raw_query}" if request.raw_query else "")
    to_sign = "\n".join(
        [
            request.method,
            headers.get("content-md5", ""),
            headers.get("content-type", ""),
            headers.get("date", ""),
            canonical + resource,
        ]
    )
    expected = base64.b64encode(
        hmac.new(secret_key.encode(), to_sign.encode(), hashlib.sha1).digest()
    )
    return hmac.compare_digest(expected.decode(), signature)


def _obs_error(status: int, code: str, message: str) -> Answer:
    return _xml(
        f"<Error><Code>{code}</Code><Message>{escape(message)}</Message>"
        "<RequestId>assessor-test</RequestId><HostId>127.0.0.1</HostId></Error>",
        status,
    )


def _xml(body: str, status: int = 200) -> Answer:
    document = '<?xml version="1.0" encoding="UTF-8"?>' + body
    return Answer(status, document.encode("utf-8"), {}, content_type="application/xml")
