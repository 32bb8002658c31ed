"""The running notifications of one process: the watchers (one per agency) and, unless
delivery runs in a process of its own (`caseline notify deliver`), the deliverer, as asyncio
tasks started and stopped together. ``build_notifications`` composes every part."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aggregator.model import AgencyInfo
from aggregator.notify.alerts import AlertFacts
from aggregator.notify.delivery import Deliverer, DeliveryPolicy
from aggregator.notify.hub import NotifyHub
from aggregator.notify.inbox import SqlInbox
from aggregator.notify.live import LiveUpdates
from aggregator.notify.matcher import Matcher
from aggregator.notify.outbox import Outbox
from aggregator.notify.ports import Channel
from aggregator.notify.preferences import SqlPreferences
from aggregator.notify.release import Releaser
from aggregator.notify.retention import Pruner, RetentionPolicy
from aggregator.notify.scheduler import AlertPolicy, AlertScheduler
from aggregator.notify.stopping import stop_tasks
from aggregator.notify.watcher import ChangeSource, Watcher, WatchPolicy
from aggregator.notify.wire import JetStreamSettings
from aggregator.ports import Clock, LedgerPort
from aggregator.store import Store

if TYPE_CHECKING:  # nats is imported only when a NATS URL is configured
    from aggregator.notify.jetstream import JetStreamBus

__all__ = ["Notifications", "Notifier", "NotifySettings", "build_notifications"]

log = logging.getLogger(__name__)
# Seconds stop() gives the tasks to end once cancelled; each ends at its next await, so
# one still running after this is stuck (and named in the error) rather than slow.
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class NotifySettings:
    """``deliver``: run the deliverer in this process (off when `caseline notify deliver`
    runs it); ``watch``: run the watchers (off in a process that only delivers)."""

    deliver: bool = True
    watch: bool = True
    watch_policy: WatchPolicy = field(default_factory=WatchPolicy)
    delivery: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    live_poll_s: float = 0.2
    # Change events on NATS JetStream (None: the embedded default, watchers writing the
    # outbox themselves); ``match``: run the JetStream matcher in this process (off when
    # `caseline notify match` runs it).
    nats: JetStreamSettings | None = None
    match: bool = True
    # How long notifications are kept (pruned by the process that delivers).
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    # Alerts (deadlines coming due, cases past their inquiry date) raised every
    # ``alerts.every_s`` when facts are given to build_notifications; ``alert``: run the
    # scheduler in this process (several may: their writes are idempotent).
    alerts: AlertPolicy = field(default_factory=AlertPolicy)
    alert: bool = True


class Notifier:
    """Starts and stops the background work."""

    def __init__(self, watchers: Sequence[Watcher], deliverer: Deliverer | None,
                 live: LiveUpdates, outbox: Outbox, bus: JetStreamBus | None = None,
                 alerts: AlertScheduler | None = None, pruner: Pruner | None = None
                 ) -> None:
        self.watchers = tuple(watchers)
        self.pruner = pruner
        self.bus = bus
        self.alerts = alerts
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
        if self.bus is not None:  # connected before a watcher publishes
            await self.bus.start()
        self._tasks = [loop.create_task(w.run(), name=f"watch-{w.agency_id}")
                       for w in self.watchers]
        if self.deliverer is not None:
            self._tasks.append(loop.create_task(self.deliverer.run(), name="deliver"))
        if self.pruner is not None:
            self._tasks.append(loop.create_task(self.pruner.run(), name="prune"))
        if self.bus is not None and self.bus.matching:
            self._tasks.append(loop.create_task(self.bus.run_matcher(), name="match"))
        if self.alerts is not None:
            self._tasks.append(loop.create_task(self.alerts.run(), name="alerts"))

    async def stop(self) -> None:
        """Cancel them and wait until they ended, within a bound (TasksDidNotStop naming
        any still running; the connection and live polling are closed either way); stop
        live polling."""
        tasks, self._tasks = self._tasks, []
        try:
            await stop_tasks(tasks, timeout_s=STOP_TIMEOUT_S)
        finally:
            if self.bus is not None:
                await self.bus.close()
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
    alerts: AlertScheduler | None = None


def build_notifications(store: Store, reference_key: bytes, ledger: LedgerPort,
                        pseudonym: Callable[[str], str], agencies: Mapping[str, AgencyInfo],
                        sources: Mapping[str, ChangeSource], clock: Clock, *,
                        channels: Sequence[Channel] = (),
                        settings: NotifySettings | None = None,
                        facts: AlertFacts | None = None) -> Notifications:
    """Notifications over the aggregator's store (its database and its subject keys):
    watchers for ``sources``, a deliverer with in-app plus ``channels``, and with
    ``facts`` (people's deadlines and estimates) the alert scheduler."""
    settings = settings or NotifySettings()
    outbox = Outbox(store.engine, store.sealer, reference_key)
    preferences = SqlPreferences(store.engine)
    releaser = Releaser(store, agencies, clock)
    live = LiveUpdates(outbox, releaser, clock, poll_s=settings.live_poll_s)
    matcher = Matcher(store, outbox, preferences, channels, clock)
    bus = _bus(settings, outbox, matcher, clock)
    watchers = [Watcher(agency_id, source, outbox, matcher, clock, settings.watch_policy,
                        publish=None if bus is None else bus.publish)
                for agency_id, source in sources.items()] if settings.watch else []
    deliverer = Deliverer(outbox, releaser, ledger, pseudonym, channels=channels,
                          preferences=preferences, live=live, clock=clock,
                          policy=settings.delivery) if settings.deliver else None
    alerts = AlertScheduler(store, outbox, preferences, channels, facts, clock,
                            settings.alerts) if facts is not None and settings.alert else None
    if deliverer is not None:
        matcher.on_written = deliverer.wake
        matcher.hand_over_to = deliverer
        if alerts is not None:
            alerts.on_written = deliverer.wake
    pruner = Pruner(store.engine, clock, settings.retention) if settings.deliver else None
    notifier = Notifier(watchers, deliverer, live, outbox, bus, alerts, pruner)
    hub = NotifyHub(SqlInbox(store.engine, store.sealer, releaser), live, preferences,
                    runner=notifier)
    return Notifications(hub, notifier, outbox, matcher, releaser, live, alerts)


def _bus(settings: NotifySettings, outbox: Outbox, matcher: Matcher, clock: Clock
         ) -> JetStreamBus | None:
    """The JetStream link when a NATS URL is set (nats imported only then)."""
    if settings.nats is None:
        return None
    settings.nats.check(settings.watch_policy.max_backoff_s)
    from aggregator.notify.jetstream import JetStreamBus

    return JetStreamBus(settings.nats, outbox, matcher, clock, match=settings.match)
