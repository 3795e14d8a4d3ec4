"""Cloud Asset Inventory's REST shape: ``GET /v1/{scope}:searchAllResources`` with
``pageSize`` (at most 500), ``pageToken``, ``readMask`` and ``assetTypes``; camelCase results and a
``nextPageToken``; errors as ``{"error": {"code", "message", "status"}}``.

Resources are held per scope; an organization or folder scope answers every resource whose
``folders``/``organization`` names it, a project scope those of that project.
"""

from __future__ import annotations

import re
from typing import Any

from assessor.testing.servers.base import Answer, LoopbackApi, Request

_SEARCH = re.compile(r"^/v1/(organizations|folders|projects)/([^/:]+):searchAllResources$")
# Cloud DNS v1 (served beside Cloud Asset): a managed zone's record sets.
_RRSETS = re.compile(r"^/dns/v1/projects/([^/]+)/managedZones/([^/]+)/rrsets$")
MAX_PAGE = 500


class CloudAssetApi(LoopbackApi):
    def __init__(self, resources: list[dict[str, Any]] | None = None) -> None:
        super().__init__()
        self.resources: list[dict[str, Any]] = list(resources or [])
        self.disabled: set[str] = set()  # scopes whose project has the API turned off
        self._scoped: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
        # Cloud DNS: (project, zone) → record sets ({"name", "type", "rrdatas"}).
        self.record_sets: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.denied_zones: set[tuple[str, str]] = set()

    def _record_sets(self, key: tuple[str, str], request: Request) -> Answer:
        """Cloud DNS ``resourceRecordSets.list``: ``maxResults`` and ``pageToken`` paging."""
        if key in self.denied_zones:
            return _error(403, "PERMISSION_DENIED", "Forbidden")
        if key not in self.record_sets:
            return _error(404, "NOT_FOUND", f"The managed zone {key[1]} does not exist.")
        size = int(request.query.get("maxResults") or 100)
        start = int(request.query.get("pageToken") or 0)
        rows = self.record_sets[key]
        zone = key[1].replace("-", ".")
        body: dict[str, Any] = {
            "kind": "dns#resourceRecordSetsListResponse",
            "rrsets": [_rrset(record, zone) for record in rows[start : start + size]],
        }
        if start + size < len(rows):
            body["nextPageToken"] = str(start + size)
        return Answer.of(200, body)

    def answer(self, request: Request) -> Answer:
        records = _RRSETS.match(request.path)
        if request.method == "GET" and records is not None:
            return self._record_sets((records.group(1), records.group(2)), request)
        match = _SEARCH.match(request.path)
        if request.method != "GET" or match is None:
            return _error(404, "NOT_FOUND", f"{request.method} {request.path} is not served")
        scope = f"{match.group(1)}/{match.group(2)}"
        if scope in self.disabled:
            # Google's answer for an API not enabled: PERMISSION_DENIED whose ErrorInfo says
            # why (google/rpc/error_details.proto), which clients read instead of the text.
            info = {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "SERVICE_DISABLED",
                "domain": "googleapis.com",
                "metadata": {"service": "cloudasset.googleapis.com", "consumer": scope},
            }
            return _error(
                403,
                "PERMISSION_DENIED",
                "Cloud Asset API has not been used in project before or it is disabled.",
                [info],
            )
        size = min(int(request.query.get("pageSize") or 100), MAX_PAGE)
        start = int(request.query.get("pageToken") or 0)
        kind = request.query.get("assetTypes", "")
        key = (scope, kind, len(self.resources))
        if key not in self._scoped:  # filtered once per scope, not once per page
            self._scoped[key] = [
                r
                for r in self.resources
                if _in_scope(r, scope) and (not kind or r.get("assetType") == kind)
            ]
        found = self._scoped[key]
        page = found[start : start + size]
        wanted = request.query.get("readMask", "")
        results = [_masked(r, wanted) for r in page]
        body: dict[str, Any] = {"results": results}
        if start + size < len(found):
            body["nextPageToken"] = str(start + size)
        return Answer.of(200, body)


def _in_scope(resource: dict[str, Any], scope: str) -> bool:
    if scope.startswith("projects/"):
        project = scope.split("/", 1)[1]
        return (
            resource.get("project") in (scope, f"projects/{project}")
            or resource.get("projectId") == project
        )
    if scope.startswith("folders/"):
        return scope in (resource.get("folders") or ())
    return resource.get("organization") == scope


def _masked(resource: dict[str, Any], read_mask: str) -> dict[str, Any]:
    fields = {name.strip() for name in read_mask.split(",") if name.strip()}
    shown = {k: v for k, v in resource.items() if k != "projectId"}
    if fields and "*" not in fields:
        shown = {k: v for k, v in shown.items() if k in fields}
    return shown


def _rrset(record: dict[str, Any], zone: str) -> dict[str, Any]:
    return {
        "kind": "dns#resourceRecordSet",
        "name": f"{record['name']}.{zone}.",
        "type": record["type"],
        "ttl": 300,
        "rrdatas": list(record["rrdatas"]),
    }


def _error(
    code: int, status: str, message: str, details: list[dict[str, Any]] | None = None
) -> Answer:  # Google's JSON error envelope
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = details
    return Answer.of(code, {"error": error})
