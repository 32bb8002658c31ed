"""The webhook bodies and the challenge echo, as plain functions."""

from __future__ import annotations

from datetime import UTC, date, datetime

from aggregator.notify.model import AlertDetails, Notification, NotificationKind, Released
from aggregator.notify.webhooks.payload import (
    challenge_echoed,
    event_of,
    payload_of,
    status_payload,
)

AT = datetime(2026, 11, 30, 15, 4, 5, tzinfo=UTC)


def _released(case_number: str | None) -> Released:
    notification = Notification(
        id="a" * 32, recipient_id="rep-1", subject_id="ana", agency_id="courts",
        case_number="A123456789", event_id="e1", occurred_at=AT, created_at=AT,
        category="ACTIVE", milestone="HEARING_SCHEDULED", action_required=True,
        titles={"en": "Hearing scheduled", "es": "Audiencia programada"})
    return Released(notification, "es", "Tribunal de Inmigración", "Audiencia programada",
                    case_number, "A•••••6789", date(2027, 1, 5))


def test_status_payload_carries_the_released_fields() -> None:
    """The event has the notification id, agency, title in the language, due date."""
    body = status_payload(_released("A123456789"), AT)
    assert body["type"] == "case.status_changed"
    assert body["timestamp"] == "2026-11-30T15:04:05Z"
    assert body["data"] == {
        "notificationId": "a" * 32, "agency": {"id": "courts",
                                               "name": "Tribunal de Inmigración"},
        "caseNumber": "A123456789", "caseNumberMasked": False,
        "title": "Audiencia programada", "category": "ACTIVE",
        "milestone": "HEARING_SCHEDULED", "actionRequired": True, "dueDate": "2027-01-05",
        "occurredAt": "2026-11-30T15:04:05Z", "language": "es"}


def test_a_number_outside_the_consent_goes_masked() -> None:
    """Without the scope for the number, only its masked form travels."""
    data = status_payload(_released(None), AT)["data"]
    assert data["caseNumber"] == "A•••••6789"
    assert data["caseNumberMasked"] is True
    assert "A123456789" not in str(data)


def test_challenge_echo_forms() -> None:
    """JSON {"challenge": ...} or the plain value count; anything else does not."""
    assert challenge_echoed(b'{"challenge": "abc"}', "abc")
    assert challenge_echoed(b"  abc\n", "abc")
    assert not challenge_echoed(b'{"challenge": "abd"}', "abc")
    assert not challenge_echoed(b'["abc"]', "abc")
    assert not challenge_echoed(b"", "abc")
    assert not challenge_echoed(b"\xff\xfe", "abc")


def _alert(kind: NotificationKind, case_number: str | None) -> Released:
    notification = Notification(
        id="b" * 32, recipient_id="ana", subject_id="ana", agency_id="courts",
        case_number="A123456789", event_id="alert:x", occurred_at=AT, created_at=AT,
        category="", milestone="", action_required=kind.is_deadline, kind=kind,
        alert=AlertDetails(date(2026, 12, 7), "BIA_APPEAL", "8 CFR 1003.38(b)")
        if kind.is_deadline else AlertDetails(date(2026, 11, 2)))
    return Released(notification, "en", "EOIR", "Deadline in 7 days: ...", case_number,
                    "A•••••6789", notification.alert.due if notification.alert else None)


def test_a_deadline_alert_goes_out_as_case_deadline() -> None:
    message = _alert(NotificationKind.DEADLINE_7, None)
    body = payload_of(message, AT)
    assert event_of(message) == body["type"] == "case.deadline"
    assert body["data"]["deadline"] == {"kind": "BIA_APPEAL", "due": "2026-12-07",
                                        "source": "8 CFR 1003.38(b)", "window": 7}
    assert body["data"]["kind"] == "DEADLINE_7"
    assert body["data"]["caseNumber"] == "A•••••6789" and body["data"]["caseNumberMasked"]
    assert "inquiryFrom" not in body["data"]


def test_an_inquiry_date_alert_goes_out_as_case_inquiry_date() -> None:
    message = _alert(NotificationKind.INQUIRY_DATE, "A123456789")
    body = payload_of(message, AT)
    assert event_of(message) == body["type"] == "case.inquiry_date"
    assert body["data"]["inquiryFrom"] == "2026-11-02"
    assert body["data"]["notificationId"] == "b" * 32 and "deadline" not in body["data"]


def test_a_change_still_goes_out_as_status_changed() -> None:
    assert payload_of(_released("A123456789"), AT) == status_payload(_released("A123456789"),
                                                                     AT)


def test_a_deadline_the_agency_missed_goes_out_as_case_deadline_without_a_window() -> None:
    """An AGENCY_MISSED alert is a deadline event; it was told after the due date, not some
    days ahead, so its window is null."""
    message = _alert(NotificationKind.AGENCY_MISSED, "A123456789")
    body = payload_of(message, AT)
    assert event_of(message) == body["type"] == "case.deadline"
    assert body["data"]["kind"] == "AGENCY_MISSED"
    assert body["data"]["deadline"]["window"] is None
    assert body["data"]["deadline"]["due"] == "2026-12-07"
