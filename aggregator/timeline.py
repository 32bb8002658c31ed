"""Merging events from several agencies into one timeline (pure functions)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from aggregator.model import Case, Event

__all__ = ["current_cases", "event_key", "merge_events"]


def event_key(event: Event) -> tuple[str, str, str]:
    """Identity of an event across calls: agency, case and the agency's event id."""
    return (event.agency_id, event.case_number, event.event_id)


def _order(event: Event) -> tuple[object, ...]:
    # Time first; ties keep each case's own recorded order, and cases/agencies are ordered by
    # id so the result does not depend on which agency answered first.
    return (event.at, event.agency_id, event.case_number, event.seq, event.event_id)


def merge_events(batches: Iterable[Iterable[Event]]) -> tuple[Event, ...]:
    """One timeline: ordered by time, stable, de-duplicated on :func:`event_key`.

    When two copies of an event differ (an agency corrected it between calls), the one ordered
    last wins, so the result is the same whatever order the batches arrive in.
    """
    unique: dict[tuple[str, str, str], Event] = {}
    for batch in batches:
        for event in batch:
            key = event_key(event)
            seen = unique.get(key)
            if seen is None or _rank(event) > _rank(seen):
                unique[key] = event
    return tuple(sorted(unique.values(), key=_order))


def _rank(event: Event) -> tuple[object, ...]:
    # A total order over copies of one event, content included, so the surviving copy does not
    # depend on arrival order.
    return (_order(event), repr(event))


def current_cases(cases: Iterable[Case], events: Iterable[Event]) -> tuple[Case, ...]:
    """Cases with their current status taken from their latest merged event, ordered by the
    most recent change first."""
    latest: dict[tuple[str, str], Event] = {}
    for event in events:
        key = (event.agency_id, event.case_number)
        seen = latest.get(key)
        if seen is None or _order(event) > _order(seen):
            latest[key] = event
    result = []
    for case in cases:
        last = latest.get((case.agency_id, case.number))
        if last is not None and last.at >= case.updated_at:
            result.append(replace(case, status=last.status, updated_at=last.at))
        else:
            result.append(case)
    return tuple(sorted(result, key=lambda c: (c.updated_at, c.agency_id, c.number), reverse=True))
