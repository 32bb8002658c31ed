"""The delivery loop: claims due deliveries, decides the policy again, records the access in
the ledger, sends, and records the outcome — at least once, idempotent by notification id
(receivers de-duplicate on it). Several deliverers, in several processes, may run at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from aggregator.ledger.entries import Entry, access_entry
from aggregator.notify.backoff import backoff_delay
from aggregator.notify.decisions import Verdict
from aggregator.notify.live import LiveUpdates
from aggregator.notify.model import ChannelKind, Delivery, DeliveryError, Released
from aggregator.notify.outbox import Outbox
from aggregator.notify.ports import Channel
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
    looks at the outbox when it is idle; ``batch`` deliveries sent at once."""

    max_attempts: int = 8
    base_backoff_s: float = 2.0
    max_backoff_s: float = 600.0
    lease_s: float = 60.0
    poll_s: float = 0.1
    batch: int = 50


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
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """New deliveries were committed (callable from any thread): look now rather than at
        the next poll. Polling stays for what this process is not told of (another
        process's matcher, retries coming due)."""
        loop, woken = self._loop, self._woken
        if loop is not None and woken is not None and not loop.is_closed():
            loop.call_soon_threadsafe(woken.set)

    async def run(self) -> None:
        """Deliver until cancelled."""
        self._loop, self._woken = asyncio.get_running_loop(), asyncio.Event()
        try:
            while True:
                try:
                    done = await self.drain_once()
                except Exception:  # the database or ledger failing must not end the loop
                    log.exception("delivery round failed")
                    done = 0
                if not done:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._woken.wait(), self.policy.poll_s)
                self._woken.clear()
        finally:
            self._loop = self._woken = None

    async def drain_once(self) -> int:
        """Claim and send what is due now (one batch); how many were handled."""
        now = self._clock()
        # Only the channels this deliverer has: another process may serve the rest.
        kinds = [ChannelKind.IN_APP, *self._channels]
        due = await asyncio.to_thread(self._outbox.due, now, self.policy.batch, kinds)
        lease = timedelta(seconds=self.policy.lease_s)
        claimed = [d for d in due
                   if await asyncio.to_thread(self._outbox.claim, d, now, lease)]
        await asyncio.gather(*(self._handle(d) for d in claimed))
        return len(claimed)

    async def _handle(self, delivery: Delivery) -> None:
        try:
            await self._deliver(delivery)
        except DeliveryError as exc:
            await asyncio.to_thread(self._failed, delivery, exc)
        except Exception as exc:  # a channel's bug: retried like a failure, and logged
            log.exception("delivery %s failed unexpectedly", delivery.id)
            await asyncio.to_thread(self._failed, delivery,
                                    DeliveryError(f"{type(exc).__name__}: {exc}"))

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

    async def _deliver(self, delivery: Delivery) -> None:
        decided = await asyncio.to_thread(self._decide, delivery)
        if isinstance(decided, str):
            await asyncio.to_thread(self._outbox.skipped, delivery, self._clock(), decided)
            return
        message, ruling = decided
        channel = self._channels.get(delivery.channel)
        if delivery.channel != ChannelKind.IN_APP and channel is None:
            raise DeliveryError(f"no {delivery.channel} channel in this deliverer")
        recipient = message.notification.recipient_id
        if (channel is None or carries_case_data(channel, recipient)) and not \
                await asyncio.to_thread(self._outbox.ledgered, delivery.id):
            # The access is on record before anything of the case leaves.
            await self._ledger.append(self._entry(message, ruling))
            await asyncio.to_thread(self._outbox.mark_ledgered, delivery.id, self._clock())
        if channel is not None:
            await channel.deliver(message, delivery)
        await asyncio.to_thread(self._outbox.delivered, delivery, self._clock(),
                                in_app=delivery.channel == ChannelKind.IN_APP)
        if delivery.channel == ChannelKind.IN_APP and self._live is not None:
            self._live.publish(message)

    def _decide(self, delivery: Delivery) -> tuple[Released, Verdict] | str:
        """The message to send, or why nothing is sent (the reason a SKIPPED row keeps)."""
        stored = self._outbox.notification(delivery.notification_id)
        if stored is None:
            return GONE
        if stored.notification is None:
            return SUBJECT_ERASED  # the case number no longer opens
        notification = stored.notification
        if delivery.channel != ChannelKind.IN_APP and not self._preferences.preferences(
                notification.recipient_id).wants(delivery.channel, notification.agency_id,
                                                 notification.action_required):
            return PREFERENCE_OFF
        outcome = self._releaser.release(notification)
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
        return access_entry(
            subject=self._pseudonym(notification.subject_id),
            actor=self._pseudonym(notification.recipient_id), decision="ALLOW",
            agencies=[notification.agency_id], scopes=[s.value for s in sorted(scopes)],
            consent_id=decision.consent_id, purpose=decision.purpose)
