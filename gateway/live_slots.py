"""A bound on open live streams (GraphQL subscriptions, Server-Sent Events) per key: each
holds a connection and a listener open for as long as it lasts, so one account or one page
session cannot hold an unbounded number."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Generic, TypeVar

__all__ = ["Listening", "LiveSlots", "NoSlot", "Slot"]

T = TypeVar("T")


class NoSlot(Exception):
    """Every slot of the key is taken."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} live streams at once")
        self.limit = limit


class Slot:
    """One taken slot, given back when its ``with`` block ends."""

    def __init__(self, slots: LiveSlots, key: str) -> None:
        self._slots = slots
        self._key = key
        self._open = True

    def __enter__(self) -> Slot:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.release()

    def release(self) -> None:
        """Give the slot back (once)."""
        if self._open:
            self._open = False
            self._slots._give_back(self._key)


class LiveSlots:
    """At most ``limit`` open streams per key, in this process (all on one event loop)."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self.limit = limit
        self._open: Counter[str] = Counter()

    def take(self, key: str) -> Slot:
        """A slot for ``key``; NoSlot when all of its slots are taken."""
        if self._open[key] >= self.limit:
            raise NoSlot(self.limit)
        self._open[key] += 1
        return Slot(self, key)

    def open(self, key: str) -> int:
        """How many of ``key``'s slots are taken."""
        return self._open[key]

    def _give_back(self, key: str) -> None:
        self._open[key] -= 1
        if self._open[key] <= 0:
            del self._open[key]


class Listening(Generic[T]):
    """A live source's items until a deadline (none: until the source ends). ``start``
    makes the source listen at once: an async generator registers its listener only when
    first iterated, and a catch-up read made after ``start`` then misses nothing delivered
    meanwhile."""

    def __init__(self, source: AsyncIterator[T], seconds: float | None) -> None:
        self._source = source
        self._loop = asyncio.get_running_loop()
        self._deadline = None if seconds is None else self._loop.time() + seconds
        self._pending: asyncio.Future[T] | None = None

    async def start(self) -> None:
        """Begin waiting for the source's next item (its first step runs before this
        returns)."""
        if self._pending is None:
            self._pending = asyncio.ensure_future(anext(self._source))
            await asyncio.sleep(0)

    def __aiter__(self) -> Listening[T]:
        return self

    async def __anext__(self) -> T:
        await self.start()
        pending = self._pending
        assert pending is not None
        wait = None if self._deadline is None else self._deadline - self._loop.time()
        if wait is not None and wait <= 0:
            raise StopAsyncIteration
        done, _ = await asyncio.wait({pending}, timeout=wait)
        if not done:
            raise StopAsyncIteration
        self._pending = None
        return pending.result()  # StopAsyncIteration when the source ended

    async def aclose(self) -> None:
        """Stop waiting and close the source."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await pending
        close = getattr(self._source, "aclose", None)
        if close is not None:
            await close()
