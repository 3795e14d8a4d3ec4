"""The run lifecycle: inventory → rules → findings → reports → history and delivery.

Every caller runs audits through these functions: the CLI, the CI job, a scheduled run, a
user's own script. Each returns a :class:`RunOutcome` with the result, the files written and
the exit code, decided in one place (:func:`exit_code`). Nothing here prints; nothing here
exits. The clock is read once per run (:func:`clock`) and passed down, so one run has one
time everywhere it is shown.

A script runs an audit the way the CLI does::

    from pathlib import Path
    from assessor.run import ProbeConfig, Reports, audit

    outcome = audit({"terraform": ProbeConfig({"path": ("infra",)})}, reports=Reports(Path("out")))
    print(outcome.exit_code, outcome.result.summary.finding_count, outcome.written)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from assessor.catalog import Catalog, load_catalog, relocate
from assessor.delivery import notify, publish
from assessor.engine.evaluate import evaluate as evaluate_rules
from assessor.engine.selection import RuleSelection, RuleSet
from assessor.errors import AssessorError, ConfigurationError, ExitCode
from assessor.findings.result import Acceptance, assemble, at_or_above
from assessor.history import run_scope
from assessor.inventory import ProbeResults, ProgressCallback, take_inventory
from assessor.models import AuditResult, CoverageGap, GapReason, Inventory, Severity
from assessor.output import write_atomic
from assessor.probes.base import Probe, ProbeConfig, load_probe
from assessor.renderers import RENDERERS, ReportContext, sarif
from assessor.renderers.markdown import step_summary

__all__ = [
    "Acceptance",
    "Delivery",
    "ProbeConfig",
    "Reports",
    "RuleSelection",
    "RunOutcome",
    "assess",
    "audit",
    "build_probes",
    "clock",
    "demo",
    "evaluate",
    "exit_code",
    "finish",
    "inventory",
    "merge",
]


@dataclass(frozen=True)
class Reports:
    """Where reports go, in which formats, and what fails the run."""

    output: Path
    formats: tuple[str, ...] = ("html", "json")
    fail_on: Severity | None = None
    # The CI job appends its Markdown summary here ($GITHUB_STEP_SUMMARY).
    step_summary: Path | None = None


@dataclass(frozen=True)
class Delivery:
    """For scheduled runs: where history is kept, where reports are copied, whom to tell."""

    history: str | None = None
    publish: tuple[str, ...] = ()
    notify: tuple[str, ...] = ()
    notify_on: Severity = Severity.HIGH


@dataclass(frozen=True)
class Workers:
    """Processes a run may use: an organization's accounts are read one per worker process
    (``progress`` hears of each as it ends), a single account's scan is split between
    them."""

    count: int = 1
    progress: Callable[[str, str], None] | None = None


@dataclass(frozen=True)
class Published:
    url: str
    copies: tuple[str, ...]


@dataclass(frozen=True)
class RunOutcome:
    """Everything a caller needs to know about a finished run."""

    result: AuditResult
    exit_code: ExitCode
    written: tuple[Path, ...] = ()
    run_id: int | None = None
    # Probes that stopped early: their gaps are in the result too.
    crashed: tuple[CoverageGap, ...] = ()
    published: tuple[Published, ...] = ()
    delivery_errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def clock() -> datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set, so reports can be reproduced byte for byte."""
    if _reproducible():
        return datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), UTC)
    return datetime.now(UTC).replace(microsecond=0)


def build_probes(configs: Mapping[str, ProbeConfig], processes: int = 1) -> list[Probe]:
    """Construct every probe first: options are parsed and checked before any probe scans."""
    probes = [load_probe(name)(config) for name, config in configs.items()]
    for probe in probes:
        probe.processes = processes
    return probes


def inventory(
    probes: Mapping[str, ProbeConfig],
    catalog: Catalog | None = None,
    now: datetime | None = None,
    progress: ProgressCallback | None = None,
    workers: int = 1,
) -> ProbeResults:
    """Run the probes and return the located inventory, stamped with the run's time.
    A probe may use up to ``workers`` processes."""
    now = now or clock()
    built = build_probes(probes, workers)
    taken = take_inventory(built, catalog or load_catalog(), progress, now)
    return ProbeResults(_stamped(taken.inventory, now), taken.crashed)


def _organization(
    probes: Mapping[str, ProbeConfig],
    workers: Workers,
    catalog: Catalog,
    now: datetime,
    history: str | None,
) -> ProbeResults | None:
    """An organization read one unit (account) per worker process, when there is one probe
    and its configuration reaches several units; None otherwise. The accounts that took
    longest in the last recorded run start first."""
    from assessor import shards
    from assessor.shards.balance import durations_from_history

    if workers.count < 2 or len(probes) != 1:
        return None
    ((name, config),) = probes.items()
    if not build_probes(probes)[0].has_units():
        return None
    durations = durations_from_history(history, name) if history else None
    try:
        plan = shards.make_plan(name, config, now, durations)
    except ConfigurationError:
        # The organization cannot be listed (not its management account, say): the probe
        # reads in one process, which records that as a gap and reads what it can.
        return None
    if len(plan.units) < 2:
        return None
    merged = shards.read_organization(plan, workers.count, now, workers.progress)
    return ProbeResults(relocate(merged.inventory, catalog), ())


