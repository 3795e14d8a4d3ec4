"""The probe interface and the registry that finds probes through entry points."""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from assessor.errors import ConfigurationError, ProbeNotFound
from assessor.models import Asset, CoverageGap

ENTRY_POINT_GROUP = "assessor.probes"

ProbeItem = Asset | CoverageGap
_T = TypeVar("_T")


# Tag or label keys that name an asset's data class, in order of preference.
CLASSIFICATION_TAGS = ("data-class", "data-classification", "classification")


def classification(tags: dict[str, str]) -> str | None:
    """The data class an asset's tags or labels declare (keys in any case), lower-cased."""
    lowered = {key.lower(): value for key, value in tags.items()}
    for key in CLASSIFICATION_TAGS:
        value = (lowered.get(key) or "").strip().lower()
        if value:
            return value
    return None


class ReadOnlyViolation(RuntimeError):
    """A probe tried to call an operation that is not a declared read: a bug, never a gap."""


class OptionKind(StrEnum):
    """How an option's text is read. Values are parsed once, before any probe runs, so a bad
    value is a usage error (exit 2) naming the option, never a failure halfway through."""

    TEXT = "text"
    INT = "int"
    BOOL = "bool"
    LIST = "list"  # comma-separated, and repeatable: every occurrence adds to the list
    PATHS = "paths"  # repeatable; each occurrence is one path
    CHOICE = "choice"


_TRUE = frozenset({"yes", "true", "1", "on"})
_FALSE = frozenset({"no", "false", "0", "off"})


@dataclass(frozen=True)
class ProbeOption:
    """A command-line option a probe accepts, namespaced by the probe (``--aws-regions``)."""

    name: str
    help: str
    kind: OptionKind = OptionKind.TEXT
    default: str | int | bool | None = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None

    @property
    def multiple(self) -> bool:
        """Whether the option may be given more than once (lists and paths)."""
        return self.kind in (OptionKind.LIST, OptionKind.PATHS)

    def parse(self, raw: Sequence[str], flag: str) -> object:
        """Turn the option's occurrences into its typed value; raises ConfigurationError."""
        if self.kind is OptionKind.PATHS:
            return tuple(Path(value) for value in raw if value)
        if self.kind is OptionKind.LIST:
            items = tuple(
                part.strip() for value in raw for part in value.split(",") if part.strip()
            )
            unknown = [item for item in items if self.choices and item not in self.choices]
            if unknown:
                raise ConfigurationError(
                    f"{flag}: unknown {', '.join(unknown)} (known: {', '.join(self.choices)})"
                )
            return items
        if not raw:
            return self.default
        value = raw[-1].strip()
        if self.kind is OptionKind.INT:
            try:
                number = int(value)
            except ValueError:
                raise ConfigurationError(f"{flag} must be a whole number, not {value!r}") from None
            if self.minimum is not None and number < self.minimum:
                raise ConfigurationError(f"{flag} must be at least {self.minimum}, not {number}")
            return number
        if self.kind is OptionKind.BOOL:
            if value.lower() in _TRUE | _FALSE:
                return value.lower() in _TRUE
            raise ConfigurationError(f"{flag} must be yes or no, not {value!r}")
        if self.kind is OptionKind.CHOICE and value not in self.choices:
            raise ConfigurationError(
                f"{flag}: unknown {value!r} (known: {', '.join(self.choices)})"
            )
        return value or self.default

    def describe(self) -> str:
        """``int, default 32`` for ``assessor probes``."""
        kind = self.kind.value
        if self.choices:
            kind += " of " + "|".join(self.choices)
        if self.multiple:
            kind += ", repeatable"
        return kind if self.default is None else f"{kind}, default {self.default}"


@dataclass
class ProbeConfig:
    """Option values for one probe as given (text), keyed by option name without the probe
    prefix: ``{"regions": ("us-east-1,eu-west-1",)}``."""

    values: dict[str, tuple[str, ...]] = field(default_factory=dict)


