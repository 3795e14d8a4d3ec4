"""One call to a provider's API as every index probe makes it: through a client that exposes
only declared operations, within the provider's pace, retried while retrying can help, and a
fault that outlasts the retries raised as a :class:`FaultError` that becomes a gap."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from assessor.models import CoverageGap, GapReason
from assessor.probes.base import ReadOnlyViolation

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
        """Sleep until this call's turn."""
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
        self,
        probe: str,
        *,
        account: str | None,
        region: str | None,
        service: str,
        operation: str | None = None,
        resource: str | None = None,
        lost: str = "",
    ) -> CoverageGap:
        """The coverage gap this fault leaves: what it is about, and ``lost``, what was not
        read because of it ("resources after page 2")."""
        tried = f" (after {self.attempts} attempts)" if self.attempts > 1 else ""
        return CoverageGap(
            probe=probe,
            reason=self.fault.reason,
            message=f"{self.fault.message}{tried}" + (f"; {lost} not read" if lost else ""),
            account=account,
            region=region,
            service=service,
            operation=operation,
            resource=resource,
        )


class UnparsableAnswer(Exception):
    """An answer the SDK could not read (a proxy's page, a truncated body): raised by a
    probe's call wrapper so its classifier tells it apart by type, not by message."""
