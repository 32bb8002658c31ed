"""Group commit: one writer thread commits whatever is waiting as one batch.

Every caller's item waits in one queue; the writer thread takes everything that is waiting
(up to ``max_batch``), hands the lot to ``commit`` and settles each caller with its own
outcome. One commit covers a whole batch, so the busier the queue, the bigger the batches.
Callers wait on a ``concurrent.futures.Future`` (synchronous code) or an asyncio future on
their own event loop.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["MAX_BATCH", "Commit", "CommitObserver", "GroupCommit", "commit_observers"]

MAX_BATCH = 4096

T = TypeVar("T")
R = TypeVar("R")

# Commits a batch; one outcome per item, in the batch's order (a result or the error).
Commit = Callable[[Sequence[T]], Sequence[R | BaseException]]
# Told after each batch: the writer's name, the batch's size and the seconds its commit took
# (the whole transaction, its fsync included). aggregator.telemetry.metrics adds one; an
# observer runs on the writer thread and must be quick.
CommitObserver = Callable[[str, int, float], None]
commit_observers: list[CommitObserver] = []


@dataclass(slots=True)
class _Pending(Generic[T, R]):
    item: T
    future: Future[R] | None = None  # synchronous callers
    waiter: asyncio.Future[R] | None = None  # callers on an event loop
    loop: asyncio.AbstractEventLoop | None = None


def _settle_waiters(outcomes: list[tuple[asyncio.Future[R], R | BaseException]]) -> None:
    for waiter, outcome in outcomes:
        if waiter.done():
            continue  # the caller gave up (cancelled); the entry is on disk regardless
        if isinstance(outcome, BaseException):
            waiter.set_exception(outcome)
        else:
            waiter.set_result(outcome)


class GroupCommit(Generic[T, R]):
    """A queue drained by one writer thread that commits what is waiting in batches."""

    def __init__(self, commit: Commit[T, R], *, name: str,
                 max_batch: int = MAX_BATCH) -> None:
        self._commit = commit
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Pending[T, R] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, item: T) -> Future[R]:
        """Queue ``item``; the future resolves with its outcome once its batch committed."""
        future: Future[R] = Future()
        self._queue.put(_Pending(item, future=future))
        return future

    def submit_async(self, item: T) -> asyncio.Future[R]:
        """Queue ``item``; the future, on the running event loop, resolves with its outcome.

        A plain function, not a coroutine: the caller awaits the future itself, which saves
        a coroutine per entry on the request path."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[R] = loop.create_future()
        self._queue.put(_Pending(item, waiter=waiter, loop=loop))
        return waiter

    def close(self, timeout_s: float) -> None:
        """Commit what is queued, then stop the writer (waiting at most ``timeout_s``)."""
        self._queue.put(None)
        deadline = time.monotonic() + timeout_s
        self._thread.join(max(0.0, deadline - time.monotonic()))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            while len(batch) < self._max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # finish this batch, then stop
                    break
                batch.append(more)
            started = time.perf_counter()
            outcomes = self._commit([pending.item for pending in batch])
            for observe in commit_observers:
                observe(self._thread.name, len(batch), time.perf_counter() - started)
            self._settle(list(zip(batch, outcomes, strict=True)))

    @staticmethod
    def _settle(outcomes: list[tuple[_Pending[T, R], R | BaseException]]) -> None:
        # One wake-up per event loop per batch, not one per entry: under load a batch holds
        # dozens of requests' entries.
        by_loop: dict[asyncio.AbstractEventLoop,
                      list[tuple[asyncio.Future[R], R | BaseException]]] = {}
        for pending, outcome in outcomes:
            if pending.future is not None:
                if isinstance(outcome, BaseException):
                    pending.future.set_exception(outcome)
                else:
                    pending.future.set_result(outcome)
            elif pending.waiter is not None and pending.loop is not None:
                by_loop.setdefault(pending.loop, []).append((pending.waiter, outcome))
        for loop, waiters in by_loop.items():
            if not loop.is_closed():
                loop.call_soon_threadsafe(_settle_waiters, waiters)
