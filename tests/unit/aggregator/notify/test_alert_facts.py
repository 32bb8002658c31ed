"""ProcessingFacts: a person's cases read once, their estimates and deadlines computed from
them, or the deadlines the estimates carry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from aggregator.consent.policy import Principal
from aggregator.consent.vocabulary import Role
from aggregator.model import Case, Event, Status, Timeline
from aggregator.notify.alert_facts import CaseFacts, ProcessingFacts, own_timeline
from aggregator.processing.model import (
    Deadline,
    DeadlineKind,
    DeadlineParty,
    DeadlineState,
    Estimate,
)
from aggregator.service import TimelineRead

TODAY = date(2026, 11, 1)
AT = datetime(2026, 1, 5, tzinfo=UTC)
DEADLINE = Deadline(DeadlineKind.PERM_VALIDITY, date(2026, 12, 1), DeadlineState.RUNNING,
                    DeadlineParty.APPLICANT, "20 CFR 656.30(b)(1)", {"en": "x"}, "labor", "P-1")
ESTIMATE = Estimate(None, None, None, False, {"en": "y"}, (DEADLINE,))


def _case() -> Case:
    status = Status("ACTIVE", "UNDER_REVIEW", False, "X", "x")
    return Case("labor", "P-1", "PERM", "PERM", status, AT, AT)


class Calls:
    def __init__(self) -> None:
        self.read: list[str] = []
        self.estimated: list[tuple[int, date]] = []

    async def read_cases(self, subject_id: str) -> CaseFacts:
        self.read.append(subject_id)
        return CaseFacts([_case()], [], {("labor", "P-1"): ["related"]})

    async def estimates_for(self, cases: Sequence[Case], events: Sequence[Event],
                            today: date) -> Mapping[tuple[str, str], Estimate]:
        self.estimated.append((len(cases), today))
        return {("labor", "P-1"): ESTIMATE}


async def test_deadlines_come_from_the_estimates_without_a_deadline_function() -> None:
    calls = Calls()
    facts = await ProcessingFacts(calls.read_cases, calls.estimates_for).facts("raj", TODAY)
    assert facts.deadlines == (DEADLINE,)
    assert facts.estimates == {("labor", "P-1"): ESTIMATE}
    assert calls.read == ["raj"] and calls.estimated == [(1, TODAY)]


async def test_a_deadline_function_gets_the_cases_events_related_and_day() -> None:
    calls = Calls()
    seen: list[Any] = []

    def deadlines_for(cases: Sequence[Case], events: Sequence[Event],
                      related: Mapping[tuple[str, str], Sequence[Any]],
                      today: date) -> tuple[Deadline, ...]:
        seen.append((len(cases), dict(related), today))
        return ()

    facts = await ProcessingFacts(calls.read_cases, calls.estimates_for,
                                  deadlines_for).facts("raj", TODAY)
    assert facts.deadlines == ()
    assert seen == [(1, {("labor", "P-1"): ["related"]}, TODAY)]


class Reader:
    """A service whose read_timeline records who read whose timeline."""

    def __init__(self) -> None:
        self.reads: list[tuple[Principal, str]] = []

    async def read_timeline(self, principal: Principal, subject_id: str) -> TimelineRead:
        self.reads.append((principal, subject_id))
        return TimelineRead(Timeline((_case(),), (), ()))


async def test_own_timeline_reads_as_the_person_themselves() -> None:
    reader = Reader()
    found = await own_timeline(reader)("raj")
    assert reader.reads == [(Principal("raj", Role.APPLICANT), "raj")]
    assert [c.number for c in found.cases] == ["P-1"] and found.related == {}
