"""``AlertFacts`` over the processing functions, for the composition root to wire: a
person's cases read by a given function (how the read is made and recorded is the root's
choice), their estimates by ``CaselineService.estimates_for`` and their deadlines by
``aggregator.processing.deadlines.deadlines_for`` — or, without it, the deadlines the
estimates carry (each estimate holds the deadlines that run on its case)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from aggregator.consent.policy import Principal
from aggregator.consent.vocabulary import Role
from aggregator.model import Case, Event, Timeline
from aggregator.notify.alerts import SubjectFacts
from aggregator.processing.model import Deadline, Estimate

__all__ = ["CaseFacts", "ProcessingFacts", "TimelineReader", "own_timeline"]

CaseKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """One person's cases and events as read, and each case's related cases as its agency
    named them (by (agency id, case number); empty when the read did not release them)."""

    cases: Sequence[Case]
    events: Sequence[Event]
    related: Mapping[CaseKey, Sequence[Any]]


Read = Callable[[str], Awaitable[CaseFacts]]
EstimatesFor = Callable[[Sequence[Case], Sequence[Event], date],
                        Awaitable[Mapping[CaseKey, Estimate]]]
DeadlinesFor = Callable[[Sequence[Case], Sequence[Event], Mapping[CaseKey, Sequence[Any]], date],
                        Sequence[Deadline]]


class ProcessingFacts:
    """``AlertFacts``: ``read`` a person's cases, then their estimates and deadlines."""

    def __init__(self, read: Read, estimates_for: EstimatesFor,
                 deadlines_for: DeadlinesFor | None = None) -> None:
        self._read = read
        self._estimates_for = estimates_for
        self._deadlines_for = deadlines_for

    async def facts(self, subject_id: str, today: date) -> SubjectFacts:
        """``subject_id``'s deadlines and estimates as of ``today``."""
        found = await self._read(subject_id)
        estimates = dict(await self._estimates_for(found.cases, found.events, today))
        if self._deadlines_for is not None:
            deadlines = tuple(self._deadlines_for(found.cases, found.events, found.related,
                                                  today))
        else:
            # A deadline on two estimates' lists is one alert: due_alerts keeps it once.
            deadlines = tuple(d for e in estimates.values() for d in e.deadlines)
        return SubjectFacts(deadlines, estimates)


class _Read(Protocol):
    @property
    def timeline(self) -> Timeline:
        """The merged timeline read."""
        ...


class TimelineReader(Protocol):
    """What ``own_timeline`` reads through (aggregator.service.CaselineService)."""

    async def read_timeline(self, principal: Principal, subject_id: str) -> _Read:
        """``subject_id``'s timeline as ``principal`` may see it."""
        ...


def own_timeline(service: TimelineReader) -> Read:
    """A ``Read`` of a person's cases as they themselves read them (every agency they hold a
    case at, every scope; the ledger records it as their own access, as a page they open
    would). Related cases are not passed: with ``deadlines_for`` left out, the deadlines
    come from the estimates."""

    async def read(subject_id: str) -> CaseFacts:
        found = await service.read_timeline(Principal(subject_id, Role.APPLICANT), subject_id)
        return CaseFacts(found.timeline.cases, found.timeline.events, {})

    return read
