"""Meta-tests over the probe registry: entry points, lazy loading, read-only declarations."""

from __future__ import annotations

import re

import pytest

from assessor.errors import ProbeNotFound
from assessor.probes.base import Probe, available_probes, load_probe

READ_VERBS = re.compile(r"^(List|Get|Describe|Head|Read|Search)([A-Z]|$)")


def test_builtin_probes_are_registered_as_entry_points() -> None:
    registered = available_probes()
    assert {"aws", "gcs"} <= set(registered)
    assert registered["aws"] == "assessor.probes.aws:AwsProbe"


@pytest.mark.parametrize("name", sorted(available_probes()))
def test_every_probe_declares_only_read_operations(name: str) -> None:
    probe = load_probe(name)
    assert issubclass(probe, Probe)
    assert probe.name == name and probe.description
    assert probe.read_operations, f"{name} declares no operations"
    for operation in probe.read_operations:
        _, _, action = operation.partition(":")
        if "/" in operation:  # Azure RBAC style: Microsoft.ResourceGraph/resources/read
            assert operation.endswith("/read"), f"{name}: {operation} is not a read"
        elif "." in operation and not action:  # Google style: storage.buckets.list
            verb = operation.rsplit(".", 1)[-1]
            assert verb in {"list", "get", "getIamPolicy"} or verb.startswith("search"), operation
        else:  # service:Action, or Huawei's service:resource:action
            verb = action.rsplit(":", 1)[-1]
            verb = verb[:1].upper() + verb[1:]
            assert READ_VERBS.match(verb), f"{name}: {operation} is not a read"
    # Credential operations are few and named; none may also pose as a read.
    assert probe.credential_operations <= {"sts:AssumeRole"}
    assert not probe.credential_operations & probe.read_operations


@pytest.mark.parametrize("name", sorted(available_probes()))
def test_probe_constructor_does_no_io(name: str) -> None:
    # Constructing without credentials or network must succeed instantly.
    load_probe(name)()


def test_unknown_probe_names_the_available_ones() -> None:
    with pytest.raises(ProbeNotFound, match=r"available: .*aws"):
        load_probe("nope")
