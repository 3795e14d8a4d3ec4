"""Part of a scan in each of several forked processes, for probes whose scan is CPU-bound.

A Python process runs one thread at a time: an SDK that spends a couple of milliseconds
of CPU per call (botocore does: signing, endpoint rules, parsing) caps a scan at a few
hundred calls a second however many calls the network could carry. Forked children
start with everything the parent has loaded (modules, service models), each does its
share and sends back what it found through a pipe.

A child that dies (killed, out of memory) is reported as :class:`Lost` with the reason,
never as an empty share. An exception a child raises is raised again in the parent, so a
refused write (``ReadOnlyViolation``) or bad input stops the run as it would in-process.
Fork only: where the platform lacks it (or this is not the main thread of a process
without other threads) callers run in-process instead (``can_fork``).
"""

from __future__ import annotations

import gc
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


def in_processes(count: int, work: Callable[[int], _T]) -> Shares[_T]:
    """``work(0)`` … ``work(count - 1)``, each in its own forked process."""
    context = multiprocessing.get_context("fork")
    # What the parent has loaded (modules, service models) is shared with the children
    # page by page until someone writes to it, and a garbage collection writes to every
    # object it visits: frozen, the collector leaves them alone (gc.freeze's documented
    # use before fork).
    gc.freeze()
    try:
        return _gather(context, count, work)
    finally:
        gc.unfreeze()


def _gather(context: Any, count: int, work: Callable[[int], _T]) -> Shares[_T]:
    children: dict[Connection, tuple[int, multiprocessing.process.BaseProcess]] = {}
    for index in range(count):
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(work, index, send), daemon=True)
        process.start()
        send.close()  # the child's end: once the child exits, a read here ends too
        children[receive] = (index, process)
    done: dict[int, _T] = {}
    lost: list[Lost] = []
    raised: BaseException | None = None
    while children:
        for ready in wait(list(children)):
            assert isinstance(ready, Connection)
            index, child = children.pop(ready)
            try:
                kind, payload = ready.recv()
            except (EOFError, OSError):
                child.join()
                lost.append(Lost(index, _death(child.exitcode)))
                continue
            finally:
                ready.close()
            child.join()
            if kind == "done":
                done[index] = payload
            elif raised is None:
                raised = payload
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
        return f"its process was killed by {signal.Signals(-code).name}"
    return f"its process exited with status {code} before sending what it read"
