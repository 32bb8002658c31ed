"""What the parts of notification delivery offer each other. The core (watchers, matcher,
outbox, delivery loop) implements the stores; each channel implements ``Channel``; the
gateway reads ``Inbox`` and listens on ``LiveFeed``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol, runtime_checkable

from aggregator.notify.model import (
    ChannelKind,
    Delivery,
    DeliveryError,
    NotificationPage,
    Preferences,
    Released,
)

__all__ = ["CaseDataAware", "Channel", "Inbox", "LiveFeed", "PreferenceStore", "SendsMany"]


class Channel(Protocol):
    """One way out (webhook, e-mail): finds a recipient's targets, sends one released
    notification to one target. ``deliver`` is idempotent by ``message.id`` on the
    receiver's side (the id travels with every attempt) and raises
    ``aggregator.notify.model.DeliveryError`` when the attempt failed."""

    kind: ChannelKind

    def targets(self, recipient_id: str) -> Sequence[str]:
        """The recipient's usable targets now (verified addresses, verified endpoints);
        empty when there are none."""
        ...

    async def deliver(self, message: Released, delivery: Delivery) -> None:
        """Send ``message`` to ``delivery.target``."""
        ...


@runtime_checkable
class SendsMany(Protocol):
    """Optional on a ``Channel``: several deliveries sent in one call (targets read at
    once, the attempts logged together), each outcome in order: None when delivered, else
    the DeliveryError ``deliver`` would have raised."""

    async def deliver_many(self, items: Sequence[tuple[Released, Delivery]]
                           ) -> list[DeliveryError | None]:
        """Send each (message, delivery)."""
        ...


class CaseDataAware(Protocol):
    """Optional on a ``Channel``: whether what it sends ``recipient_id`` carries case data
    (an e-mail saying only "a case changed" does not). A delivery that carries case data is
    an access, recorded in the ledger before it is sent; a channel without this method is
    taken to carry case data."""

    def carries_case_data(self, recipient_id: str) -> bool:
        """True when the message to ``recipient_id`` holds case data."""
        ...


class Inbox(Protocol):
    """A recipient's in-app notifications (delivered ones only)."""

    def page(self, recipient_id: str, first: int, after: str | None = None
             ) -> NotificationPage:
        """Newest first; ``after`` is a previous page's ``end_cursor``."""
        ...

    def unread_count(self, recipient_id: str) -> int:
        """How many delivered notifications the recipient has not marked read."""
        ...

    def mark_read(self, recipient_id: str, ids: Sequence[str]) -> list[str]:
        """Mark the recipient's own notifications read; returns the ids that are theirs
        (others' ids are ignored, never revealed)."""
        ...


class LiveFeed(Protocol):
    """Live updates: each in-app delivery, as it happens, to whoever listens for that
    recipient (GraphQL subscription, Server-Sent Events)."""

    def subscribe(self, recipient_id: str) -> AsyncIterator[Released]:
        """Notifications delivered in-app to ``recipient_id`` from now on, released in the
        recipient's stored language; ends when the consumer stops iterating."""
        ...


class PreferenceStore(Protocol):
    """Per-person notification settings."""

    def preferences(self, account_id: str) -> Preferences:
        """The stored preferences, or the defaults."""
        ...

    def set_preferences(self, account_id: str, preferences: Preferences) -> None:
        """Replace the stored preferences."""
        ...
