"""Malformed rule files give file, line and field; data-driven from the cases below."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from assessor.catalog import Catalog
from assessor.cli import main
from assessor.engine.loader import load_pack, load_rules
from assessor.errors import InputError

GOOD_RULE = """\
pack: custom
title: Custom
description: A test pack.
rules:
  - id: ORG-001
    name: custom.rule
    title: A rule
    severity: high
    policy: test
    rationale: because
    remediation: fix it
    message: "{name} fired"
    sources:
      - {title: t, url: "https://example.org"}
    when:
      field: location.country
      op: in
      value: [HK]
    examples:
      violating: [{provider: aws, region: ap-east-1}]
      compliant: [{provider: aws, region: us-east-1}]
    fact: location
"""

# (case id, replacement of one line of GOOD_RULE, expected line, expected field, message part)
CASES = [
    (
        "unknown severity",
        ("severity: high", "severity: severe"),
        8,
        "rules[0].severity",
        "critical",
    ),
    (
        "unknown field",
        ("field: location.country", "field: location.county"),
        16,
        "rules[0].when.field",
        "unknown field 'location.county'",
    ),
    ("unknown operator", ("op: in", "op: within"), 17, "rules[0].when.op", "'eq'"),
    (
        "unknown group",
        ("value: [HK]", "value: in:nowhere"),
        18,
        "rules[0].when.value",
        "unknown country group 'nowhere'",
    ),
    ("list needed", ("value: [HK]", "value: HK"), 18, "rules[0].when.value", "needs a list"),
    ("bad regex", ("op: in", "op: regex"), 18, "rules[0].when.value", None),
    (
        "no condition key",
        ("field: location.country", "feld: location.country"),
        15,
        "rules[0].when",
        "one of the keys",
    ),
    ("bad id", ("id: ORG-001", "id: org1"), 5, "rules[0].id", "pattern"),
    ("extra key", ("remediation: fix it", "remedy: fix it"), 11, "rules[0].remedy", "Extra"),
    (
        "missing sources",
        ('      - {title: t, url: "https://example.org"}', ""),
        13,
        "rules[0].sources",
        None,
    ),
    (
        "duplicate key",
        ("    policy: test", "    policy: test\n    policy: again"),
        10,
        "policy",
        "duplicate",
    ),
    ("yaml syntax", ("    title: A rule", "    title: [unclosed"), 8, None, "invalid YAML"),
    # Every rule says which fact it judges: its findings on one asset are one risk.
    ("missing fact", ("    fact: location", ""), 5, "rules[0].fact", "Field required"),
    ("unknown fact", ("fact: location", "fact: whereabouts"), 22, "rules[0].fact", "'copy'"),
]


@pytest.mark.parametrize(
    ("case", "edit", "line", "field", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_malformed_rule_names_file_line_and_field(
    tmp_path: Path,
    catalog: Catalog,
    case: str,
    edit: tuple[str, str],
    line: int,
    field: str | None,
    message: str | None,
) -> None:
    if case == "bad regex":
        text = GOOD_RULE.replace("op: in", "op: regex").replace("value: [HK]", "value: '(unclosed'")
    else:
        assert edit[0] in GOOD_RULE
        text = GOOD_RULE.replace(edit[0], edit[1])
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_pack(path, catalog)
    error = caught.value
    assert error.path == str(path)
    assert error.line == line, str(error)
    assert error.field == field, str(error)
    if message:
        assert message in str(error)


def test_good_rule_loads(tmp_path: Path, catalog: Catalog) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD_RULE)
    [loaded] = load_pack(path, catalog)
    assert loaded.rule.id == "ORG-001" and loaded.pack == "custom" and loaded.line == 5


def test_duplicate_rule_id_across_files_names_both(tmp_path: Path, catalog: Catalog) -> None:
    (tmp_path / "a.yaml").write_text(GOOD_RULE)
    (tmp_path / "b.yaml").write_text(GOOD_RULE.replace("pack: custom", "pack: other"))
    with pytest.raises(InputError, match=r"'ORG-001' is already defined in .*a\.yaml:5"):
        load_rules([tmp_path], catalog)


def test_cli_validate_exits_2_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD_RULE.replace("severity: high", "severity: severe"))
    result = CliRunner().invoke(main, ["rules", "validate", str(path)])
    assert result.exit_code == 2
    assert f"{path}:8: rules[0].severity" in result.output


def test_cli_audit_with_malformed_rules_exits_2_before_probing(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD_RULE.replace("op: in", "op: within"))
    result = CliRunner().invoke(
        main, ["audit", "--probe", "aws", "--rules", str(path), "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    assert f"{path}:17" in result.output
    assert not (tmp_path / "out").exists()
