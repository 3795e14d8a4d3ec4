"""Organizations in pieces: plan the units once, read them in shards on any number of
machines (each unit in its own worker process), merge the shards back into one inventory.

A shard's output (a directory, or an s3:// or gs:// prefix: ``remote.py``) holds
``plan.json``, one ``units/<unit>.json`` inventory per unit it read and a
``shard-I-of-N.json`` manifest. A unit's file is written atomically when its worker finishes,
so a shard that is killed and run again resumes where it stopped. Which units a shard reads
is ``balance.py``'s: round-robin, or by the last run's durations. The merge checks every
planned unit against the files it finds: a unit that is missing, read twice or whose worker
died is a coverage gap naming it, and the estate is incomplete.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from pydantic import ValidationError

from assessor.catalog import load_catalog
from assessor.delivery.objects import ObjectUrl, open_store
from assessor.errors import ConfigurationError, InputError
from assessor.forked import Lost, in_processes
from assessor.inputs import read_json_model
from assessor.inventory import collect
from assessor.models import CoverageGap, GapReason, Inventory, Plan, ProbeRun, ShardManifest
from assessor.output import write_atomic
from assessor.probes.base import ProbeConfig, load_probe
from assessor.shards.balance import longest_first, shard_units
from assessor.shards.remote import Place, ShardStore, local_copies, read_object, remote

PLAN_FILE = "plan.json"
UNITS = "units"


def make_plan(
    probe: str,
    config: ProbeConfig,
    now: datetime,
    durations: Mapping[str, float] | None = None,
) -> Plan:
    """List the probe's units once (the organization's accounts) and fix the options;
    ``durations`` (seconds per unit, from the last run) balance the shards."""
    found = load_probe(probe)
    if found.unit_option is None:
        raise ConfigurationError(f"the {probe} probe is not split into accounts or projects")
    units = tuple(found(config).units())
    if not units:
        raise ConfigurationError(f"the {probe} probe found no {found.unit_option} to plan")
    options = {name: tuple(values) for name, values in sorted(config.values.items()) if values}
    for name in (found.unit_option, *found.unit_replaces):
        options.pop(name, None)  # each shard names its own units
    known = durations or {}
    seconds = {unit: known[unit] for unit in units if unit in known}
    return Plan.of(probe, found.unit_option, options, units, now, seconds)


def parse_shard(text: str) -> tuple[int, int]:
    """``I/N`` → (I, N), 1 ≤ I ≤ N."""
    matched = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not matched or not 1 <= int(matched[1]) <= int(matched[2]):
        raise ConfigurationError(f"--shard {text!r}: expected I/N with 1 ≤ I ≤ N, e.g. 2/8")
    return int(matched[1]), int(matched[2])


def load_plan(source: Place) -> Plan:
    """A plan file, or a plan object in s3:// or gs://."""
    url = remote(source)
    if url is None:
        return read_json_model(Path(source), Plan)
    return _plan_from(read_object(url), url)


def _plan_from(body: bytes, url: ObjectUrl) -> Plan:
    try:
        return Plan.model_validate_json(body)
    except ValidationError as error:
        why = error.errors()[0]["msg"].removeprefix("Value error, ")
        raise InputError(str(url), None, None, f"not a plan: {why}") from None


def save_plan(plan: Plan, target: Place) -> None:
    body = (plan.model_dump_json(indent=2) + "\n").encode("utf-8")
    url = remote(target)
    if url is None:
        write_atomic(Path(target), body)
    else:
        ShardStore(ObjectUrl(url.scheme, url.bucket, "")).put(url.prefix, body)


def unit_file(output: Path, unit: str) -> Path:
    return output / UNITS / f"{quote(unit, safe='')}.json"


# A unit reader runs in the worker process: read the unit, write its inventory file.
UnitReader = Callable[[Plan, str, Path], None]


def read_unit(plan: Plan, unit: str, path: Path) -> None:
    """Inventory one unit with the plan's options and write it atomically."""
    config = ProbeConfig({**plan.options, plan.unit_option: (unit,)})
    taken = collect({plan.probe: config}).inventory
    write_atomic(path, (taken.model_dump_json() + "\n").encode("utf-8"))


