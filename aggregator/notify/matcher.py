"""The matcher: a change -> the people it concerns now -> notifications and deliveries,
written with the watcher's cursor in one transaction (decisions in aggregator.notify.decisions
and .matching; this module reads the store and writes the outbox)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from sqlalchemy.engine import Connection

from aggregator.notify.decisions import match_recipients
from aggregator.notify.matching import Planned, is_repeat, plan
from aggregator.notify.model import ChannelKind, StatusChange
from aggregator.notify.outbox import Claim, HandedOver, Outbox
from aggregator.notify.ports import Channel
from aggregator.notify.preferences import SqlPreferences
from aggregator.ports import Clock
from aggregator.store import Store

__all__ = ["HandOverTaker", "Matcher"]


class HandOverTaker(Protocol):
    """A deliverer in the matcher's process, which sends the new deliveries it is handed
    at once: no poll, no claim, no reading back (aggregator.notify.delivery)."""

    def hand_over_claim(self) -> Claim | None:
        """The channels it sends and how long handed deliveries stay claimed for it; None
        while it is not running (they are written due, for whichever deliverer looks)."""
        ...

    def take(self, handed: Sequence[HandedOver]) -> None:
        """Send these (called from the matching thread, after their commit)."""
        ...


class Matcher:
    """Turns one change into outbox rows (synchronous: the watcher runs it in a thread)."""

    def __init__(self, store: Store, outbox: Outbox, preferences: SqlPreferences,
                 channels: Sequence[Channel], clock: Clock) -> None:
        # Told (from the matching thread) after new deliveries were committed: a deliverer
        # in this process starts on them at once instead of at its next poll.
        self.on_written: Callable[[], None] | None = None
        # A deliverer in this process is handed the new deliveries on its channels,
        # claimed in the transaction that writes them.
        self.hand_over_to: HandOverTaker | None = None
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
        stored = self._outbox.last_events([(c.agency_id, c.case_number) for c in changes])
        # Which changes are new: a later change of the same case in the batch compares with
        # the earlier one.
        last_seen: dict[tuple[str, str], str | None] = {}
        fresh: list[bool] = []
        for change in changes:
            case = (change.agency_id, change.case_number)
            last = last_seen[case] if case in last_seen else stored.get(case)
            last_seen[case] = change.event_id
            fresh.append(not is_repeat(last, change))
        # Everything the batch needs, read in bulk and decided as of ``now``: holders, the
        # consents they granted, erasures, the grantees' roles, preferences and targets.
        holders = self._store.holders_many([(c.agency_id, c.case_number)
                                            for c, new in zip(changes, fresh, strict=True)
                                            if new])
        subjects = sorted({h.subject_id for found in holders.values() for h in found})
        consents = self._store.consents_granted_by_many(subjects)
        erased_at = self._store.erased_many(subjects)
        grantees = sorted({c.grantee_id for records in consents.values() for c in records})
        roles = {g: account.role for g in grantees
                 if (account := self._store.account(g)) is not None}
        preferences = self._preferences.preferences_many([*subjects, *grantees])
        targets: dict[tuple[ChannelKind, str], Sequence[str]] = {}

        def cached(kind: ChannelKind, find: Callable[[str], Sequence[str]]
                   ) -> Callable[[str], Sequence[str]]:
            def targets_of(recipient: str) -> Sequence[str]:
                if (kind, recipient) not in targets:
                    targets[(kind, recipient)] = tuple(find(recipient))
                return targets[(kind, recipient)]
            return targets_of

        targets_by_kind = {c.kind: cached(c.kind, c.targets) for c in self._channels}
        batch: list[tuple[StatusChange, list[Planned]]] = []
        for change, new in zip(changes, fresh, strict=True):
            if not new:
                batch.append((change, []))  # only the cursor moves on
                continue
            held = [h.subject_id for h in holders[(change.agency_id, change.case_number)]]
            pairs = match_recipients(
                change.agency_id, held, now, consents_of={s: consents[s] for s in held},
                role_of=roles, erased=[s for s in held if erased_at[s] is not None])
            batch.append((change, plan(change, pairs, now,
                                       preferences_of=preferences.__getitem__,
                                       targets_of=targets_by_kind)))
        taker = self.hand_over_to
        claim = None if taker is None else taker.hand_over_claim()
        recorded = self._outbox.record_batch(batch, now, moves=moves, claim=claim)
        if recorded.handed and taker is not None:
            taker.take(recorded.handed)
        if recorded.new and self.on_written is not None:
            self.on_written()
        return recorded.new
