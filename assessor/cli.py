"""The ``assessor`` command line: a thin click layer over :mod:`assessor.pipeline`.

Exit codes are defined in :mod:`assessor.errors` and documented in the README.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
import yaml

from assessor import __version__, pipeline
from assessor.baseline import baseline_from, load_baseline, render_baseline
from assessor.catalog import load_catalog
from assessor.delivery import notify, publish
from assessor.engine.examples import run_examples
from assessor.engine.loader import builtin_rules_dir, load_rules
from assessor.errors import AssessorError, ConfigurationError, ExitCode
from assessor.history.diff import compare_runs, run_scope, since_last_run
from assessor.history.store import HistoryStore
from assessor.inputs import read_json_model
from assessor.inventory import PROBE_CRASH, relocate
from assessor.models import (
    AuditResult,
    Baseline,
    FindingStatus,
    Inventory,
    Provider,
    RulePack,
    Severity,
    Waiver,
)
from assessor.output import write_atomic
from assessor.probes.base import ProbeConfig, available_probes, load_probe
from assessor.renderers import RENDERERS, markdown, parse_formats, sarif
from assessor.results import at_or_above
from assessor.waivers import load_waivers

_F = TypeVar("_F", bound=Callable[..., Any])

SEVERITY_CHOICE = click.Choice([s.value for s in Severity] + ["none"], case_sensitive=False)


def _reports_errors(command: _F) -> _F:
    """Turn assessor's own errors into a one-line message and the documented exit code."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except AssessorError as error:
            click.echo(f"assessor: error: {error}", err=True)
            sys.exit(error.exit_code)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="assessor")
def main() -> None:
    """Where in the world is your data, and who could be compelled to hand it over?"""


# --- shared options -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportOptions:
    """Where reports go, in which formats, what fails the run, which risks are accepted."""

    output: Path
    formats: list[str]
    fail_on: str
    waivers: list[Waiver]
    baseline: tuple[Path, Baseline] | None = None


