"""Turning AWS errors into coverage gaps, grouped so one denied region is one gap."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from assessor.models import CoverageGap, GapReason

_REASONS = {
    "AccessDenied": GapReason.ACCESS_DENIED,
    "AccessDeniedException": GapReason.ACCESS_DENIED,
    "UnauthorizedOperation": GapReason.ACCESS_DENIED,
    "UnauthorizedException": GapReason.ACCESS_DENIED,
    "AllAccessDisabled": GapReason.ACCESS_DENIED,
    "AWSOrganizationsNotInUseException": GapReason.ACCESS_DENIED,
    "Throttling": GapReason.THROTTLED,
    "ThrottlingException": GapReason.THROTTLED,
    "ThrottledException": GapReason.THROTTLED,
    "RequestLimitExceeded": GapReason.THROTTLED,
    "SlowDown": GapReason.THROTTLED,
    "TooManyRequestsException": GapReason.THROTTLED,
    "RequestThrottled": GapReason.THROTTLED,
    "OptInRequired": GapReason.REGION_DISABLED,
    "AuthFailure": GapReason.REGION_DISABLED,
    "InvalidClientTokenId": GapReason.REGION_DISABLED,
    "UnrecognizedClientException": GapReason.REGION_DISABLED,
}


# Everything an AWS call can fail with that is about the answer, not about our code: API
# errors, transport failures, and answers that are not the protocol at all (a proxy's HTML
# page), which botocore raises as ResponseParserError outside its BotoCoreError tree.
AWS_ERRORS = (ClientError, BotoCoreError, ResponseParserError)


def error_code(error: Exception) -> str | None:
    if isinstance(error, ClientError):
        code: str | None = error.response.get("Error", {}).get("Code")
        return code
    return None


def gap_reason(error: Exception) -> GapReason:
    code = error_code(error)
    if code in _REASONS:
        return _REASONS[code]
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 403:
            return GapReason.ACCESS_DENIED
        if status in (429, 503):
            return GapReason.THROTTLED
    return GapReason.ERROR


def describe(error: Exception) -> str:
    """``Operation: Code`` for API errors; the exception type for transport failures."""
    if isinstance(error, ClientError):
        operation = getattr(error, "operation_name", None) or "call"
        code = error_code(error) or str(
            error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "error")
        )
        return f"{operation}: {code}"
    if isinstance(error, BotoCoreError | ResponseParserError):
        first_line = str(error).splitlines()[0] if str(error) else ""
        return f"{type(error).__name__}: {first_line}"
    return f"unexpected {type(error).__name__}: {error}"


_Key = tuple[GapReason, str | None, str, str | None]


# What a collector holds, as plain data a forked process can send back.
GapRecords = tuple[dict[_Key, set[str]], dict[_Key, set[str]], dict[_Key, set[str]]]


class GapCollector:
    """Groups failures by (reason, account, service, region) and names the operations and
    resources each group affected: a throttled service in one region is one gap, and 200
    denied buckets are one gap, not 200."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: dict[_Key, set[str]] = defaultdict(set)
        self._resources: dict[_Key, set[str]] = defaultdict(set)
        self._operations: dict[_Key, set[str]] = defaultdict(set)

    def add(
        self,
        reason: GapReason,
        message: str,
        *,
        account: str | None,
        service: str,
        region: str | None,
        resource: str | None = None,
        operation: str | None = None,
    ) -> None:
        key = (reason, account, service, region)
        with self._lock:
            self._messages[key].add(message)
            if resource:
                self._resources[key].add(resource)
            if operation:
                self._operations[key].add(operation)

    def record(
        self,
        error: Exception,
        *,
        account: str | None,
        service: str,
        region: str | None,
        resource: str | None = None,
    ) -> None:
        named = getattr(error, "operation_name", None)
        self.add(
            gap_reason(error),
            describe(error),
            account=account,
            service=service,
            region=region,
            resource=resource,
            operation=f"{service}:{named}" if named else None,
        )

    def records(self) -> GapRecords:
        with self._lock:
            return dict(self._messages), dict(self._resources), dict(self._operations)

    def absorb(self, records: GapRecords) -> None:
        """Add another collector's records (the same failure seen twice is one gap)."""
        messages, resources, operations = records
        with self._lock:
            for key, texts in messages.items():
                self._messages[key] |= texts
            for key, names in resources.items():
                self._resources[key] |= names
            for key, called in operations.items():
                self._operations[key] |= called

    def gaps(self) -> Iterator[CoverageGap]:
        def order(key: _Key) -> tuple[str, ...]:
            reason, account, service, region = key
            return (account or "", service, region or "", reason.value)

        for key in sorted(self._messages, key=order):
            reason, account, service, region = key
            detail = "; ".join(sorted(self._messages[key]))
            names = sorted(self._resources.get(key, ()))
            called = self._operations.get(key, set())
            if names:
                shown = ", ".join(names[:5])
                more = f" and {len(names) - 5} more" if len(names) > 5 else ""
                detail = f"{detail} ({len(names)}: {shown}{more})"
            yield CoverageGap(
                probe="aws",
                reason=reason,
                message=detail,
                account=account,
                region=region,
                service=service,
                # Where one operation (one resource) is behind the gap, it is named.
                operation=next(iter(called)) if len(called) == 1 else None,
                resource=names[0] if len(names) == 1 else None,
            )
