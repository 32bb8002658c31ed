"""A bound on open live streams (GraphQL subscriptions, Server-Sent Events) per key: each
holds a connection and a listener open for as long as it lasts, so one account or one page
session cannot hold an unbounded number."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator
from types import TracebackType
from typing import TypeVar

__all__ = ["LiveSlots", "NoSlot", "Slot", "until"]

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


async def until(source: AsyncIterator[T], seconds: float | None) -> AsyncGenerator[T, None]:
    """``source``'s items until ``seconds`` have passed (forever when None)."""
    loop = asyncio.get_running_loop()
    deadline = None if seconds is None else loop.time() + seconds
    iterator = aiter(source)
    try:
        while True:
            wait = None if deadline is None else deadline - loop.time()
            if wait is not None and wait <= 0:
                return
            try:
                item = await asyncio.wait_for(anext(iterator), wait)
            except (StopAsyncIteration, TimeoutError):
                return
            yield item
    finally:
        close = getattr(iterator, "aclose", None)
        if close is not None:
            await close()
