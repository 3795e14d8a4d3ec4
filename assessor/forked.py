"""The one pool of forked worker processes: a CPU-bound scan split into shares (the AWS
probe), and an organization's units read one process each (shards).

A Python process runs one thread at a time: an SDK that spends a couple of milliseconds
of CPU per call (botocore does: signing, endpoint rules, parsing) caps a scan at a few
hundred calls a second however many calls the network could carry, and a process that has
read an account gives its memory back only when it ends. Forked children start with
everything the parent has loaded (modules, service models), each does its piece of work
and sends back what it returned through a pipe.

A child that dies (killed, out of memory) is reported as :class:`Lost` with the reason,
never as an empty share. An exception a child raises is raised again in the parent, so a
refused write (``ReadOnlyViolation``) or bad input stops the run as it would in-process.
Fork only: where the platform lacks it (or this is not the main thread of a process
without other threads) callers run in-process instead (``can_fork``).
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import signal
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

_T = TypeVar("_T")


@dataclass(frozen=True)
class Lost:
    """A share whose process ended without sending its result."""

    index: int
    why: str


@dataclass(frozen=True)
class Shares(Generic[_T]):
    done: dict[int, _T]
    lost: tuple[Lost, ...]


def can_fork() -> bool:
    """Forking is safe only where fork exists and no other thread could be holding a lock
    the child would inherit locked."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


# Told in the parent as each piece ends: its index, and what it returned or why it was lost.
Ended = Callable[[int, "_T | Lost"], None]


def in_processes(
    count: int,
    work: Callable[[int], _T],
    *,
    at_once: int | None = None,
    ended: Callable[[int, _T | Lost], None] | None = None,
) -> Shares[_T]:
    """``work(0)`` … ``work(count - 1)``, each in its own forked process, at most
    ``at_once`` running together (default: all), in index order; ``ended`` hears of each as
    it ends."""
    context = multiprocessing.get_context("fork")
    # What the parent has loaded (modules, service models) is shared with the children
    # page by page until someone writes to it, and a garbage collection writes to every
    # object it visits: frozen, the collector leaves them alone (gc.freeze's documented
    # use before fork).
    gc.freeze()
    try:
        return _gather(context, count, work, max(1, at_once or count), ended)
    finally:
        gc.unfreeze()


def _gather(
    context: Any,
    count: int,
    work: Callable[[int], _T],
    at_once: int,
    ended: Callable[[int, _T | Lost], None] | None,
) -> Shares[_T]:
    children: dict[Connection, tuple[int, multiprocessing.process.BaseProcess]] = {}
    waiting = iter(range(count))
    done: dict[int, _T] = {}
    lost: list[Lost] = []
    raised: BaseException | None = None

    def start(index: int) -> None:
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(work, index, send), daemon=True)
        process.start()
        send.close()  # the child's end: once the child exits, a read here ends too
        children[receive] = (index, process)

    for index in itertools.islice(waiting, at_once):
        start(index)
    while children:
        for ready in wait(list(children)):
            assert isinstance(ready, Connection)
            index, child = children.pop(ready)
            try:
                kind, payload = ready.recv()
            except (EOFError, OSError):
                kind, payload = "lost", None
            finally:
                ready.close()
            child.join()
            if kind == "done":
                done[index] = payload
            elif kind == "lost":
                lost.append(Lost(index, _death(child.exitcode)))
            elif raised is None:
                raised = payload
            if ended is not None and kind != "raised":
                ended(index, done[index] if kind == "done" else lost[-1])
            for following in itertools.islice(waiting, 1):
                start(following)
    if raised is not None:
        raise raised
    return Shares(done, tuple(lost))


def _child(work: Callable[[int], _T], index: int, send: Connection) -> None:
    message: tuple[str, object]
    try:
        message = ("done", work(index))
    except BaseException as error:  # handed to the parent, which raises it
        message = ("raised", error)
    try:
        send.send(message)
    except Exception as error:  # what does not pickle goes back as text
        payload = message[1]
        text = (
            "".join(traceback.format_exception(payload))
            if isinstance(payload, BaseException)
            else f"share {index}'s result could not be sent back: {error}"
        )
        send.send(("raised", RuntimeError(text)))
    finally:
        send.close()
        os._exit(0)  # no atexit handlers or finalizers inherited from the parent


def _death(code: int | None) -> str:
    if code is not None and code < 0:
        return f"its worker process was killed by {signal.Signals(-code).name}"
    return f"its worker process exited with status {code} before sending back what it read"
