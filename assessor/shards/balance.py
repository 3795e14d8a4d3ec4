"""Which units each shard reads: whole units, balanced by how long each took last time.

Round-robin over the sorted plan puts every unit in exactly one shard, but one account of
a thousand can take as long as a hundred others, and the shard that drew it finishes last.
When the plan carries each unit's last duration (``assessor plan --history``, from the last
recorded run of an organization), units are dealt longest first, each to the shard with the
least work so far (the classic longest-processing-time rule: never worse than 4/3 of the
best split); units without a duration count as the median of those with one.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from assessor.models import Plan


def shard_units(plan: Plan, shard: int, shards: int) -> tuple[str, ...]:
    """The units of shard ``shard`` of ``shards``, in plan order; every unit in exactly one."""
    if not any(seconds > 0 for seconds in plan.unit_seconds.values()):
        return plan.units[shard - 1 :: shards]
    weight = weights(plan)
    loads = [0.0] * shards
    mine: set[str] = set()
    for unit in sorted(plan.units, key=lambda unit: (-weight[unit], unit)):
        least = min(range(shards), key=lambda index: (loads[index], index))
        loads[least] += weight[unit]
        if least == shard - 1:
            mine.add(unit)
    return tuple(unit for unit in plan.units if unit in mine)


def longest_first(plan: Plan, units: Sequence[str]) -> list[str]:
    """The order a shard starts its units in: longest first, so none is left running
    alone at the end (plan order without durations)."""
    weight = weights(plan)
    return sorted(units, key=lambda unit: (-weight.get(unit, 0.0), plan.units.index(unit)))


def weights(plan: Plan) -> dict[str, float]:
    known = [seconds for seconds in plan.unit_seconds.values() if seconds > 0]
    typical = statistics.median(known) if known else 0.0
    return {unit: plan.unit_seconds.get(unit) or typical for unit in plan.units}


def durations_from_history(location: str, probe: str) -> dict[str, float]:
    """Each unit's last duration with ``probe`` in the history at ``location``."""
    from assessor.history.store import HistoryStore  # the database layer, only when used

    store = HistoryStore.open(location)
    try:
        return last_durations(store.runs(limit=_RECENT_RUNS), probe)
    finally:
        store.close()


# How far back a unit's duration is looked for (a unit absent from recent runs is new).
_RECENT_RUNS = 30


def last_durations(runs: Sequence[Any], probe: str) -> dict[str, float]:
    """Each unit's seconds in the most recent of ``runs`` (history records, newest first)
    that read it with ``probe``."""
    found: dict[str, float] = {}
    for run in runs:
        for probe_run in run.probes:
            if probe_run.get("name") != probe:
                continue
            seconds: Mapping[str, float] = probe_run.get("unit_seconds") or {}
            for unit, taken in seconds.items():
                found.setdefault(unit, float(taken))
    return found