def _stamped(taken: Inventory, now: datetime) -> Inventory:
    """The inventory with the run's time; with SOURCE_DATE_EPOCH (a reproducible run) the
    probes' durations are left out too, so the same estate gives the same bytes."""
    update: dict[str, object] = {"generated_at": now}
    if _reproducible():
        update["probes"] = tuple(run.model_copy(update={"seconds": 0.0}) for run in taken.probes)
    return taken.model_copy(update=update)


def _reproducible() -> bool:
    return bool(os.environ.get("SOURCE_DATE_EPOCH", "").isdigit())


def audit(
    probes: Mapping[str, ProbeConfig],
    rules: RuleSelection | None = None,
    reports: Reports | None = None,
    acceptance: Acceptance | None = None,
    delivery: Delivery | None = None,
    now: datetime | None = None,
    progress: ProgressCallback | None = None,
    workers: Workers | None = None,
) -> RunOutcome:
    """Inventory the estate with ``probes`` (name → options), evaluate, write, deliver.

    A run that cannot start (bad options, malformed rules) raises an AssessorError after
    telling the webhooks; a probe that crashes is a coverage gap, announced as a failure.
    A part of the estate that was never read (a worker that died) makes it INCOMPLETE.
    """
    delivery = delivery or Delivery()
    workers = workers or Workers()
    now = now or clock()
    try:
        rule_set = (rules or RuleSelection()).load(load_catalog())
        organization = _organization(probes, workers, rule_set.catalog, now, delivery.history)
        taken = organization or inventory(probes, rule_set.catalog, now, progress, workers.count)
    except AssessorError as error:
        notify.announce_failure(delivery.notify, str(error))
        raise
    outcome = _assess_and_finish(
        taken.inventory, rule_set, reports, acceptance, delivery, now, taken.crashed
    )
    return incomplete_unless(outcome, allow_partial=False)


def evaluate(
    saved: Inventory,
    rules: RuleSelection | None = None,
    reports: Reports | None = None,
    acceptance: Acceptance | None = None,
    now: datetime | None = None,
) -> RunOutcome:
    """The rules on a saved inventory, located again with this catalog; touches no cloud.
    The result keeps the inventory's time; waivers and baselines expire by ``now``."""
    rule_set = (rules or RuleSelection()).load(load_catalog())
    located = relocate(saved, rule_set.catalog)
    return _assess_and_finish(
        located, rule_set, reports, acceptance, Delivery(), now or clock(), today_from_now=True
    )


def merge(
    sources: Sequence[str | Path],
    rules: RuleSelection | None = None,
    reports: Reports | None = None,
    acceptance: Acceptance | None = None,
    delivery: Delivery | None = None,
    allow_partial: bool = False,
    now: datetime | None = None,
) -> RunOutcome:
    """One run from the shards of a plan (their output directories, or s3:// / gs://
    prefixes given as text; see :mod:`shards`).
    A planned unit that is missing or read twice is a coverage gap, and the exit code is
    INCOMPLETE unless ``allow_partial``: a partial organization never passes as a whole."""
    from assessor import shards

    now = now or clock()
    merged = shards.merge(sources, now)
    rule_set = (rules or RuleSelection()).load(load_catalog())
    located = relocate(merged.inventory, rule_set.catalog)
    outcome = _assess_and_finish(
        located, rule_set, reports, acceptance, delivery or Delivery(), now
    )
    return incomplete_unless(outcome, allow_partial)


def incomplete_unless(outcome: RunOutcome, allow_partial: bool) -> RunOutcome:
    """INCOMPLETE when part of the estate was never read (a planned unit missing or read
    twice, a worker that died): a partial estate never passes as a whole one."""
    unread = any(gap.reason is GapReason.UNREAD for gap in outcome.result.gaps)
    if allow_partial or not unread:
        return outcome
    return replace(outcome, exit_code=ExitCode.INCOMPLETE)


def demo(
    rules: RuleSelection | None = None,
    reports: Reports | None = None,
    acceptance: Acceptance | None = None,
    now: datetime | None = None,
    progress: ProgressCallback | None = None,
) -> RunOutcome:
    """Audit the built-in demo estate on local emulators. The demo company has its own
    residency policy and accepted risks unless the caller brings theirs."""
    from assessor.demo import DEMO_POLICY, DEMO_WAIVERS, run_demo
    from assessor.findings.waivers import load_waivers

    rules = rules or RuleSelection()
    acceptance = acceptance or Acceptance()
    if rules.policy is None:
        rules = replace(rules, policy=DEMO_POLICY)
    if not acceptance.waivers:
        acceptance = replace(acceptance, waivers=tuple(load_waivers(DEMO_WAIVERS)))
    now = now or clock()
    rule_set = rules.load(load_catalog())
    taken = _stamped(run_demo(rule_set.catalog, progress), now)
    return _assess_and_finish(taken, rule_set, reports, acceptance, Delivery(), now)