def run_shard(
    plan: Plan,
    shard: int,
    shards: int,
    output: Place,
    workers: int,
    reader: UnitReader = read_unit,
    progress: Callable[[str, str], None] | None = None,
) -> ShardManifest:
    """Read this shard's units, ``workers`` at a time, one process per unit (its memory is
    returned when it ends), into ``output``: a directory, or an s3:// or gs:// prefix.
    Units already written there are not read again."""
    units = shard_units(plan, shard, shards)
    url = remote(output)
    store = ShardStore(url) if url is not None else None

    def write(name: str, body: bytes) -> None:
        if store is None:
            write_atomic(Path(output) / name, body)
        else:
            store.put(name, body)

    _refuse_another_plan(plan, output)
    write(PLAN_FILE, plan.model_dump_json(indent=2).encode("utf-8"))
    if store is None:
        directory = Path(output)
        done = {unit for unit in units if unit_file(directory, unit).exists()}
        failed = _read_units(plan, units, done, directory, workers, reader, progress)
        written = tuple(unit for unit in units if unit_file(directory, unit).exists())
    else:
        done = store.units_done(UNITS) & set(units)
        with tempfile.TemporaryDirectory(prefix="assessor-shard-") as scratch:
            uploaded = _Uploader(store, Path(scratch))
            failed = _read_units(
                plan, units, done, Path(scratch), workers, reader, progress, uploaded.finished
            )
        written = tuple(unit for unit in units if unit in done or unit in uploaded.units)
    manifest = ShardManifest(
        plan_id=plan.plan_id,
        shard=shard,
        shards=shards,
        units=units,
        written=written,
        failed=dict(sorted(failed.items())),
    )
    write(f"shard-{shard}-of-{shards}.json", manifest.model_dump_json(indent=2).encode("utf-8"))
    return manifest


def _refuse_another_plan(plan: Plan, output: Place) -> None:
    """A shard output that already holds another plan's units is not resumed: its unit
    files were read with other options (or the copy there was edited)."""
    url = remote(output)
    where: Path | ObjectUrl
    if url is None:
        where = Path(output) / PLAN_FILE
        copy = load_plan(where) if where.is_file() else None
    else:
        where = ObjectUrl(url.scheme, url.bucket, url.key(PLAN_FILE))
        body = open_store(where).get(where.prefix)
        copy = _plan_from(body, where) if body is not None else None
    if copy is not None and copy.plan_id != plan.plan_id:
        raise InputError(
            str(where),
            None,
            "plan_id",
            f"holds plan {copy.plan_id}, not {plan.plan_id}: give each plan its own output",
        )


# Called in the parent as a unit's worker ends with its file written: None, or why the
# unit still does not count as written.
Finished = Callable[[str, Path], str | None]


def _read_units(
    plan: Plan,
    units: Sequence[str],
    done: set[str],
    directory: Path,
    workers: int,
    reader: UnitReader,
    progress: Callable[[str, str], None] | None,
    finished: Finished | None = None,
) -> dict[str, str]:
    """Each unit not ``done`` in its own forked worker writing ``unit_file(directory)``,
    ``workers`` at a time; returns the units that failed and why."""
    # Imported and preloaded once here (the probe, its SDK's models, the catalog that
    # locates assets), so every forked worker starts with them.
    load_probe(plan.probe)(ProbeConfig(dict(plan.options))).preload()
    load_catalog()
    waiting = longest_first(plan, [unit for unit in units if unit not in done])
    failed: dict[str, str] = {}

    def read(index: int) -> None:
        unit = waiting[index]
        reader(plan, unit, unit_file(directory, unit))

    def ended(index: int, outcome: object) -> None:
        unit = waiting[index]
        path = unit_file(directory, unit)
        if isinstance(outcome, Lost):
            failed[unit] = outcome.why
        elif not path.exists():
            failed[unit] = "its worker process ended without writing it"
        elif finished is not None and (why := finished(unit, path)) is not None:
            failed[unit] = why
        if progress is not None:
            progress(unit, failed.get(unit, "read"))

    in_processes(len(waiting), read, at_once=workers, ended=ended)
    return failed


class _Uploader:
    """Puts each unit's file in the shard's prefix as its worker ends."""

    def __init__(self, store: ShardStore, scratch: Path) -> None:
        self.store, self.scratch = store, scratch
        self.units: set[str] = set()

    def finished(self, unit: str, path: Path) -> str | None:
        try:
            self.store.put(path.relative_to(self.scratch).as_posix(), path.read_bytes())
        except Exception as error:  # any SDK's failure: the unit is not written
            return f"its inventory could not be uploaded: {type(error).__name__}: {error}"
        path.unlink()  # a scratch copy no longer needed: disk stays bounded too
        self.units.add(unit)
        return None


