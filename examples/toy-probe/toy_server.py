"""The toy probe's loopback server: the toy index API as the probe's tests (and you, trying
the probe by hand) talk to it.

A real probe's server is shaped from the provider's own definitions (its SDK's response
models and error-code tables, its API reference) and checks the provider's signature; the
toy API's definition is this file.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from assessor.testing.servers.base import Answer, LoopbackApi, Request

PATH = "/20180409/resources"


class ToyApi(LoopbackApi):
    """Serves ``resources`` (region → search results), ``limit`` a page at most."""

    def __init__(self, resources: dict[str, list[dict[str, Any]]]) -> None:
        super().__init__()
        self.resources = resources

    def answer(self, request: Request) -> Answer:
        if (request.method, request.path) != ("POST", PATH):
            return Answer.of(404, {"code": "NotAuthorizedOrNotFound", "message": "no such API"})
        items = self.resources.get(request.headers.get("x-toy-region", ""), [])
        limit = int(request.query.get("limit", "100"))
        start = int(request.query.get("page") or 0)
        page = items[start : start + limit]
        more = {"opc-next-page": quote(str(start + limit))} if start + limit < len(items) else {}
        return Answer(200, json.dumps({"items": page}).encode(), more)


def resource(ocid: str, name: str, kind: str = "Bucket", **tags: str) -> dict[str, Any]:
    """One search result as the toy API answers it."""
    return {"identifier": ocid, "displayName": name, "resourceType": kind, "freeformTags": tags}
