"""The index listing every index probe declares, and the one loop that reads it: page by
page within the provider's pace, each page's items handed on as soon as it is read, so a
page that fails after its retries costs only the pages after it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from assessor.models import CoverageGap
from assessor.probes.live.calls import Fault, FaultError, Pacer, call

_Item = TypeVar("_Item")


@dataclass(frozen=True)
class Listing(Generic[_Item]):
    """A paginated listing: ``fetch(token)`` asks for one page (None: the first), ``items``
    reads a page's items, ``next_token`` the token of the page after it (None or empty:
    the last). ``operation`` and ``service`` name it in a gap; ``noun`` says what was lost
    ("resources after page 2 not read")."""

    operation: str
    service: str
    fetch: Callable[[str | None], Any]
    items: Callable[[Any], Iterable[_Item]]
    next_token: Callable[[Any], str | None]
    noun: str = "resources"


@dataclass(frozen=True)
class Reading:
    """Who reads a listing and how: the probe, its fault classifier, pace and attempts, and
    what a gap is about (the account or scope, the region)."""

    probe: str
    classify: Callable[[Exception], Fault | None]
    attempts: int
    pacer: Pacer | None = None
    account: str | None = None
    region: str | None = None


def read_pages(listing: Listing[_Item], reading: Reading) -> Iterator[_Item | CoverageGap]:
    """Every item of every page; a page that fails after its retries ends the listing with
    one gap naming the operation and how far it got (the items already yielded stand)."""
    token: str | None = None
    pages = 0
    while True:
        try:
            page = call(
                partial(listing.fetch, token), reading.classify, reading.pacer, reading.attempts
            )
        except FaultError as error:
            lost = f"{listing.noun} after page {pages}" if pages else ""
            yield error.gap(
                reading.probe,
                account=reading.account,
                region=reading.region,
                service=listing.service,
                operation=listing.operation,
                lost=lost,
            )
            return
        pages += 1
        yield from listing.items(page)
        token = listing.next_token(page)
        if not token:
            return


def split(found: Iterable[_Item | CoverageGap]) -> tuple[list[_Item], list[CoverageGap]]:
    """Items and gaps apart, in their order."""
    items: list[_Item] = []
    gaps: list[CoverageGap] = []
    for entry in found:
        if isinstance(entry, CoverageGap):
            gaps.append(entry)
        else:
            items.append(entry)
    return items, gaps
