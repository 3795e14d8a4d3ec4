"""One scan's account-regions shared out between processes, so it uses every core.

botocore spends about 2 ms of CPU per call and 2.3 ms per client (shared parts and all), so
one process tops out at a few hundred calls a second however many are in flight. The parent
opens the accounts (their role and enabled regions), which gives every listing task and
every (account, region) key the scan reads; the keys are dealt round-robin in that order,
and each forked process runs only its own keys' tasks (see ``BoundedScheduler.owns``). A
listing whose follow-ups land in other keys (S3's ListBuckets: each bucket is read in its
own region) runs in every process, each keeping what falls to it. The parent collects the
found facts, gaps and notes, and links them as a single process would.

A process that dies leaves its account-regions as ``unread`` coverage gaps that say why.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from assessor.forked import Lost, in_processes
from assessor.models import CoverageGap, GapReason
from assessor.probes.aws.gaps import GapCollector, GapRecords
from assessor.probes.aws.scheduler import Key, Task
from assessor.probes.aws.services.base import Found


@dataclass(frozen=True)
class Share:
    """Which keys process ``index`` of ``count`` reads."""

    index: int
    count: int
    positions: Mapping[Key, int]

    def owns(self, key: Key) -> bool:
        position = self.positions.get(key)
        if position is None:  # a region the listings did not name (a bucket's, say)
            position = zlib.crc32("/".join(key).encode())
        return position % self.count == self.index


@dataclass(frozen=True)
class ShareRead:
    """What one process sends back."""

    found: list[Found]
    gaps: GapRecords
    notes: list[str]
    calls: int


@dataclass(frozen=True)
class SplitRead:
    found: list[Found]
    notes: list[str]
    calls: int
    unread: list[CoverageGap]


def positions(keys: Iterable[Key]) -> dict[Key, int]:
    """Each key's place in the order given (account by account, region by region), so
    neighbours go to different processes."""
    order: dict[Key, int] = {}
    for key in keys:
        order.setdefault(key, len(order))
    return order


def read_split(
    tasks: list[Task[Found]],
    keys: list[Key],
    count: int,
    read: Callable[[list[Task[Found]], Callable[[Key], bool]], list[Found]],
    gaps: GapCollector,
    notes: list[str],
    calls: Callable[[], int],
) -> SplitRead:
    """Run ``read`` (the scheduler over ``tasks``) in ``count`` processes, dealing out
    ``keys`` (every account-region the scan reads, not only those a listing is keyed by:
    S3's buckets are read in their own regions) and gather what they found; their gaps are
    folded into ``gaps``."""
    order = positions([*keys, *(task.key for task in tasks)])
    notes_before, calls_before = len(notes), calls()

    def share(index: int) -> ShareRead:
        found = read(tasks, Share(index, count, order).owns)
        return ShareRead(found, gaps.records(), notes[notes_before:], calls() - calls_before)

    shares = in_processes(count, share)
    found: list[Found] = []
    added: list[str] = []
    total = 0
    for result in shares.done.values():
        found.extend(result.found)
        gaps.absorb(result.gaps)
        added.extend(note for note in result.notes if note not in added)
        total += result.calls
    unread = [gap for lost in shares.lost for gap in _unread(lost, Share(lost.index, count, order))]
    return SplitRead(found, added, total, unread)


def _unread(lost: Lost, share: Share) -> list[CoverageGap]:
    mine = sorted(key for key in share.positions if share.owns(key))
    by_account: dict[str, list[str]] = {}
    for account, region in mine:
        by_account.setdefault(account, []).append(region)
    return [
        CoverageGap(
            probe="aws",
            reason=GapReason.UNREAD,
            message=f"{', '.join(regions)} not read: {lost.why}",
            account=account,
        )
        for account, regions in by_account.items()
    ]
