"""Azure Resource Graph's REST shape: ``POST /providers/Microsoft.ResourceGraph/resources
?api-version=...`` with ``{subscriptions, managementGroups, query, options: {$top,
$skipToken, resultFormat}}``; answers ``{totalRecords, count, resultTruncated, $skipToken,
data}`` with the per-user quota headers, 429 once the quota is spent, and 403 for a
subscription the caller cannot read. Two tables: ``Resources`` (the rows given) and
``ResourceContainers`` (one row per subscription those rows and the management groups name).
"""

from __future__ import annotations

import time
from typing import Any

from assessor.testing.servers.base import Answer, LoopbackApi, Request

PATH = "/providers/Microsoft.ResourceGraph/resources"
MAX_TOP = 1000


class ResourceGraphApi(LoopbackApi):
    def __init__(
        self, rows: list[dict[str, Any]] | None = None, quota: int = 15, window: float = 5.0
    ) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = list(rows or [])
        self.groups: dict[str, set[str]] = {}  # management group → subscription ids
        self.denied: set[str] = set()  # subscriptions the caller cannot read
        # The documented per-user quota: 15 queries in any 5-second window.
        self.quota = quota
        self.window = window
        self._recent: list[float] = []
        self._scoped: dict[tuple[str, frozenset[str], int], list[dict[str, Any]]] = {}
        # Azure DNS (ARM, not Resource Graph): zone name → record sets as ARM answers them
        # ({"name", "type": "A"|"AAAA"|"CNAME"|..., "properties": {...}}).
        self.record_sets: dict[str, list[dict[str, Any]]] = {}
        self.denied_zones: set[str] = set()  # zones whose record sets the caller cannot read

    def answer(self, request: Request) -> Answer:
        if (
            request.method == "GET"
            and request.path.endswith("/all")
            and "/dnsZones/" in request.path
        ):
            return self._record_sets(request)
        if request.method != "POST" or request.path != PATH or "api-version" not in request.query:
            return _error(404, "NotFound", f"{request.method} {request.path} is not served")
        body = request.json()
        table = str(body.get("query", "")).split("|", 1)[0].strip()
        if table not in ("Resources", "ResourceContainers"):
            return _error(400, "BadRequest", "only Resources and ResourceContainers are served")
        subscriptions = set(body.get("subscriptions") or ())
        for group in body.get("managementGroups") or ():
            subscriptions |= self.groups.get(group, set())
        denied = sorted(subscriptions & self.denied)
        if denied:
            return _error(
                403,
                "AuthorizationFailed",
                f"The client does not have authorization to read subscriptions {denied}",
            )
        now = time.monotonic()
        self._recent = [at for at in self._recent if now - at < self.window]
        if len(self._recent) >= self.quota:
            wait = self.window - (now - self._recent[0])
            return _error(
                429,
                "RateLimiting",
                "Client application has been throttled",
                **{
                    "Retry-After": f"{wait:.3f}",
                    "x-ms-user-quota-remaining": "0",
                    "x-ms-user-quota-resets-after": _hms(wait),
                },
            )
        self._recent.append(now)
        remaining = self.quota - len(self._recent)
        resets = self.window - (now - self._recent[0])
        options = body.get("options") or {}
        top = min(int(options.get("$top") or 100), MAX_TOP)
        start = int(options.get("$skipToken") or 0)
        key = (table, frozenset(subscriptions), len(self.rows))
        if key not in self._scoped:  # filtered once per scope, not once per page
            rows = self.rows if table == "Resources" else self._containers()
            self._scoped[key] = [
                r for r in rows if not subscriptions or r["subscriptionId"] in subscriptions
            ]
        found = self._scoped[key]
        page = found[start : start + top]
        data: dict[str, Any] = {
            "totalRecords": len(found),
            "count": len(page),
            "resultTruncated": "false",
            "data": page,
        }
        if start + top < len(found):
            data["$skipToken"] = str(start + top)
        return Answer.of(
            200,
            data,
            **{
                "x-ms-user-quota-remaining": str(remaining),
                "x-ms-user-quota-resets-after": _hms(resets),
            },
        )

    def _record_sets(self, request: Request) -> Answer:
        """ARM ``RecordSets - List All By Dns Zone`` (2018-05-01): ``{"value": [...]}``."""
        parts = request.path.strip("/").split("/")
        subscription, group, zone = parts[1], parts[3], parts[7]
        if subscription in self.denied or zone in self.denied_zones:
            return _error(403, "AuthorizationFailed", "The client does not have authorization")
        if zone not in self.record_sets:
            return _error(404, "ResourceNotFound", f"The zone {zone} was not found.")
        base = (
            f"/subscriptions/{subscription}/resourceGroups/{group}"
            f"/providers/Microsoft.Network/dnszones/{zone}"
        )
        value = [
            {
                "id": f"{base}/{record['type']}/{record['name']}",
                "name": record["name"],
                "type": f"Microsoft.Network/dnszones/{record['type']}",
                "etag": "00000000-0000-0000-0000-000000000000",
                "properties": {
                    "metadata": {},
                    "TTL": 3600,
                    "fqdn": f"{record['name']}.{zone}.",
                    "provisioningState": "Succeeded",
                    "targetResource": {},
                    **record["properties"],
                },
            }
            for record in self.record_sets[zone]
        ]
        return Answer.of(200, {"value": value})

    def _containers(self) -> list[dict[str, Any]]:
        named = {row["subscriptionId"] for row in self.rows}
        named |= {s for members in self.groups.values() for s in members}
        return [
            {
                "id": f"/subscriptions/{subscription}",
                "subscriptionId": subscription,
                "type": "microsoft.resources/subscriptions",
            }
            for subscription in sorted(named)
        ]

    def reset_quota(self) -> None:
        self._recent = []


def _hms(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{seconds - whole + whole % 60:06.3f}"


def _error(code: int, error: str, message: str, **headers: str) -> Answer:
    return Answer.of(code, {"error": {"code": error, "message": message}}, **headers)