def _rules_options(command: _F) -> _F:
    """Adds the rule-selection options and hands the command one ``selection`` argument."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs["selection"] = pipeline.RuleSelection(
            paths=kwargs.pop("rule_paths"),
            packs=kwargs.pop("packs"),
            builtin=not kwargs.pop("no_builtin_rules"),
            policy=kwargs.pop("policy"),
            overrides=_overrides(kwargs.pop("settings")),
        )
        return command(*args, **kwargs)

    options = [
        click.option(
            "--rules",
            "rule_paths",
            multiple=True,
            type=click.Path(path_type=Path),
            help="Extra rule pack file or directory (repeatable).",
        ),
        click.option("--pack", "packs", multiple=True, help="Run only these packs (repeatable)."),
        click.option("--no-builtin-rules", is_flag=True, help="Skip the built-in rule packs."),
        click.option(
            "--policy",
            type=click.Path(path_type=Path, dir_okay=False),
            help="The organization's residency policy (YAML): the residency pack.",
        ),
        click.option(
            "--set",
            "settings",
            multiple=True,
            metavar="RULE.PARAM=VALUE",
            help="Override a rule parameter (repeatable), e.g. DSP-007.threshold=50000.",
        ),
    ]
    decorated: Any = _reports_errors(wrapper)
    for option in reversed(options):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


def _report_options_with(
    output: str = "assessor-report", formats: str = "html,json", fail_on: str = "none"
) -> Callable[[_F], _F]:
    """Adds the report options (with these defaults) and hands the command one ``report``."""

    def decorate(command: _F) -> _F:
        @wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            waivers_file = kwargs.pop("waivers_file")
            baseline_file = kwargs.pop("baseline_file")
            kwargs["report"] = ReportOptions(
                output=kwargs.pop("output"),
                formats=_formats(kwargs.pop("formats")),
                fail_on=kwargs.pop("fail_on"),
                waivers=load_waivers(waivers_file) if waivers_file else [],
                baseline=(baseline_file, load_baseline(baseline_file)) if baseline_file else None,
            )
            return command(*args, **kwargs)

        options = [
            click.option(
                "--output",
                "-o",
                type=click.Path(path_type=Path),
                default=Path(output),
                show_default=True,
                help="Directory the reports are written to.",
            ),
            click.option(
                "--format",
                "formats",
                default=formats,
                show_default=True,
                help=f"Comma-separated report formats: {', '.join(RENDERERS)}.",
            ),
            click.option(
                "--fail-on",
                type=SEVERITY_CHOICE,
                default=fail_on,
                show_default=True,
                help="Exit 1 when an open finding is at or above this severity.",
            ),
            click.option(
                "--waivers",
                "waivers_file",
                type=click.Path(path_type=Path, dir_okay=False),
                help="YAML file of accepted risks (rule, asset, owner, reason, expires).",
            ),
            click.option(
                "--baseline",
                "baseline_file",
                type=click.Path(path_type=Path, dir_okay=False),
                help="Baseline file: findings in it are reported but do not fail.",
            ),
        ]
        decorated: Any = _reports_errors(wrapper)
        for option in reversed(options):
            decorated = option(decorated)
        return decorated  # type: ignore[no-any-return]

    return decorate


_report_options = _report_options_with()


@dataclass(frozen=True)
class ScheduleOptions:
    """For scheduled runs: where history is kept, where reports go, whom to tell."""

    history: str | None = None
    publish: tuple[str, ...] = ()
    notify: tuple[str, ...] = ()
    notify_on: Severity = Severity.HIGH

    def failed(self, reason: str) -> None:
        """Tell the webhooks that the run failed; a webhook failure is only reported."""
        for url in self.notify:
            try:
                notify.send(url, notify.failure(reason))
            except AssessorError as error:
                click.echo(f"assessor: error: {error}", err=True)


def _history_option(command: _F) -> _F:
    return click.option(
        "--history",
        envvar="ASSESSOR_HISTORY",
        help="Run history: a SQLite file path or a postgresql:// URL (env ASSESSOR_HISTORY).",
    )(command)


def _schedule_options(command: _F) -> _F:
    """Adds history, publishing and notification options as one ``schedule`` argument."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs["schedule"] = ScheduleOptions(
            history=kwargs.pop("history"),
            publish=kwargs.pop("publish"),
            notify=kwargs.pop("notify_urls"),
            notify_on=Severity(kwargs.pop("notify_on").lower()),
        )
        return command(*args, **kwargs)

    options = [
        _history_option,
        click.option(
            "--publish",
            multiple=True,
            metavar="URL",
            help="Copy the reports to s3://bucket/prefix or gs://bucket/prefix.",
        ),
        click.option(
            "--notify",
            "notify_urls",
            multiple=True,
            metavar="URL",
            help="Post a digest of the run to this webhook (Slack/Teams compatible).",
        ),
        click.option(
            "--notify-on",
            type=click.Choice([s.value for s in Severity]),
            default="high",
            show_default=True,
            help="List new findings at or above this severity in the digest.",
        ),
    ]
    decorated: Any = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


def _probe_options(command: _F) -> _F:
    command = click.option(
        "--probe",
        "probe_names",
        multiple=True,
        required=True,
        help="Probe to run (repeatable): aws, gcs, declared. Probe options: --<probe>-<option>.",
    )(command)
    return command


_PROBE_ARGS = {"ignore_unknown_options": True, "allow_extra_args": True}


# --- audit, inventory, evaluate, demo --------------------------------------------------------


