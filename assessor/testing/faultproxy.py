"""A loopback HTTP proxy in front of an emulator that injects faults for chosen requests.

Tests use it to make one region or service answer AccessDenied (or 503, or 429), answer
late, or drop the connection, while the rest of the estate is served by the real emulator
behind it.
"""

from __future__ import annotations

import http.client
import re
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from assessor.testing.servers.base import loopback_http

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    host: str
    region: str | None
    service: str | None
    body: bytes = b""
    target: str = ""

    @property
    def action(self) -> str:
        """The operation of a JSON-protocol (X-Amz-Target) or query-protocol request."""
        if self.target:
            return self.target.rsplit(".", 1)[-1]
        found = re.search(rb"Action=([A-Za-z]+)", self.body)
        return found.group(1).decode() if found else ""


@dataclass(frozen=True)
class Fault:
    status: int
    body: bytes
    content_type: str = "application/xml"


@dataclass(frozen=True)
class Delay:
    """Answer from upstream, but only after ``seconds``."""

    seconds: float


@dataclass(frozen=True)
class Drop:
    """Close the connection without an answer (a reset mid-request)."""


Rule = Callable[[Request], Fault | Delay | Drop | None]


def aws_error(code: str, status: int = 403) -> Fault:
    body = (
        f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code>"
        f"<Message>injected by test</Message><RequestId>test</RequestId></Error>"
    ).encode()
    return Fault(status, body)


def ec2_error(code: str, status: int = 403) -> Fault:
    body = (
        f"<?xml version='1.0' encoding='UTF-8'?><Response><Errors><Error><Code>{code}</Code>"
        f"<Message>injected by test</Message></Error></Errors><RequestID>t</RequestID></Response>"
    ).encode()
    return Fault(status, body)


def aws_json_error(code: str, status: int = 400) -> Fault:
    """An error as the JSON protocols (DynamoDB, KMS, Lambda, ...) answer it."""
    body = f'{{"__type": "{code}", "message": "injected by test"}}'.encode()
    return Fault(status, body, "application/x-amz-json-1.0")


def json_error(status: int, message: str) -> Fault:
    body = f'{{"error": {{"code": {status}, "message": "{message}"}}}}'.encode()
    return Fault(status, body, "application/json")


@contextmanager
def fault_proxy(upstream: str, rule: Rule) -> Iterator[str]:
    """Serve a proxy on a free loopback port; yields its URL."""
    target = urlsplit(upstream)
    host = target.hostname or "127.0.0.1"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            scope = _SCOPE.search(self.headers.get("Authorization", ""))
            request = Request(
                self.command,
                self.path,
                self.headers.get("Host", ""),
                scope.group(1) if scope else None,
                scope.group(2) if scope else None,
                body,
                self.headers.get("X-Amz-Target", ""),
            )
            fault = rule(request)
            if isinstance(fault, Drop):
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if isinstance(fault, Delay):
                time.sleep(fault.seconds)
            elif fault is not None:
                self.send_response(fault.status)
                self.send_header("Content-Type", fault.content_type)
                self.send_header("Content-Length", str(len(fault.body)))
                self.end_headers()
                self.wfile.write(fault.body)
                return
            connection = http.client.HTTPConnection(host, target.port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            headers["Host"] = self.headers.get("Host", target.netloc)
            connection.request(self.command, self.path, body=body, headers=headers)
            answer = connection.getresponse()
            payload = answer.read()
            self.send_response(answer.status)
            for key, value in answer.getheaders():
                if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            connection.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle

        def log_message(self, *args: object) -> None:
            pass

    with loopback_http(Handler) as url:
        yield url
