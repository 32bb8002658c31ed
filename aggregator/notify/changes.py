"""An agency's streamed change (``WatchChangesResponse``) as a :class:`StatusChange`: pure."""

from __future__ import annotations

from datetime import UTC

from aggregator.federation.from_contract import status_from_proto
from aggregator.notify.model import StatusChange
from caseline.v1 import agency_adapter_pb2 as pb

__all__ = ["MAX_CURSOR", "MAX_EVENT_ID", "MAX_NUMBER", "BadChange", "change_from_proto"]

# Column widths of the outbox: a faulty adapter's oversized values are refused, not stored.
MAX_CURSOR = 64
MAX_EVENT_ID = 128
MAX_NUMBER = 64
_MAX_TITLE = 400


class BadChange(ValueError):
    """A streamed change the aggregator cannot use; the message names the field."""


def change_from_proto(agency_id: str, response: pb.WatchChangesResponse) -> StatusChange:
    """The change the stream carried (status level only: the stream has no consent token).
    BadChange when a field the outbox needs is missing or too long."""
    event = response.event
    for name, value, limit in (("cursor", response.cursor, MAX_CURSOR),
                               ("case_number", response.case_number, MAX_NUMBER),
                               ("event.event_id", event.event_id, MAX_EVENT_ID)):
        if not value:
            raise BadChange(f"{agency_id}: change without {name}")
        if len(value) > limit:
            raise BadChange(f"{agency_id}: {name} longer than {limit} characters")
    status = status_from_proto(event.status)
    occurred = event.occurred_at.ToDatetime(tzinfo=UTC)
    titles = {language: text.title[:_MAX_TITLE] for language, text in status.texts.items()
              if text.title}
    return StatusChange(
        agency_id=agency_id, cursor=response.cursor, case_number=response.case_number,
        event_id=event.event_id, occurred_at=occurred, category=status.category,
        milestone=status.milestone, action_required=status.action_required,
        agency_code=status.agency_code[:_MAX_TITLE], titles=titles)
