"""Organization-scale runs: a plan lists the units (accounts, projects, subscriptions) once;
shards read whole units and say which they wrote; a merge checks every planned unit is there
exactly once before the rules run on the whole."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Self

from pydantic import Field, model_validator

from assessor.models.base import SCHEMA_VERSION, Model


def plan_digest(probe: str, options: Mapping[str, Sequence[str]], units: Sequence[str]) -> str:
    """What a plan's id is: the first 16 hex digits of a SHA-256 over the probe, its options
    and its units, the parts that decide what every shard reads."""
    canonical = [probe, {name: list(values) for name, values in options.items()}, list(units)]
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode("utf-8")).hexdigest()[:16]


class Plan(Model):
    """Which probe reads which units, with which options: the contract every shard and the
    merge share. ``plan_id`` is a digest of the probe, options and units, checked whenever a
    plan is read, so a plan edited by hand (an account dropped, id kept) is refused instead
    of silently shrinking the estate, and a shard of another plan is refused at the merge."""

    schema_version: str = SCHEMA_VERSION
    plan_id: str
    probe: str
    unit_option: str = Field(description="The probe option that narrows a run to one unit")
    options: dict[str, tuple[str, ...]] = Field(description="The probe's options, as given")
    units: tuple[str, ...] = Field(description="Every unit, sorted")
    created_at: datetime
    unit_seconds: dict[str, float] = Field(
        default_factory=dict,
        description="Each unit's duration in the last recorded run: shards are balanced by "
        "it (longest first); empty: round-robin. Not part of plan_id",
    )

    @classmethod
    def of(
        cls,
        probe: str,
        unit_option: str,
        options: Mapping[str, Sequence[str]],
        units: Sequence[str],
        created_at: datetime,
        unit_seconds: Mapping[str, float] | None = None,
    ) -> Plan:
        """A plan with its id computed from its contents."""
        return cls(
            plan_id=plan_digest(probe, options, units),
            probe=probe,
            unit_option=unit_option,
            options={name: tuple(values) for name, values in options.items()},
            units=tuple(units),
            created_at=created_at,
            unit_seconds=dict(unit_seconds or {}),
        )

    @model_validator(mode="after")
    def _id_matches_contents(self) -> Self:
        expected = plan_digest(self.probe, self.options, self.units)
        if self.plan_id != expected:
            raise ValueError(
                f"plan_id {self.plan_id} does not match its probe, options and units (digest "
                f"{expected}): the plan was edited after it was made; make a new one with "
                "`assessor plan`"
            )
        return self


class ShardManifest(Model):
    """What one shard of a plan read: each unit's inventory file sits next to it."""

    schema_version: str = SCHEMA_VERSION
    plan_id: str
    shard: int = Field(ge=1)
    shards: int = Field(ge=1)
    units: tuple[str, ...] = Field(description="The units of this shard, in plan order")
    written: tuple[str, ...] = Field(description="Units whose inventory this shard holds")
    failed: dict[str, str] = Field(default_factory=dict, description="Unit → why its worker died")
