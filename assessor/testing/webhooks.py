"""A loopback HTTP receiver: the real receiving end of ``--notify``, or an endpoint that only
counts what reaches it."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from assessor.testing.servers.base import loopback_http


@dataclass
class Receiver:
    """What reached the receiver: every request counted, each JSON body it accepted kept.
    The next ``failures`` requests are answered 503, as a receiver that is briefly down."""

    failures: int = 0
    url: str = ""
    requests: int = 0
    messages: list[Any] = field(default_factory=list)


@contextlib.contextmanager
def receiver(failures: int = 0, path: str = "/hook") -> Iterator[Receiver]:
    """A receiver on a free loopback port; its ``url`` ends in ``path``."""
    received = Receiver(failures=failures)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.requests += 1
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if received.failures > 0:
                received.failures -= 1
                self.send_response(503)
            else:
                received.messages.append(json.loads(body or b"null"))
                self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST

        def log_message(self, *args: object) -> None:
            pass

    with loopback_http(Handler) as base:
        received.url = base + path
        yield received
