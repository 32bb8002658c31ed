"""What the gateway reads of notifications: one object on ``CaselineService.notify``."""

from __future__ import annotations

from dataclasses import dataclass

from aggregator.notify.ports import Inbox, LiveFeed, PreferenceStore

__all__ = ["NotifyHub"]


@dataclass(frozen=True, slots=True)
class NotifyHub:
    """A running installation's notifications as the gateway sees them: the in-app inbox,
    live updates and per-person preferences. Built by ``aggregator.bootstrap``."""

    inbox: Inbox
    live: LiveFeed
    preferences: PreferenceStore