@main.command(context_settings=_PROBE_ARGS)
@_probe_options
@_rules_options
@_report_options
@_schedule_options
@click.pass_context
@_reports_errors
def audit(
    ctx: click.Context,
    probe_names: tuple[str, ...],
    selection: pipeline.RuleSelection,
    report: ReportOptions,
    schedule: ScheduleOptions,
) -> None:
    """Inventory the estate with probes, evaluate the rules, write the reports."""
    try:
        rule_set = selection.load(load_catalog())
        probes = pipeline.build_probes(probe_names, _probe_configs(probe_names, ctx.args))
        inventory = pipeline.take_inventory(probes, rule_set.catalog, _progress())
    except AssessorError as error:
        schedule.failed(str(error))
        raise
    crashed = [gap.message for gap in inventory.gaps if gap.message.startswith(PROBE_CRASH)]
    if crashed:
        schedule.failed("; ".join(crashed))
    inventory = inventory.model_copy(update={"generated_at": _now()})
    result = pipeline.assess(inventory, rule_set, report.waivers, None, report.baseline)
    _finish(result, report, schedule)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--plan",
    "plans",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="A plan in Terraform's JSON format (terraform show -json), repeatable.",
)
@click.option(
    "--var-file",
    "var_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Extra .tfvars file for every root module (repeatable).",
)
@click.option("--strict", is_flag=True, help="A file that does not parse is an error (exit 2).")
@click.option(
    "--assume-region",
    is_flag=True,
    help="Use AWS_REGION/AWS_DEFAULT_REGION where no provider sets a region.",
)
@_rules_options
@_report_options_with("assessor-ci", "sarif,junit,md,json", "high")
@_history_option
@_reports_errors
def ci(
    paths: tuple[Path, ...],
    plans: tuple[Path, ...],
    var_files: tuple[Path, ...],
    strict: bool,
    assume_region: bool,
    selection: pipeline.RuleSelection,
    report: ReportOptions,
    history: str | None,
) -> None:
    """The CI job: check the Terraform in PATHS (and plans) and fail on risky changes.

    Exit 0 when no open finding reaches --fail-on (default high), 1 when one does, 2 on a
    tool or input error. Findings in --baseline and waived ones do not count; expired
    baseline entries and waivers count again. The Markdown summary is appended to
    $GITHUB_STEP_SUMMARY when that is set.
    """
    if not paths and not plans:
        raise ConfigurationError("give at least one directory of Terraform or --plan")
    values: dict[str, tuple[str, ...]] = {
        "path": tuple(map(str, paths)),
        "plan": tuple(map(str, plans)),
        "var-file": tuple(map(str, var_files)),
        "strict": ("yes" if strict else "no",),
        "assume-region": ("yes" if assume_region else "no",),
    }
    rule_set = selection.load(load_catalog())
    probes = pipeline.build_probes(["terraform"], {"terraform": ProbeConfig(values)})
    inventory = pipeline.take_inventory(probes, rule_set.catalog)
    inventory = inventory.model_copy(update={"generated_at": _now()})
    result = pipeline.assess(inventory, rule_set, report.waivers, None, report.baseline)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        with open(summary_file, "ab") as stream:
            stream.write(markdown.step_summary(result))
    _finish(result, report, ScheduleOptions(history=history))


@main.group()
def history() -> None:
    """Look at recorded runs: list, show, diff, prune."""


def _store(location: str | None) -> HistoryStore:
    if not location:
        raise ConfigurationError("--history LOCATION (or ASSESSOR_HISTORY) is needed")
    return HistoryStore.open(location)


_FORMAT = click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)


@history.command("list")
@_history_option
@_FORMAT
@_reports_errors
def history_list(history: str | None, output_format: str) -> None:
    """Every recorded run, newest first."""
    runs = _store(history).runs()
    if output_format == "json":
        click.echo(json.dumps([_run_json(run) for run in runs], indent=2))
        return
    for run in runs:
        counts = run.open_by_severity
        click.echo(
            f"{run.id:>5}  {run.started_at:%Y-%m-%d %H:%M}  {run.asset_count:>6} assets  "
            f"{counts.get('critical', 0)} critical {counts.get('high', 0)} high open  "
            f"{run.scope}"
        )


@history.command("show")
@click.argument("run_id", type=int)
@_history_option
@_FORMAT
@_reports_errors
def history_show(run_id: int, history: str | None, output_format: str) -> None:
    """One run and the findings open in it."""
    store = _store(history)
    run = store.run(run_id)
    if run is None:
        raise ConfigurationError(f"no run {run_id}")
    findings = sorted(store.findings_at(run).values(), key=lambda f: (-f.severity.rank, f.rule_id))
    if output_format == "json":
        data = {
            **_run_json(run),
            "findings": [
                {
                    "fingerprint": f.fingerprint,
                    "rule_id": f.rule_id,
                    "asset_id": f.asset_id,
                    "severity": f.severity.value,
                    "status": f.status.value,
                    "first_seen": f.first_seen_at.isoformat(),
                }
                for f in findings
            ],
        }
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"run {run.id} at {run.started_at:%Y-%m-%d %H:%M} ({run.scope})")
    for f in findings:
        click.echo(f"  {f.severity.value:<8} {f.rule_id:<8} {f.status.value:<9} {f.asset_id}")


