"""The built wheel carries rules/ and reports/ and works from a clean virtual environment."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

# Starts emulators (or builds a wheel) of its own.
pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[1]


def _run(command: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
    return done


def test_wheel_installs_and_runs_outside_the_source_tree(tmp_path: Path) -> None:
    _run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path / "dist"), str(ROOT)],
        tmp_path,
    )
    [wheel] = (tmp_path / "dist").glob("assessor-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "assessor/_data/rules/countries-of-concern.yaml" in names
    assert "assessor/_data/reports/templates/report.html.j2" in names
    assert "assessor/catalog/data/regions/aws.csv" in names

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    _run([str(venv / "bin/pip"), "install", "--quiet", f"{wheel}[demo]"], tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    listed = _run([str(venv / "bin/assessor"), "rules", "list"], elsewhere)
    assert "COC-001" in listed.stdout
    located = _run(
        [str(venv / "bin/python"), "-c", "import assessor; print(assessor.__file__)"], elsewhere
    )
    assert str(venv) in located.stdout, "the test ran the source tree, not the wheel"
    _run([str(venv / "bin/assessor"), "demo", "--output", "out"], elsewhere)
    report = (elsewhere / "out" / "report.html").read_text()
    assert "nw-analytics-dr-apac" in report and "COC-001" in report
