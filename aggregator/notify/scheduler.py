"""The alert scheduler: every ``every_s`` it goes over the people who hold linked cases, asks
``AlertFacts`` for their deadlines and estimates as of today, and writes the alerts that came
due into the outbox (decisions in aggregator.notify.alerts and .decisions). Idempotent: an
alert's notification ids derive from subject, case and alert, so a rerun, a restart or a
second replica running the same round writes nothing twice."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from aggregator.consent.vocabulary import Role
from aggregator.notify.alerts import AlertFacts, SubjectFacts, due_alerts, plan_alert
from aggregator.notify.decisions import alert_recipients
from aggregator.notify.matching import Planned
from aggregator.notify.model import Preferences
from aggregator.notify.outbox import Outbox
from aggregator.notify.ports import Channel
from aggregator.notify.preferences import SqlPreferences
from aggregator.ports import Clock
from aggregator.store import Store
from aggregator.store.tables import links

__all__ = ["AlertPolicy", "AlertScheduler"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    """``every_s`` between rounds (the first runs at start): an hour by default, as alerts
    move by the day and each round reads every holder's cases at the agencies. The day is
    the clock's UTC date (deadlines are calendar dates; a US agency's day ends later, so an
    alert comes at most hours early, never late)."""

    every_s: float = 3600.0
    # People whose facts are asked for at once (each ask reads their cases at the agencies).
    concurrency: int = 4

    def __post_init__(self) -> None:
        if not 0.01 <= self.every_s <= 86_400:
            raise ValueError(f"alerts every_s must be between 0.01 and 86400 seconds, got "
                             f"{self.every_s}")
        if not 1 <= self.concurrency <= 64:
            raise ValueError(f"alerts concurrency must be between 1 and 64, got "
                             f"{self.concurrency}")


class AlertScheduler:
    """Raises alerts into the outbox, one round at a time."""

    def __init__(self, store: Store, outbox: Outbox, preferences: SqlPreferences,
                 channels: Sequence[Channel], facts: AlertFacts, clock: Clock,
                 policy: AlertPolicy | None = None) -> None:
        # Told after new deliveries were committed (the deliverer looks at once).
        self.on_written: Callable[[], None] | None = None
        self.policy = policy or AlertPolicy()
        self._store = store
        self._outbox = outbox
        self._preferences = preferences
        self._channels = tuple(channels)
        self._facts = facts
        self._clock = clock

    async def run(self) -> None:
        """A round every ``policy.every_s`` until cancelled; a failed round is logged and
        the next one tries again."""
        while True:
            try:
                await self.run_once()
            except Exception:  # the database or the facts failing must not end the loop
                log.exception("alert round failed")
            await asyncio.sleep(self.policy.every_s)

    async def run_once(self) -> int:
        """One round over every subject with linked cases; how many notifications were
        new. One subject's facts failing does not stop the others."""
        today = self._clock().date()
        gate = asyncio.Semaphore(self.policy.concurrency)

        async def one(subject: str) -> int:
            async with gate:
                try:
                    facts = await self._facts.facts(subject, today)
                except Exception:
                    log.exception("alert facts failed for one subject")
                    return 0
                return await asyncio.to_thread(self.record, subject, facts)

        written = sum(await asyncio.gather(*(one(s) for s in await asyncio.to_thread(
            self.subjects))))
        if written and self.on_written is not None:
            self.on_written()
        return written

    def subjects(self) -> list[str]:
        """Everyone who holds a linked case and was not erased."""
        with self._store.engine.connect() as conn:
            ids = sorted({str(s) for s in conn.execute(
                select(links.c.subject_id).distinct()).scalars()})
        return [s for s in ids if self._store.erased_at(s) is None]

    def record(self, subject: str, facts: SubjectFacts) -> int:
        """Write the alerts due for ``subject`` under ``facts`` today; how many
        notifications were new."""
        if self._store.erased_at(subject) is not None:
            return 0
        held = {(link.agency_id, link.case_number): self._outbox.case_ref(
            link.agency_id, link.case_number) for link in self._store.links_for(subject)}
        sent = self._outbox.alerted(subject)  # keys as stored: keyed references
        now = self._clock()
        alerts = [a for a in due_alerts(facts, now.date(), held=held)
                  if (a.agency_id, held[(a.agency_id, a.case_number)],
                      self._outbox.alert_ref(a.key)) not in sent]
        if not alerts:
            return 0
        consents = self._store.consents_granted_by(subject)
        role_of: dict[str, Role] = {}
        for grantee in {c.grantee_id for c in consents}:
            account = self._store.account(grantee)
            if account is not None:
                role_of[grantee] = account.role
        preferences: dict[str, Preferences] = {}

        def preferences_of(recipient: str) -> Preferences:
            if recipient not in preferences:
                preferences[recipient] = self._preferences.preferences(recipient)
            return preferences[recipient]

        targets_of = {c.kind: c.targets for c in self._channels}
        planned: list[Planned] = []
        for alert in alerts:
            recipients = alert_recipients(alert.agency_id, subject, alert.kind, now,
                                          consents=consents, role_of=role_of)
            planned += plan_alert(alert, subject, recipients, now,
                                  preferences_of=preferences_of,
                                  targets_of=targets_of)
        # Sealing is a counted write per value: ids already stored are not sealed again.
        known = self._outbox.existing([p.notification.id for p in planned])
        return self._outbox.record_alerts(
            [p for p in planned if p.notification.id not in known], now)

