"""Keeping the demo's child processes up: a child that dies is started again, after a pause
that doubles while it keeps dying and starts small again once it has stayed up a while."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from deploy.processes.launcher import LaunchError

__all__ = ["Backoff", "Child", "Supervisor", "describe_exit", "next_delay"]


@dataclass(frozen=True)
class Backoff:
    """How long to wait before starting a dead child again."""

    first_s: float = 0.5
    max_s: float = 30.0
    # A child that served this long before dying is taken as healthy: its next pause is
    # ``first_s`` again rather than the doubled one.
    stable_s: float = 60.0


def next_delay(previous_s: float | None, uptime_s: float, policy: Backoff) -> float:
    """The pause before restarting a child that stayed up ``uptime_s``, whose previous pause
    was ``previous_s`` (None: it never died before)."""
    if previous_s is None or uptime_s >= policy.stable_s:
        return policy.first_s
    return min(policy.max_s, previous_s * 2)


def describe_exit(returncode: int) -> str:
    """A child's end in words: ``exit code 3`` or ``killed by SIGKILL``."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"killed by {name}"
    return f"exit code {returncode}"


@dataclass
class Child:
    """One supervised process: ``spawn`` starts it (returning at once), ``ready`` waits until
    it serves (raising :class:`LaunchError`, the process killed, if it does not).

    ``process`` is always the newest process, set as soon as it is spawned, so that whoever
    stops the demo stops a child that is still starting too.
    """

    name: str
    log: Path
    spawn: Callable[[], Awaitable[asyncio.subprocess.Process]] = field(repr=False)
    ready: Callable[[asyncio.subprocess.Process], Awaitable[object]] = field(repr=False)
    process: asyncio.subprocess.Process | None = field(default=None, repr=False)


class Supervisor:
    """Restarts each watched child when it exits, until :meth:`stop`."""

    def __init__(self, echo: Callable[[str], None], policy: Backoff | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._echo = echo
        self._policy = policy or Backoff()
        self._clock = clock
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    def watch(self, child: Child) -> None:
        """Keep ``child`` up from now on (its process is already running)."""
        if child.process is None:
            raise ValueError(f"{child.name} was never started")
        self._tasks.append(asyncio.ensure_future(self._keep_up(child)))

    def stopping(self) -> None:
        """The demo is stopping: exits from now on are expected, not restarted. Safe to
        call from a signal handler."""
        self._stopping = True

    async def stop(self) -> None:
        """Stop restarting: a pause under way ends, a child still starting is left to the
        caller to stop (its ``process`` is already set)."""
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _keep_up(self, child: Child) -> None:
        delay: float | None = None
        up_since = self._clock()
        while True:
            assert child.process is not None  # watch() checked; later set by spawn
            code = await child.process.wait()
            if self._stopping:
                return
            delay = next_delay(delay, self._clock() - up_since, self._policy)
            self._echo(f"{child.name} stopped ({describe_exit(code)}); restarting it in "
                       f"{delay:g} s. Its log: {child.log}")
            await asyncio.sleep(delay)
            if self._stopping:
                return
            up_since = self._clock()
            try:
                await _respawn(child)
            except OSError as exc:  # not even started (out of processes, say): try later
                self._echo(f"{child.name} could not be started: {exc}")
                continue
            with contextlib.suppress(LaunchError):  # it was killed: handled as any exit
                await child.ready(child.process)


async def _respawn(child: Child) -> None:
    """Spawn ``child`` again and record its process, even when a stop comes meanwhile:
    cancelled midway, the spawn could leave a process that no one knows of, so no one
    stops."""
    task = asyncio.ensure_future(child.spawn())
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait([task])  # the spawn finishes; its process is recorded below
        raise
    finally:
        if task.done() and not task.cancelled() and task.exception() is None:
            child.process = task.result()
