"""Every AWS client of a scan verifies TLS against one context per CA bundle, loaded once:
checked against a loopback HTTPS server that speaks S3's ListBuckets."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import trustme
from botocore.exceptions import SSLError

from assessor.probes.aws.session import AwsClients, ClientSettings
from assessor.testing.emulators import pointed_at
from assessor.testing.servers.base import loopback_http

_LISTING = (
    b'<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult>'
    b"<Owner><ID>o</ID></Owner><Buckets><Bucket><Name>b</Name>"
    b"<CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets>"
    b"</ListAllMyBucketsResult>"
)


@pytest.fixture
def https_s3(tmp_path: Path) -> Iterator[tuple[str, Path, list[int]]]:
    """An HTTPS server answering ListBuckets, its CA's bundle, and its connection count."""
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    certificate.configure_cert(context)
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    connections: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            connections.append(1)
            super().setup()

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(_LISTING)))
            self.end_headers()
            self.wfile.write(_LISTING)

        def log_message(self, *args: object) -> None:
            pass

    with loopback_http(Handler, context) as url:
        yield url, bundle, connections


def test_clients_verify_against_one_context_per_bundle(
    https_s3: tuple[str, Path, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint, bundle, connections = https_s3
    monkeypatch.setenv("AWS_CA_BUNDLE", str(bundle))
    with pointed_at(endpoint, None):
        clients = AwsClients(allowed=frozenset({"s3:ListBuckets"}))
        regions = ["us-east-1", "eu-west-1", "ap-east-1"]
        with ThreadPoolExecutor(12) as pool:
            answers = list(
                pool.map(lambda n: clients.get("s3", regions[n % 3]).list_buckets(), range(24))
            )
    assert all(answer["Buckets"][0]["Name"] == "b" for answer in answers)
    assert len(connections) >= 3  # several connections, each verified
    sessions = [clients.get("s3", region)._endpoint.http_session for region in regions]
    contexts = {id(session._manager.connection_pool_kw["ssl_context"]) for session in sessions}
    assert len(contexts) == 1
    (context,) = {session._manager.connection_pool_kw["ssl_context"] for session in sessions}
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.cert_store_stats()["x509_ca"] == 1  # the bundle, read into the context
    # ...so no connection hands urllib3 the bundle to read again.
    pools = [pool for s in sessions for pool in s._manager.pools._container.values()]
    assert pools and all(pool.ca_certs is None for pool in pools)


def test_a_certificate_from_another_authority_is_still_refused(
    https_s3: tuple[str, Path, list[int]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    endpoint, _, _ = https_s3
    stranger = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(stranger))
    monkeypatch.setenv("AWS_CA_BUNDLE", str(stranger))
    with pointed_at(endpoint, None):
        once = ClientSettings(max_attempts=1)
        clients = AwsClients(allowed=frozenset({"s3:ListBuckets"}), settings=once)
        with pytest.raises(SSLError, match="CERTIFICATE_VERIFY_FAILED"):
            clients.get("s3", "us-east-1").list_buckets()
