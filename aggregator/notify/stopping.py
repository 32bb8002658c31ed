"""Stopping background tasks within a bound: cancelled, cancelled again while they have not
ended (a cancellation can be lost), and an error naming any still running at the deadline,
so a stop never waits forever."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

__all__ = ["TasksDidNotStop", "stop_tasks"]

log = logging.getLogger(__name__)


class TasksDidNotStop(RuntimeError):
    """Tasks still running after being cancelled again and again until the deadline."""


def _where(task: asyncio.Task[None]) -> str:
    stack = task.get_stack(limit=1)
    if not stack:
        return task.get_name()
    code = stack[-1].f_code
    return f"{task.get_name()} (in {code.co_name}, {code.co_filename}:{stack[-1].f_lineno})"


async def stop_tasks(tasks: Sequence[asyncio.Task[None]], *, timeout_s: float = 10.0,
                     recancel_s: float = 0.5) -> None:
    """Cancel ``tasks`` and wait until all ended; those still running after ``recancel_s``
    are cancelled again (on Python 3.11, ``asyncio.wait_for`` — which nats-py's requests
    and fetches use — returns its result instead of raising when the result and the
    cancellation arrive together, and the loop around it goes on as if never cancelled).
    TasksDidNotStop naming each task and where it waits when some still run after
    ``timeout_s``. An exception a task ended with (other than its cancellation) is logged,
    not raised: stopping goes on."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        _, pending = await asyncio.wait(pending, timeout=min(recancel_s, remaining))
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.error("task %s ended with an error while stopping", task.get_name(),
                      exc_info=task.exception())
    if pending:
        names = ", ".join(sorted(_where(task) for task in pending))
        raise TasksDidNotStop(f"{len(pending)} task(s) still running {timeout_s:g} s after "
                              f"being cancelled: {names}")
