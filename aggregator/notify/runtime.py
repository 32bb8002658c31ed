"""The running notifications of one process: the watchers (one per agency) and, unless
delivery runs in a process of its own (`caseline notify deliver`), the deliverer, as asyncio
tasks started and stopped together. ``build_notifications`` composes every part."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from aggregator.model import AgencyInfo
from aggregator.notify.delivery import Deliverer, DeliveryPolicy
from aggregator.notify.hub import NotifyHub
from aggregator.notify.inbox import SqlInbox
from aggregator.notify.live import LiveUpdates
from aggregator.notify.matcher import Matcher
from aggregator.notify.outbox import Outbox
from aggregator.notify.ports import Channel
from aggregator.notify.preferences import SqlPreferences
from aggregator.notify.release import Releaser
from aggregator.notify.watcher import ChangeSource, Watcher, WatchPolicy
from aggregator.ports import Clock, LedgerPort
from aggregator.store import Store

__all__ = ["Notifications", "Notifier", "NotifySettings", "build_notifications"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NotifySettings:
    """``deliver``: run the deliverer in this process (off when `caseline notify deliver`
    runs it); ``watch``: run the watchers (off in a process that only delivers)."""

    deliver: bool = True
    watch: bool = True
    watch_policy: WatchPolicy = field(default_factory=WatchPolicy)
    delivery: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    live_poll_s: float = 0.2


class Notifier:
    """Starts and stops the background work."""

    def __init__(self, watchers: Sequence[Watcher], deliverer: Deliverer | None,
                 live: LiveUpdates, outbox: Outbox) -> None:
        self.watchers = tuple(watchers)
        self.outbox = outbox
        self.deliverer = deliverer
        self._live = live
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def running(self) -> bool:
        """Whether the tasks run."""
        return bool(self._tasks)

    async def start(self) -> None:
        """Start the watchers and the deliverer (again a no-op while running)."""
        if self._tasks:
            return
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(w.run(), name=f"watch-{w.agency_id}")
                       for w in self.watchers]
        if self.deliverer is not None:
            self._tasks.append(loop.create_task(self.deliverer.run(), name="deliver"))

    async def stop(self) -> None:
        """Cancel them and wait until they ended; stop live polling."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._live.close()


@dataclass(frozen=True, slots=True)
class Notifications:
    """Every part, for the composition root and for tests."""

    hub: NotifyHub
    notifier: Notifier
    outbox: Outbox
    matcher: Matcher
    releaser: Releaser
    live: LiveUpdates


def build_notifications(store: Store, reference_key: bytes, ledger: LedgerPort,
                        pseudonym: Callable[[str], str], agencies: Mapping[str, AgencyInfo],
                        sources: Mapping[str, ChangeSource], clock: Clock, *,
                        channels: Sequence[Channel] = (),
                        settings: NotifySettings | None = None) -> Notifications:
    """Notifications over the aggregator's store (its database and its subject keys):
    watchers for ``sources``, a deliverer with in-app plus ``channels``."""
    settings = settings or NotifySettings()
    outbox = Outbox(store.engine, store.sealer, reference_key)
    preferences = SqlPreferences(store.engine)
    releaser = Releaser(store, agencies, clock)
    live = LiveUpdates(outbox, releaser, clock, poll_s=settings.live_poll_s)
    matcher = Matcher(store, outbox, preferences, channels, clock)
    watchers = [Watcher(agency_id, source, outbox, matcher, clock, settings.watch_policy)
                for agency_id, source in sources.items()] if settings.watch else []
    deliverer = Deliverer(outbox, releaser, ledger, pseudonym, channels=channels,
                          preferences=preferences, live=live, clock=clock,
                          policy=settings.delivery) if settings.deliver else None
    notifier = Notifier(watchers, deliverer, live, outbox)
    hub = NotifyHub(SqlInbox(store.engine, store.sealer, releaser), live, preferences,
                    runner=notifier)
    return Notifications(hub, notifier, outbox, matcher, releaser, live)