def read_organization(
    plan: Plan,
    workers: int,
    now: datetime,
    progress: Callable[[str, str], None] | None = None,
) -> Merged:
    """Every unit of ``plan`` on this machine, ``workers`` at a time, each in its own
    process writing its inventory to a scratch directory; then merged. Memory is bounded
    by the workers and the largest unit, not by the organization."""
    with tempfile.TemporaryDirectory(prefix="assessor-units-") as scratch:
        run_shard(plan, 1, 1, Path(scratch), workers, progress=progress)
        return merge([Path(scratch)], now)


@dataclass(frozen=True)
class Merged:
    """The organization's inventory, and which planned units it lacks or holds twice."""

    plan: Plan
    inventory: Inventory
    missing: tuple[str, ...]
    duplicated: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing and not self.duplicated


def merge(sources: Sequence[Place], now: datetime) -> Merged:
    """Gather the shard outputs (directories or s3:// / gs:// prefixes, or a directory or
    prefix of them) of one plan (a plan file, or the copy in each output) into one
    inventory; every planned unit must be there exactly once."""
    with local_copies(sources) as local:
        return _merge(local, now)


def _merge(sources: Sequence[Path], now: datetime) -> Merged:
    gathered = _gather(sources)
    whole, _ = _read_part(gathered.plan, gathered.files, now)
    inventory = whole.model_copy(update={"gaps": (*whole.gaps, *gathered.unread)})
    return Merged(gathered.plan, inventory, gathered.missing, gathered.duplicated)


def _read_part(
    plan: Plan, files: Mapping[str, Path], now: datetime
) -> tuple[Inventory, dict[str, tuple[ProbeRun, ...]]]:
    """The units in ``files`` read into one inventory, and each unit's own probe runs."""
    read = {unit: read_json_model(path, Inventory) for unit, path in files.items()}
    runs = {unit: part.probes for unit, part in read.items()}
    assets = tuple(asset for part in read.values() for asset in part.assets)
    gaps = tuple(gap for part in read.values() for gap in part.gaps)
    probe = _probe_run(plan, runs, len(assets), len(gaps))
    return Inventory(generated_at=now, probes=(probe,), assets=assets, gaps=gaps), runs


@contextmanager
def merged_in_parts(
    sources: Sequence[Place], now: datetime, units_per_part: int
) -> Iterator[MergedParts]:
    """As :func:`merge`, but the organization's units are read ``units_per_part`` at a time
    (``MergedParts.parts``), so no more than one part's inventory is held at once."""
    with local_copies(sources) as local:
        yield MergedParts(_gather(local), now, units_per_part)


