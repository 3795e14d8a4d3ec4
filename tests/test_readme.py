"""The README's picture of the code is checked against the code: the diagram names every
registered probe, and the layout every module and package, so neither drifts again."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "assessor"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _code_block_after(heading: str) -> list[str]:
    section = README[README.index(heading) :]
    start = section.index("```\n") + 4
    return section[start : section.index("```", start)].splitlines()


def _registered_probes() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(project["project"]["entry-points"]["assessor.probes"])


def test_the_diagram_names_every_registered_probe_and_no_other() -> None:
    head, *rest = _code_block_after("## How it works")
    assert head.startswith("probes ──")
    first_column = " ".join(re.split(r"\s{2,}", line.strip())[0] for line in rest)
    named = {word for word in re.split(r"[,\s]+", first_column) if word}
    assert named == _registered_probes()


def _layout() -> dict[str, str]:
    """Each entry of the layout's ``assessor/`` tree with the text that describes it."""
    entries: dict[str, str] = {}
    current = ""
    for line in _code_block_after("## Development"):
        matched = re.match(r"^  (\S+)\s*(.*)$", line)
        if matched:
            current = matched[1]
            entries[current] = matched[2]
        elif line.startswith("   ") and current:
            entries[current] += " " + line.strip()
        elif not line.startswith(" "):
            current = ""
    return entries


def test_the_layout_names_every_module_and_package_of_assessor_and_nothing_else() -> None:
    real = {
        path.name + ("/" if path.is_dir() else "")
        for path in PACKAGE.iterdir()
        if (path.suffix == ".py" or (path / "__init__.py").exists())
        and path.name not in ("__init__.py", "__main__.py")
    }
    assert set(_layout()) == real


def test_the_layout_names_every_probe_module_and_package() -> None:
    described = _layout()["probes/"]
    probes = PACKAGE / "probes"
    real = {
        path.name + ("/" if path.is_dir() else "")
        for path in probes.iterdir()
        if (path.suffix == ".py" or (path / "__init__.py").exists()) and path.name != "__init__.py"
    }
    missing = sorted(name for name in real if name not in described)
    assert not missing, f"probes/ in the README's layout lacks {missing}"


def test_the_top_level_folders_the_layout_names_exist() -> None:
    folders = [
        line.split()[0] for line in _code_block_after("## Development") if re.match(r"^\w", line)
    ]
    assert "tests/" in folders and "assessor/" in folders
    assert all((ROOT / folder).is_dir() for folder in folders), folders


def test_every_path_the_readme_names_exists() -> None:
    named = set(
        re.findall(r"`((?:assessor|examples|rules|tests|reports|benchmarks)/[\w./-]*\w/?)`", README)
    )
    assert len(named) > 10  # guard against a pattern that finds nothing
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert not missing, missing
