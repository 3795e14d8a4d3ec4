"""The shared part of every loopback API server: a threaded HTTP server on 127.0.0.1, a
credential check, fault injection (status, body, headers) and fixed latency per request,
and a log of what was asked."""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    raw_query: str = ""

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    @classmethod
    def of(cls, status: int, data: Any, **headers: str) -> Answer:
        return cls(status, json.dumps(data).encode("utf-8"), dict(headers))


Fault = Callable[[Request], Answer | None]


class LoopbackApi:
    """Subclasses answer requests; ``token`` is the bearer credential they require."""

    token = "assessor-test-token"  # noqa: S105 - a loopback test credential

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.fault: Fault | None = None
        self.latency = 0.0
        self._lock = threading.Lock()

    def answer(self, request: Request) -> Answer:
        raise NotImplementedError

    def authorized(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.token}"

    def refused(self, request: Request) -> Answer:
        """The provider's own answer to an unsigned or wrongly signed request."""
        return Answer.of(401, {"error": {"code": 401, "message": "missing or wrong credentials"}})

    def handle(self, request: Request) -> Answer:
        with self._lock:
            self.requests.append(request)
        if self.latency:
            time.sleep(self.latency)
        if not self.authorized(request):
            return self.refused(request)
        if self.fault is not None:
            injected = self.fault(request)
            if injected is not None:
                return injected
        return self.answer(request)


class KeyStore:
    """A long-term access key and the temporary keys STS ``AssumeRole`` issued from it. A
    temporary key signs only together with its session token, as the providers require; every
    accepted signature's key id is kept in :attr:`signers`."""

    def __init__(self, key_id: str, secret: str, prefix: str) -> None:
        self.long_term = (key_id, secret)
        self.prefix = prefix  # how the provider's temporary key ids begin
        self.roles: set[str] = set()  # role ARNs the long-term key may assume
        self.issued: dict[str, tuple[str, str]] = {}  # temporary id → (secret, token)
        self.signers: list[str] = []

    def issue(self) -> tuple[str, str, str]:
        """A new temporary key id, secret and token."""
        number = len(self.issued) + 1
        key_id, secret, token = f"{self.prefix}{number}", f"tmp-secret-{number}", f"tmp-{number}"
        self.issued[key_id] = (secret, token)
        return key_id, secret, token

    def accepts(self, key_id: str, token: str | None, valid: Callable[[str], bool]) -> bool:
        """Whether ``valid(secret)`` holds for the secret behind ``key_id`` (and ``token``)."""
        if key_id == self.long_term[0]:
            secret: str | None = self.long_term[1]
        else:
            held = self.issued.get(key_id)
            secret = held[0] if held is not None and held[1] == token else None
        if secret is None or not valid(secret):
            return False
        self.signers.append(key_id)
        return True


@contextlib.contextmanager
def serving(api: LoopbackApi) -> Iterator[str]:
    """Serve ``api`` on a free loopback port; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in separate writes: without this, Nagle's algorithm
            # and the client's delayed ACK add ~40 ms to every answer on a kept-alive link.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                method=self.command,
                path=parts.path,
                query={
                    key: values[-1]
                    for key, values in parse_qs(parts.query, keep_blank_values=True).items()
                },
                headers={key.lower(): value for key, value in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
                raw_query=parts.query,
            )
            answer = api.handle(request)
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(answer.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        def log_message(self, *args: object) -> None:
            pass

    with loopback_http(Handler) as url:
        yield url


class _LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver listens with a backlog of 5: a scan opening 32 connections at once then
    # has some refused or reset before the server sees them, and the client's retry spends
    # an attempt the server never counted (a flaky call count in the fault-proxy tests).
    request_queue_size = 128


@contextlib.contextmanager
def loopback_http(
    handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None
) -> Iterator[str]:
    """Serve ``handler`` on a free loopback port, one thread per connection (over TLS with
    ``tls``); yields the base URL. What every loopback server, proxy and recorder runs on."""
    server = _LoopbackServer(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    scheme = "https" if tls is not None else "http"
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
