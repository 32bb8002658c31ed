"""Bounds on open live streams per key, and a stream that ends at a deadline."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from gateway.live_slots import Listening, LiveSlots, NoSlot


def test_a_key_holds_at_most_its_limit_and_a_released_slot_is_free_again() -> None:
    slots = LiveSlots(2)
    first, _second = slots.take("a"), slots.take("a")
    with pytest.raises(NoSlot) as refused:
        slots.take("a")
    assert refused.value.limit == 2 and str(refused.value) == "at most 2 live streams at once"
    assert slots.take("b") is not None  # another key is not bound by a's
    first.release()
    first.release()  # twice: given back once
    assert slots.open("a") == 1
    with slots.take("a"):
        assert slots.open("a") == 2
    assert slots.open("a") == 1


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="limit must be at least 1, got 0"):
        LiveSlots(0)


async def test_listening_passes_items_on_and_ends_at_the_deadline_closing_the_source(
        ) -> None:
    closed = asyncio.Event()
    queue: asyncio.Queue[int] = asyncio.Queue()

    async def source() -> AsyncIterator[int]:
        try:
            while True:
                yield await queue.get()
        finally:
            closed.set()

    queue.put_nowait(1)
    queue.put_nowait(2)
    live = Listening(source(), 0.3)
    seen = [item async for item in live]
    await live.aclose()
    assert seen == [1, 2]
    assert closed.is_set()


async def test_start_registers_a_lazy_source_before_anything_is_read() -> None:
    """An async generator's listener exists only once it runs: start() runs it."""
    listeners: list[asyncio.Queue[int]] = []

    async def source() -> AsyncIterator[int]:
        queue: asyncio.Queue[int] = asyncio.Queue()
        listeners.append(queue)
        while True:
            yield await queue.get()

    live = Listening(source(), None)
    assert listeners == []
    await live.start()
    assert len(listeners) == 1
    listeners[0].put_nowait(7)  # delivered before anyone asked for it: not lost
    assert await anext(live) == 7
    await live.aclose()


async def test_listening_without_a_deadline_ends_with_its_source() -> None:
    async def three() -> AsyncIterator[int]:
        for item in range(3):
            yield item

    assert [item async for item in Listening(three(), None)] == [0, 1, 2]
