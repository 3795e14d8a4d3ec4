"""How a provider names its faults, as data: each error code the probe knows, the reason it
means, and where the code is defined (the SDK's own error-code table, or the API reference).

Faults are told apart by code and HTTP status, never by message text: a message is for
people and changes between releases and languages. Codes are hierarchical at most
providers (``AuthFailure.SignatureFailure``, ``Throttling.User``), so a code also matches
the entries it extends at a dot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from assessor.models import GapReason
from assessor.probes.live.calls import Fault

# The message of a fault that is not one: "no replication rules", "no backup policy".
ABSENT = "absent"
RETRY_AFTER = 0.5  # seconds before asking again, when the provider does not say


@dataclass(frozen=True)
class Code:
    """One error code: what it means, and where the provider defines it. ``source`` is a
    module of the installed SDK whose constants name the code (checked by a test), or the
    URL of the API reference that does."""

    code: str
    reason: GapReason
    source: str
    # Asking again can help (throttling, a server's passing fault).
    retry: bool = False


def throttled(code: str, source: str) -> Code:
    """A throttling code: asked again after a pause."""
    return Code(code, GapReason.THROTTLED, source, retry=True)


def denied(code: str, source: str) -> Code:
    """A code that means the caller may not read this."""
    return Code(code, GapReason.ACCESS_DENIED, source)


def not_enabled(code: str, source: str) -> Code:
    """A code that means the service was never enabled, or was switched off."""
    return Code(code, GapReason.NOT_ENABLED, source)


def transient(code: str, source: str) -> Code:
    """A server fault that may pass."""
    return Code(code, GapReason.ERROR, source, retry=True)


@dataclass(frozen=True)
class ErrorTable:
    """A provider's error codes (and those that mean "nothing configured", which are no
    fault at all), read by code and HTTP status."""

    codes: tuple[Code, ...]
    absent: tuple[Code, ...] = ()

    def entries(self) -> Iterable[Code]:
        """Every code the table names, with its source."""
        return (*self.codes, *self.absent)

    def classify(self, code: str, status: int, message: str = "") -> Fault:
        """The fault behind an error answer; ``message`` only words the gap."""
        text = " ".join((f"{code}: {message}" if code else message).split())[:300]
        if code and any(code == entry.code for entry in self.absent):
            return Fault(GapReason.ERROR, ABSENT)
        entry = self._lookup(code)
        if entry is not None:
            return _fault(entry.reason, text, entry.retry)
        if status == 429:
            return _fault(GapReason.THROTTLED, text, True)
        if status in (401, 403):
            return _fault(GapReason.ACCESS_DENIED, text, False)
        if status >= 500:
            return _fault(GapReason.ERROR, text, True)
        return Fault(GapReason.ERROR, text or f"HTTP {status}")

    def _lookup(self, code: str) -> Code | None:
        by_code = {entry.code: entry for entry in self.codes}  # a dozen entries: cheap
        while code:
            if code in by_code:
                return by_code[code]
            code = code.rpartition(".")[0]  # AuthFailure.SignatureFailure → AuthFailure
        return None


_WORDS = {
    GapReason.THROTTLED: "throttled",
    GapReason.ACCESS_DENIED: "access denied",
    GapReason.NOT_ENABLED: "not enabled",
    GapReason.ERROR: "error",
}


def _fault(reason: GapReason, text: str, retry: bool) -> Fault:
    words = _WORDS.get(reason, reason.value)
    return Fault(reason, f"{words}: {text}", RETRY_AFTER if retry else None)
