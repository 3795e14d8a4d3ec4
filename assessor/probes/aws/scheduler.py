"""A bounded scheduler: many calls in flight, never too many against one account-region.

Inventory time is set by how many calls are in flight, so every unit of work (list one
service in one region, read one bucket's settings) is a task, and a task that discovers
more work returns it as follow-up tasks instead of waiting on them: no worker ever blocks
on another, so the pool cannot deadlock and stays full. Tasks are dispatched round-robin
over (account, region) keys, each capped, because AWS throttles per account and region.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Generic, TypeVar

_T = TypeVar("_T")
Key = tuple[str, str]


@dataclass(frozen=True)
class Task(Generic[_T]):
    """One unit of work; it returns results and possibly more tasks."""

    key: Key
    run: Callable[[], Iterable[_T | Task[_T]]]


class BoundedScheduler(Generic[_T]):
    def __init__(self, concurrency: int, per_key: int) -> None:
        self.concurrency = max(1, concurrency)
        self.per_key = max(1, per_key)
        self._queues: dict[Key, deque[Task[_T]]] = {}
        self._in_flight: Counter[Key] = Counter()

    def add(self, task: Task[_T]) -> None:
        self._queues.setdefault(task.key, deque()).append(task)

    def run(self) -> Iterator[_T]:
        """Run every task (and the tasks they return); yield results as they complete."""
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="aws") as pool:
            running: dict[Future[Iterable[_T | Task[_T]]], Key] = {}
            while self._queues or running:
                self._dispatch(pool, running)
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    self._in_flight[running.pop(future)] -= 1
                    for item in future.result():
                        if isinstance(item, Task):
                            self.add(item)
                        else:
                            yield item

    def _dispatch(
        self, pool: ThreadPoolExecutor, running: dict[Future[Iterable[_T | Task[_T]]], Key]
    ) -> None:
        progress = True
        while progress and len(running) < self.concurrency:
            progress = False
            for key in list(self._queues):
                if len(running) >= self.concurrency:
                    return
                if self._in_flight[key] >= self.per_key:
                    continue
                queue = self._queues[key]
                task = queue.popleft()
                if not queue:
                    del self._queues[key]
                # list() inside the worker: a task may be a generator, run it there.
                running[pool.submit(_drain, task.run)] = key
                self._in_flight[key] += 1
                progress = True


def _drain(run: Callable[[], Iterable[_T | Task[_T]]]) -> list[_T | Task[_T]]:
    return list(run())
