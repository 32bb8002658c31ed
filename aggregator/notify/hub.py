"""What the gateway reads of notifications: one object on ``CaselineService.notify``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from aggregator.notify.ports import Inbox, LiveFeed, PreferenceStore

__all__ = ["Background", "NotifyHub"]


class Background(Protocol):
    """The watchers and deliverer a process runs (aggregator.notify.runtime.Notifier):
    started by the main gateway process only, stopped on shutdown."""

    async def start(self) -> None:
        """Start the background tasks."""
        ...

    async def stop(self) -> None:
        """Stop them and wait until they ended."""
        ...


@dataclass(frozen=True, slots=True)
class NotifyHub:
    """A running installation's notifications as the gateway sees them: the in-app inbox,
    live updates and per-person preferences. Built by ``aggregator.bootstrap``."""

    inbox: Inbox
    live: LiveFeed
    preferences: PreferenceStore
    # The background work behind it (None: nothing to start, e.g. a read-only process).
    runner: Background | None = None
