"""The probe interface and the registry that finds probes through entry points."""

from __future__ import annotations

import abc
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import ClassVar

from assessor.errors import ProbeNotFound
from assessor.models import Asset, CoverageGap

ENTRY_POINT_GROUP = "assessor.probes"

ProbeItem = Asset | CoverageGap


class ReadOnlyViolation(RuntimeError):
    """A probe tried to call an operation that is not a declared read: a bug, never a gap."""


@dataclass(frozen=True)
class ProbeOption:
    """A command-line option a probe accepts, namespaced by the probe (``--aws-regions``)."""

    name: str
    help: str
    multiple: bool = False
    default: str | None = None


@dataclass
class ProbeConfig:
    """Option values for one probe, keyed by option name without the probe prefix."""

    values: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        found = self.values.get(name, ())
        return found[-1] if found else None

    def get_all(self, name: str) -> tuple[str, ...]:
        return self.values.get(name, ())


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

    def __init__(self, config: ProbeConfig | None = None) -> None:
        self.config = config or ProbeConfig()

    @abc.abstractmethod
    def scan(self) -> Iterator[ProbeItem]:
        """Yield every asset found and a gap for every part that could not be read."""

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
