"""A streamed change read into plain data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aggregator.notify.backoff import backoff_delay
from aggregator.notify.changes import BadChange, change_from_proto
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import case_pb2, vocabulary_pb2


def response(cursor: str = "7", event_id: str = "e7") -> pb.WatchChangesResponse:
    event = case_pb2.CaseEvent(event_id=event_id, status=vocabulary_pb2.Status(
        category=vocabulary_pb2.STATUS_CATEGORY_ACTIVE,
        milestone=vocabulary_pb2.MILESTONE_EVIDENCE_REQUESTED, action_required=True,
        agency_code="Request for Evidence Was Sent",
        texts=[vocabulary_pb2.LocalizedText(language="en", title="Evidence requested"),
               vocabulary_pb2.LocalizedText(language="es", title="Se pidieron pruebas")]))
    event.occurred_at.FromDatetime(datetime(2026, 12, 1, 9, 30, tzinfo=UTC))
    return pb.WatchChangesResponse(cursor=cursor, case_number="IOE0990000001", event=event)


def test_status_level_change_is_read() -> None:
    """Category, milestone, action and titles per language come through."""
    change = change_from_proto("immigration", response())
    assert (change.cursor, change.event_id, change.category, change.milestone,
            change.action_required) == ("7", "e7", "ACTIVE", "EVIDENCE_REQUESTED", True)
    assert change.titles == {"en": "Evidence requested", "es": "Se pidieron pruebas"}
    assert change.occurred_at == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def test_change_without_event_id_is_refused_by_name() -> None:
    """A change the outbox cannot key is refused, naming the field."""
    with pytest.raises(BadChange) as raised:
        change_from_proto("immigration", response(event_id=""))
    assert str(raised.value) == "immigration: change without event.event_id"


def test_oversized_cursor_is_refused() -> None:
    """A faulty adapter's oversized cursor is not stored."""
    with pytest.raises(BadChange, match="cursor longer than 64"):
        change_from_proto("immigration", response(cursor="9" * 65))


def test_backoff_doubles_up_to_its_cap() -> None:
    """Waits double per attempt, never above the cap, jitter within half."""
    assert backoff_delay(1, 1.0, 8.0, 0.999) == pytest.approx(1.0, abs=0.01)
    assert backoff_delay(3, 1.0, 8.0, 0.999) == pytest.approx(4.0, abs=0.01)
    assert backoff_delay(10, 1.0, 8.0, 0.999) <= 8.0
    assert backoff_delay(10, 1.0, 8.0, 0.0) == 4.0
