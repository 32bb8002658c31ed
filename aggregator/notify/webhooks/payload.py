"""What a webhook carries (plain functions): the JSON body of each event, and whether a
verification answer echoed its challenge.

Bodies follow the Standard Webhooks shape ``{"type", "timestamp", "data"}``; the ``webhook-id``
header of a status change is the notification id, which receivers de-duplicate on.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aggregator.notify.model import NotificationKind, Released
from aggregator.notify.webhooks.model import (
    DEADLINE_EVENT,
    INQUIRY_EVENT,
    STATUS_EVENT,
    VERIFICATION_EVENT,
)

__all__ = ["MAX_ECHO_BYTES", "alert_payload", "challenge_echoed", "encode", "event_of",
           "payload_of", "status_payload", "verification_payload"]

# The verification answer is read up to this many bytes: a challenge in JSON fits easily.
MAX_ECHO_BYTES = 4096


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def status_payload(message: Released, now: datetime) -> dict[str, Any]:
    """The ``case.status_changed`` event for a released notification: in the recipient's
    language, the case number masked when their consent does not release it."""
    n = message.notification
    return {
        "type": STATUS_EVENT,
        "timestamp": _iso(now),
        "data": {
            "notificationId": message.id,
            "agency": {"id": n.agency_id, "name": message.agency_name},
            "caseNumber": message.case_number if message.case_number is not None
            else message.shown_number,
            "caseNumberMasked": message.case_number is None,
            "title": message.title,
            "category": n.category,
            "milestone": n.milestone,
            "actionRequired": n.action_required,
            "dueDate": message.due_date.isoformat() if message.due_date else None,
            "occurredAt": _iso(n.occurred_at),
            "language": message.language,
        },
    }


def event_of(message: Released) -> str:
    """The event type a released notification goes out as."""
    kind = message.notification.kind
    if kind.is_deadline:
        return DEADLINE_EVENT
    return INQUIRY_EVENT if kind == NotificationKind.INQUIRY_DATE else STATUS_EVENT


_WINDOWS = {NotificationKind.DEADLINE_7: 7, NotificationKind.DEADLINE_30: 30}


def alert_payload(message: Released, now: datetime) -> dict[str, Any]:
    """The ``case.deadline`` or ``case.inquiry_date`` event for a released alert: the
    title in the recipient's language, the case number masked as for a change;
    ``deadline`` (kind, due date, legal source, days ahead: 30 or 7, null for a deadline
    the agency missed) for a deadline,
    ``inquiryFrom`` for an inquiry date."""
    n = message.notification
    alert = n.alert
    data: dict[str, Any] = {
        "notificationId": message.id,
        "kind": n.kind.value.upper(),
        "agency": {"id": n.agency_id, "name": message.agency_name},
        "caseNumber": message.case_number if message.case_number is not None
        else message.shown_number,
        "caseNumberMasked": message.case_number is None,
        "title": message.title,
        "raisedAt": _iso(n.occurred_at),
        "language": message.language,
    }
    if alert is not None and n.kind.is_deadline:
        data["deadline"] = {"kind": alert.deadline, "due": alert.due.isoformat(),
                            "source": alert.source,
                            # Days ahead it was told; null for a deadline the agency missed.
                            "window": _WINDOWS.get(n.kind)}
    elif alert is not None:
        data["inquiryFrom"] = alert.due.isoformat()
    return {"type": event_of(message), "timestamp": _iso(now), "data": data}


def payload_of(message: Released, now: datetime) -> dict[str, Any]:
    """The body of a released notification: a status change or an alert."""
    if message.notification.kind == NotificationKind.CHANGE:
        return status_payload(message, now)
    return alert_payload(message, now)


def verification_payload(challenge: str, now: datetime) -> dict[str, Any]:
    """The ``webhook.verification`` event: the receiver answers 2xx with the challenge."""
    return {"type": VERIFICATION_EVENT, "timestamp": _iso(now),
            "data": {"challenge": challenge}}


def encode(payload: dict[str, Any]) -> str:
    """The body as sent (and signed): compact JSON, UTF-8."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def challenge_echoed(body: bytes, challenge: str) -> bool:
    """Whether a verification answer's body echoes ``challenge``: either JSON
    ``{"challenge": "<value>"}`` or the value alone as plain text (surrounding whitespace
    ignored). Only the first MAX_ECHO_BYTES are looked at."""
    text = body[:MAX_ECHO_BYTES].decode("utf-8", errors="replace").strip()
    if text == challenge:
        return True
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return isinstance(value, dict) and value.get("challenge") == challenge
