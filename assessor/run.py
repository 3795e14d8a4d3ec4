"""The run lifecycle: inventory → rules → findings → reports → history and delivery.

Every caller runs audits through these functions: the CLI, the CI job, a scheduled run, a
shard worker, a user's own script. Each returns an outcome carrying its exit code, decided
in one place (:func:`exit_status`). Nothing here prints; nothing here exits. The clock is
read once per run (:func:`clock`) and passed down, so one run has one time everywhere it is
shown. Everything after the first argument is a keyword, so a call reads as what it sets.

A script runs an audit the way the CLI does::

    from pathlib import Path
    from assessor.run import ProbeConfig, Reports, audit

    outcome = audit({"terraform": ProbeConfig({"path": ("infra",)})}, reports=Reports(Path("out")))
    print(outcome.exit_code, outcome.result.summary.finding_count, outcome.written)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from assessor import shards
from assessor.catalog import Catalog, load_catalog, relocate
from assessor.delivery import notify, publish
from assessor.engine.evaluate import Evaluator
from assessor.engine.evaluate import evaluate as evaluate_rules
from assessor.engine.loader import builtin_rules_dir, load_rules
from assessor.engine.selection import RuleSelection, RuleSet
from assessor.errors import AssessorError, ConfigurationError, ExitCode
from assessor.findings.result import Acceptance, assemble, at_or_above
from assessor.findings.risks import regrouped
from assessor.heap import cycles_collected_after
from assessor.history import run_scope
from assessor.inventory import (
    ProbeResults,
    ProgressCallback,
    build_probes,
    clock,
    collect,
    stamped,
)
from assessor.models import (
    AuditResult,
    CoverageGap,
    GapReason,
    Inventory,
    Plan,
    Severity,
    ShardManifest,
)
from assessor.output import staged
from assessor.probes.base import ProbeConfig
from assessor.renderers import RENDERERS, ReportContext, sarif
from assessor.renderers.markdown import step_summary
from assessor.shards.balance import durations_from_history
from assessor.shards.remote import Place

__all__ = [
    "Acceptance",
    "Delivery",
    "InventoryOutcome",
    "ProbeConfig",
    "Reports",
    "RuleSelection",
    "RunOutcome",
    "ShardOutcome",
    "Workers",
    "assess",
    "audit",
    "clock",
    "demo",
    "evaluate",
    "exit_status",
    "finish",
    "inventory",
    "merge",
    "shard",
]


@dataclass(frozen=True, kw_only=True)
class Reports:
    """Where reports go, in which formats, and what fails the run."""

    output: Path
    formats: tuple[str, ...] = ("html", "json")
    fail_on: Severity | None = None
    # Exit as for a whole estate even when part of it was never read (it stays a gap).
    allow_partial: bool = False
    # The CI job appends its Markdown summary here ($GITHUB_STEP_SUMMARY).
    step_summary: Path | None = None


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """For scheduled runs: where history is kept, where reports are copied, whom to tell."""

    history: str | None = None
    publish: tuple[str, ...] = ()
    notify: tuple[str, ...] = ()
    notify_on: Severity = Severity.HIGH


@dataclass(frozen=True, kw_only=True)
class Workers:
    """Processes a run may use: an organization's accounts are read one per worker process
    (``progress`` hears of each as it ends), a single account's scan is split between
    them."""

    count: int = 1
    progress: Callable[[str, str], None] | None = None


@dataclass(frozen=True)
class Published:
    """The reports copied to one ``--publish`` URL."""

    url: str
    copies: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
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


@dataclass(frozen=True, kw_only=True)
class InventoryOutcome:
    """An inventory taken without rules (``assessor inventory``)."""

    inventory: Inventory
    crashed: tuple[CoverageGap, ...]
    exit_code: ExitCode


@dataclass(frozen=True, kw_only=True)
class ShardOutcome:
    """One shard of a plan read into its output (``assessor audit --plan --shard``)."""

    plan: Plan
    manifest: ShardManifest
    exit_code: ExitCode


def exit_status(
    *, unread: bool = False, delivery_failed: bool = False, failing: bool = False
) -> ExitCode:
    """The one place an outcome becomes a process status, by the documented precedence:
    part of the estate never read (4) over a failed delivery (3) over findings at or above
    ``--fail-on`` (1) over success (0). Usage and input errors (2) never reach an outcome:
    they are raised as :class:`AssessorError` before anything is written."""
    if unread:
        return ExitCode.INCOMPLETE
    if delivery_failed:
        return ExitCode.DELIVERY
    if failing:
        return ExitCode.FINDINGS
    return ExitCode.OK


def never_read(gaps: Sequence[CoverageGap]) -> bool:
    """Whether part of the estate was never read: a planned unit missing or read twice, a
    worker that died. A partial estate never passes as a whole one."""
    return any(gap.reason is GapReason.UNREAD for gap in gaps)


def inventory(
    probes: Mapping[str, ProbeConfig],
    *,
    catalog: Catalog | None = None,
    now: datetime | None = None,
    progress: ProgressCallback | None = None,
    workers: Workers | None = None,
    history: str | None = None,
) -> InventoryOutcome:
    """Run the probes and return the located inventory, stamped with the run's time. With
    several workers, an organization is read one unit (account) per worker process and a
    single account's scan is split between them; ``history`` orders the units by how long
    each took last time."""
    workers = workers or Workers()
    catalog = catalog or load_catalog()
    now = now or clock()
    taken = _organization(probes, workers, catalog, now, history) or collect(
        probes, catalog=catalog, now=now, progress=progress, processes=workers.count
    )
    return InventoryOutcome(
        inventory=taken.inventory,
        crashed=taken.crashed,
        exit_code=exit_status(unread=never_read(taken.inventory.gaps)),
    )


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


def shard(
    plan: Plan,
    *,
    index: int,
    count: int,
    output: Place,
    workers: int = 1,
    progress: Callable[[str, str], None] | None = None,
) -> ShardOutcome:
    """Read shard ``index`` of ``count`` of ``plan`` into ``output`` (a directory or an
    s3:// or gs:// prefix); a unit whose worker died makes it incomplete."""
    manifest = shards.run_shard(plan, index, count, output, workers, progress=progress)
    status = exit_status(unread=bool(manifest.failed))
    return ShardOutcome(plan=plan, manifest=manifest, exit_code=status)


def audit(
    probes: Mapping[str, ProbeConfig],
    *,
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
    now = now or clock()
    try:
        rule_set = (rules or RuleSelection()).load(load_catalog())
        taken = inventory(
            probes,
            catalog=rule_set.catalog,
            now=now,
            progress=progress,
            workers=workers,
            history=delivery.history,
        )
    except AssessorError as error:
        notify.announce_failure(delivery.notify, str(error))
        raise
    return _assess_and_finish(
        taken.inventory, rule_set, reports, acceptance, delivery, now, crashed=taken.crashed
    )


def evaluate(
    saved: Inventory,
    *,
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
    sources: Sequence[Place],
    *,
    rules: RuleSelection | None = None,
    reports: Reports | None = None,
    acceptance: Acceptance | None = None,
    delivery: Delivery | None = None,
    now: datetime | None = None,
) -> RunOutcome:
    """One run from the shards of a plan (their output directories, or s3:// / gs://
    prefixes given as text; see :mod:`assessor.shards`). A planned unit that is missing or
    read twice is a coverage gap, and the exit code is INCOMPLETE unless the reports
    ``allow_partial``: a partial organization never passes as a whole."""
    now = now or clock()
    merged = shards.merge(sources, now)
    rule_set = (rules or RuleSelection()).load(load_catalog())
    located = relocate(merged.inventory, rule_set.catalog)
    return _assess_and_finish(located, rule_set, reports, acceptance, delivery or Delivery(), now)


def demo(
    *,
    rules: RuleSelection | None = None,
    reports: Reports | None = None,
    acceptance: Acceptance | None = None,
    now: datetime | None = None,
    progress: ProgressCallback | None = None,
) -> RunOutcome:
    """Audit the built-in demo estate on local emulators. The demo company has its own
    residency policy and accepted risks unless the caller brings theirs."""
    from assessor.demo import DEMO_POLICY, DEMO_WAIVERS, run_demo  # the emulators, only here
    from assessor.findings.waivers import load_waivers

    rules = rules or RuleSelection()
    acceptance = acceptance or Acceptance()
    if rules.policy is None:
        rules = replace(rules, policy=DEMO_POLICY)
    if not acceptance.waivers:
        acceptance = replace(acceptance, waivers=tuple(load_waivers(DEMO_WAIVERS)))
    now = now or clock()
    rule_set = rules.load(load_catalog())
    taken = stamped(run_demo(rule_set.catalog, progress), now)
    return _assess_and_finish(taken, rule_set, reports, acceptance, Delivery(), now)


def assess(
    taken: Inventory,
    rule_set: RuleSet,
    *,
    acceptance: Acceptance | None = None,
    now: datetime | None = None,
    evaluator: Evaluator | None = None,
) -> AuditResult:
    """Evaluate the rules on an inventory and assemble the result (no files written); an
    ``evaluator`` of ``rule_set``'s rules, kept from part to part, keeps what it learnt."""
    today = (now or taken.generated_at).date()
    # Findings, risks and their lines are trees: over a heap of a million assets, the cycle
    # collector's full passes would cost more than building them.
    with cycles_collected_after():
        found = evaluate_rules(taken.assets, rule_set.rules, rule_set.catalog, evaluator)
        return assemble(taken, rule_set.rules, found, acceptance or Acceptance(), today)


def _assess_and_finish(
    taken: Inventory,
    rule_set: RuleSet,
    reports: Reports | None,
    acceptance: Acceptance | None,
    delivery: Delivery,
    now: datetime,
    *,
    crashed: tuple[CoverageGap, ...] = (),
    today_from_now: bool = False,
) -> RunOutcome:
    unsent: list[str] = []
    if crashed:
        reason = "; ".join(gap.message for gap in crashed)
        unsent = notify.announce_failure(delivery.notify, reason)
    result = assess(taken, rule_set, acceptance=acceptance, now=now if today_from_now else None)
    outcome = finish(
        result, reports=reports, delivery=delivery, catalog=rule_set.catalog, crashed=crashed
    )
    return replace(outcome, warnings=(*unsent, *outcome.warnings))


def finish(
    result: AuditResult,
    *,
    reports: Reports | None = None,
    delivery: Delivery | None = None,
    catalog: Catalog | None = None,
    crashed: tuple[CoverageGap, ...] = (),
) -> RunOutcome:
    """Compare with the last run, write the reports, record the run, deliver, and decide
    the exit code. Reports are written before anything is delivered: a failed upload or
    webhook never costs the local files."""
    reports = reports or Reports(output=Path("assessor-report"))
    delivery = delivery or Delivery()
    result, run_id, written = _write_and_record(result, reports, delivery, catalog)
    published, errors = _deliver(result, written, delivery)
    note = sarif.truncation_note(result) if "sarif" in reports.formats else None
    failing = reports.fail_on is not None and bool(at_or_above(result.findings, reports.fail_on))
    status = exit_status(
        unread=never_read(result.gaps) and not reports.allow_partial,
        delivery_failed=bool(errors),
        failing=failing,
    )
    return RunOutcome(
        result=result,
        exit_code=status,
        written=tuple(path for path, _ in written),
        run_id=run_id,
        crashed=crashed,
        published=tuple(published),
        delivery_errors=tuple(errors),
        warnings=(note,) if note else (),
    )


def upgraded(result: AuditResult) -> AuditResult:
    """A result written before findings were grouped into risks (schema 1), grouped now by
    the facts today's rule packs declare; a result with its risks is returned as it is."""
    if result.risks or not result.findings:
        return result
    rules = load_rules([builtin_rules_dir()], load_catalog())
    return regrouped(result, {item.rule.id: item.rule.fact for item in rules})


def _write_and_record(
    result: AuditResult, reports: Reports, delivery: Delivery, catalog: Catalog | None
) -> tuple[AuditResult, int | None, list[tuple[Path, str]]]:
    """The result with its changes since the last recorded run, written in every format
    (and the CI step summary), then recorded: returns it, its run id, the files written."""
    if not delivery.history:
        return result, None, _write(result, reports, catalog)
    from assessor.history.diff import since_last_run
    from assessor.history.store import HistoryStore  # the database layer, only when used

    store = HistoryStore.open(delivery.history)
    try:
        scope = run_scope(result)
        result = result.model_copy(update={"changes": since_last_run(store, result, scope)})
        written = _write(result, reports, catalog)
        return result, store.record(result, scope), written
    finally:
        store.close()


def _write(
    result: AuditResult, reports: Reports, catalog: Catalog | None
) -> list[tuple[Path, str]]:
    written = write_reports(result, reports.output, reports.formats, catalog)
    if reports.step_summary is not None:
        with reports.step_summary.open("ab") as stream:
            stream.write(step_summary(result))
    return written


def write_reports(
    result: AuditResult, output: Path, formats: Sequence[str], catalog: Catalog | None = None
) -> list[tuple[Path, str]]:
    """Render each format into a file beside its place, one at a time (the formats that
    stream are written as they render), then rename them all into place: a failure leaves
    the previous reports as they were. Returns each file with its media type."""
    countries = (catalog or load_catalog()).countries()
    context = ReportContext({code: country.name for code, country in countries.items()})
    renderers = [RENDERERS[name] for name in formats]
    with cycles_collected_after(), staged() as files:  # rendering builds trees, not cycles
        for renderer in renderers:
            files.write(output / renderer.file_name, renderer.pieces(result, context))
    return [(output / renderer.file_name, renderer.media_type) for renderer in renderers]


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