@history.command("diff")
@click.argument("first", type=int)
@click.argument("second", type=int)
@_history_option
@_FORMAT
@_reports_errors
def history_diff(first: int, second: int, history: str | None, output_format: str) -> None:
    """What changed from run FIRST to run SECOND."""
    store = _store(history)
    runs = [store.run(first), store.run(second)]
    if runs[0] is None or runs[1] is None:
        raise ConfigurationError(f"no run {first if runs[0] is None else second}")
    diff = compare_runs(store, runs[0], runs[1])
    if output_format == "json":
        click.echo(diff.model_dump_json(indent=2))
        return
    for change in diff.findings:
        note = f"  ({change.note})" if change.note else ""
        click.echo(
            f"{change.lifecycle.value:<11} {change.severity.value:<8} {change.rule_id:<8} "
            f"{change.asset_id}{note}"
        )
    for label, values in (
        ("asset added", diff.assets_added),
        ("asset removed", diff.assets_removed),
        ("gap appeared", diff.gaps_appeared),
        ("gap disappeared", diff.gaps_disappeared),
    ):
        for value in values:
            click.echo(f"{label}: {value}")


@history.command("prune")
@click.option("--keep", type=int, required=True, help="How many of the newest runs to keep.")
@_history_option
@_reports_errors
def history_prune(keep: int, history: str | None) -> None:
    """Forget all but the newest runs."""
    removed = _store(history).prune(keep)
    click.echo(f"removed {removed} runs", err=True)


def _run_json(run: Any) -> dict[str, Any]:
    return {
        "id": run.id,
        "scope": run.scope,
        "started_at": run.started_at.isoformat(),
        "tool_version": run.tool_version,
        "assets": run.asset_count,
        "findings": run.finding_count,
        "open_by_severity": run.open_by_severity,
        "gaps": run.gaps,
    }


@main.group()
def baseline() -> None:
    """Create and update baselines of known findings."""


@baseline.command("create")
@click.argument("result_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path(".assessor-baseline.json"),
    show_default=True,
)
@click.option(
    "--update",
    is_flag=True,
    help="Keep the existing file's entries that still match (with their reasons).",
)
@_reports_errors
def baseline_create(result_file: Path, output: Path, update: bool) -> None:
    """Write a baseline of RESULT.json's open findings."""
    result = read_json_model(result_file, AuditResult)
    previous = load_baseline(output) if update and output.exists() else None
    made = baseline_from(result, previous)
    write_atomic(output, render_baseline(made))
    click.echo(f"{len(made.entries)} findings in the baseline → {output}", err=True)


@main.command(context_settings=_PROBE_ARGS)
@_probe_options
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=Path("inventory.json"),
    show_default=True,
    help="Inventory file to write.",
)
@click.pass_context
@_reports_errors
def inventory(ctx: click.Context, probe_names: tuple[str, ...], output: Path) -> None:
    """Run probes only and save the inventory (assets, locations, coverage gaps)."""
    catalog = load_catalog()
    probes = pipeline.build_probes(probe_names, _probe_configs(probe_names, ctx.args))
    taken = pipeline.take_inventory(probes, catalog, _progress())
    taken = taken.model_copy(update={"generated_at": _now()})
    write_atomic(output, (taken.model_dump_json(indent=2) + "\n").encode("utf-8"))
    click.echo(f"{len(taken.assets)} assets, {len(taken.gaps)} coverage gaps → {output}", err=True)


