"""Timeline merge: ordered, stable, de-duplicated, independent of arrival order."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from aggregator.model import Case, Event, Status
from aggregator.timeline import current_cases, event_key, merge_events

T0 = datetime(2026, 1, 1, tzinfo=UTC)
STATUS = Status("PENDING", "RECEIVED", False, "CODE", "text")


def _event(agency: str, case: str, seq: int, minutes: int, code: str = "CODE") -> Event:
    return Event(agency, case, f"{case}-{seq}", seq, T0 + timedelta(minutes=minutes),
                 Status("PENDING", "RECEIVED", False, code, "text"))


events = st.builds(
    _event,
    agency=st.sampled_from(["immigration", "labor", "courts"]),
    case=st.sampled_from(["C1", "C2", "C3"]),
    seq=st.integers(0, 5),
    minutes=st.integers(0, 3),  # few distinct times: plenty of ties
    code=st.sampled_from(["A", "B"]),
)
batches = st.lists(st.lists(events, max_size=12), max_size=4)


@given(batches, st.randoms())
def test_merge_is_independent_of_batch_and_event_order(parts: list[list[Event]],
                                                        rnd: random.Random) -> None:
    """Shuffling batches and the events inside them gives the same timeline."""
    shuffled = [rnd.sample(b, len(b)) for b in parts]
    rnd.shuffle(shuffled)
    assert merge_events(shuffled) == merge_events(parts)


@given(batches)
def test_merge_is_idempotent(parts: list[list[Event]]) -> None:
    """Merging a merged timeline with its own inputs again changes nothing."""
    once = merge_events(parts)
    assert merge_events([once, *parts]) == once
    assert merge_events([once]) == once


@given(batches)
def test_merge_orders_by_time_and_keeps_one_copy_per_event(parts: list[list[Event]]) -> None:
    """Result is sorted by time with each (agency, case, event id) exactly once."""
    merged = merge_events(parts)
    assert [e.at for e in merged] == sorted(e.at for e in merged)
    keys = [event_key(e) for e in merged]
    assert len(keys) == len(set(keys))
    assert set(keys) == {event_key(e) for b in parts for e in b}


def test_events_at_the_same_instant_keep_the_agencys_order() -> None:
    """Two events of a case recorded in the same second stay in the order the agency gave."""
    received = _event("immigration", "C1", 0, 0)
    fee = _event("immigration", "C1", 1, 0)
    assert merge_events([[fee, received]]) == (received, fee)


def test_current_status_comes_from_the_latest_event() -> None:
    """A case's current status is its latest merged event's status and time."""
    case = Case("labor", "C1", "PERM", "Perm", STATUS, T0, T0)
    later = Event("labor", "C1", "x", 3, T0 + timedelta(days=2),
                  Status("APPROVED", "DECISION_MADE", False, "CERTIFIED", ""))
    (current,) = current_cases([case], [_event("labor", "C1", 0, 0), later])
    assert current.status.category == "APPROVED"
    assert current.updated_at == later.at
