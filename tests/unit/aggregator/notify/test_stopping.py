"""Stopping background tasks: a lost cancellation is repeated, a task that never ends is
named in an error instead of waited for forever."""

from __future__ import annotations

import asyncio
import logging

import pytest

from aggregator.notify.stopping import TasksDidNotStop, stop_tasks

# Bounds these tests' own waits, so a regression fails here instead of hanging the suite.
GUARD_S = 30.0


async def test_a_cancellation_that_meets_a_result_is_repeated() -> None:
    """A loop over ``asyncio.wait_for`` whose awaited item and cancellation arrive in one
    loop iteration (nats-py's fetch, the deliverer's wake-up): stopped all the same."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    got: list[int] = []

    async def loop() -> None:
        while True:
            got.append(await asyncio.wait_for(queue.get(), 5))

    task = asyncio.get_running_loop().create_task(loop(), name="fetching")
    await asyncio.sleep(0)  # waiting in queue.get()
    queue.put_nowait(1)
    await asyncio.wait_for(stop_tasks([task], timeout_s=GUARD_S, recancel_s=0.05), GUARD_S)
    assert task.cancelled()


async def test_a_task_that_does_not_end_is_named_in_the_error() -> None:
    stubborn = True

    async def ignore_cancellation() -> None:
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                if not stubborn:
                    raise

    task = asyncio.get_running_loop().create_task(ignore_cancellation(), name="stuck")
    await asyncio.sleep(0)
    with pytest.raises(TasksDidNotStop) as raised:
        await stop_tasks([task], timeout_s=0.2, recancel_s=0.05)
    assert str(raised.value).startswith("1 task(s) still running 0.2 s after being cancelled: "
                                        "stuck (in ignore_cancellation, ")
    stubborn = False
    await stop_tasks([task])
    assert task.cancelled()


async def test_a_task_that_failed_is_logged_and_the_others_stopped(
        caplog: pytest.LogCaptureFixture) -> None:
    async def fail() -> None:
        raise ValueError("database gone")

    loop = asyncio.get_running_loop()
    failed = loop.create_task(fail(), name="deliver")
    waiting = loop.create_task(asyncio.Event().wait(), name="watch")  # type: ignore[arg-type]
    await asyncio.sleep(0)
    with caplog.at_level(logging.ERROR, "aggregator.notify.stopping"):
        await asyncio.wait_for(stop_tasks([failed, waiting]), GUARD_S)
    assert waiting.cancelled()
    assert [r.getMessage() for r in caplog.records] == [
        "task deliver ended with an error while stopping"]
