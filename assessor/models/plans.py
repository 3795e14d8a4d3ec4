"""Organization-scale runs: a plan lists the units (accounts, projects, subscriptions) once;
shards read whole units and say which they wrote; a merge checks every planned unit is there
exactly once before the rules run on the whole."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from assessor.models.base import SCHEMA_VERSION, Model


class Plan(Model):
    """Which probe reads which units, with which options: the contract every shard and the
    merge share. ``plan_id`` is a digest of the rest, so a shard of another plan is refused."""

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


class ShardManifest(Model):
    """What one shard of a plan read: each unit's inventory file sits next to it."""

    schema_version: str = SCHEMA_VERSION
    plan_id: str
    shard: int = Field(ge=1)
    shards: int = Field(ge=1)
    units: tuple[str, ...] = Field(description="The units of this shard, in plan order")
    written: tuple[str, ...] = Field(description="Units whose inventory this shard holds")
    failed: dict[str, str] = Field(default_factory=dict, description="Unit → why its worker died")
