"""What every live probe on an SDK that is not botocore shares: a client that refuses any
operation the probe did not declare, the pacing and retries that keep calls within a
provider's rate limits, a fault turned into a coverage gap, and the endpoint option that
points a probe at a private endpoint or a local test server (and nowhere else).
"""

from __future__ import annotations

import configparser
import contextlib
import os
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from assessor.errors import ConfigurationError, InputError
from assessor.inputs import Limits, read_bytes
from assessor.models import Asset, CoverageGap, Flow, GapReason, Provider, replaced
from assessor.probes.base import OptionKind, ProbeOption, ProbeSettings, ReadOnlyViolation

_T = TypeVar("_T")


class GuardedClient:
    """An SDK client that exposes only the methods a probe declared, each named by the
    operation it performs (``search_all_resources`` → ``cloudasset.assets.searchAllResources``).
    Anything else raises :class:`ReadOnlyViolation` before a request is built."""

    def __init__(self, client: Any, probe: str, operations: Mapping[str, str]) -> None:
        self._client = client
        self._probe = probe
        self._operations = dict(operations)

    def __getattr__(self, name: str) -> Any:
        if name not in self._operations:
            raise ReadOnlyViolation(
                f"{self._probe} probe refused {name}: not one of its declared read operations"
            )
        return getattr(self._client, name)


