"""``probes``, ``policy`` and ``schema``: what assessor can run, the access it needs, and the
shapes of the files it reads and writes."""

from __future__ import annotations

import json
from typing import Any

import click

from assessor.cli import console
from assessor.errors import ConfigurationError
from assessor.models import AuditResult, Inventory, RulePack
from assessor.probes.base import available_probes, load_probe


@click.command()
def probes() -> None:
    """List the probes registered in the assessor.probes entry-point group, with options."""
    for name, target in sorted(available_probes().items()):
        try:
            probe = load_probe(name)
        except Exception as error:  # a broken third-party probe must not hide the others
            console.out(f"{name:<12} (failed to load {target}: {error})")
            continue
        console.out(f"{name:<12} {probe.description}")
        for option in probe.options:
            flag = f"--{name}-{option.name}"
            console.out(f"    {flag:<30} {option.help} ({option.describe()})")


@click.command()
@click.argument("probe")
@click.option("--org-role", help="The role the probe assumes in each account, if any.")
@click.option("--partition", default="aws", show_default=True, help="AWS partition for ARNs.")
def policy(probe: str, org_role: str | None, partition: str) -> None:
    """Print the least-privilege policy PROBE needs, in its provider's policy language.

    It grants only the operations the probe declares (and refuses at run time if asked for
    others); role assumption only when --org-role names the role.
    """
    found = load_probe(probe)
    kwargs: dict[str, Any] = {"partition": partition} if probe == "aws" else {}
    document = found.access_policy(org_role, **kwargs)
    if document is None:
        raise ConfigurationError(f"the {probe} probe reads local files only: it needs no policy")
    console.out(json.dumps(document, indent=2))


@click.command("aws-policy")
@click.option("--org-role", help="The role --aws-org-role will assume (limits sts:AssumeRole).")
@click.option("--partition", default="aws", show_default=True, help="Partition for role ARNs.")
@click.pass_context
def aws_policy(ctx: click.Context, org_role: str | None, partition: str) -> None:
    """Print the least-privilege IAM policy the AWS probe needs (same as `policy aws`)."""
    ctx.invoke(policy, probe="aws", org_role=org_role, partition=partition)


SCHEMAS: dict[str, type[Any]] = {
    "audit-result": AuditResult,
    "inventory": Inventory,
    "rule-pack": RulePack,
}


@click.command()
@click.option(
    "--model", type=click.Choice(sorted(SCHEMAS)), default="audit-result", show_default=True
)
def schema(model: str) -> None:
    """Print the JSON Schema of report.json, inventory files or rule packs."""
    console.out(json.dumps(SCHEMAS[model].model_json_schema(by_alias=True), indent=2))


COMMANDS = (probes, policy, aws_policy, schema)
