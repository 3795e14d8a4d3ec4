"""`probes`, `policy` and `schema`: what assessor runs, the access it needs, its file shapes."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from assessor.cli import main
from assessor.probes.aws import AwsProbe
from assessor.probes.base import available_probes, load_probe


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize("model", ["audit-result", "inventory", "rule-pack"])
def test_schema_command_prints_json_schema(model: str) -> None:
    code, output = _run("schema", "--model", model)
    schema = json.loads(output)
    assert code == 0 and schema["type"] == "object" and schema["properties"]


def test_probes_command_lists_every_probe_with_typed_options() -> None:
    code, output = _run("probes")
    assert code == 0
    for name in available_probes():
        assert f"\n{name} " in f"\n{output}"
        for option in load_probe(name).options:
            assert f"--{name}-{option.name}" in output
    assert "--aws-concurrency" in output and "(int, default 32)" in output
    assert "list of s3|ec2|" in output  # the services an AWS scan may be narrowed to


def test_single_account_policy_grants_reads_only() -> None:
    code, output = _run("policy", "aws")
    statements = json.loads(output)["Statement"]
    assert code == 0 and len(statements) == 1
    actions = statements[0]["Action"]
    assert all(a.split(":")[1].startswith(("List", "Get", "Describe", "Head")) for a in actions)
    assert not any("AssumeRole" in a for a in actions)


def test_org_role_adds_exactly_one_assume_role_statement_for_that_role() -> None:
    code, output = _run("policy", "aws", "--org-role", "audit")
    reads, assume = json.loads(output)["Statement"]
    assert code == 0 and len(reads["Action"]) == len(AwsProbe.read_operations)
    assert assume == {
        "Sid": "AssessorAssumeAuditRole",
        "Effect": "Allow",
        "Action": ["sts:AssumeRole"],
        "Resource": "arn:aws:iam::*:role/audit",
    }
    # The old spelling prints the same document.
    assert _run("aws-policy", "--org-role", "audit")[1] == output


@pytest.mark.parametrize("name", sorted(available_probes()))
def test_every_printed_policy_is_least_privilege(name: str) -> None:
    probe = load_probe(name)
    for role in (None, "audit"):
        document = probe.access_policy(role)
        if document is None:
            assert probe.read_operations <= {"file:Read"}  # only local files: no policy
            continue
        text = json.dumps(document)
        assumes = role is not None and bool(probe.credential_operations)
        assert ("AssumeRole" in text) == assumes, (name, role)
        if assumes:  # AWS and Alibaba write role/NAME, Tencent roleName/NAME
            assert re.search(rf"role(Name)?/{role}\b", text), text
            assert not re.search(r"role(Name)?/\*", text), text


def test_policy_for_a_file_probe_says_it_needs_none() -> None:
    code, output = _run("policy", "terraform")
    assert code == 2 and "reads local files only" in output
