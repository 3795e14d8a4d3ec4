"""A throwaway PostgreSQL cluster on a loopback port, for the tests and the history benchmark.

Debian's server binaries (installed by the test command). The server refuses to run as
root, so under root it runs as ``postgres``, in a folder of its own outside pytest's
root-only temporary folders.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from assessor.testing.emulators import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a cluster, yield its ``postgresql://`` URL, stop it and delete its files."""
    base = Path(tempfile.mkdtemp(prefix="assessor-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    port = free_port()

    def as_postgres(*command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    try:
        as_postgres(str(PG_BIN / "initdb"), "-D", f"{base}/data", "-A", "trust", "-U", "assessor")
        options = f"-k {base} -p {port} -c listen_addresses=127.0.0.1"
        as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            f"{base}/data",
            "-o",
            options,
            "-l",
            f"{base}/log",
            "-w",
            "start",
        )
        try:
            yield f"postgresql://assessor@127.0.0.1:{port}/postgres"
        finally:
            as_postgres(str(PG_BIN / "pg_ctl"), "-D", f"{base}/data", "-m", "fast", "stop")
    finally:
        shutil.rmtree(base, ignore_errors=True)
