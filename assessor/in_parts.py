"""An organization too large to hold at once, assessed and reported a part at a time.

``assessor merge --units-per-part N`` reads N units (accounts, projects) of a plan at a
time, assesses them, writes that part's reports in ``parts/part-K/`` and lets them go; the
organization's own report, at the top of the output, holds what is counted over every part
(``findings.fold``): the summary, the estate-level risk lines, the scores of each account
and of the estate, every coverage gap, and the exit code. Memory is bounded by the largest
part, not by the organization. No rule reads another asset, so each asset's findings are
those it would get in one whole run.

History, publishing and notifications work on one whole result and are refused here.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path

from assessor import run, shards
from assessor.catalog import load_catalog, relocate
from assessor.engine.evaluate import Evaluator
from assessor.engine.selection import RuleSelection, RuleSet
from assessor.errors import ConfigurationError
from assessor.findings.fold import EstateFold
from assessor.findings.result import Acceptance, build_result
from assessor.models import AuditResult, CoverageGap, Inventory, ProbeRun
from assessor.renderers.markdown import step_summary
from assessor.shards.remote import Place

PARTS = "parts"


def assess_in_parts(
    parts: Iterable[Inventory],
    rule_set: RuleSet,
    *,
    acceptance: Acceptance | None = None,
    now: datetime,
    each: Callable[[int, AuditResult], None] | None = None,
) -> EstateFold:
    """Assess each part in turn (``each`` hears of it: numbered from 1, with its result),
    folding it into the organization's counts; no part is held after ``each`` returns."""
    fold = EstateFold()
    # One evaluator for every part: each part's assets repeat the shapes of the last ones.
    evaluator = Evaluator(rule_set.rules, rule_set.catalog)
    for number, part in enumerate(parts, start=1):
        located = relocate(part, rule_set.catalog)
        result = run.assess(located, rule_set, acceptance=acceptance, now=now, evaluator=evaluator)
        if each is not None:
            each(number, result)
        fold.add(result)
    return fold


def merge_in_parts(
    sources: Sequence[Place],
    *,
    units_per_part: int,
    rules: RuleSelection | None = None,
    reports: run.Reports | None = None,
    acceptance: Acceptance | None = None,
    delivery: run.Delivery | None = None,
    now: datetime | None = None,
    progress: Callable[[int, int, AuditResult], None] | None = None,
) -> run.RunOutcome:
    """As :func:`assessor.run.merge`, ``units_per_part`` units at a time: each part's
    reports in ``parts/part-K/`` of the output, the organization's above them. ``progress``
    hears of each part as its reports are written: its number, how many, its result."""
    delivery = delivery or run.Delivery()
    if delivery.history or delivery.publish or delivery.notify:
        raise ConfigurationError(
            "--units-per-part writes a report per part: history, --publish and --notify "
            "need one whole result (merge without --units-per-part)"
        )
    now = now or run.clock()
    reports = reports or run.Reports(output=Path("assessor-report"))
    rule_set = (rules or RuleSelection()).load(load_catalog())
    written: list[Path] = []
    folders: list[str] = []

    with shards.merged_in_parts(sources, now, units_per_part) as merged:

        def write(number: int, result: AuditResult) -> None:
            folder = f"{PARTS}/part-{number}"
            target = reports.output / folder
            files = run.write_reports(result, target, reports.formats, rule_set.catalog)
            written.extend(path for path, _ in files)
            folders.append(folder)
            if progress is not None:
                progress(number, merged.count, result)

        fold = assess_in_parts(merged.parts(), rule_set, acceptance=acceptance, now=now, each=write)
        result = organization_result(fold, rule_set, merged.probe_run(), merged.gaps(), now)
    result = result.model_copy(update={"parts": tuple(folders)})
    files = run.write_reports(result, reports.output, reports.formats, rule_set.catalog)
    _remove_stale_parts(reports.output / PARTS, len(folders))
    if reports.step_summary is not None:
        with reports.step_summary.open("ab") as stream:
            stream.write(step_summary(result))
    unread = run.never_read(result.gaps)
    failing = reports.fail_on is not None and fold.failing(reports.fail_on) > 0
    return run.RunOutcome(
        result=result,
        exit_code=run.exit_status(unread=unread and not reports.allow_partial, failing=failing),
        written=(*written, *(path for path, _ in files)),
    )


def organization_result(
    fold: EstateFold,
    rule_set: RuleSet,
    probe: ProbeRun,
    gaps: Sequence[CoverageGap],
    now: datetime,
) -> AuditResult:
    """The organization's result from its folded parts: the run's rules and time, the
    counts, every gap."""
    facts = build_result(Inventory(generated_at=now), rule_set.rules, ())
    return fold.result(facts, (probe,), gaps)


def _remove_stale_parts(folder: Path, count: int) -> None:
    """Parts a previous merge wrote beyond this one's ``count`` (it had smaller parts): gone,
    so the output holds only what its report names. Only ``part-K`` folders are touched."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        matched = re.fullmatch(r"part-(\d+)", path.name)
        if matched and int(matched[1]) > count and path.is_dir():
            shutil.rmtree(path)
