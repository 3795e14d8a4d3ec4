"""Reports are replaced together and atomically: a failure part-way leaves the old ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assessor.output import staged, write_atomic


def test_staged_files_replace_their_targets_together(tmp_path: Path) -> None:
    (tmp_path / "report.json").write_bytes(b"old json")
    with staged() as files:
        files.write(tmp_path / "report.json", (b"new ", b"json"))
        files.write(tmp_path / "report.csv", iter([b"a,b\n", b"1,2\n"]))
        # Nothing is in place before the block ends.
        assert (tmp_path / "report.json").read_bytes() == b"old json"
        assert not (tmp_path / "report.csv").exists()
    assert (tmp_path / "report.json").read_bytes() == b"new json"
    assert (tmp_path / "report.csv").read_bytes() == b"a,b\n1,2\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["report.csv", "report.json"]


def test_a_failure_part_way_leaves_the_old_files_and_no_leftovers(tmp_path: Path) -> None:
    (tmp_path / "report.json").write_bytes(b"old json")
    (tmp_path / "report.html").write_bytes(b"old html")

    def pieces() -> Iterator[bytes]:
        yield b"<html>"
        raise RuntimeError("renderer failed")

    with pytest.raises(RuntimeError, match="renderer failed"), staged() as files:
        files.write(tmp_path / "report.json", (b"new json",))
        files.write(tmp_path / "report.html", pieces())
    assert (tmp_path / "report.json").read_bytes() == b"old json"
    assert (tmp_path / "report.html").read_bytes() == b"old html"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["report.html", "report.json"]


def test_write_atomic_creates_the_directory_and_the_file(tmp_path: Path) -> None:
    target = tmp_path / "new" / "baseline.json"
    write_atomic(target, b"{}\n")
    assert target.read_bytes() == b"{}\n"
    assert oct(target.stat().st_mode & 0o777) == "0o644"
