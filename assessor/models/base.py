"""The base every model shares, and the small vocabularies every stage speaks: severities,
providers, sources."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Any, NoReturn, TypeVar

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1"


CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]


# Jurisdictions are ISO country codes plus supranational bodies whose law reaches data (EU).
JurisdictionCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class Model(BaseModel):
    """Base of every assessor model: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


_SHARED_FIELD_SETS: dict[frozenset[str], set[str]] = {}


def shared_fields_set(names: Iterable[str]) -> set[str]:
    """One set object per distinct combination of field names.

    Pydantic keeps a set of explicitly-set field names on every instance; for a million
    assets and their findings those sets cost over a gigabyte. Frozen models never change
    the set, so instances with the same names can share one.
    """
    key = frozenset(names)
    found = _SHARED_FIELD_SETS.get(key)
    if found is None:
        found = _SHARED_FIELD_SETS[key] = set(key)
    return found


_M = TypeVar("_M", bound=BaseModel)


def replaced(model: _M, **changes: Any) -> _M:
    """``model.model_copy(update=changes)`` for already-valid values, laid out compactly.

    Only for values that are already of the field's type (as when attaching a catalog
    Location); nothing is validated.
    """
    fields_set = shared_fields_set(model.model_fields_set | changes.keys())
    return assembled(type(model), fields_set, {**model.__dict__, **changes})


def assembled(
    cls: type[_M], fields_set: set[str], values: dict[str, Any], *, compact: bool = True
) -> _M:
    """An instance from ``values`` that hold every field, each already of its type.

    What ``model_construct`` does without its per-field loop over defaults and aliases, which
    costs more than the rest of building a finding; for hot paths (located assets, the
    engine's findings, the history's changes) where the values come from models validated
    upstream. The instance's values are laid out as ``compact_values`` does, unless it lives
    only as long as one report (``compact=False``: the dict is taken as it is).
    """
    fields = cls.__pydantic_fields__
    if len(values) != len(fields):
        missing = sorted(fields.keys() - values.keys())
        raise TypeError(f"{cls.__name__}: every field is needed, missing {missing}")
    model = cls.__new__(cls)
    object.__setattr__(model, "__dict__", compact_values(cls, values) if compact else values)
    object.__setattr__(model, "__pydantic_fields_set__", fields_set)
    object.__setattr__(model, "__pydantic_extra__", None)
    object.__setattr__(model, "__pydantic_private__", None)
    return model


class _SharedMapping(dict[Any, Any]):
    """A mapping compact models share: the one empty mapping (most assets have no
    attributes, many no tags) and each small mapping of texts many assets repeat (the same
    tags on a thousand buckets). Shared, so it refuses to be changed."""

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("a model's mapping is shared and read-only")

    __setitem__ = __delitem__ = setdefault = update = pop = popitem = clear = _refuse
    __ior__ = _refuse

    def __reduce__(self) -> tuple[type[_SharedMapping], tuple[dict[Any, Any]]]:
        return type(self), (dict(self),)  # unpickled through the constructor, not setitem


SHARED_EMPTY: dict[Any, Any] = _SharedMapping()
_SHARED_MAPPINGS: dict[tuple[tuple[str, str], ...], _SharedMapping] = {}
SHARED_MAPPINGS_HELD = 100_000  # distinct mappings kept; past it, new ones are not shared
_SMALL = 8


def shared_mapping(mapping: dict[Any, Any]) -> dict[Any, Any]:
    """The shared copy of a small mapping of texts (as ``mapping``, same order), or the
    mapping itself when it is larger, holds other values, or the table is full."""
    if not mapping:
        return SHARED_EMPTY
    if len(mapping) > _SMALL:
        return mapping
    items = tuple(mapping.items())
    for key, value in items:
        if key.__class__ is not str or value.__class__ is not str:
            return mapping
    found = _SHARED_MAPPINGS.get(items)
    if found is None:
        if len(_SHARED_MAPPINGS) >= SHARED_MAPPINGS_HELD:
            return mapping
        found = _SHARED_MAPPINGS.setdefault(items, _SharedMapping(items))
    return found


