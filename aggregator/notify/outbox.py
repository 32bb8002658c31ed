"""The durable outbox: watch cursors, the cases each watcher saw, notifications and their
deliveries, in the aggregator's database. A change's notifications and the watcher's new
cursor are written in one transaction; deliverers claim due deliveries with a conditional
UPDATE, so several of them (in several processes) never send one delivery at once."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.engine import Connection, Engine

from aggregator.ledger.entries import case_reference
from aggregator.notify.matching import Planned
from aggregator.notify.model import (
    ChannelKind,
    Delivery,
    DeliveryState,
    Notification,
    NotificationKind,
    StatusChange,
)
from aggregator.notify.rows import (
    delivery_of,
    insert_for,
    kind_of,
    notification_of,
    open_alert,
    open_number,
    open_numbers,
    seal_alerts,
    seal_numbers,
    utc,
)
from aggregator.notify.tables import (
    create_tables,
    deliveries,
    notifications,
    seen_cases,
    watch_cursors,
)
from aggregator.store.subjects import SubjectSealer
from aggregator.write_turns import write_turn

__all__ = ["MAX_ERROR", "Claim", "HandedOver", "Outbox", "Recorded", "StoredNotification"]

# Errors are kept for operators; a receiver's long answer is cut.
MAX_ERROR = 500


@dataclass(frozen=True, slots=True)
class StoredNotification:
    """A notification as stored; ``notification`` is None when its case number no longer
    opens (the subject's data was erased): nothing may be sent or shown of it."""

    id: str
    recipient_id: str
    subject_id: str
    agency_id: str
    notification: Notification | None
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class Claim:
    """New deliveries on ``channels`` written claimed for ``lease`` (``record_batch``)."""

    lease: timedelta
    channels: frozenset[ChannelKind]


@dataclass(frozen=True, slots=True)
class HandedOver:
    """A delivery written already claimed (``Outbox.record_batch``'s ``claim``), with its
    notification as matched: the deliverer of the process that matched it sends it without
    reading it back, unsealing its number or claiming it."""

    delivery: Delivery
    notification: Notification


@dataclass(frozen=True, slots=True)
class Recorded:
    """What ``Outbox.record_batch`` wrote: how many notifications were new, and the new
    deliveries it claimed (none unless asked to)."""

    new: int
    handed: tuple[HandedOver, ...] = ()


class Outbox:
    """The notification tables, created on open."""

    def __init__(self, engine: Engine, sealer: SubjectSealer, reference_key: bytes) -> None:
        self.engine = engine
        self._sealer = sealer
        self._reference_key = reference_key
        create_tables(engine)

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction, in this process's write turn (aggregator.write_turns)."""
        with write_turn(self.engine), self.engine.begin() as conn:
            yield conn

    def case_ref(self, agency_id: str, case_number: str) -> str:
        """The keyed reference a case is kept under (the store's and the ledger's)."""
        return case_reference(self._reference_key, agency_id, case_number)

    def alert_ref(self, key: str) -> str:
        """The keyed reference an alert's key (aggregator.notify.alerts.Alert.key, which
        names its due date) is stored under: the date stays sealed (alert_sealed)."""
        return "alert:" + case_reference(self._reference_key, "alert", key)

    # -- watchers ------------------------------------------------------------------------

    def cursor(self, agency_id: str) -> str | None:
        """Where the agency's watcher resumes; None before its first change."""
        with self.engine.connect() as conn:
            value = conn.execute(select(watch_cursors.c.cursor)
                                 .where(watch_cursors.c.agency_id == agency_id)).scalar()
        return None if value is None else str(value)

    def last_event(self, agency_id: str, case_number: str) -> str | None:
        """The event id of the case's last change the watcher saw; None on first sight."""
        with self.engine.connect() as conn:
            value = conn.execute(select(seen_cases.c.event_id).where(
                (seen_cases.c.agency_id == agency_id)
                & (seen_cases.c.case_ref == self.case_ref(agency_id, case_number)))).scalar()
        return None if value is None else str(value)

    def last_events(self, cases: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """``last_event`` of several (agency, case number) in one query per 500; cases
        never seen are left out."""
        refs = {(a, self.case_ref(a, n)): (a, n) for a, n in dict.fromkeys(cases)}
        found: dict[tuple[str, str], str] = {}
        keys = list(refs)
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            with self.engine.connect() as conn:
                rows = conn.execute(select(seen_cases.c.agency_id, seen_cases.c.case_ref,
                                           seen_cases.c.event_id).where(
                    seen_cases.c.case_ref.in_([ref for _, ref in chunk]))).all()
            for row in rows:
                case = refs.get((row.agency_id, row.case_ref))
                if case is not None:
                    found[case] = str(row.event_id)
        return found

    def record_batch(self, batch: Sequence[tuple[StatusChange, Sequence[Planned]]],
                     now: datetime, *, moves: Callable[[Connection], None] | None = None,
                     claim: Claim | None = None) -> Recorded:
        """Write changes, in stream order, in one transaction: their notifications and
        deliveries, each case's last event, and each agency's cursor at its last change in
        the batch (a change that concerns no one only moves the cursor on), or ``moves``
        instead (what the transaction moves on instead of the watcher's cursor: a
        JetStream matcher's stream position; raising there rolls everything back). A
        repeated change inserts nothing. The case numbers are sealed before the
        transaction, all at once (sealing counts each encryption in its own committed
        write).

        ``claim``: the new deliveries on its channels are written claimed for its lease and
        returned, for a deliverer in this process to send at once (should it never, they
        come due when the lease ends, like a claim whose deliverer died)."""
        sealed = iter(seal_numbers(self._sealer, [
            (p.notification.subject_id, p.notification.id, change.case_number)
            for change, planned in batch for p in planned]))
        rows: list[dict[str, object]] = []
        sends: list[dict[str, object]] = []
        seen: list[dict[str, object]] = []
        last_cursor: dict[str, str] = {}
        claimed_until = None if claim is None else now + claim.lease
        claimed = frozenset() if claim is None else claim.channels
        for change, planned in batch:
            ref = self.case_ref(change.agency_id, change.case_number)
            titles = json.dumps(dict(change.titles), ensure_ascii=False, sort_keys=True)
            rows.extend({
                "id": p.notification.id, "recipient_id": p.notification.recipient_id,
                "subject_id": p.notification.subject_id, "agency_id": change.agency_id,
                "case_ref": ref, "case_number_sealed": next(sealed),
                "event_id": change.event_id, "occurred_at": change.occurred_at,
                "created_at": now, "category": change.category,
                "milestone": change.milestone, "action_required": change.action_required,
                "titles": titles, "read": False, "delivered_at": None} for p in planned)
            sends.extend({
                "id": d.id, "notification_id": p.notification.id,
                "channel": d.channel.value, "target": d.target,
                "state": DeliveryState.PENDING.value, "attempts": 0,
                "next_attempt_at": claimed_until if claimed_until is not None
                and d.channel in claimed else now,
                "last_error": "", "created_at": now, "delivered_at": None, "ledger_at": None}
                for p in planned for d in p.deliveries)
            seen.append({"agency_id": change.agency_id, "case_ref": ref,
                         "event_id": change.event_id, "occurred_at": change.occurred_at,
                         "seen_at": now})
            last_cursor[change.agency_id] = change.cursor
        # A case changed twice in the batch keeps its later event (stream order).
        latest = {(r["agency_id"], r["case_ref"]): r for r in seen}
        # Executemany forms: compiled once and cached, whatever the batch's size.
        add_notifications = insert_for(self.engine, notifications).on_conflict_do_nothing()
        upsert = insert_for(self.engine, seen_cases)
        upsert = upsert.on_conflict_do_update(
            index_elements=[seen_cases.c.agency_id, seen_cases.c.case_ref],
            set_={"event_id": upsert.excluded.event_id,
                  "occurred_at": upsert.excluded.occurred_at, "seen_at": upsert.excluded.seen_at})
        new = 0
        inserted: set[str] = set()
        with self._write() as conn:
            if rows:
                new = len(conn.execute(add_notifications.returning(notifications.c.id),
                                       rows).all())
            if sends:
                inserted = {str(i) for i in conn.execute(
                    insert_for(self.engine, deliveries).on_conflict_do_nothing()
                    .returning(deliveries.c.id), sends).scalars()}
            if latest:
                conn.execute(upsert, list(latest.values()))
            if moves is None:
                for agency_id, cursor in last_cursor.items():
                    self._set_cursor(conn, agency_id, cursor, now)
            else:
                moves(conn)
        if claimed_until is None:
            return Recorded(new)
        return Recorded(new, tuple(
            HandedOver(Delivery(d.id, p.notification.id, d.channel, d.target,
                                DeliveryState.PENDING, 0, claimed_until, now),
                       p.notification)
            for _, planned in batch for p in planned for d in p.deliveries
            if d.channel in claimed and d.id in inserted))

    # -- alerts --------------------------------------------------------------------------

    def alerted(self, subject_id: str) -> set[tuple[str, str, str]]:
        """The alerts already told ``subject_id`` about their own cases: (agency, keyed
        case reference, ``alert_ref`` of the alert key) of each."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(notifications.c.agency_id, notifications.c.case_ref,
                                       notifications.c.event_id).where(
                (notifications.c.recipient_id == subject_id)
                & (notifications.c.subject_id == subject_id)
                & (notifications.c.kind != NotificationKind.CHANGE.value))).all()
        return {(str(r.agency_id), str(r.case_ref), str(r.event_id)) for r in rows}

    def existing(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are stored notifications."""
        found: set[str] = set()
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), 500):
            with self.engine.connect() as conn:
                found |= {str(i) for i in conn.execute(select(notifications.c.id).where(
                    notifications.c.id.in_(unique[start:start + 500]))).scalars()}
        return found

    def record_alerts(self, planned: Sequence[Planned], now: datetime) -> int:
        """Write alert notifications (each with its details) and their deliveries in one
        transaction; how many were new. An id already stored (a rerun, another replica
        raising the same alert) inserts nothing, its deliveries neither."""
        items = [p for p in planned if p.notification.alert is not None]
        if not items:
            return 0
        numbers = seal_numbers(self._sealer, [
            (p.notification.subject_id, p.notification.id, p.notification.case_number)
            for p in items])
        details = seal_alerts(self._sealer, [
            (p.notification.subject_id, p.notification.id, p.notification.alert)
            for p in items if p.notification.alert is not None])
        rows = [{
            "id": n.id, "recipient_id": n.recipient_id, "subject_id": n.subject_id,
            "agency_id": n.agency_id, "case_ref": self.case_ref(n.agency_id, n.case_number),
            "case_number_sealed": number, "event_id": self.alert_ref(n.event_id),
            "occurred_at": n.occurred_at, "created_at": now, "category": n.category,
            "milestone": n.milestone, "action_required": n.action_required, "titles": "{}",
            "read": False, "delivered_at": None, "kind": n.kind.value, "alert_sealed": sealed}
            for n, number, sealed in zip((p.notification for p in items), numbers, details,
                                         strict=True)]
        with self._write() as conn:
            new = {str(i) for i in conn.execute(
                insert_for(self.engine, notifications).on_conflict_do_nothing()
                .returning(notifications.c.id), rows).scalars()}
            sends = [{
                "id": d.id, "notification_id": p.notification.id, "channel": d.channel.value,
                "target": d.target, "state": DeliveryState.PENDING.value, "attempts": 0,
                "next_attempt_at": now, "last_error": "", "created_at": now,
                "delivered_at": None, "ledger_at": None}
                for p in items if p.notification.id in new for d in p.deliveries]
            if sends:
                conn.execute(insert_for(self.engine, deliveries).on_conflict_do_nothing(),
                             sends)
        return len(new)

    def set_cursor(self, agency_id: str, cursor: str, now: datetime) -> None:
        """Move the watcher's cursor on (a change that concerned no one)."""
        with self._write() as conn:
            self._set_cursor(conn, agency_id, cursor, now)

    def _set_cursor(self, conn: object, agency_id: str, cursor: str, now: datetime) -> None:
        statement = insert_for(self.engine, watch_cursors).values(
            agency_id=agency_id, cursor=cursor, updated_at=now)
        conn.execute(statement.on_conflict_do_update(  # type: ignore[attr-defined]
            index_elements=[watch_cursors.c.agency_id],
            set_={"cursor": cursor, "updated_at": now}))

    # -- deliverers ----------------------------------------------------------------------

    def due(self, now: datetime, limit: int, channels: Sequence[ChannelKind]
            ) -> list[Delivery]:
        """Pending deliveries on ``channels`` due at ``now``, oldest due first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(deliveries).where(
                (deliveries.c.state == DeliveryState.PENDING.value)
                & (deliveries.c.next_attempt_at <= now)
                & deliveries.c.channel.in_([c.value for c in channels]))
                .order_by(deliveries.c.next_attempt_at, deliveries.c.id).limit(limit)).all()
        return [delivery_of(r._mapping) for r in rows]

    def claim(self, delivery: Delivery, now: datetime, lease: timedelta) -> bool:
        """Take ``delivery`` for ``lease``: True for exactly one of several deliverers
        asking at once (the row must still be pending and due as read)."""
        with self._write() as conn:
            claimed = conn.execute(update(deliveries).where(and_(
                deliveries.c.id == delivery.id,
                deliveries.c.state == DeliveryState.PENDING.value,
                deliveries.c.next_attempt_at == delivery.next_attempt_at,
            )).values(next_attempt_at=now + lease)).rowcount
        return claimed == 1

    def claim_many(self, due: Sequence[Delivery], now: datetime, lease: timedelta
                   ) -> list[Delivery]:
        """``claim`` for several deliveries in one transaction: those this deliverer took
        (each still pending and due as read), in the order given."""
        claimed: list[Delivery] = []
        if not due:
            return claimed
        with self._write() as conn:
            for delivery in due:
                if conn.execute(update(deliveries).where(and_(
                        deliveries.c.id == delivery.id,
                        deliveries.c.state == DeliveryState.PENDING.value,
                        deliveries.c.next_attempt_at == delivery.next_attempt_at,
                )).values(next_attempt_at=now + lease)).rowcount == 1:
                    claimed.append(delivery)
        return claimed

    def notifications(self, ids: Sequence[str]) -> dict[str, StoredNotification]:
        """``notification`` for several ids in one query; missing ones are left out."""
        found: dict[str, StoredNotification] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), 500):  # well under SQLite's variable limit
            with self.engine.connect() as conn:
                rows = conn.execute(select(notifications).where(
                    notifications.c.id.in_(unique[start:start + 500]))).all()
            mappings = [row._mapping for row in rows]
            numbers = open_numbers(self._sealer, [(m["subject_id"], m["id"],
                                                   m["case_number_sealed"]) for m in mappings])
            for m, number in zip(mappings, numbers, strict=True):
                found[m["id"]] = self._stored(m, number)
        return found

    def _stored(self, m: Any, number: str | None) -> StoredNotification:
        alert = None if kind_of(m) == NotificationKind.CHANGE else open_alert(self._sealer, m)
        if alert is None and kind_of(m) != NotificationKind.CHANGE:
            number = None  # an alert whose details no longer open: erased, like its number
        return StoredNotification(
            m["id"], m["recipient_id"], m["subject_id"], m["agency_id"],
            None if number is None else notification_of(m, number, alert),
            utc(m["delivered_at"]) if m["delivered_at"] else None)

    def mark_ledgered_many(self, delivery_ids: Sequence[str], now: datetime) -> None:
        """``mark_ledgered`` for several deliveries in one transaction."""
        if delivery_ids:
            with self._write() as conn:
                conn.execute(update(deliveries).where(deliveries.c.id.in_(delivery_ids))
                             .values(ledger_at=now))

    def delivered_many(self, done: Sequence[Delivery], now: datetime) -> None:
        """``delivered`` for several deliveries in one transaction (in-app ones also put
        their notification in the inbox)."""
        if not done:
            return
        with self._write() as conn:
            # One statement for the batch (executemany), not one round trip per delivery.
            conn.execute(update(deliveries).where(deliveries.c.id == bindparam("delivery_id"))
                         .values(state=DeliveryState.DELIVERED.value, delivered_at=now,
                                 attempts=bindparam("next_attempts"), last_error=""),
                         [{"delivery_id": d.id, "next_attempts": d.attempts + 1}
                          for d in done])
            # In-app deliveries are marked ledgered here, with their delivery, rather than
            # in a transaction of their own first: sending one is this very write, so
            # there is nothing between the two for a separate mark to protect.
            in_app_ledgered = [d.id for d in done if d.channel == ChannelKind.IN_APP
                               and d.ledger_at is None]
            if in_app_ledgered:
                conn.execute(update(deliveries).where(deliveries.c.id.in_(in_app_ledgered))
                             .values(ledger_at=now))
            in_app = [d.notification_id for d in done if d.channel == ChannelKind.IN_APP]
            if in_app:
                conn.execute(update(notifications).where(
                    notifications.c.id.in_(in_app)
                    & notifications.c.delivered_at.is_(None)).values(delivered_at=now))

    def skipped_many(self, skips: Sequence[tuple[Delivery, str]], now: datetime) -> None:
        """``skipped`` for several deliveries in one transaction."""
        if skips:
            with self._write() as conn:
                for delivery, reason in skips:
                    conn.execute(update(deliveries).where(deliveries.c.id == delivery.id)
                                 .values(state=DeliveryState.SKIPPED.value,
                                         next_attempt_at=now,
                                         last_error=reason[:MAX_ERROR]))

    def notification(self, notification_id: str) -> StoredNotification | None:
        """The stored notification, its case number opened (None if it no longer opens)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(notifications)
                               .where(notifications.c.id == notification_id)).first()
        if row is None:
            return None
        m = row._mapping
        return self._stored(m, open_number(self._sealer, m["subject_id"], m["id"],
                                           m["case_number_sealed"]))

    def ledgered(self, delivery_id: str) -> bool:
        """Whether the ledger already recorded this delivery as an access."""
        with self.engine.connect() as conn:
            return conn.execute(select(deliveries.c.ledger_at)
                                .where(deliveries.c.id == delivery_id)).scalar() is not None

    def mark_ledgered(self, delivery_id: str, now: datetime) -> None:
        """Note that the ledger recorded this delivery (so a retry records nothing more)."""
        self._update(delivery_id, ledger_at=now)

    def delivered(self, delivery: Delivery, now: datetime, *, in_app: bool) -> None:
        """DELIVERED; an in-app delivery also puts the notification in the inbox."""
        with self._write() as conn:
            conn.execute(update(deliveries).where(deliveries.c.id == delivery.id).values(
                state=DeliveryState.DELIVERED.value, delivered_at=now,
                attempts=delivery.attempts + 1, last_error=""))
            if in_app:
                conn.execute(update(notifications).where(
                    (notifications.c.id == delivery.notification_id)
                    & notifications.c.delivered_at.is_(None)).values(delivered_at=now))

    def retry(self, delivery: Delivery, at: datetime, error: str) -> None:
        """Failed, to be tried again at ``at``."""
        self._update(delivery.id, attempts=delivery.attempts + 1, next_attempt_at=at,
                     last_error=error[:MAX_ERROR])

    def dead(self, delivery: Delivery, now: datetime, error: str) -> None:
        """DEAD: retries spent or refused for good; an operator may replay it."""
        self._update(delivery.id, state=DeliveryState.DEAD.value,
                     attempts=delivery.attempts + 1, next_attempt_at=now,
                     last_error=error[:MAX_ERROR])

    def skipped(self, delivery: Delivery, now: datetime, reason: str) -> None:
        """SKIPPED by decision at delivery time (consent, preference, erasure)."""
        self._update(delivery.id, state=DeliveryState.SKIPPED.value, next_attempt_at=now,
                     last_error=reason[:MAX_ERROR])

    def _update(self, delivery_id: str, **values: object) -> None:
        with self._write() as conn:
            conn.execute(update(deliveries).where(deliveries.c.id == delivery_id)
                         .values(**values))

    # -- operators -----------------------------------------------------------------------

    def dead_letters(self, limit: int) -> list[Delivery]:
        """DEAD deliveries, the most recent first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(deliveries).where(
                deliveries.c.state == DeliveryState.DEAD.value)
                .order_by(deliveries.c.next_attempt_at.desc(), deliveries.c.id)
                .limit(limit)).all()
        return [delivery_of(r._mapping) for r in rows]

    def delivery(self, delivery_id: str) -> Delivery | None:
        """One delivery by id."""
        with self.engine.connect() as conn:
            row = conn.execute(select(deliveries)
                               .where(deliveries.c.id == delivery_id)).first()
        return None if row is None else delivery_of(row._mapping)

    def replay(self, delivery_id: str, now: datetime) -> bool:
        """A DEAD delivery PENDING again, attempts reset; False when it is not DEAD."""
        with self._write() as conn:
            changed = conn.execute(update(deliveries).where(
                (deliveries.c.id == delivery_id)
                & (deliveries.c.state == DeliveryState.DEAD.value)).values(
                state=DeliveryState.PENDING.value, attempts=0, next_attempt_at=now,
                last_error="")).rowcount
        return changed == 1

    def deliveries_of(self, notification_id: str) -> list[Delivery]:
        """Every delivery of one notification."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(deliveries).where(
                deliveries.c.notification_id == notification_id)
                .order_by(deliveries.c.created_at, deliveries.c.id)).all()
        return [delivery_of(r._mapping) for r in rows]
