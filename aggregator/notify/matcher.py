"""The matcher: a change -> the people it concerns now -> notifications and deliveries,
written with the watcher's cursor in one transaction (decisions in aggregator.notify.decisions
and .matching; this module reads the store and writes the outbox)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.engine import Connection

from aggregator.consent.records import ConsentRecord
from aggregator.consent.vocabulary import Role
from aggregator.notify.decisions import match_recipients
from aggregator.notify.matching import Planned, is_repeat, plan
from aggregator.notify.model import ChannelKind, Preferences, StatusChange
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
        return self.record_batch([change], moves=moves)

    def record_batch(self, changes: Sequence[StatusChange], *,
                     moves: Callable[[Connection], None] | None = None) -> int:
        """``record`` for several changes in stream order, written in one transaction with
        the cursor of the last one per agency (or ``moves``): a watcher hands over what
        its stream had ready, so the commit, the sealing transaction and the lookups of
        accounts, preferences and channel targets are shared by the batch. A batch
        that fails writes nothing (the cursor stays before it)."""
        if not changes:
            return 0
        now = self._clock()
        batch: list[tuple[StatusChange, list[Planned]]] = []
        # What this batch already read: a case's last event (a later change of the same
        # case in the batch compares with the earlier one), consents, roles, preferences
        # and targets (read once per batch, decided as of ``now``).
        last_seen: dict[tuple[str, str], str | None] = {}
        consents: dict[str, tuple[ConsentRecord, ...]] = {}
        roles: dict[str, Role | None] = {}
        preferences: dict[str, Preferences] = {}
        targets: dict[tuple[ChannelKind, str], Sequence[str]] = {}

        def consents_of(subject: str) -> tuple[ConsentRecord, ...]:
            if subject not in consents:
                consents[subject] = self._store.consents_granted_by(subject)
            return consents[subject]

        def role(grantee: str) -> Role | None:
            if grantee not in roles:
                account = self._store.account(grantee)
                roles[grantee] = None if account is None else account.role
            return roles[grantee]

        def preferences_of(recipient: str) -> Preferences:
            if recipient not in preferences:
                preferences[recipient] = self._preferences.preferences(recipient)
            return preferences[recipient]

        def cached(kind: ChannelKind, find: Callable[[str], Sequence[str]]
                   ) -> Callable[[str], Sequence[str]]:
            def targets_of(recipient: str) -> Sequence[str]:
                if (kind, recipient) not in targets:
                    targets[(kind, recipient)] = tuple(find(recipient))
                return targets[(kind, recipient)]
            return targets_of

        targets_by_kind = {c.kind: cached(c.kind, c.targets) for c in self._channels}
        stored = self._outbox.last_events([(c.agency_id, c.case_number) for c in changes])
        for change in changes:
            case = (change.agency_id, change.case_number)
            last = last_seen[case] if case in last_seen else stored.get(case)
            last_seen[case] = change.event_id
            if is_repeat(last, change):
                batch.append((change, []))  # only the cursor moves on
                continue
            holders = [h.subject_id for h in self._store.holders(*case)]
            granted = {s: consents_of(s) for s in holders}
            grantees = {c.grantee_id for records in granted.values() for c in records}
            role_of = {g: r for g in grantees if (r := role(g)) is not None}
            erased = [s for s in holders if self._store.erased_at(s) is not None]
            pairs = match_recipients(change.agency_id, holders, now, consents_of=granted,
                                     role_of=role_of, erased=erased)
            batch.append((change, plan(change, pairs, now, preferences_of=preferences_of,
                                       targets_of=targets_by_kind)))
        written = self._outbox.record_batch(batch, now, moves=moves)
        if written and self.on_written is not None:
            self.on_written()
        return written
