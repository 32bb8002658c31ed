"""When an action an event asks for is over: its hearing has begun or its due date has ended.

"Action required" means something is still to do. A hearing notice stops asking once the
hearing's time has come; a deadline stops once its day has ended everywhere on Earth (the
last time zone, UTC-12, "anywhere on Earth"), so no one is told early that a deadline that is
still running for them is over. The due date itself stays visible.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from adapters.sdk.records import EventRecord

__all__ = ["action_over", "due_at"]

# The end of a due date in the last time zone on Earth (UTC-12) is noon UTC of the next day.
_END_OF_DAY_ANYWHERE = time(12, 0, tzinfo=UTC)


def due_at(event: EventRecord) -> datetime | None:
    """The instant the event's action is over: its hearing's start, else the end of its due
    date anywhere on Earth; None when it has neither."""
    if event.hearing is not None:
        scheduled = event.hearing.scheduled_at
        return scheduled if scheduled.tzinfo is not None else scheduled.replace(tzinfo=UTC)
    if event.due_date is not None:
        return datetime.combine(event.due_date + timedelta(days=1), _END_OF_DAY_ANYWHERE)
    return None


def action_over(event: EventRecord, now: datetime) -> bool:
    """Whether what ``event`` asks for can no longer be done at ``now`` (timezone-aware)."""
    when = due_at(event)
    return when is not None and now >= when
