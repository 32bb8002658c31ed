"""The in-app inbox over the notification tables (``Inbox``): delivered notifications,
newest first. A grantee's list shows only what their consent still covers (decided when
read); a subject's erased data is never shown."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.engine import Engine

from aggregator.notify.decisions import alert_scope, shown_number
from aggregator.notify.model import Notification, NotificationKind, NotificationPage
from aggregator.notify.release import Refused, Releaser
from aggregator.notify.rows import kind_of, notification_of, open_alert, open_number, utc
from aggregator.notify.tables import create_tables, notifications
from aggregator.store.subjects import SubjectSealer

__all__ = ["MAX_MARK", "MAX_PAGE", "InvalidCursor", "SqlInbox"]

MAX_PAGE = 100
MAX_MARK = 500
_MAX_CURSOR = 200


class InvalidCursor(ValueError):
    """An ``after`` cursor that no page gave out."""


def _encode(occurred_at: datetime, notification_id: str) -> str:
    raw = json.dumps([occurred_at.isoformat(), notification_id]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode(cursor: str) -> tuple[datetime, str]:
    if len(cursor) > _MAX_CURSOR:
        raise InvalidCursor(f"'after' is longer than {_MAX_CURSOR} characters; pass the "
                            "endCursor of a previous page")
    try:
        at, nid = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return utc(datetime.fromisoformat(at)), str(nid)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidCursor("'after' is not a cursor this list gave out; pass the "
                            "endCursor of a previous page") from exc


class SqlInbox:
    """Delivered notifications per recipient."""

    def __init__(self, engine: Engine, sealer: SubjectSealer, releaser: Releaser) -> None:
        self.engine = engine
        self._sealer = sealer
        self._releaser = releaser
        create_tables(engine)

    def _visible(self, row: object) -> Notification | None:
        m = row._mapping  # type: ignore[attr-defined]
        number = open_number(self._sealer, m["subject_id"], m["id"], m["case_number_sealed"])
        if number is None:
            return None  # erased: unopenable, never shown
        kind = kind_of(m)
        alert = None if kind == NotificationKind.CHANGE else open_alert(self._sealer, m)
        if kind != NotificationKind.CHANGE and alert is None:
            return None  # an alert's details no longer open: erased
        # An alert's due date needs the scope it reveals (DETAILS) now, not only then.
        ruling = self._releaser.ruling_for(m["recipient_id"], m["subject_id"], m["agency_id"],
                                           None, alert_scope(kind))
        if m["recipient_id"] == m["subject_id"]:
            if isinstance(ruling, Refused) and ruling.code == "SUBJECT_ERASED":
                return None
            return notification_of(m, number, alert)
        if isinstance(ruling, Refused):
            return None  # the consent no longer covers it
        agency = self._releaser.agencies[m["agency_id"]]
        return notification_of(m, shown_number(number, agency.number_scope, ruling.scopes),
                               alert)

    def page(self, recipient_id: str, first: int, after: str | None = None
             ) -> NotificationPage:
        """Newest first (by when the change happened, then id); the case number as the
        recipient may see it now (masked without the agency's number scope)."""
        if not 1 <= first <= MAX_PAGE:
            raise ValueError(f"'first' must be between 1 and {MAX_PAGE}, got {first}")
        position = _decode(after) if after else None
        items: list[Notification] = []
        more = False
        while True:
            query = select(notifications).where(
                (notifications.c.recipient_id == recipient_id)
                & notifications.c.delivered_at.is_not(None))
            if position is not None:
                query = query.where(tuple_(notifications.c.occurred_at, notifications.c.id)
                                    < tuple_(*position))
            chunk = (first + 1) * 2
            with self.engine.connect() as conn:
                rows = conn.execute(query.order_by(notifications.c.occurred_at.desc(),
                                                   notifications.c.id.desc())
                                    .limit(chunk)).all()
            for row in rows:
                if len(items) == first:
                    more = True
                    break
                position = (utc(row.occurred_at), row.id)
                shown = self._visible(row)
                if shown is not None:
                    items.append(shown)
            if more or len(rows) < chunk:
                break
        end = _encode(items[-1].occurred_at, items[-1].id) if items else None
        return NotificationPage(tuple(items), end, more)

    def unread_count(self, recipient_id: str) -> int:
        """Delivered, unread and still visible to the recipient."""
        query = (select(notifications.c.subject_id, notifications.c.agency_id,
                        notifications.c.kind, func.count().label("n"))
                 .where((notifications.c.recipient_id == recipient_id)
                        & notifications.c.delivered_at.is_not(None)
                        & ~notifications.c.read)
                 .group_by(notifications.c.subject_id, notifications.c.agency_id,
                           notifications.c.kind))
        with self.engine.connect() as conn:
            groups = conn.execute(query).all()
        total = 0
        for subject, agency, kind, count in groups:
            ruling = self._releaser.ruling_for(recipient_id, subject, agency, None,
                                               alert_scope(kind_of({"kind": kind})))
            hidden = (ruling.code == "SUBJECT_ERASED" if subject == recipient_id
                      else True) if isinstance(ruling, Refused) else False
            total += 0 if hidden else int(count)
        return total

    def mark_read(self, recipient_id: str, ids: Sequence[str]) -> list[str]:
        """Mark the recipient's own delivered notifications read; returns those ids."""
        if len(ids) > MAX_MARK:
            raise ValueError(f"at most {MAX_MARK} notification ids at once, got {len(ids)}")
        wanted = list(dict.fromkeys(i for i in ids if len(i) <= 64))
        if not wanted:
            return []
        mine = ((notifications.c.recipient_id == recipient_id)
                & notifications.c.id.in_(wanted) & notifications.c.delivered_at.is_not(None))
        with self.engine.begin() as conn:
            found = {r.id for r in conn.execute(select(notifications.c.id).where(mine))}
            conn.execute(update(notifications).where(mine).values(read=True))
        return [i for i in wanted if i in found]
