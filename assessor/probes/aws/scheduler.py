"""A bounded scheduler: many calls in flight, never too many against one account-region.

Inventory time is set by how many calls are in flight, so every unit of work (list one
service in one region, read one bucket's settings) is a task, and a task that discovers
more work returns it as follow-up tasks instead of waiting on them: no worker ever blocks
on another, so the pool cannot deadlock and stays full. Workers take their next task
themselves the moment one ends (no round trip through a dispatcher thread), round-robin
over (account, region) keys, each capped, because AWS throttles per account and region.

Two lanes: *discovery* tasks list a service in a region (the first one in each region also
builds that service's client, several ms of CPU) and *detail* tasks read one resource.
Detail goes first, but discovery always keeps a quarter of the pool while it has work:
at the start of a scan the CPU builds clients while the rest of the pool is already busy
with calls, instead of every thread waiting on client construction at once (measured on
the AWS benchmark: the first five seconds averaged 11 of 32 calls in flight before this).

A scan split across processes runs one scheduler in each, and ``owns`` says which keys
are this one's: tasks for other keys are dropped, except ``everywhere`` tasks (listings
whose follow-ups fall in other keys, S3's ListBuckets) that run in every process, each
keeping the follow-ups it owns and only the key's owner keeping what the task found.
"""

from __future__ import annotations

import contextlib
import gc
import queue
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

_T = TypeVar("_T")
Key = tuple[str, str]


@dataclass(frozen=True)
class Task(Generic[_T]):
    """One unit of work; it returns results and possibly more tasks."""

    key: Key
    run: Callable[[], Iterable[_T | Task[_T]]]
    discovery: bool = False
    everywhere: bool = False


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class BoundedScheduler(Generic[_T]):
    def __init__(
        self, concurrency: int, per_key: int, owns: Callable[[Key], bool] | None = None
    ) -> None:
        self.concurrency = max(1, concurrency)
        self.per_key = max(1, per_key)
        self.owns = owns or (lambda _key: True)
        # Per lane (discovery?), per key, in arrival order.
        self._queues: dict[bool, dict[Key, deque[Task[_T]]]] = {True: {}, False: {}}
        self._in_flight: Counter[Key] = Counter()
        self._discovering = 0
        self._discovery_share = max(1, self.concurrency // 4)
        self._pending = 0  # queued or running
        self._ready = threading.Condition()
        self._stopped = False

    def add(self, task: Task[_T]) -> None:
        with self._ready:
            self._queue(task)
            self._ready.notify()

    def _queue(self, task: Task[_T]) -> None:
        if not (task.everywhere or self.owns(task.key)):
            return  # another process's
        self._queues[task.discovery].setdefault(task.key, deque()).append(task)
        self._pending += 1

    def run(self) -> Iterator[_T]:
        """Run every task (and the tasks they return); yield results as they complete.

        An exception a task raises stops the run and is raised here.
        """
        with _fewer_collections():
            yield from self._run()

    def _run(self) -> Iterator[_T]:
        results: queue.SimpleQueue[_T | _Failed | None] = queue.SimpleQueue()
        workers = [
            threading.Thread(target=self._work, args=(results,), name=f"aws-{n}", daemon=True)
            for n in range(self.concurrency)
        ]
        for worker in workers:
            worker.start()
        try:
            finished = 0
            while finished < len(workers):
                item = results.get()
                if item is None:
                    finished += 1
                elif isinstance(item, _Failed):
                    raise item.error
                else:
                    yield item
        finally:
            with self._ready:
                self._stopped = True
                self._ready.notify_all()
            for worker in workers:
                worker.join()

    def _work(self, results: queue.SimpleQueue[_T | _Failed | None]) -> None:
        try:
            while (task := self._next()) is not None:
                try:
                    found = list(task.run())
                except BaseException as error:  # handed to the caller's thread
                    results.put(_Failed(error))
                    return
                with self._ready:
                    for item in found:
                        if isinstance(item, Task):
                            self._queue(item)
                    self._in_flight[task.key] -= 1
                    self._discovering -= task.discovery
                    self._pending -= 1
                    self._ready.notify_all()
                if task.everywhere and not self.owns(task.key):
                    continue  # its findings are its key's owner's to report
                for item in found:
                    if not isinstance(item, Task):
                        results.put(item)
        finally:
            results.put(None)

    def _next(self) -> Task[_T] | None:
        """The next task whose key has room, detail first unless discovery is below its
        share; None once all work is done."""
        with self._ready:
            while True:
                if self._stopped or self._pending == 0:
                    return None
                lanes = (
                    (True, False) if self._discovering < self._discovery_share else (False, True)
                )
                for discovery in lanes:
                    task = self._take(self._queues[discovery])
                    if task is not None:
                        self._in_flight[task.key] += 1
                        self._discovering += task.discovery
                        return task
                self._ready.wait()

    def _take(self, queues: dict[Key, deque[Task[_T]]]) -> Task[_T] | None:
        for key in list(queues):
            if self._in_flight[key] < self.per_key:
                waiting = queues.pop(key)
                task = waiting.popleft()
                if waiting:
                    queues[key] = waiting  # to the back: round-robin
                return task
        return None


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect garbage less often while calls are in flight.

    Every call allocates thousands of short-lived objects, so at CPython's default
    thresholds a collection runs every few calls, and the full ones walk botocore's large
    service models, all while holding the lock the waiting threads need to read their
    answers. Measured on the AWS benchmark: 2.1 s of 32 s went to 1,647 collections.
    """
    saved = gc.get_threshold()
    gc.set_threshold(20_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*saved)
