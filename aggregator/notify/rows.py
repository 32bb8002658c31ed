"""Shared helpers of the notification tables' readers and writers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.sql.schema import Table

from aggregator.notify.model import (
    AlertDetails,
    ChannelKind,
    Delivery,
    DeliveryState,
    Notification,
    NotificationKind,
)
from aggregator.store.subjects import SubjectSealer

__all__ = ["alert_json", "delivery_of", "insert_for", "kind_of", "notification_of",
           "open_alert", "open_number", "open_numbers", "seal_alerts", "seal_number",
           "seal_numbers", "utc"]


def utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone-aware columns; they were stored as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def insert_for(engine: Engine, table: Table) -> Any:
    """The dialect's INSERT (with ON CONFLICT) for ``table``."""
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    return insert(table)


def _place(notification_id: str) -> tuple[str, ...]:
    return ("notification", notification_id)


def seal_number(sealer: SubjectSealer, subject_id: str, notification_id: str,
                number: str) -> bytes:
    """The case number sealed under the subject's data key, bound to the notification."""
    return sealer.seal(subject_id, number.encode(), _place(notification_id))


def seal_numbers(sealer: SubjectSealer, items: Sequence[tuple[str, str, str]]) -> list[bytes]:
    """Each (subject, notification, number) sealed as ``seal_number`` does; with a sealer
    that seals many at once (aggregator.vault.SubjectKeys.seal_many: one write transaction
    counts them all), in one call."""
    many = getattr(sealer, "seal_many", None)
    if callable(many):
        sealed = many([(s, n.encode(), _place(i)) for s, i, n in items])
        return list(sealed)
    return [seal_number(sealer, s, i, n) for s, i, n in items]


def open_number(sealer: SubjectSealer, subject_id: str, notification_id: str,
                sealed: bytes) -> str | None:
    """The case number; None when it no longer opens (the subject's key was shredded)."""
    try:
        return sealer.open(subject_id, sealed, _place(notification_id)).decode()
    except ValueError:
        return None


def open_numbers(sealer: SubjectSealer, items: Sequence[tuple[str, str, bytes]]
                 ) -> list[str | None]:
    """``open_number`` for each (subject, notification, sealed); with a sealer that opens
    many at once (aggregator.vault.SubjectKeys.open_many: one read, each key unwrapped once),
    in one call."""
    many = getattr(sealer, "open_many", None)
    if not callable(many):
        return [open_number(sealer, s, i, v) for s, i, v in items]
    opened = many([(s, v, _place(i)) for s, i, v in items])
    return [None if isinstance(o, ValueError) else bytes(o).decode() for o in opened]


def alert_json(details: AlertDetails) -> str:
    """An alert's details as sealed (JSON)."""
    return json.dumps({"due": details.due.isoformat(), "deadline": details.deadline,
                       "source": details.source}, sort_keys=True)


def _alert_place(notification_id: str) -> tuple[str, ...]:
    return ("notification-alert", notification_id)


def seal_alerts(sealer: SubjectSealer, items: Sequence[tuple[str, str, AlertDetails]]
                ) -> list[bytes]:
    """Each (subject, notification, details) sealed under the subject's data key, bound to
    the notification (in one call with a sealer that seals many at once)."""
    plain = [(s, alert_json(d).encode(), _alert_place(i)) for s, i, d in items]
    many = getattr(sealer, "seal_many", None)
    if callable(many):
        return list(many(plain))
    return [sealer.seal(s, p, place) for s, p, place in plain]


def kind_of(row: Any) -> NotificationKind:
    """The row's kind; a row from before alerts (or of an unknown kind) is a change."""
    try:
        return NotificationKind(row.get("kind") or NotificationKind.CHANGE.value)
    except ValueError:
        return NotificationKind.CHANGE


def open_alert(sealer: SubjectSealer, row: Any) -> AlertDetails | None:
    """An alert row's details; None when they no longer open (the subject was erased) or
    are not there."""
    sealed = row.get("alert_sealed")
    if sealed is None:
        return None
    try:
        raw = json.loads(sealer.open(row["subject_id"], sealed, _alert_place(row["id"])))
        return AlertDetails(date.fromisoformat(raw["due"]), str(raw.get("deadline", "")),
                            str(raw.get("source", "")))
    except (ValueError, KeyError, TypeError):
        return None


def notification_of(row: Any, case_number: str, alert: AlertDetails | None = None
                    ) -> Notification:
    """A notification row (a RowMapping), its number given (opened, or masked for the
    reader) and, for an alert, its opened details."""
    titles = json.loads(row["titles"])
    return Notification(
        id=row["id"], recipient_id=row["recipient_id"], subject_id=row["subject_id"],
        agency_id=row["agency_id"], case_number=case_number, event_id=row["event_id"],
        occurred_at=utc(row["occurred_at"]), created_at=utc(row["created_at"]),
        category=row["category"], milestone=row["milestone"],
        action_required=bool(row["action_required"]),
        titles=titles if isinstance(titles, dict) else {}, read=bool(row["read"]),
        kind=kind_of(row), alert=alert)


def delivery_of(row: Any) -> Delivery:
    """A delivery row."""
    return Delivery(
        id=row["id"], notification_id=row["notification_id"],
        channel=ChannelKind(row["channel"]), target=row["target"],
        state=DeliveryState(row["state"]), attempts=int(row["attempts"]),
        next_attempt_at=utc(row["next_attempt_at"]), created_at=utc(row["created_at"]),
        last_error=row["last_error"] or "",
        delivered_at=utc(row["delivered_at"]) if row["delivered_at"] else None,
        ledger_at=utc(row["ledger_at"]) if row.get("ledger_at") else None)
