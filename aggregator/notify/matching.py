"""From a change and the people it concerns to notifications and their deliveries: pure."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from aggregator.notify.model import (
    ChannelKind,
    Notification,
    Preferences,
    StatusChange,
    notification_id,
)

__all__ = ["Planned", "PlannedDelivery", "deliveries_for", "delivery_id", "is_repeat", "plan"]


@dataclass(frozen=True, slots=True)
class PlannedDelivery:
    """One channel's delivery of a planned notification to one target."""

    id: str
    channel: ChannelKind
    target: str


@dataclass(frozen=True, slots=True)
class Planned:
    """A notification to write, with its deliveries (in-app first, always)."""

    notification: Notification
    deliveries: tuple[PlannedDelivery, ...]


def delivery_id(notification: str, channel: ChannelKind, target: str) -> str:
    """Deterministic, like the notification's: a repeated match plans the same rows."""
    return hashlib.sha256("\x1f".join(("caseline-delivery-v1", notification, channel, target))
                          .encode()).hexdigest()[:32]


def is_repeat(last_event_id: str | None, change: StatusChange) -> bool:
    """Whether the watcher saw this very event of the case last (a stream repeating itself
    after a reconnect): nothing to match. A case seen for the first time is a real change:
    the watcher reads new changes only (it starts from "" the first time, then from its
    stored cursor), never a case's history."""
    return last_event_id == change.event_id


def plan(change: StatusChange, pairs: Sequence[tuple[str, str]], now: datetime, *,
         preferences_of: Callable[[str], Preferences],
         targets_of: Mapping[ChannelKind, Callable[[str], Sequence[str]]]) -> list[Planned]:
    """A notification per (recipient, subject) pair and a delivery per channel: in-app
    always (its target is the recipient), the others where the recipient's preferences want
    this change and the channel knows a target."""
    planned: list[Planned] = []
    for recipient, subject in pairs:
        nid = notification_id(change.agency_id, change.event_id, change.case_number, recipient)
        notification = Notification(
            id=nid, recipient_id=recipient, subject_id=subject, agency_id=change.agency_id,
            case_number=change.case_number, event_id=change.event_id,
            occurred_at=change.occurred_at, created_at=now, category=change.category,
            milestone=change.milestone, action_required=change.action_required,
            titles=dict(change.titles))
        deliveries = deliveries_for(nid, recipient, change.agency_id, change.action_required,
                                    preferences_of=preferences_of, targets_of=targets_of)
        planned.append(Planned(notification, deliveries))
    return planned


def deliveries_for(notification: str, recipient: str, agency_id: str, action_required: bool,
                   *, preferences_of: Callable[[str], Preferences],
                   targets_of: Mapping[ChannelKind, Callable[[str], Sequence[str]]]
                   ) -> tuple[PlannedDelivery, ...]:
    """A notification's deliveries: in-app always (its target is the recipient), the other
    channels where the recipient's preferences want it and the channel knows a target."""
    deliveries = [PlannedDelivery(delivery_id(notification, ChannelKind.IN_APP, recipient),
                                  ChannelKind.IN_APP, recipient)]
    wanted = preferences_of(recipient)
    for kind, targets in targets_of.items():
        if kind == ChannelKind.IN_APP or not wanted.wants(kind, agency_id, action_required):
            continue
        deliveries.extend(PlannedDelivery(delivery_id(notification, kind, target), kind, target)
                          for target in dict.fromkeys(targets(recipient)))
    return tuple(deliveries)
