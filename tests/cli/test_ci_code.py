"""The CI job reads the code in its paths too: a pull request that adds a listed vendor's
SDK to a lockfile fails, and SARIF points at the line it added."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from assessor.cli import main

LOCKFILE = """# This is a Gradle generated file for dependency locking.
# Manual edits can break the build and are not advised.
# This file is expected to be part of source control.
androidx.appcompat:appcompat:1.7.0=debugRuntimeClasspath,releaseRuntimeClasspath
androidx.core:core:1.13.1=debugRuntimeClasspath,releaseRuntimeClasspath
empty=
"""
PANGLE = "com.pangle.global:ads-sdk:6.2.0.5=debugRuntimeClasspath,releaseRuntimeClasspath\n"


def _ci(app: Path, out: Path, *extra: str) -> tuple[int, dict[str, object]]:
    ran = CliRunner().invoke(
        main,
        ["ci", str(app), "--format", "sarif,json", "-o", str(out), *extra],
        env=dict(os.environ),
    )
    assert ran.exception is None or isinstance(ran.exception, SystemExit), ran.output
    return ran.exit_code, json.loads((out / "report.sarif").read_text())


def test_a_pull_request_adding_pangle_to_a_gradle_lockfile_fails_at_that_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the repository root, as in CI
    app = Path("app")
    app.mkdir()
    lockfile = app / "gradle.lockfile"
    lockfile.write_text(LOCKFILE)
    code, _ = _ci(app, tmp_path / "before")
    assert code == 0

    lines = LOCKFILE.splitlines(keepends=True)
    lines.insert(4, PANGLE)  # the pull request's line 5
    lockfile.write_text("".join(lines))
    code, sarif = _ci(app, tmp_path / "after")
    assert code == 1
    results = sarif["runs"][0]["results"]  # type: ignore[index]
    pangle = [r for r in results if r["ruleId"] == "CODE-002"]
    assert len(pangle) == 1 and pangle[0]["level"] == "error"
    region = pangle[0]["locations"][0]["physicalLocation"]
    assert region["artifactLocation"]["uri"] == "app/gradle.lockfile"
    assert region["region"]["startLine"] == 5
    assert "ByteDance" in pangle[0]["message"]["text"]


def test_a_test_only_sdk_is_one_step_lower_and_a_data_class_raises_it(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "build.gradle").write_text(
        "dependencies {\n"
        "    implementation 'com.umeng.umsdk:common:9.6.8'\n"
        "    testImplementation 'com.tencent.bugly:crashreport:4.1.9.3'\n"
        "}\n"
    )
    out = tmp_path / "out"
    CliRunner().invoke(main, ["ci", str(app), "--format", "json", "-o", str(out)])
    findings = json.loads((out / "report.json").read_text())["findings"]
    severity = {(f["rule_id"], f["asset_id"].rsplit("/", 1)[-1]): f for f in findings}
    assert severity[("CODE-001", "common")]["severity"] == "medium"
    bugly = severity[("CODE-001", "crashreport")]
    assert bugly["severity"] == "low"
    assert bugly["evidence"]["severity lowered"] == "medium → low: only used to build or test"

    out = tmp_path / "pii"
    ran = CliRunner().invoke(
        main, ["ci", str(app), "--format", "json", "-o", str(out), "--data-class", "pii"]
    )
    assert ran.exit_code == 1  # high: the Umeng SDK in an app handling personal data
    findings = json.loads((out / "report.json").read_text())["findings"]
    umeng = next(f for f in findings if f["rule_id"] == "CODE-001" and "common" in f["asset_id"])
    assert umeng["severity"] == "high"
