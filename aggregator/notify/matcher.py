"""The matcher: a change -> the people it concerns now -> notifications and deliveries,
written with the watcher's cursor in one transaction (decisions in aggregator.notify.decisions
and .matching; this module reads the store and writes the outbox)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.engine import Connection

from aggregator.consent.vocabulary import Role
from aggregator.notify.decisions import match_recipients
from aggregator.notify.matching import is_repeat, plan
from aggregator.notify.model import StatusChange
from aggregator.notify.outbox import Outbox
from aggregator.notify.ports import Channel
from aggregator.notify.preferences import SqlPreferences
from aggregator.ports import Clock
from aggregator.store import Store

__all__ = ["Matcher"]


class Matcher:
    """Turns one change into outbox rows (synchronous: the watcher runs it in a thread)."""

    def __init__(self, store: Store, outbox: Outbox, preferences: SqlPreferences,
                 channels: Sequence[Channel], clock: Clock) -> None:
        # Told (from the matching thread) after new deliveries were committed: a deliverer
        # in this process starts on them at once instead of at its next poll.
        self.on_written: Callable[[], None] | None = None
        self._store = store
        self._outbox = outbox
        self._preferences = preferences
        self._channels = tuple(channels)
        self._clock = clock

    def record(self, change: StatusChange, *,
               moves: Callable[[Connection], None] | None = None) -> int:
        """Match and write ``change``; how many notifications were new (none for a change
        seen before, or one that concerns no one: then only the cursor moves on).
        ``moves``: what moves on instead of the watcher's cursor, in the same transaction
        (aggregator.notify.jetstream: the matcher's stream position)."""
        now = self._clock()
        if is_repeat(self._outbox.last_event(change.agency_id, change.case_number), change):
            if moves is None:
                self._outbox.set_cursor(change.agency_id, change.cursor, now)
            else:
                with self._outbox.engine.begin() as conn:
                    moves(conn)
            return 0
        holders = [h.subject_id for h in self._store.holders(change.agency_id,
                                                             change.case_number)]
        consents_of = {s: self._store.consents_granted_by(s) for s in holders}
        grantees = {c.grantee_id for records in consents_of.values() for c in records}
        role_of: dict[str, Role] = {}
        for grantee in grantees:
            account = self._store.account(grantee)
            if account is not None:
                role_of[grantee] = account.role
        erased = [s for s in holders if self._store.erased_at(s) is not None]
        pairs = match_recipients(change.agency_id, holders, now, consents_of=consents_of,
                                 role_of=role_of, erased=erased)
        planned = plan(change, pairs, now, preferences_of=self._preferences.preferences,
                       targets_of={c.kind: c.targets for c in self._channels})
        written = self._outbox.record(change, planned, now, moves=moves)
        if written and self.on_written is not None:
            self.on_written()
        return written
