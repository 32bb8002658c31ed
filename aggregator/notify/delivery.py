"""The delivery loop: claims due deliveries, decides the policy again, records the access in
the ledger, sends, and records the outcome — at least once, idempotent by notification id
(receivers de-duplicate on it). Several deliverers, in several processes, may run at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from aggregator.ledger.entries import Entry, access_entry
from aggregator.notify.backoff import backoff_delay
from aggregator.notify.decisions import Verdict
from aggregator.notify.live import LiveUpdates
from aggregator.notify.model import ChannelKind, Delivery, DeliveryError, Preferences, Released
from aggregator.notify.outbox import Claim, HandedOver, Outbox, StoredNotification
from aggregator.notify.ports import Channel, SendsMany
from aggregator.notify.preferences import SqlPreferences
from aggregator.notify.release import SUBJECT_ERASED, Refused, Releaser
from aggregator.ports import Clock, LedgerPort
from caseline.v1.lib.scopes import Scope

__all__ = ["Deliverer", "DeliveryPolicy", "carries_case_data"]

log = logging.getLogger(__name__)

PREFERENCE_OFF = "PREFERENCE_OFF"
GONE = "NOTIFICATION_GONE"


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How the loop retries: ``max_attempts`` tries, the waits between them doubling from
    ``base_backoff_s`` up to ``max_backoff_s``; a claim holds a delivery for ``lease_s``
    (a deliverer that dies mid-send leaves it due again after that); ``poll_s`` between
    looks at the outbox when it is idle; ``batch`` deliveries sent at once; up to
    ``rounds`` batches under way at once to webhooks and mail servers (a batch waiting on
    a receiver's answer does not hold back the next), and ``in_app_rounds`` in-app ones
    (they wait only on this machine's database and ledger: two overlap one batch's ledger
    commit with the next one's decisions; more would mostly queue for the one writer)."""

    max_attempts: int = 8
    base_backoff_s: float = 2.0
    max_backoff_s: float = 600.0
    lease_s: float = 60.0
    poll_s: float = 0.1
    batch: int = 50
    rounds: int = 4
    in_app_rounds: int = 2


def carries_case_data(channel: object, recipient_id: str) -> bool:
    """Whether what ``channel`` sends carries case data (an access to record): channels
    that may send without (e-mail by default) say so with ``carries_case_data``."""
    says = getattr(channel, "carries_case_data", None)
    return bool(says(recipient_id)) if callable(says) else True