class MergedParts:
    """An organization's units gathered from its shards, read a part at a time; the probe
    run and gaps of the whole are known once every part has been read."""

    def __init__(self, gathered: _Gathered, now: datetime, units_per_part: int) -> None:
        if units_per_part < 1:
            raise ConfigurationError("units per part must be at least 1")
        self.gathered, self.now, self.size = gathered, now, units_per_part
        self._runs: dict[str, tuple[ProbeRun, ...]] = {}
        self._assets = 0
        self._gaps: list[CoverageGap] = []

    @property
    def plan(self) -> Plan:
        return self.gathered.plan

    @property
    def complete(self) -> bool:
        return not self.gathered.missing and not self.gathered.duplicated

    @property
    def count(self) -> int:
        """How many parts :meth:`parts` yields."""
        return -(-len(self.gathered.files) // self.size)

    def parts(self) -> Iterator[Inventory]:
        """Each part's inventory, its units in plan order."""
        units = list(self.gathered.files)
        for start in range(0, len(units), self.size):
            files = {unit: self.gathered.files[unit] for unit in units[start : start + self.size]}
            part, runs = _read_part(self.plan, files, self.now)
            self._runs.update(runs)
            self._assets += len(part.assets)
            self._gaps += part.gaps
            yield part

    def probe_run(self) -> ProbeRun:
        """The whole organization's probe run, once every part is read."""
        return _probe_run(self.plan, self._runs, self._assets, len(self._gaps))

    def gaps(self) -> tuple[CoverageGap, ...]:
        """Every part's gaps, then the units never read or read twice."""
        return (*self._gaps, *self.gathered.unread)


@dataclass(frozen=True)
class _Gathered:
    """Which file holds each planned unit, and the units missing or held twice."""

    plan: Plan
    files: dict[str, Path]  # unit → its inventory (the last copy found), in plan order
    missing: tuple[str, ...]
    duplicated: tuple[str, ...]
    unread: tuple[CoverageGap, ...]


def _gather(sources: Sequence[Path]) -> _Gathered:
    absent = [path for path in sources if not path.exists()]
    if absent:
        raise InputError(str(absent[0]), None, None, "no such file or directory")
    directories = _shard_directories(sources)
    files = [path for path in sources if path.is_file()]
    files += [path / PLAN_FILE for path in directories if (path / PLAN_FILE).is_file()]
    plans = {path: load_plan(path) for path in files}
    if not plans:
        raise InputError(str(sources[0]), None, None, "no plan.json here or among the inputs")
    ids = sorted({other.plan_id for other in plans.values()})
    if len(ids) > 1:
        # Named whatever the order of the arguments: every copy with its plan.
        held = "; ".join(f"{path}: {other.plan_id}" for path, other in sorted(plans.items()))
        raise InputError(str(min(plans)), None, "plan_id", f"the inputs hold another plan ({held})")
    plan = next(iter(plans.values()))
    found: dict[str, list[Path]] = {}
    for directory in directories:
        for unit in plan.units:
            path = unit_file(directory, unit)
            if path.exists():
                found.setdefault(unit, []).append(path)
    died = _deaths(directories, plan.plan_id)
    unread: list[CoverageGap] = []
    missing = tuple(unit for unit in plan.units if unit not in found)
    duplicated = tuple(unit for unit in plan.units if len(found.get(unit, ())) > 1)
    for unit in missing:
        why = died.get(unit, "no shard output holds it")
        unread.append(_unread(plan, unit, f"{unit} was not read: {why}"))
    for unit in duplicated:
        places = ", ".join(str(path.parent.parent) for path in found[unit])
        unread.append(_unread(plan, unit, f"{unit} was read more than once ({places})"))
    files_by_unit = {unit: paths[-1] for unit, paths in sorted(found.items())}
    return _Gathered(plan, files_by_unit, missing, duplicated, tuple(unread))


def _unread(plan: Plan, unit: str, message: str) -> CoverageGap:
    return CoverageGap(probe=plan.probe, reason=GapReason.UNREAD, message=message, account=unit)


def _probe_run(
    plan: Plan, runs: Mapping[str, tuple[ProbeRun, ...]], asset_count: int, gap_count: int
) -> ProbeRun:
    """One probe run for the units read (``runs``: each unit's own probe runs)."""
    every = [run for unit_runs in runs.values() for run in unit_runs]
    noun = plan.unit_option
    return ProbeRun(
        name=plan.probe,
        version=every[0].version if every else "",
        scope=f"plan {plan.plan_id}: {len(runs)} of {len(plan.units)} {noun}",
        asset_count=asset_count,
        gap_count=gap_count,
        seconds=round(sum(run.seconds for run in every), 3),
        notes=tuple(sorted({note for run in every for note in run.notes})),
        unit_seconds={
            unit: round(sum(run.seconds for run in unit_runs), 3)
            for unit, unit_runs in runs.items()
        },
    )


def _shard_directories(sources: Sequence[Path]) -> list[Path]:
    """Shard outputs; a directory that is none but holds some (CI artifacts downloaded side
    by side) stands for them, so a shard that left nothing is missed, not an error."""
    found: list[Path] = []
    for path in (source for source in sources if source.is_dir()):
        if (path / PLAN_FILE).is_file() or (path / UNITS).is_dir():
            found.append(path)
        else:
            found += sorted(child for child in path.iterdir() if (child / PLAN_FILE).is_file())
    return found


def _deaths(directories: Sequence[Path], plan_id: str) -> dict[str, str]:
    """Why a unit is missing, where a shard's manifest says its worker died."""
    died: dict[str, str] = {}
    for directory in directories:
        for manifest_path in sorted(directory.glob("shard-*-of-*.json")):
            manifest = read_json_model(manifest_path, ShardManifest)
            if manifest.plan_id != plan_id:
                raise InputError(str(manifest_path), None, "plan_id", f"not of plan {plan_id}")
            died.update(manifest.failed)
    return died