@main.command()
@click.argument("inventory_file", type=click.Path(path_type=Path, dir_okay=False))
@_rules_options
@_report_options
@_reports_errors
def evaluate(
    inventory_file: Path, selection: pipeline.RuleSelection, report: ReportOptions
) -> None:
    """Evaluate the rules on a saved inventory file; no cloud is touched."""
    rule_set = selection.load(load_catalog())
    taken = relocate(read_json_model(inventory_file, Inventory), rule_set.catalog)
    result = pipeline.assess(taken, rule_set, report.waivers, _now().date(), report.baseline)
    _finish(result, report)


@main.command()
@_rules_options
@_report_options
@_reports_errors
def demo(selection: pipeline.RuleSelection, report: ReportOptions) -> None:
    """Audit a built-in demo estate on local emulators (moto, GCS) and write the reports.

    Needs no cloud account: the real probes run against emulators started on loopback.
    """
    from assessor.demo import DEMO_POLICY, DEMO_WAIVERS, run_demo

    # The demo company has its own residency policy and accepted risks unless you bring yours.
    if selection.policy is None:
        selection = replace(selection, policy=DEMO_POLICY)
    if not report.waivers:
        report = replace(report, waivers=load_waivers(DEMO_WAIVERS))
    rule_set = selection.load(load_catalog())
    click.echo("Starting local emulators and seeding the demo estate…", err=True)
    taken = run_demo(rule_set.catalog, _progress())
    taken = taken.model_copy(update={"generated_at": _now()})
    _finish(pipeline.assess(taken, rule_set, report.waivers), report)


@main.command()
@click.argument("result_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=Path("assessor-report"),
    show_default=True,
    help="Directory the reports are written to.",
)
@click.option(
    "--format",
    "formats",
    default="html",
    show_default=True,
    help=f"Comma-separated report formats: {', '.join(RENDERERS)}.",
)
@click.option(
    "--fail-on",
    type=SEVERITY_CHOICE,
    default="none",
    show_default=True,
    help="Exit 1 when an open finding is at or above this severity.",
)
@_reports_errors
def report(result_file: Path, output: Path, formats: str, fail_on: str) -> None:
    """Re-render a saved report.json in other formats; no cloud is touched."""
    result = read_json_model(result_file, AuditResult)
    _finish(result, ReportOptions(output, _formats(formats), fail_on, []))


# --- rules ------------------------------------------------------------------------------------


@main.group()
def rules() -> None:
    """List, show, validate and test rule packs."""


@rules.command("list")
@_rules_options
@_reports_errors
def rules_list(selection: pipeline.RuleSelection) -> None:
    """List every rule with its pack and severity."""
    for item in selection.load(load_catalog()).rules:
        rule = item.rule
        click.echo(f"{rule.id:<9} {rule.severity.value:<8} {item.pack:<22} {rule.title}")


@rules.command("show")
@click.argument("rule_id")
@_rules_options
@_reports_errors
def rules_show(rule_id: str, selection: pipeline.RuleSelection) -> None:
    """Show one rule (by id, name or alias) as JSON."""
    for item in selection.load(load_catalog()).rules:
        if rule_id in (item.rule.id, item.rule.name, *item.rule.aliases):
            data = {
                "pack": item.pack,
                "file": f"{item.path}:{item.line}",
                **item.rule.model_dump(mode="json", by_alias=True),
            }
            click.echo(json.dumps(data, indent=2))
            return
    raise ConfigurationError(f"no rule {rule_id!r}")


@rules.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_reports_errors
def rules_validate(paths: tuple[Path, ...]) -> None:
    """Validate rule files (default: the built-in packs); exit 2 on the first error."""
    loaded = load_rules(paths or (builtin_rules_dir(),), load_catalog())
    click.echo(f"{len(loaded)} rules valid in {len({item.path for item in loaded})} file(s)")


