"""Starts a moto server and a GCS emulator on loopback; used by the demo and the tests."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from assessor.errors import ConfigurationError
from assessor.testing.environment import scoped_environment

STARTUP_SECONDS = 30.0
# The demo company (and the tests) keep data in Hong Kong, so they opted in to it.
OPTED_IN_REGIONS = ("ap-east-1",)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def _server(
    command: list[str], ready_url: str, name: str, environment: dict[str, str] | None = None
) -> Iterator[None]:
    with tempfile.TemporaryFile() as log:
        try:
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=environment
            )
        except OSError as error:
            raise ConfigurationError(f"cannot start {name}: {error}") from None
        try:
            _wait_ready(process, ready_url, name, log)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(process: subprocess.Popen[bytes], url: str, name: str, log: object) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ConfigurationError(f"{name} exited during start-up ({_tail(log)})")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback URL we built
                return
        except urllib.error.HTTPError:
            return  # it answered: the server is up
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise ConfigurationError(f"{name} did not start within {STARTUP_SECONDS:.0f} s")


def _tail(log: object) -> str:
    with contextlib.suppress(Exception):
        log.seek(0)  # type: ignore[attr-defined]
        text: str = log.read().decode("utf-8", "replace")  # type: ignore[attr-defined]
        return text.strip().splitlines()[-1] if text.strip() else "no output"
    return "no output"


@contextlib.contextmanager
def moto_server(opted_in: tuple[str, ...] = OPTED_IN_REGIONS) -> Iterator[str]:
    """A moto server (``pip install 'assessor[demo]'``) for an account opted in to
    ``opted_in`` regions; yields its endpoint URL."""
    _require("moto", "moto[server]")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "assessor.testing.moto_main",
        "-H",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    environment = {
        **os.environ,
        "ASSESSOR_MOTO_OPT_IN": ",".join(opted_in),
        # moto's catalogue of public AMIs (and their snapshots) slows every EC2 region
        # down and is nobody's estate.
        "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
    }
    with _server(command, f"{endpoint}/moto-api/", "moto server", environment):
        yield endpoint


def seed_random_ids(endpoint: str, seed: int = 2020) -> None:
    """Fix the seed of moto's id generator (its ``/moto-api/seed`` endpoint)."""
    url = f"{endpoint}/moto-api/seed?a={seed}"
    request = urllib.request.Request(url, method="POST")  # noqa: S310 - loopback URL we built
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - loopback URL we built
        pass


@contextlib.contextmanager
def gcs_emulator() -> Iterator[str]:
    """gcp-storage-emulator, in memory; yields its endpoint URL."""
    _require("gcp_storage_emulator", "gcp-storage-emulator")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "gcp_storage_emulator",
        "start",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--in-memory",
        "--quiet",
    ]
    with _server(command, f"{endpoint}/storage/v1/b", "GCS emulator"):
        yield endpoint


@contextlib.contextmanager
def pointed_at(aws_endpoint: str | None, gcs_endpoint: str | None) -> Iterator[None]:
    """Point boto3 and google-cloud-storage at the emulators, with throwaway credentials."""
    with tempfile.TemporaryDirectory() as empty:
        blank = str(Path(empty) / "none")
        overrides = {
            "AWS_ENDPOINT_URL": aws_endpoint,
            "AWS_ACCESS_KEY_ID": "demo" if aws_endpoint else None,
            "AWS_SECRET_ACCESS_KEY": "demo" if aws_endpoint else None,
            "AWS_SESSION_TOKEN": None,
            "AWS_PROFILE": None,
            "AWS_DEFAULT_REGION": "us-east-1" if aws_endpoint else None,
            "AWS_CONFIG_FILE": blank if aws_endpoint else None,
            "AWS_SHARED_CREDENTIALS_FILE": blank if aws_endpoint else None,
            "STORAGE_EMULATOR_HOST": gcs_endpoint,
        }
        with scoped_environment(overrides):
            yield


def _require(module: str, package: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise ConfigurationError(f"the demo needs {package}: pip install 'assessor[demo]'")