_VALUE_LAYOUTS: dict[type, tuple[type, tuple[tuple[str, bool], ...]]] = {}


def compact_values(cls: type[BaseModel], values: dict[str, Any]) -> dict[str, Any]:
    """``values`` as the instance dict of a plain class with the model's fields.

    CPython lays the instance dicts of one class out with a single shared table of keys
    (a "split" dict) when attributes are set in the same order: each instance then keeps
    only its values, under half the memory of a dict built from ``values`` (for a located
    asset, 250 bytes instead of 470). Pydantic builds ordinary dicts, so the hot paths build
    the dict here and hand it to the model. Empty mappings become ``SHARED_EMPTY``; in the
    fields a model names in ``REPEATED``, texts are interned (every asset of an account
    would otherwise hold its own copy of the account id, read from its own answer) and small
    mappings of texts shared (``shared_mapping``: the same tags on a thousand buckets).
    """
    layout = _VALUE_LAYOUTS.get(cls)
    if layout is None:
        holder = type(f"{cls.__name__}Values", (), {"__module__": __name__})
        shared: frozenset[str] = getattr(cls, "REPEATED", frozenset())
        fields = tuple((name, name in shared) for name in cls.__pydantic_fields__)
        layout = _VALUE_LAYOUTS.setdefault(cls, (holder, fields))
    holder, fields = layout
    # Filled key by key in the fields' order, the instance's dict stays split (an update()
    # would make it an ordinary dict); item assignment is faster than setattr.
    compact: dict[str, Any] = holder().__dict__
    for name, repeated in fields:
        value = values[name]
        if value.__class__ is dict:
            value = shared_mapping(value) if repeated else value or SHARED_EMPTY
        elif repeated and value.__class__ is str:
            value = sys.intern(value)
        compact[name] = value
    return compact


class Severity(StrEnum):
    """How bad a finding is; ordered from least to most severe."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Its place in :data:`SEVERITY_ORDER` (0 for info): read on every comparison and
        sort of findings and risks, so looked up, not searched for."""
        return _SEVERITY_RANK[self]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


# Least to most severe: the one order every stage sorts and compares by.
SEVERITY_ORDER = tuple(Severity)
_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITY_ORDER)}


class Provider(StrEnum):
    """Providers the location catalog knows; probes tag each asset with one."""

    AWS = "aws"
    GCP = "gcp"
    AZURE = "azure"
    ALIBABA = "alibaba"
    TENCENT = "tencent"
    HUAWEI = "huawei"
    ORACLE = "oracle"
    BAIDU = "baidu"
    # Things no cloud API lists (SaaS vendors, carriers, equipment, apps), from a declared file.
    DECLARED = "declared"
    # SDKs and package mirrors found in lockfiles, SBOMs and build files: a vendor, no region.
    CODE = "code"
    # Public endpoints placed by the network that originates them: an owner, no region.
    NETWORK = "network"

    @property
    def has_regions(self) -> bool:
        """Whether the catalog lists regions for it (declared and code items name a vendor
        and, at most, a country)."""
        return self not in (Provider.DECLARED, Provider.CODE, Provider.NETWORK)


class Fact(StrEnum):
    """The one fact about an asset a rule judges. Several packs judge the same fact (Clean
    Network, the Commerce review and the organization's own policy all judge *where* data
    is): their findings on one asset and subject are one risk."""

    LOCATION = "location"  # where it is stored or runs
    OPERATOR = "operator"  # who runs the region locally
    PROVIDER = "provider"  # who holds it, and whose law reaches the holder
    KEY_CUSTODY = "key-custody"  # who holds its keys
    COPY = "copy"  # where copies of it go
    COVERAGE = "coverage"  # where it is cannot be told
    VOLUME = "volume"  # how much sensitive data
    VENDOR = "vendor"  # whose equipment, app or SDK
    CARRIER = "carrier"  # whose network carries it


class SourceRef(Model):
    """A citable source for a rule or a catalog row."""

    title: str
    url: str
    date: str | None = None