def assess(
    taken: Inventory,
    rule_set: RuleSet,
    acceptance: Acceptance | None = None,
    now: datetime | None = None,
) -> AuditResult:
    """Evaluate the rules on an inventory and assemble the result (no files written)."""
    findings = evaluate_rules(taken.assets, rule_set.rules, rule_set.catalog)
    today = (now or taken.generated_at).date()
    return assemble(taken, rule_set.rules, findings, acceptance or Acceptance(), today)


def _assess_and_finish(
    taken: Inventory,
    rule_set: RuleSet,
    reports: Reports | None,
    acceptance: Acceptance | None,
    delivery: Delivery,
    now: datetime,
    crashed: tuple[CoverageGap, ...] = (),
    today_from_now: bool = False,
) -> RunOutcome:
    unsent: list[str] = []
    if crashed:
        reason = "; ".join(gap.message for gap in crashed)
        unsent = notify.announce_failure(delivery.notify, reason)
    result = assess(taken, rule_set, acceptance, now if today_from_now else None)
    outcome = finish(result, reports, delivery, rule_set.catalog, crashed)
    return replace(outcome, warnings=(*unsent, *outcome.warnings))


def finish(
    result: AuditResult,
    reports: Reports | None = None,
    delivery: Delivery | None = None,
    catalog: Catalog | None = None,
    crashed: tuple[CoverageGap, ...] = (),
) -> RunOutcome:
    """Compare with the last run, write the reports, record the run, deliver, and decide
    the exit code. Reports are written before anything is delivered: a failed upload or
    webhook never costs the local files."""
    reports = reports or Reports(Path("assessor-report"))
    delivery = delivery or Delivery()
    store = None
    if delivery.history:
        from assessor.history.diff import since_last_run
        from assessor.history.store import HistoryStore  # the database layer, only when used

        store = HistoryStore.open(delivery.history)
    run_id = None
    try:
        scope = run_scope(result)
        if store is not None:
            result = result.model_copy(update={"changes": since_last_run(store, result, scope)})
        written = write_reports(result, reports.output, reports.formats, catalog)
        if reports.step_summary is not None:
            with reports.step_summary.open("ab") as stream:
                stream.write(step_summary(result))
        if store is not None:
            run_id = store.record(result, scope)
    finally:
        if store is not None:
            store.close()
    published, errors = _deliver(result, written, delivery)
    note = sarif.truncation_note(result) if "sarif" in reports.formats else None
    return RunOutcome(
        result=result,
        exit_code=exit_code(result, reports.fail_on, bool(errors)),
        written=tuple(path for path, _ in written),
        run_id=run_id,
        crashed=crashed,
        published=tuple(published),
        delivery_errors=tuple(errors),
        warnings=(note,) if note else (),
    )


def exit_code(result: AuditResult, fail_on: Severity | None, delivery_failed: bool) -> ExitCode:
    """The documented precedence: a delivery failure (3) over findings at or above
    ``fail_on`` (1) over success (0). Waived and baselined findings never count."""
    if delivery_failed:
        return ExitCode.DELIVERY
    if fail_on is not None and at_or_above(result.findings, fail_on):
        return ExitCode.FINDINGS
    return ExitCode.OK


def write_reports(
    result: AuditResult,
    output: Path,
    formats: Sequence[str],
    catalog: Catalog | None = None,
) -> list[tuple[Path, str]]:
    """Render every requested format first, then write each file atomically; returns each
    file with its media type."""
    countries = (catalog or load_catalog()).countries()
    context = ReportContext({code: country.name for code, country in countries.items()})
    rendered = [
        (output / renderer.file_name, renderer.media_type, renderer.render(result, context))
        for renderer in (RENDERERS[name] for name in formats)
    ]
    for path, _, content in rendered:
        write_atomic(path, content)
    return [(path, media_type) for path, media_type, _ in rendered]


def _deliver(
    result: AuditResult, written: Sequence[tuple[Path, str]], delivery: Delivery
) -> tuple[list[Published], list[str]]:
    """Publish and notify; the local reports are written either way."""
    published: list[Published] = []
    errors: list[str] = []
    report_url = None
    stamp = result.generated_at.strftime("%Y-%m-%dT%H%M%SZ")
    files = [publish.ReportFile(path, media_type) for path, media_type in written]
    for url in delivery.publish:
        try:
            copies = publish.publish(files, url, stamp)
        except AssessorError as error:
            errors.append(str(error))
            errors.extend(notify.announce_failure(delivery.notify, str(error)))
            continue
        published.append(Published(url, tuple(copies)))
        report_url = report_url or next((c for c in copies if c.endswith(".html")), None)
    for url in delivery.notify:
        try:
            notify.send(url, notify.digest(result, delivery.notify_on, report_url))
        except AssessorError as error:
            errors.append(str(error))
    return published, errors
