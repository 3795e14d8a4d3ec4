"""The option groups commands share, each handed to the command as one typed value:
``selection`` (which rules), ``reports`` and ``acceptance`` (where reports go, what fails,
which risks are accepted), ``delivery`` (history, publishing, webhooks), and the namespaced
probe options (``--aws-regions``) turned into each probe's config."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
import yaml

from assessor.engine.selection import RuleSelection
from assessor.errors import ConfigurationError
from assessor.findings.baseline import load_baseline
from assessor.findings.result import Acceptance
from assessor.findings.waivers import load_waivers
from assessor.models import Severity
from assessor.probes.base import ProbeConfig, load_probe
from assessor.renderers import RENDERERS, parse_formats
from assessor.run import Delivery, Reports

_F = TypeVar("_F", bound=Callable[..., Any])

SEVERITY_CHOICE = click.Choice([s.value for s in Severity] + ["none"], case_sensitive=False)
# Commands that take probe options let unknown --<probe>-<option> arguments through to
# probe_configs, which checks them against each probe's declared options.
PROBE_ARGS = {"ignore_unknown_options": True, "allow_extra_args": True}


def _apply(command: Any, options: Sequence[Callable[[Any], Any]]) -> Any:
    for option in reversed(options):
        command = option(command)
    return command


def rules_options(command: _F) -> _F:
    """Adds the rule-selection options and hands the command one ``selection``."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs["selection"] = RuleSelection(
            paths=kwargs.pop("rule_paths"),
            packs=kwargs.pop("packs"),
            builtin=not kwargs.pop("no_builtin_rules"),
            policy=kwargs.pop("policy"),
            overrides=overrides(kwargs.pop("settings")),
        )
        return command(*args, **kwargs)

    return _apply(  # type: ignore[no-any-return]
        wrapper,
        [
            click.option(
                "--rules",
                "rule_paths",
                multiple=True,
                type=click.Path(path_type=Path),
                help="Extra rule pack file or directory (repeatable).",
            ),
            click.option(
                "--pack", "packs", multiple=True, help="Run only these packs (repeatable)."
            ),
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
        ],
    )


class _OutputPlace(click.Path):
    """A directory, kept as given too: a path drops the second slash of an s3:// or gs://
    URL, which ``audit --plan`` takes as its shard's output."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if ctx is not None:
            ctx.meta["assessor.output"] = str(value)
        return super().convert(value, param, ctx)


def raw_output(ctx: click.Context) -> str:
    return str(ctx.meta.get("assessor.output", ""))


def output_options(
    output: str = "assessor-report", formats: str = "html,json", fail_on: str = "none"
) -> Callable[[_F], _F]:
    """Adds --output, --format and --fail-on (with these defaults) as one ``reports``."""

    def decorate(command: _F) -> _F:
        @wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            kwargs["reports"] = Reports(
                output=kwargs.pop("output"),
                formats=tuple(format_list(kwargs.pop("formats"))),
                fail_on=severity_or_none(kwargs.pop("fail_on")),
            )
            return command(*args, **kwargs)

        return _apply(  # type: ignore[no-any-return]
            wrapper,
            [
                click.option(
                    "--output",
                    "-o",
                    type=_OutputPlace(path_type=Path),
                    default=output,
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
            ],
        )

    return decorate


def acceptance_options(command: _F) -> _F:
    """Adds --waivers and --baseline as one ``acceptance``."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        waivers_file, baseline_file = kwargs.pop("waivers_file"), kwargs.pop("baseline_file")
        kwargs["acceptance"] = Acceptance(
            waivers=tuple(load_waivers(waivers_file)) if waivers_file else (),
            baseline=(baseline_file, load_baseline(baseline_file)) if baseline_file else None,
        )
        return command(*args, **kwargs)

    return _apply(  # type: ignore[no-any-return]
        wrapper,
        [
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
        ],
    )


def report_options(
    output: str = "assessor-report", formats: str = "html,json", fail_on: str = "none"
) -> Callable[[_F], _F]:
    """Output options plus waivers and baseline."""

    def decorate(command: _F) -> _F:
        return output_options(output, formats, fail_on)(acceptance_options(command))

    return decorate


workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes to use [default: CPU count]: an organization's accounts are read one per "
    "worker process (with --plan: this shard's), a single account's AWS scan is split "
    "between them.",
)

history_option = click.option(
    "--history",
    envvar="ASSESSOR_HISTORY",
    help="Run history: a SQLite file path or a postgresql:// URL (env ASSESSOR_HISTORY).",
)


def delivery_options(command: _F) -> _F:
    """Adds history, publishing and notification options as one ``delivery``."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs["delivery"] = Delivery(
            history=kwargs.pop("history"),
            publish=kwargs.pop("publish"),
            notify=kwargs.pop("notify_urls"),
            notify_on=Severity(kwargs.pop("notify_on").lower()),
        )
        return command(*args, **kwargs)

    return _apply(  # type: ignore[no-any-return]
        wrapper,
        [
            history_option,
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
        ],
    )


def _probe_option(required: bool) -> Callable[[_F], _F]:
    return click.option(
        "--probe",
        "probe_names",
        multiple=True,
        required=required,
        help="Probe to run (repeatable): see `assessor probes`. Probe options: --<probe>-<option>.",
    )


probe_option = _probe_option(required=True)
# `audit --plan` takes its probe from the plan.
optional_probe_option = _probe_option(required=False)


def probe_configs(names: Sequence[str], extra: Sequence[str]) -> dict[str, ProbeConfig]:
    """Sort ``--<probe>-<option> VALUE`` arguments into each named probe's config. Values
    are parsed (and refused, naming the option) when the probes are built."""
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


def format_list(value: str) -> list[str]:
    try:
        return parse_formats(value)
    except ValueError as error:
        raise ConfigurationError(f"--format: {error}") from None


def severity_or_none(value: str) -> Severity | None:
    return None if value.lower() == "none" else Severity(value.lower())


def overrides(settings: Sequence[str]) -> dict[str, dict[str, object]]:
    """``DSP-007.threshold=50000`` → ``{"DSP-007": {"threshold": 50000}}`` (YAML values)."""
    found: dict[str, dict[str, object]] = {}
    for setting in settings:
        target, equals, raw = setting.partition("=")
        rule_id, dot, name = target.rpartition(".")
        if not equals or not dot or not rule_id or not name:
            raise ConfigurationError(f"--set {setting!r}: write RULE.PARAM=VALUE")
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError:
            value = raw
        found.setdefault(rule_id, {})[name] = value
    return found