@rules.command("test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_reports_errors
def rules_test(paths: tuple[Path, ...]) -> None:
    """Run each rule's violating and compliant examples (default: the built-in packs)."""
    catalog = load_catalog()
    outcomes = list(run_examples(load_rules(paths or (builtin_rules_dir(),), catalog), catalog))
    failed = [outcome for outcome in outcomes if not outcome.passed]
    for outcome in failed:
        click.echo(f"FAIL {outcome.rule_id} ({outcome.path}): {outcome.detail}", err=True)
    click.echo(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    if failed:
        sys.exit(ExitCode.FINDINGS)


# --- catalog, probes, schema --------------------------------------------------------------------


@main.command()
@click.argument("query", required=False)
@click.option(
    "--provider", type=click.Choice([p.value for p in Provider]), help="Only this provider."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
def regions(query: str | None, provider: str | None, output_format: str) -> None:
    """Look regions up in the location catalog (QUERY matches code, name, city or country).

    A region the catalog does not know is printed with known: false, never guessed.
    """
    catalog = load_catalog()
    rows = catalog.regions(Provider(provider) if provider else None)
    if query:
        needle = query.lower()
        rows = [
            row
            for row in rows
            if any(
                needle in (value or "").lower()
                for value in (row.region, row.name, row.city, row.country, *row.countries)
            )
        ]
        if not rows and provider:
            rows = [catalog.locate(Provider(provider), query)]
    if output_format == "json":
        click.echo(json.dumps([row.model_dump(mode="json") for row in rows], indent=2))
        return
    for row in rows:
        where = ", ".join(filter(None, [row.city, row.country or "/".join(row.countries)]))
        operator = f"  operated by {row.operator}" if row.operator else ""
        provider_name = row.provider.value if row.provider else "?"
        if not row.known:
            click.echo(f"{provider_name:<8} {row.region or '?':<26} unknown location")
            continue
        click.echo(f"{provider_name:<8} {row.region or '':<26} {where:<32} {row.name}{operator}")
    if not rows:
        click.echo("no matching region", err=True)
        sys.exit(ExitCode.FINDINGS)


@main.command("aws-policy")
@click.option("--org-role", help="The role --aws-org-role will assume (limits sts:AssumeRole).")
@click.option("--partition", default="aws", show_default=True, help="Partition for role ARNs.")
def aws_policy(org_role: str | None, partition: str) -> None:
    """Print the least-privilege IAM policy the AWS probe needs (JSON)."""
    from assessor.probes.aws import AwsProbe, iam_policy

    policy = iam_policy(
        AwsProbe.read_operations, AwsProbe.credential_operations, org_role, partition
    )
    click.echo(json.dumps(policy, indent=2))


@main.command()
def probes() -> None:
    """List the probes registered in the assessor.probes entry-point group."""
    for name, target in sorted(available_probes().items()):
        try:
            probe = load_probe(name)
            click.echo(f"{name:<12} {probe.description}")
        except Exception as error:
            click.echo(f"{name:<12} (failed to load {target}: {error})")


SCHEMAS: dict[str, type[Any]] = {
    "audit-result": AuditResult,
    "inventory": Inventory,
    "rule-pack": RulePack,
}


@main.command()
@click.option(
    "--model", type=click.Choice(sorted(SCHEMAS)), default="audit-result", show_default=True
)
def schema(model: str) -> None:
    """Print the JSON Schema of report.json, inventory files or rule packs."""
    click.echo(json.dumps(SCHEMAS[model].model_json_schema(by_alias=True), indent=2))


# --- helpers ----------------------------------------------------------------------------------


def _formats(value: str) -> list[str]:
    try:
        return parse_formats(value)
    except ValueError as error:
        raise ConfigurationError(f"--format: {error}") from None


def _probe_configs(names: Sequence[str], extra: Sequence[str]) -> dict[str, ProbeConfig]:
    """Parse ``--<probe>-<option> VALUE`` arguments against each probe's declared options."""
    declared = {}
    for name in names:
        for option in load_probe(name).options:
            declared[f"--{name}-{option.name}"] = (name, option.name)
    configs = {name: ProbeConfig() for name in names}
    tokens = list(extra)
    while tokens:
        token = tokens.pop(0)
        flag, _, inline = token.partition("=")
        if flag not in declared:
            hint = ", ".join(sorted(declared)) or "none"
            raise ConfigurationError(f"unknown option {flag!r} (probe options: {hint})")
        if inline == "" and "=" not in token:
            if not tokens:
                raise ConfigurationError(f"{flag} needs a value")
            inline = tokens.pop(0)
        probe_name, option_name = declared[flag]
        values = configs[probe_name].values
        values[option_name] = (*values.get(option_name, ()), inline)
    return configs


def _progress() -> Callable[[str, int, int], None] | None:
    if not sys.stderr.isatty():
        return None

    def show(probe: str, assets: int, gaps: int) -> None:
        click.echo(f"\r{probe}: {assets} assets, {gaps} gaps", nl=False, err=True)

    return show


def _now() -> datetime:
    """Now, or SOURCE_DATE_EPOCH when set, so reports can be reproduced byte for byte."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now(UTC).replace(microsecond=0)


def _overrides(settings: Sequence[str]) -> dict[str, dict[str, object]]:
    """``DSP-007.threshold=50000`` → ``{"DSP-007": {"threshold": 50000}}`` (YAML values)."""
    overrides: dict[str, dict[str, object]] = {}
    for setting in settings:
        target, equals, raw = setting.partition("=")
        rule_id, dot, name = target.rpartition(".")
        if not equals or not dot or not rule_id or not name:
            raise ConfigurationError(f"--set {setting!r}: write RULE.PARAM=VALUE")
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError:
            value = raw
        overrides.setdefault(rule_id, {})[name] = value
    return overrides


def _finish(
    result: AuditResult, report: ReportOptions, schedule: ScheduleOptions | None = None
) -> None:
    if sys.stderr.isatty():
        click.echo("", err=True)
    schedule = schedule or ScheduleOptions()
    output, fail_on = report.output, report.fail_on
    store = HistoryStore.open(schedule.history) if schedule.history else None
    scope = run_scope(result)
    if store is not None:
        result = result.model_copy(update={"changes": since_last_run(store, result, scope)})
    written = pipeline.write_reports(result, output, report.formats)
    if store is not None:
        run_id = store.record(result, scope)
        store.close()
        click.echo(f"recorded run {run_id} in the history", err=True)
    delivery_failed = _deliver(result, written, schedule)
    summary = result.summary
    counts = ", ".join(
        f"{summary.by_severity.get(sev, 0)} {sev.value}" for sev in reversed(Severity)
    )
    click.echo(
        f"{summary.asset_count} assets, {summary.finding_count} findings ({counts}), "
        f"{summary.gap_count} coverage gaps",
        err=True,
    )
    waived = sum(1 for finding in result.findings if finding.status is FindingStatus.WAIVED)
    if waived or result.expired_waivers:
        click.echo(
            f"{waived} findings waived; {len(result.expired_waivers)} waivers expired", err=True
        )
    if result.baseline:
        outcome = result.baseline
        click.echo(
            f"baseline: {outcome.matched} known findings, {len(outcome.stale)} stale entries, "
            f"{len(outcome.expired)} expired entries (their findings count again)",
            err=True,
        )
    if result.scores:
        click.echo(f"risk score {result.scores.overall:g} / 100", err=True)
    note = sarif.truncation_note(result) if "sarif" in report.formats else None
    if note:
        click.echo(f"assessor: warning: {note}", err=True)
    for path in written:
        click.echo(f"wrote {path}", err=True)
    if delivery_failed:
        sys.exit(ExitCode.DELIVERY)
    if fail_on != "none" and at_or_above(result.findings, Severity(fail_on.lower())):
        sys.exit(ExitCode.FINDINGS)


def _deliver(result: AuditResult, written: Sequence[Path], schedule: ScheduleOptions) -> bool:
    """Publish and notify; True when something could not be delivered (the local reports
    are written either way)."""
    failed = False
    report_url = None
    stamp = result.generated_at.strftime("%Y-%m-%dT%H%M%SZ")
    for url in schedule.publish:
        try:
            copies = publish.publish(written, url, stamp)
            report_url = report_url or next((c for c in copies if c.endswith(".html")), None)
            click.echo(f"published {len(copies)} reports to {url}", err=True)
        except AssessorError as error:
            click.echo(f"assessor: error: {error}", err=True)
            schedule.failed(str(error))
            failed = True
    for url in schedule.notify:
        try:
            notify.send(url, notify.digest(result, schedule.notify_on, report_url))
        except AssessorError as error:
            click.echo(f"assessor: error: {error}", err=True)
            failed = True
    return failed
