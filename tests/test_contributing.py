"""CONTRIBUTING.md's "add a probe" example, run the way a newcomer would use it: the toy
probe in ``examples/toy-probe/`` registered through its entry point (as a third party's
probe is), its own contract test passing, and an audit with it from the command line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "examples" / "toy-probe"
pytestmark = pytest.mark.server


@pytest.fixture
def registered(tmp_path: Path) -> dict[str, str]:
    """An environment in which the toy probe is installed as a distribution would install
    it: its modules on the path and a dist-info declaring its entry point."""
    dist = tmp_path / "site" / "assessor_toy_probe-0.1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: assessor-toy-probe\nVersion: 0.1.0\n"
    )
    declared = re.search(r'toy = "([^"]+)"', (TOY / "pyproject.toml").read_text())
    assert declared, "the example's pyproject.toml declares no entry point"
    (dist / "entry_points.txt").write_text(f"[assessor.probes]\ntoy = {declared[1]}\n")
    path = os.pathsep.join([str(tmp_path / "site"), str(TOY)])
    return {**os.environ, "PYTHONPATH": path}


def test_the_toy_probe_s_own_contract_test_passes(registered: dict[str, str]) -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(TOY)],
        env=registered,
        cwd=TOY,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert re.search(r"\b4 passed\b", ran.stdout), ran.stdout


@pytest.fixture
def toy_api() -> Iterator[str]:
    sys.path.insert(0, str(TOY))
    try:
        from toy_server import ToyApi, resource

        from assessor.testing.servers.base import serving

        api = ToyApi({"ap-chuncheon-1": [resource("ocid1.bucket.oc1..kr", "kr-orders")]})
        with serving(api) as url:
            yield url
    finally:
        sys.path.remove(str(TOY))
        for name in ("toy_server", "toy_probe"):
            sys.modules.pop(name, None)


def test_the_toy_probe_audits_from_the_command_line(
    registered: dict[str, str], toy_api: str, tmp_path: Path
) -> None:
    env = {**registered, "ASSESSOR_TOY_ENDPOINT": toy_api, "TOY_TOKEN": "assessor-test-token"}

    def assessor(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "assessor", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    listed = assessor("probes")
    assert listed.returncode == 0 and "toy" in listed.stdout and "--toy-regions" in listed.stdout
    policy = assessor("policy", "toy")
    assert policy.returncode == 0 and "inspect all-resources" in policy.stdout
    out = tmp_path / "out"
    audited = assessor(
        "audit", "--probe", "toy", "--toy-regions", "ap-chuncheon-1", "-o", str(out),
        "--format", "json",
    )  # fmt: skip
    assert audited.returncode == 0, audited.stderr
    (asset,) = json.loads((out / "report.json").read_text())["assets"]
    assert asset["name"] == "kr-orders" and asset["location"]["country"] == "KR"


def test_every_file_contributing_md_points_at_exists() -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text()
    named = set(re.findall(r"`((?:assessor|examples|rules|tests|reports)/[\w./-]+)`", text))
    assert len(named) > 10  # guard against a pattern that finds nothing
    missing = sorted(path for path in named if not (ROOT / path.split("::")[0]).exists())
    assert not missing, missing
