"""Record the AWS probe's calls against moto, then answer them again at a fixed latency.

moto costs about 10 ms of CPU per call on the machine that runs the probe, so a benchmark
against it measures moto. The recorder sits in front of moto once and keeps every answer;
the replay server (its own process, asyncio, no parsing beyond HTTP framing) answers the
same requests with the same bytes after a fixed delay, so the probe's own cost and its
concurrency are what is measured.

    python benchmarks/aws_replay.py RECORDING.json PORT LATENCY_SECONDS [CERT.pem KEY.pem]

With a certificate and key it answers over TLS, as AWS does (a client's TLS costs, handshakes
and verifying the server, are then part of what is measured).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import http.client
import json
import re
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

from assessor.testing.servers.base import loopback_http

_SCOPE = re.compile(rb"Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
_ACCOUNT = re.compile(r"(?<!\d)\d{12}(?!\d)")
_ACCOUNT_IN_BODY = re.compile(rb"(?<!\d)\d{12}(?!\d)")
_DROPPED = {"date", "connection", "content-length", "transfer-encoding", "server"}


def request_key(method: str, path: str, authorization: bytes, target: str, body: bytes) -> str:
    """What identifies a request across runs: not its signature or date, nor the account id
    (one recorded account answers for every account of an organization)."""
    path, body = _ACCOUNT.sub("ACCOUNT", path), _ACCOUNT_IN_BODY.sub(b"ACCOUNT", body)
    scope = _SCOPE.search(authorization)
    region, service = (scope.group(1), scope.group(2)) if scope else (b"", b"")
    digest = hashlib.sha256(body).hexdigest()[:16]
    return f"{method} {path} {region.decode()} {service.decode()} {target} {digest}"


Rewrite = Callable[[str, bytes], bytes]


@contextmanager
def recorder(
    upstream: str, recording: dict[str, dict[str, object]], rewrite: Rewrite
) -> Iterator[str]:
    """A proxy in front of ``upstream`` that keeps every answer in ``recording``."""
    target = urlsplit(upstream)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            connection.request(self.command, self.path, body=body, headers=dict(self.headers))
            answer = connection.getresponse()
            key = request_key(
                self.command,
                self.path,
                self.headers.get("Authorization", "").encode(),
                self.headers.get("X-Amz-Target", ""),
                body,
            )
            payload = rewrite(key, answer.read())
            headers = [(k, v) for k, v in answer.getheaders() if k.lower() not in _DROPPED]
            with lock:
                recording[key] = {
                    "status": answer.status,
                    "headers": headers,
                    "body": base64.b64encode(payload).decode(),
                }
            self.send_response(answer.status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            connection.close()

        do_GET = do_POST = do_PUT = do_HEAD = _handle

        def log_message(self, *args: object) -> None:
            pass

    with loopback_http(Handler) as url:
        yield url


def serve(recording_path: Path, port: int, latency: float, tls: ssl.SSLContext | None) -> None:
    recording = json.loads(recording_path.read_text())
    answers: dict[str, bytes] = {}
    for key, entry in recording.items():
        body = base64.b64decode(entry["body"])
        head = [f"HTTP/1.1 {entry['status']} OK"]
        head += [f"{name}: {value}" for name, value in entry["headers"]]
        head += [f"Content-Length: {len(body)}", "", ""]
        answers[key] = "\r\n".join(head).encode() + body
    missing = b"HTTP/1.1 500 Not Recorded\r\nContent-Length: 0\r\n\r\n"
    counts: dict[str, object] = {"calls": 0, "missed": 0}
    # Calls in flight, integrated over time per second since the first call: where the
    # pool ran short of work (or of the probe's attention) shows as a dip.
    flight = {"now": 0, "since": 0.0, "start": 0.0}
    busy: dict[int, float] = {}

    def change(delta: int) -> None:
        clock = time.monotonic()
        if not flight["start"]:
            flight["start"] = flight["since"] = clock
        second = int(flight["since"] - flight["start"])
        busy[second] = busy.get(second, 0.0) + flight["now"] * (clock - flight["since"])
        flight["now"] += delta
        flight["since"] = clock

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                method, path, _ = lines[0].decode().split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if b":" in line:
                        name, value = line.split(b":", 1)
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get(b"content-length", b"0"))
                body = await reader.readexactly(length) if length else b""
                if path == "/_stats":
                    counts["in_flight_per_second"] = [
                        round(busy.get(n, 0.0), 1) for n in range(max(busy, default=-1) + 1)
                    ]
                    stats = json.dumps(counts).encode()
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(stats) + stats
                    )
                    await writer.drain()
                    continue
                key = request_key(
                    method,
                    path,
                    headers.get(b"authorization", b""),
                    headers.get(b"x-amz-target", b"").decode(),
                    body,
                )
                counts["calls"] += 1  # type: ignore[operator]
                answer = answers.get(key)
                if answer is None:
                    counts["missed"] += 1  # type: ignore[operator]
                    print(f"not recorded: {key}", file=sys.stderr)
                change(+1)
                await asyncio.sleep(latency)
                writer.write(answer or missing)
                change(-1)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=512, ssl=tls)
        print("ready", flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


if __name__ == "__main__":
    context = None
    if len(sys.argv) > 5:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[4], sys.argv[5])
    serve(Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), context)