class Deliverer:
    """Drains the outbox."""

    def __init__(self, outbox: Outbox, releaser: Releaser, ledger: LedgerPort,
                 pseudonym: Callable[[str], str], *, channels: Sequence[Channel] = (),
                 preferences: SqlPreferences, live: LiveUpdates | None = None,
                 clock: Clock, policy: DeliveryPolicy | None = None) -> None:
        self._outbox = outbox
        self._releaser = releaser
        self._ledger = ledger
        self._pseudonym = pseudonym
        self._channels: Mapping[ChannelKind, Channel] = {c.kind: c for c in channels}
        self._preferences = preferences
        self._live = live
        self._clock = clock
        self.policy = policy or DeliveryPolicy()
        self._random = random.Random()
        self._woken: asyncio.Event | None = None
        self._lanes: list[asyncio.Event] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        # Deliveries the matcher of this process handed over (``take``), claimed: in-app
        # ones and the others apart, one queue per lane.
        self._handed_in_app: deque[HandedOver] = deque()
        self._handed_out: deque[HandedOver] = deque()

    def wake(self) -> None:
        """New deliveries were committed (callable from any thread): look now rather than at
        the next poll. Polling stays for what this process is not told of (another
        process's matcher, retries coming due)."""
        loop, woken = self._loop, self._woken
        if loop is not None and woken is not None and not loop.is_closed():
            for event in (woken, *self._lanes):
                loop.call_soon_threadsafe(event.set)

    def hand_over_claim(self) -> Claim | None:
        """The claim handed deliveries are written with while this deliverer runs (the
        matcher's side of ``take``): its channels, its lease; None when it does not run."""
        if self._loop is None:
            return None
        return Claim(timedelta(seconds=self.policy.lease_s),
                     frozenset({ChannelKind.IN_APP, *self._channels}))

    def take(self, handed: Sequence[HandedOver]) -> None:
        """Deliveries just written, claimed for this deliverer by the matcher of this
        process (callable from any thread): sent next, ahead of the outbox. Any left when
        it stops come due again when their claim ends."""
        # deque appends are atomic: no lock
        self._handed_in_app.extend(h for h in handed
                                   if h.delivery.channel == ChannelKind.IN_APP)
        self._handed_out.extend(h for h in handed if h.delivery.channel != ChannelKind.IN_APP)
        self.wake()

    async def run(self) -> None:
        """Deliver until cancelled: in-app deliveries and the other channels in lanes of
        their own, so a slow webhook or mail server never holds an inbox back."""
        self._loop, self._woken = asyncio.get_running_loop(), asyncio.Event()
        lanes = [([ChannelKind.IN_APP], self.policy.in_app_rounds)] + (
            [(list(self._channels), self.policy.rounds)] if self._channels else [])
        events = [asyncio.Event() for _ in lanes]
        self._lanes = events
        try:
            # A task group, not gather: cancelled, it waits until every lane has ended its
            # rounds under way.
            async with asyncio.TaskGroup() as group:
                for (kinds, rounds), woken in zip(lanes, events, strict=True):
                    group.create_task(self._lane(kinds, woken, rounds))
        finally:
            self._loop = self._woken = None
            self._lanes = []

    async def _lane(self, kinds: list[ChannelKind], woken: asyncio.Event, rounds_at_once: int
                    ) -> None:
        """Take batches one after another and send each in a round of its own, up to
        ``rounds_at_once`` at once; when nothing is due, wait to be woken or for the next
        poll."""
        slots = asyncio.Semaphore(max(1, rounds_at_once))
        rounds: set[asyncio.Task[int]] = set()

        def ended(task: asyncio.Task[int]) -> None:
            rounds.discard(task)
            slots.release()
            if not task.cancelled() and task.exception() is not None:
                log.error("delivery round failed", exc_info=task.exception())

        try:
            while True:
                await slots.acquire()
                try:
                    batch = await self._next_batch(kinds)
                except Exception:  # the database failing must not end the loop
                    log.exception("taking deliveries failed")
                    batch = None
                if batch is not None:
                    task = asyncio.get_running_loop().create_task(self._round(*batch))
                    rounds.add(task)
                    task.add_done_callback(ended)
                    continue
                slots.release()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(woken.wait(), self.policy.poll_s)
                woken.clear()
        finally:
            for task in list(rounds):
                task.cancel()
            if rounds:
                await asyncio.gather(*rounds, return_exceptions=True)

    async def drain_once(self, kinds: Sequence[ChannelKind] | None = None) -> int:
        """Claim and send what is due now (one batch, of ``kinds``: by default in-app and
        every channel this deliverer has); how many were handled."""
        # Only the channels this deliverer has: another process may serve the rest.
        if kinds is None:
            kinds = [ChannelKind.IN_APP, *self._channels]
        batch = await self._next_batch(kinds)
        return 0 if batch is None else await self._round(*batch)

    async def _next_batch(self, kinds: Sequence[ChannelKind]
                          ) -> tuple[list[Delivery], dict[str, StoredNotification] | None] | None:
        """The next batch this deliverer holds, of ``kinds``: handed over by the matcher
        (with their notifications as matched) or else claimed from the outbox; None when
        nothing is due."""
        now = self._clock()
        handed = self._take_handed(kinds, now)
        if handed:
            return [h.delivery for h in handed], {
                h.notification.id: StoredNotification(
                    h.notification.id, h.notification.recipient_id, h.notification.subject_id,
                    h.notification.agency_id, h.notification, None) for h in handed}
        lease = timedelta(seconds=self.policy.lease_s)
        claimed = await asyncio.to_thread(self._claim, now, lease, list(kinds))
        return (claimed, None) if claimed else None

    async def _round(self, claimed: list[Delivery],
                     known: dict[str, StoredNotification] | None) -> int:
        """Deliver a claimed batch: decided in one pass (the policy again, per delivery),
        its ledger entries appended concurrently (one group commit covers them) and marked
        in one transaction before anything is sent, sent concurrently, and the outcomes
        written together; how many were handled. ``known``: the notifications as
        matched, when handed over (otherwise read back)."""
        decided = await asyncio.to_thread(self._decide_all, claimed, known)
        skips = [(d, why) for d, why in decided if isinstance(why, str)]
        if skips:
            await asyncio.to_thread(self._outbox.skipped_many, skips, self._clock())
        going: list[tuple[Delivery, Released, Verdict]] = []
        for delivery, outcome in decided:
            if isinstance(outcome, str):
                continue
            if isinstance(outcome, DeliveryError):
                await self._fail(delivery, outcome)
                continue
            if delivery.channel != ChannelKind.IN_APP and \
                    delivery.channel not in self._channels:
                await self._fail(delivery, DeliveryError(
                    f"no {delivery.channel} channel in this deliverer"))
                continue
            going.append((delivery, *outcome))
        going = await self._record_accesses(going)
        sent = await self._send_all([(d, m) for d, m, _ in going])
        done = [(d, m) for (d, m, _), ok in zip(going, sent, strict=True) if ok]
        if done:
            await asyncio.to_thread(self._outbox.delivered_many, [d for d, _ in done],
                                    self._clock())
        if self._live is not None:
            for delivery, message in done:
                if delivery.channel == ChannelKind.IN_APP:
                    self._live.publish(message)
        return len(claimed)

    def _take_handed(self, kinds: Sequence[ChannelKind], now: datetime) -> list[HandedOver]:
        """Up to a batch of the handed-over deliveries on ``kinds``, oldest first. One whose
        claim has ended while it waited here (a backlog longer than the lease) is dropped:
        another deliverer may have claimed it from the outbox by now, and this one will
        find it there if not."""
        queues = ([self._handed_in_app] if ChannelKind.IN_APP in kinds else []) + (
            [self._handed_out] if any(k != ChannelKind.IN_APP for k in kinds) else [])
        taken: list[HandedOver] = []
        for queue in queues:
            while queue and len(taken) < self.policy.batch:
                handed = queue.popleft()
                if handed.delivery.next_attempt_at > now:
                    taken.append(handed)
        return taken

    def _claim(self, now: datetime, lease: timedelta, kinds: list[ChannelKind]
               ) -> list[Delivery]:
        due = self._outbox.due(now, self.policy.batch, kinds)
        return self._outbox.claim_many(due, now, lease)

    async def _record_accesses(self, going: list[tuple[Delivery, Released, Verdict]]
                               ) -> list[tuple[Delivery, Released, Verdict]]:
        """The ledger's access entries of the deliveries that carry case data and have
        none yet, appended concurrently and noted in one transaction: durable before
        anything of the case leaves. Those whose entry failed are retried later."""
        needed = [(d, m, r) for d, m, r in going if d.ledger_at is None and (
            d.channel == ChannelKind.IN_APP
            or carries_case_data(self._channels[d.channel], m.notification.recipient_id))]
        if not needed:
            return going
        appended = await asyncio.gather(*(self._ledger.append(self._entry(m, r))
                                          for _, m, r in needed), return_exceptions=True)
        failed: set[str] = set()
        for (delivery, _, _), result in zip(needed, appended, strict=True):
            if isinstance(result, BaseException):
                log.error("ledger entry of delivery %s failed: %s", delivery.id, result)
                failed.add(delivery.id)
                await self._fail(delivery, DeliveryError(
                    f"ledger: {type(result).__name__}: {result}"))
        # In-app deliveries are marked ledgered with their delivery (Outbox.delivered_many):
        # one transaction fewer on the path a person waits on.
        await asyncio.to_thread(self._outbox.mark_ledgered_many,
                                [d.id for d, _, _ in needed if d.id not in failed
                                 and d.channel != ChannelKind.IN_APP],
                                self._clock())
        return [g for g in going if g[0].id not in failed]

    async def _send_all(self, going: Sequence[tuple[Delivery, Released]]) -> list[bool]:
        """Send each, concurrently; a channel that sends many at once (``deliver_many``:
        one read of its targets, one write of its log) gets its share in one call. Whether
        each was sent (failures recorded: a retry or dead letter)."""
        sent: dict[int, bool] = {}
        by_channel: dict[ChannelKind, list[int]] = {}
        singles: list[int] = []
        for i, (delivery, _) in enumerate(going):
            channel = self._channels.get(delivery.channel)
            if isinstance(channel, SendsMany):
                by_channel.setdefault(delivery.channel, []).append(i)
            else:
                singles.append(i)

        async def many(kind: ChannelKind, indexes: list[int]) -> None:
            channel = self._channels[kind]
            assert isinstance(channel, SendsMany)
            outcomes = await channel.deliver_many([(going[i][1], going[i][0])
                                                   for i in indexes])
            for i, error in zip(indexes, outcomes, strict=True):
                if error is not None:
                    await self._fail(going[i][0], error)
                sent[i] = error is None

        async def single(i: int) -> None:
            sent[i] = await self._send(*going[i])

        await asyncio.gather(*(many(k, idx) for k, idx in by_channel.items()),
                             *(single(i) for i in singles))
        return [sent[i] for i in range(len(going))]

    async def _send(self, delivery: Delivery, message: Released) -> bool:
        """Send through the channel (in-app: nothing to send); False when it failed (the
        failure recorded: a retry or dead letter)."""
        channel = self._channels.get(delivery.channel)
        if channel is None:
            return True
        try:
            await channel.deliver(message, delivery)
        except DeliveryError as exc:
            await self._fail(delivery, exc)
            return False
        except Exception as exc:  # a channel's bug: retried like a failure, and logged
            log.exception("delivery %s failed unexpectedly", delivery.id)
            await self._fail(delivery, DeliveryError(f"{type(exc).__name__}: {exc}"))
            return False
        return True

    async def _fail(self, delivery: Delivery, error: DeliveryError) -> None:
        await asyncio.to_thread(self._failed, delivery, error)

    def _failed(self, delivery: Delivery, error: DeliveryError) -> None:
        now = self._clock()
        attempt = delivery.attempts + 1
        if error.permanent or attempt >= self.policy.max_attempts:
            self._outbox.dead(delivery, now, error.message)
            log.warning("delivery %s (%s) dead after %d attempts: %s", delivery.id,
                        delivery.channel, attempt, error.message)
            return
        wait = backoff_delay(attempt, self.policy.base_backoff_s, self.policy.max_backoff_s,
                             self._random.random())
        self._outbox.retry(delivery, now + timedelta(seconds=wait), error.message)

    def _decide_all(self, claimed: list[Delivery],
                    known: Mapping[str, StoredNotification] | None = None
                    ) -> list[tuple[Delivery, tuple[Released, Verdict] | str | DeliveryError]]:
        """``_decide`` for a claimed batch: the notifications read in one query (unless
        ``known``: handed over as matched), each recipient's preferences once; the policy
        decided for every delivery now."""
        stored = known if known is not None else self._outbox.notifications(
            [d.notification_id for d in claimed])
        told = [s.notification for s in stored.values() if s.notification is not None]
        releaser = self._releaser.for_batch(told)
        # Preferences decide the other channels only (in-app is always on).
        by_id = {n.id: n for n in told}
        preferences = self._preferences.preferences_many(
            [by_id[d.notification_id].recipient_id for d in claimed
             if d.channel != ChannelKind.IN_APP and d.notification_id in by_id])

        def wanted(recipient: str) -> Preferences:
            return preferences.get(recipient) or self._preferences.preferences(recipient)

        decided: list[tuple[Delivery, tuple[Released, Verdict] | str | DeliveryError]] = []
        for d in claimed:
            try:
                decided.append((d, self._decide(d, stored.get(d.notification_id), wanted,
                                                releaser)))
            except Exception as exc:  # one delivery's failure: retried, the rest go on
                log.exception("deciding delivery %s failed", d.id)
                decided.append((d, DeliveryError(f"{type(exc).__name__}: {exc}")))
        return decided

    def _decide(self, delivery: Delivery, stored: StoredNotification | None,
                preferences_of: Callable[[str], Preferences], releaser: Releaser
                ) -> tuple[Released, Verdict] | str:
        """The message to send, or why nothing is sent (the reason a SKIPPED row keeps)."""
        if stored is None:
            return GONE
        if stored.notification is None:
            return SUBJECT_ERASED  # the case number no longer opens
        notification = stored.notification
        if delivery.channel != ChannelKind.IN_APP and not preferences_of(
                notification.recipient_id).wants(delivery.channel, notification.agency_id,
                                                 notification.action_required):
            return PREFERENCE_OFF
        outcome = releaser.release(notification)
        if isinstance(outcome, Refused):
            return outcome.code
        return outcome

    def _entry(self, message: Released, ruling: Verdict) -> Entry:
        notification = message.notification
        decision = ruling.decision
        # What the message holds: status-level data, and the number whole only when the
        # agency's numbers need a scope the recipient has (IDENTITY for A-numbers).
        number_scope = self._releaser.agencies[notification.agency_id].number_scope
        scopes = {Scope.STATUS} | ({number_scope} if message.case_number is not None
                                   else set())
        # An alert's due date was released under DETAILS (aggregator.notify.decisions).
        scopes |= {Scope.DETAILS} & set(ruling.scopes)
        return access_entry(
            subject=self._pseudonym(notification.subject_id),
            actor=self._pseudonym(notification.recipient_id), decision="ALLOW",
            agencies=[notification.agency_id], scopes=[s.value for s in sorted(scopes)],
            consent_id=decision.consent_id, purpose=decision.purpose)
