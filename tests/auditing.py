"""``assessor audit`` as a user runs it, for tests that judge the whole command's report."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from assessor.cli import main


def audited(out: Path, *arguments: str, formats: str = "json") -> dict[str, Any]:
    """Run ``assessor audit ARGUMENTS`` writing to ``out`` (never failing on findings) and
    return its JSON report; the command must succeed."""
    ran = CliRunner().invoke(
        main,
        ["audit", *arguments, "-o", str(out), "--format", formats, "--fail-on", "none"],
        env=dict(os.environ),
    )
    assert ran.exit_code == 0, ran.output
    report: dict[str, Any] = json.loads((out / "report.json").read_text())
    return report
