"""Live updates (``LiveFeed``): each in-app delivery to whoever listens for its recipient.

A deliverer in this process publishes directly; one in another process (a second gateway
worker, `caseline notify deliver`) is reached by polling the notification table for newly
delivered rows of the recipients listened for, every ``poll_s``. An id is given to a
listener once, however it arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from aggregator.notify.model import Released
from aggregator.notify.outbox import Outbox
from aggregator.notify.release import Refused, Releaser
from aggregator.notify.rows import utc
from aggregator.notify.tables import notifications
from aggregator.ports import Clock

__all__ = ["LiveUpdates"]

log = logging.getLogger(__name__)

# Rows delivered this long before the last poll are looked at again: deliverers in other
# processes commit a little after the time they stamp.
_OVERLAP = timedelta(seconds=5)
_REMEMBERED = 10_000
_QUEUE = 100
_MAX_ROWS = 500
# Pages read in one poll at most (the rest on the next).
_MAX_PAGES = 20


class LiveUpdates:
    """In-process fan-out plus cross-process polling."""

    def __init__(self, outbox: Outbox, releaser: Releaser, clock: Clock, *,
                 poll_s: float = 0.2) -> None:
        self._outbox = outbox
        self._releaser = releaser
        self._clock = clock
        self.poll_s = poll_s
        self._listeners: dict[str, set[asyncio.Queue[Released]]] = {}
        self._given: OrderedDict[str, None] = OrderedDict()
        self._poller: asyncio.Task[None] | None = None
        self._since: datetime | None = None

    @property
    def engine(self) -> Engine:
        """The database polled."""
        return self._outbox.engine

    def publish(self, message: Released) -> None:
        """Give ``message`` to its recipient's listeners (a delivery in this process)."""
        if self._remember(message.id):
            self._fan_out(message.notification.recipient_id, message)

    def _remember(self, notification_id: str) -> bool:
        if notification_id in self._given:
            return False
        self._given[notification_id] = None
        while len(self._given) > _REMEMBERED:
            self._given.popitem(last=False)
        return True

    def _fan_out(self, recipient_id: str, message: Released) -> None:
        for queue in self._listeners.get(recipient_id, ()):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()  # a listener that stopped reading loses the oldest
            queue.put_nowait(message)

    async def subscribe(self, recipient_id: str) -> AsyncIterator[Released]:
        """Notifications delivered in-app to ``recipient_id`` from now on, in the
        recipient's stored language (the policy decided as they are given)."""
        queue: asyncio.Queue[Released] = asyncio.Queue(_QUEUE)
        self._listeners.setdefault(recipient_id, set()).add(queue)
        if self._poller is None or self._poller.done():
            self._since = self._clock()
            self._poller = asyncio.get_running_loop().create_task(self._poll_forever())
        try:
            while True:
                yield await queue.get()
        finally:
            listeners = self._listeners.get(recipient_id)
            if listeners is not None:
                listeners.discard(queue)
                if not listeners:
                    del self._listeners[recipient_id]
            if not self._listeners and self._poller is not None:
                self._poller.cancel()
                self._poller = None

    async def _poll_forever(self) -> None:
        while self._listeners:
            try:
                await self.poll()
            except Exception:  # a database hiccup must not end live updates
                log.exception("polling for delivered notifications failed")
            await asyncio.sleep(self.poll_s)

    async def poll(self) -> None:
        """Look once for rows delivered (by any process) to the recipients listened for."""
        recipients = list(self._listeners)
        if not recipients:
            return
        since = (self._since or self._clock()) - _OVERLAP
        found = await asyncio.to_thread(self._delivered_since, recipients, since)
        # A full page means more rows in the window (a busy recipient): read on after the
        # last one rather than stopping at the same first page on every poll.
        pages = 1
        while len(found) >= _MAX_ROWS * pages and pages < _MAX_PAGES:
            last = found[-1]
            found += await asyncio.to_thread(self._delivered_since, recipients, last[1],
                                             last[0])
            pages += 1
        for notification_id, delivered_at in found:
            self._since = max(self._since or delivered_at, delivered_at)
            if notification_id in self._given:
                continue
            message = await asyncio.to_thread(self._release, notification_id)
            # The deliverer may have published it while it was being released: given once.
            if self._remember(notification_id) and message is not None:
                self._fan_out(message.notification.recipient_id, message)

    def _delivered_since(self, recipients: list[str], since: datetime, after_id: str = ""
                         ) -> list[tuple[str, datetime]]:
        """Rows delivered at or after ``since`` in (delivered_at, id) order; with
        ``after_id``, those after (since, after_id) (the next page)."""
        later = notifications.c.delivered_at >= since if not after_id else (
            (notifications.c.delivered_at > since)
            | ((notifications.c.delivered_at == since) & (notifications.c.id > after_id)))
        with self.engine.connect() as conn:
            rows = conn.execute(select(notifications.c.id, notifications.c.delivered_at).where(
                notifications.c.recipient_id.in_(recipients) & later)
                .order_by(notifications.c.delivered_at, notifications.c.id)
                .limit(_MAX_ROWS)).all()
        return [(r.id, utc(r.delivered_at)) for r in rows]

    def _release(self, notification_id: str) -> Released | None:
        stored = self._outbox.notification(notification_id)
        if stored is None or stored.notification is None:
            return None
        outcome = self._releaser.release(stored.notification)
        return None if isinstance(outcome, Refused) else outcome[0]

    async def close(self) -> None:
        """Stop polling."""
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None