class ProbeSettings:
    """A probe's options, parsed and typed. Built when the probe is constructed."""

    def __init__(self, probe: str, options: Sequence[ProbeOption], config: ProbeConfig) -> None:
        declared = {option.name: option for option in options}
        unknown = sorted(set(config.values) - set(declared))
        if unknown:
            known = ", ".join(f"--{probe}-{name}" for name in declared) or "none"
            raise ConfigurationError(
                f"unknown option --{probe}-{unknown[0]} (probe options: {known})"
            )
        self._declared = declared
        self._given = {name for name, raw in config.values.items() if raw}
        self._values = {
            name: option.parse(config.values.get(name, ()), f"--{probe}-{name}")
            for name, option in declared.items()
        }

    def given(self, name: str) -> bool:
        """Whether the option was set, as opposed to left at its default."""
        return name in self._given

    def text(self, name: str) -> str | None:
        """A text or choice option's value (None when unset and without a default)."""
        return self._typed(name, str, (OptionKind.TEXT, OptionKind.CHOICE))

    def setting(self, name: str) -> str:
        """A text or choice option that has a default: its value, never None (the default
        is stated once, where the option is declared)."""
        value = self.text(name)
        assert value is not None, f"option {name} needs a default"
        return value

    def integer(self, name: str) -> int:
        """A whole-number option's value (such options always have a default)."""
        value = self._typed(name, int, (OptionKind.INT,))
        assert value is not None, f"option {name} needs a default"
        return value

    def flag(self, name: str) -> bool:
        """A yes/no option's value."""
        return bool(self._typed(name, bool, (OptionKind.BOOL,)))

    def items(self, name: str) -> tuple[str, ...]:
        """A list option's items, every occurrence's comma-separated parts together."""
        return self._typed(name, tuple, (OptionKind.LIST,)) or ()

    def paths(self, name: str) -> tuple[Path, ...]:
        """A paths option's paths, one per occurrence."""
        return self._typed(name, tuple, (OptionKind.PATHS,)) or ()

    def _typed(self, name: str, kind: type[_T], kinds: tuple[OptionKind, ...]) -> _T | None:
        option = self._declared[name]
        if option.kind not in kinds:
            raise TypeError(f"option {name} is {option.kind.value}, read as {kinds[0].value}")
        value = self._values[name]
        return value if isinstance(value, kind) else None


class Probe(abc.ABC):
    """Lists assets of one kind of estate.

    A probe's constructor does no I/O; :meth:`scan` does all of it and yields assets and
    coverage gaps as it goes. Probes never call a mutating API: each declares the
    operations it may call in :attr:`read_operations`, and a meta-test checks that they
    are all reads.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    version: ClassVar[str] = "1"
    options: ClassVar[tuple[ProbeOption, ...]] = ()
    read_operations: ClassVar[frozenset[str]] = frozenset()
    # Operations that only mint credentials to read as another principal (sts:AssumeRole
    # into an audit role): not reads, but they change no resource either.
    credential_operations: ClassVar[frozenset[str]] = frozenset()
    # The list option that narrows a run to some units (accounts, projects, subscriptions):
    # what plans and shards split an organization by. None: the probe is not split.
    unit_option: ClassVar[str | None] = None
    # Options a unit's own run drops (the management groups a plan's units were listed from).
    unit_replaces: ClassVar[tuple[str, ...]] = ()
    # Whether the probe reads what the other probes of the run found (the network probe
    # places the endpoints they list): it then runs after them, and ``observe`` gets them.
    reads_inventory: ClassVar[bool] = False

    def __init__(self, config: ProbeConfig | None = None) -> None:
        self.config = config or ProbeConfig()
        # Parsed here, with no I/O, so every probe's options are checked before any scans.
        self.settings = ProbeSettings(self.name, self.options, self.config)
        # How many processes the scan may use (the run's --workers). A probe whose scan is
        # CPU-bound (AWS: botocore's cost per call) shares its work out between them;
        # one that makes a few index listings has no use for more than one.
        self.processes = 1

    @abc.abstractmethod
    def scan(self) -> Iterator[ProbeItem]:
        """Yield every asset found and a gap for every part that could not be read."""

    @classmethod
    def access_policy(cls, role: str | None = None) -> dict[str, Any] | None:
        """The least-privilege policy, in the provider's own policy language, that grants
        exactly the declared operations (and assuming ``role`` only when one is named);
        None for probes that read only local files."""
        return None

    def preload(self) -> None:
        """Load what every scan with this configuration needs (SDK models, say), before
        worker processes are forked: they then share it instead of each loading it.
        Nothing, for probes with nothing to share."""
        return None

    def has_units(self) -> bool:
        """Whether this configuration reaches several units (an organization) that can be
        read apart, each in its own worker (``units`` then lists them)."""
        return False

    def units(self) -> list[str]:
        """Every unit this configuration reaches, sorted, for a plan (lists the organization;
        probes with a :attr:`unit_option` implement it)."""
        raise ConfigurationError(f"the {self.name} probe is not split into accounts or projects")

    def observe(self, assets: Sequence[Asset]) -> None:
        """For a probe that :attr:`reads_inventory`: the located assets of the probes that
        ran before it, given before its scan."""
        return None

    def scope(self) -> str:
        """What this run looks at, for the report's methodology section."""
        return ""

    def notes(self) -> tuple[str, ...]:
        """After a scan: what the probe saw but did not model, for the methodology section."""
        return ()


def available_probes() -> dict[str, str]:
    """Probe names and the entry-point targets behind them, without importing any probe."""
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def load_probe(name: str) -> type[Probe]:
    """Import one probe class by its entry-point name (probes load lazily)."""
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            loaded = ep.load()
            if not (isinstance(loaded, type) and issubclass(loaded, Probe)):
                raise ProbeNotFound(f"entry point {name!r} ({ep.value}) is not a Probe")
            return loaded
    known = ", ".join(sorted(available_probes())) or "none"
    raise ProbeNotFound(f"no probe named {name!r} (available: {known})")
