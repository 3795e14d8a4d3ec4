"""Alibaba Cloud's RPC APIs without a product SDK: the generic OpenAPI client, signed
ACS3-HMAC-SHA256 like every other call, refusing any action the probe did not declare."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import urlsplit

from assessor.probes.base import ReadOnlyViolation
from assessor.probes.live import call

Keys = tuple[str, str, str | None]  # access key id, secret, security token (a role session's)


def client(kind: Any, keys: Keys, override: str | None, host: str) -> Any:
    """A tea OpenAPI client of class ``kind`` for ``host`` (or the override URL)."""
    from alibabacloud_tea_openapi.models import Config

    key_id, secret, token = keys
    config = Config(access_key_id=key_id, access_key_secret=secret, security_token=token)
    if override:
        parts = urlsplit(override)
        config.endpoint, config.protocol = parts.netloc, parts.scheme.upper() or "HTTPS"
    else:
        config.endpoint = host
    return kind(config)


class RpcApi:
    """One product's RPC API (``host``, ``version``), callable only with declared actions."""

    def __init__(
        self,
        keys: Keys,
        override: str | None,
        host: str,
        version: str,
        operations: dict[str, str],
        classify: Any,
    ) -> None:
        from alibabacloud_tea_openapi.client import Client

        self.api = client(Client, keys, override, host)
        self.version = version
        self.operations = operations
        self.classify = classify

    def call(self, action: str, query: dict[str, str], attempts: int) -> dict[str, Any]:
        """The answer's JSON body; faults raise FaultError as :func:`live.call` does."""
        from alibabacloud_tea_openapi import utils_models
        from darabonba.runtime import RuntimeOptions  # type: ignore[import-untyped]

        if action not in self.operations:
            raise ReadOnlyViolation(f"alibaba probe refused {action}: not a declared operation")
        params = utils_models.Params(
            action=action,
            version=self.version,
            protocol="HTTPS",
            pathname="/",
            method="POST",
            auth_type="AK",
            style="RPC",
            req_body_type="formData",
            body_type="json",
        )
        request = utils_models.OpenApiRequest(query=query)
        calling = partial(self.api.call_api, params, request, RuntimeOptions())
        answer: dict[str, Any] = call(calling, self.classify, None, attempts)
        return answer.get("body") or {}
