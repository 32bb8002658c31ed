"""An in-memory notification hub (aggregator.notify.ports), so the gateway's notification
API and pages are tested without the core's watchers, outbox and deliverers."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from aggregator.notify.hub import NotifyHub
from aggregator.notify.model import (
    Notification,
    NotificationPage,
    Preferences,
    Released,
    notification_id,
)

__all__ = ["FakeHub", "MemoryInbox", "MemoryLiveFeed", "MemoryPreferences", "fake_hub",
           "notification"]

T0 = datetime(2026, 5, 1, 14, 0, tzinfo=UTC)
_CURSOR = "after:"


def notification(recipient: str, agency: str, number: str, event: str, *,
                 subject: str | None = None, minutes: int = 0,
                 titles: dict[str, str] | None = None, action_required: bool = False,
                 category: str = "ACTIVE", milestone: str = "EVIDENCE_REQUESTED"
                 ) -> Notification:
    """A notification of ``event`` on ``number`` for ``recipient`` (about ``subject``'s
    case, the recipient's own by default), made ``minutes`` after T0."""
    at = T0 + timedelta(minutes=minutes)
    return Notification(
        id=notification_id(agency, event, number, recipient), recipient_id=recipient,
        subject_id=subject or recipient, agency_id=agency, case_number=number,
        event_id=event, occurred_at=at, created_at=at, category=category,
        milestone=milestone, action_required=action_required,
        titles=titles if titles is not None else {"en": "Evidence requested",
                                                  "es": "Se solicitaron pruebas"})


@dataclass
class MemoryInbox:
    """Notifications by recipient, newest (``occurred_at``, then id) first, as the SQL
    inbox orders them; cursors are opaque (not ids), as there."""

    items: dict[str, dict[str, Notification]] = field(
        default_factory=lambda: defaultdict(dict))

    def add(self, item: Notification) -> None:
        """Deliver ``item`` in-app (again: ignored, as the outbox ignores a repeat)."""
        self.items[item.recipient_id].setdefault(item.id, item)

    def _ordered(self, recipient_id: str) -> list[Notification]:
        return sorted(self.items[recipient_id].values(),
                      key=lambda n: (n.occurred_at, n.id), reverse=True)

    def page(self, recipient_id: str, first: int, after: str | None = None
             ) -> NotificationPage:
        """Newest first, ``first`` of them after the place ``after`` (a page's
        ``end_cursor``) names."""
        ordered = self._ordered(recipient_id)
        start = 0
        if after is not None:
            ids = [n.id for n in ordered]
            if not after.startswith(_CURSOR) or after[len(_CURSOR):] not in ids:
                raise ValueError(f"unknown cursor {after!r}")
            start = ids.index(after[len(_CURSOR):]) + 1
        items = tuple(ordered[start:start + first])
        more = start + first < len(ordered)
        return NotificationPage(items, _CURSOR + items[-1].id if items else None, more)

    def unread_count(self, recipient_id: str) -> int:
        """How many of the recipient's are unread."""
        return sum(not n.read for n in self.items[recipient_id].values())

    def mark_read(self, recipient_id: str, ids: Sequence[str]) -> list[str]:
        """Mark the recipient's own ones read; others' ids are ignored."""
        own = self.items[recipient_id]
        marked = [i for i in dict.fromkeys(ids) if i in own]
        for i in marked:
            own[i] = replace(own[i], read=True)
        return marked


@dataclass
class MemoryLiveFeed:
    """Each subscriber gets a queue; ``publish`` puts a release on the recipient's."""

    queues: dict[str, list[asyncio.Queue[Released]]] = field(
        default_factory=lambda: defaultdict(list))

    def listeners(self, recipient_id: str) -> int:
        """How many subscriptions for ``recipient_id`` are open."""
        return len(self.queues[recipient_id])

    def publish(self, message: Released) -> None:
        """Tell every current subscriber of the recipient."""
        for queue in self.queues[message.notification.recipient_id]:
            queue.put_nowait(message)

    async def subscribe(self, recipient_id: str) -> AsyncIterator[Released]:
        """Releases for ``recipient_id`` from now on: registered when first iterated, as
        the real feed's async generator is."""
        queue: asyncio.Queue[Released] = asyncio.Queue()
        self.queues[recipient_id].append(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self.queues[recipient_id].remove(queue)


@dataclass
class MemoryPreferences:
    """Preferences by account; the defaults for anyone not stored."""

    stored: dict[str, Preferences] = field(default_factory=dict)

    def preferences(self, account_id: str) -> Preferences:
        """The stored preferences, or the defaults."""
        return self.stored.get(account_id, Preferences())

    def set_preferences(self, account_id: str, preferences: Preferences) -> None:
        """Replace the stored preferences."""
        self.stored[account_id] = preferences


@dataclass
class FakeHub:
    """The three fakes and the hub over them; ``deliver`` does what the in-app deliverer
    does: stores the notification and tells live listeners."""

    inbox: MemoryInbox = field(default_factory=MemoryInbox)
    live: MemoryLiveFeed = field(default_factory=MemoryLiveFeed)
    preferences: MemoryPreferences = field(default_factory=MemoryPreferences)

    @property
    def hub(self) -> NotifyHub:
        """What ``CaselineService.notify`` holds."""
        return NotifyHub(inbox=self.inbox, live=self.live, preferences=self.preferences)

    def deliver(self, item: Notification, *, language: str = "en",
                agency_name: str = "Immigration Agency", shown_number: str | None = None,
                ) -> Released:
        """Store ``item`` and publish it, released in ``language`` (the case number
        withheld when ``shown_number`` gives a masked form)."""
        self.inbox.add(item)
        released = Released(item, language, agency_name,
                            item.titles.get(language, ""),
                            None if shown_number else item.case_number,
                            shown_number or item.case_number)
        self.live.publish(released)
        return released


def fake_hub() -> FakeHub:
    """A fresh fake hub."""
    return FakeHub()