class Pacer:
    """At most ``rate`` calls per second across threads (a provider's documented quota), so
    the probe slows itself down instead of being throttled."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._clock = clock
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            time.sleep(start - now)


@dataclass(frozen=True)
class Fault:
    """An SDK error as assessor sees it: why the part could not be read, and whether (and
    after how long) asking again could help."""

    reason: GapReason
    message: str
    retry_after: float | None = None


def call(
    operation: Callable[[], _T],
    classify: Callable[[Exception], Fault | None],
    pacer: Pacer | None = None,
    attempts: int = 5,
    backoff: float = 0.5,
) -> _T:
    """Run one call within the pace, retrying throttling and transient faults with
    exponential backoff (or the server's own Retry-After). An exception ``classify`` does
    not know is a bug and propagates; a known fault that outlasts the attempts is raised as
    :class:`FaultError` for the probe to turn into a gap."""
    for attempt in range(attempts):
        if pacer is not None:
            pacer.wait()
        try:
            return operation()
        except ReadOnlyViolation:
            raise
        except Exception as error:
            fault = classify(error)
            if fault is None:
                raise
            if fault.retry_after is None or attempt == attempts - 1:
                raise FaultError(fault, attempt + 1) from error
            time.sleep(max(fault.retry_after, backoff * 2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


class FaultError(Exception):
    """A classified fault that retries did not cure; ``attempts`` were made."""

    def __init__(self, fault: Fault, attempts: int) -> None:
        super().__init__(fault.message)
        self.fault = fault
        self.attempts = attempts

    def gap(
        self, probe: str, *, account: str | None, region: str | None, service: str
    ) -> CoverageGap:
        tried = f" (after {self.attempts} attempts)" if self.attempts > 1 else ""
        return CoverageGap(
            probe=probe,
            reason=self.fault.reason,
            message=f"{self.fault.message}{tried}",
            account=account,
            region=region,
            service=service,
        )


def regions_option() -> ProbeOption:
    return ProbeOption(
        "regions",
        "Regions whose buckets' replication is read (default: all; the others stay assets)",
        OptionKind.LIST,
    )


def endpoint_option(probe: str) -> ProbeOption:
    return ProbeOption(
        "endpoint",
        f"Base URL of the API (a private endpoint or a test server; also "
        f"ASSESSOR_{probe.upper()}_ENDPOINT); when set, no call goes anywhere else",
    )


def endpoint(probe: str, settings: ProbeSettings) -> str | None:
    """The endpoint override from ``--<probe>-endpoint`` or ``ASSESSOR_<PROBE>_ENDPOINT``."""
    return settings.text("endpoint") or os.environ.get(f"ASSESSOR_{probe.upper()}_ENDPOINT") or None


ABSENT = "absent"  # the Fault message for "no such configuration": not a fault at all


@dataclass(frozen=True)
class ErrorCodes:
    """How one provider's APIs name their faults, so every probe turns them into the same
    gap reasons (and retries what may pass)."""

    throttled: tuple[str, ...]  # code prefixes
    denied: tuple[str, ...]  # code prefixes
    disabled: tuple[str, ...] = ("NotEnabled", "NotActivated", "NotOpen")  # code substrings
    absent: tuple[str, ...] = ()  # codes that mean "nothing configured"
    service: str = "the service"  # named when it is not enabled

    def classify(self, code: str, status: int, message: str) -> Fault:
        text = " ".join((f"{code}: {message}" if code else message).split())[:300]
        if code in self.absent:
            return Fault(GapReason.ERROR, ABSENT)
        if status == 429 or code.startswith(self.throttled):
            return Fault(GapReason.THROTTLED, f"throttled: {text}", retry_after=0.5)
        if any(word in code for word in self.disabled) or "not enabled" in message.lower():
            return Fault(GapReason.ACCESS_DENIED, f"{self.service} is not enabled: {text}")
        if status in (401, 403) or code.startswith(self.denied):
            return Fault(GapReason.ACCESS_DENIED, f"access denied: {text}")
        if status >= 500 or code.startswith(("InternalError", "ServiceUnavailable")):
            return Fault(GapReason.ERROR, f"server error: {text}", retry_after=0.5)
        return Fault(GapReason.ERROR, text)


class BucketReader(Protocol):
    """A provider's object storage as the bucket pass sees it."""

    def buckets(self) -> Iterator[tuple[str, str | None]]: ...

    def replication(self, name: str, region: str | None) -> list[Flow]: ...


def read_buckets(
    reader: BucketReader,
    probe: str,
    service: str,
    make: Callable[[str, str | None, list[Flow]], Asset],
    account: str | None = None,
    regions: Iterable[str] = (),
) -> Generator[CoverageGap, None, dict[str, Asset]]:
    """Every bucket with its replication flows; a bucket whose rules cannot be read (or whose
    region is not among ``regions``, when any are chosen) is still an asset (its location is
    known), and what was not read a gap. Yields gaps, returns the buckets."""
    found: dict[str, Asset] = {}
    chosen = frozenset(regions)
    skipped: dict[str | None, list[str]] = {}
    try:
        for name, region in reader.buckets():
            flows: list[Flow] = []
            if chosen and region not in chosen:
                skipped.setdefault(region, []).append(name)
            else:
                try:
                    flows = reader.replication(name, region)
                except FaultError as error:
                    if error.fault.message != ABSENT:
                        yield error.gap(probe, account=account, region=region, service=service)
            found[name] = make(name, region, flows)
    except FaultError as error:
        yield error.gap(probe, account=account, region=None, service=service)
    for region, names in sorted(skipped.items(), key=lambda item: item[0] or ""):
        shown = ", ".join(sorted(names)[:5]) + (" …" if len(names) > 5 else "")
        yield CoverageGap(
            probe=probe,
            reason=GapReason.REGION_DISABLED,
            message=f"buckets in {region} (not selected by --{probe}-regions): listed with their "
            f"location, but their replication rules were not read ({len(names)}: {shown})",
            account=account,
            region=region,
            service=service,
            resource=names[0] if len(names) == 1 else None,
        )
    return found


def with_buckets(assets: Iterable[Asset], buckets: dict[str, Asset]) -> Iterator[Asset]:
    """The index's assets, a bucket among them given the flows its replication rules name;
    then the buckets the index did not list."""
    for asset in assets:
        bucket = buckets.pop(asset.name, None) if asset.kind == "bucket" else None
        yield replaced(asset, flows=bucket.flows) if bucket is not None else asset
    yield from buckets.values()


def with_copies(
    assets: list[Asset],
    probe: str,
    service: str,
    reads: Callable[[Asset], bool],
    read: Callable[[Asset], list[Flow]],
) -> Generator[CoverageGap, None, list[Asset]]:
    """One depth call per asset that ``reads`` picks (a database's cross-region backup
    policy), its copies added as flows; a refused call is a gap and the asset stays."""
    out: list[Asset] = []
    for asset in assets:
        if reads(asset):
            try:
                flows = read(asset)
            except FaultError as error:
                yield error.gap(probe, account=asset.account, region=asset.region, service=service)
            else:
                asset = replaced(asset, flows=(*asset.flows, *flows)) if flows else asset
        out.append(asset)
    return out


@contextlib.contextmanager
def scoped_environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration (the demo hands probes their credentials
    the way a user's shell would), then put back what was there."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def bucket_asset(
    provider: Provider,
    service: str,
    identity: str,
    name: str,
    region: str | None,
    flows: Iterable[Flow],
    account: str = "unknown",
) -> Asset:
    """An object-storage bucket the bucket pass found (with its replication flows)."""
    return Asset(
        id=identity,
        provider=provider,
        service=service,
        kind="bucket",
        name=name,
        account=account,
        region=region,
        flows=tuple(flows),
    )


CREDENTIALS_LIMITS = Limits(max_bytes=1024 * 1024)  # a credentials file is a few lines


@dataclass(frozen=True)
class KeySource:
    """Where a provider's own tools keep an access key: environment variables first, then the
    INI credentials file its CLI writes. Names are (id, secret[, session token])."""

    probe: str
    variables: tuple[str, ...]
    files: tuple[Path, ...]
    profile: str
    fields: tuple[str, ...]

    def keys(self) -> tuple[str, str, str | None]:
        given = [os.environ.get(name) or None for name in self.variables] + [None]
        if given[0] and given[1]:
            return given[0], given[1], given[2]
        for path in self.files:
            if path.is_file():
                return self._from_file(path)
        raise ConfigurationError(
            f"the {self.probe} probe needs {self.variables[0]} and {self.variables[1]}, "
            f"or a [{self.profile}] profile in {self.files[0]}"
        )

    def _from_file(self, path: Path) -> tuple[str, str, str | None]:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(read_bytes(path, CREDENTIALS_LIMITS).decode("utf-8"), str(path))
        except (configparser.Error, UnicodeDecodeError) as error:
            line = getattr(error, "lineno", None)
            raise InputError(str(path), line, None, str(error).splitlines()[0]) from None
        if not parser.has_section(self.profile):
            raise InputError(str(path), None, None, f"no [{self.profile}] profile")
        section = parser[self.profile]
        found = [section.get(name, "").strip() or None for name in self.fields] + [None, None]
        if not found[0] or not found[1]:
            wanted = f"{self.fields[0]} and {self.fields[1]}"
            raise InputError(str(path), None, f"[{self.profile}]", f"needs {wanted}")
        return found[0], found[1], found[2]
