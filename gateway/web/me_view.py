"""What ``/me`` shows, built from one timeline read: the cases at a glance, what needs the
applicant's action by when, their hearings, and the events (one agency's, when filtered).

Events and agency failures are the GraphQL view's own (``timeline_view``), so a page and the
API release, withhold and word the same fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from aggregator.model import AgencyInfo
from aggregator.service import TimelineRead
from gateway.messages import message
from gateway.schema.types import AgencyError, CaseStatus, HearingInfo, TimelineEvent
from gateway.schema.viewer import timeline_view
from gateway.web import localized
from gateway.web.lookup import step_of
from gateway.web.me_outlook import DeadlineRow
from gateway.web.public import category_name

__all__ = ["ActionItem", "CaseRow", "HearingRow", "MyTimeline", "hearing_medium_text",
           "my_timeline"]


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One linked case at a glance."""

    case: CaseStatus
    category: str
    step: int | None


@dataclass(frozen=True, slots=True)
class ActionItem:
    """Something the applicant must do on ``case``, by when if known: what its status asks
    (``from_status``), a legal deadline running against them (``deadline``), or both when
    they are one thing (an RFE and its evidence-response deadline; see me_actions)."""

    case: CaseStatus
    due: date | None
    deadline: DeadlineRow | None = None
    from_status: bool = True


@dataclass(frozen=True, slots=True)
class HearingRow:
    """A hearing as the page shows it: local date and time at the court."""

    case_number: str
    agency: str
    kind: str
    medium: str
    in_person: bool
    day: str
    time: str
    time_zone: str
    at: datetime
    court: str
    court_address: str
    judge: str
    past: bool


@dataclass(frozen=True, slots=True)
class MyTimeline:
    """Everything ``/me`` shows."""

    cases: list[CaseRow]
    actions: list[ActionItem]
    hearings: list[HearingRow]
    events: list[TimelineEvent]
    unavailable: list[AgencyError]


def hearing_medium_text(language: str, medium: str) -> str:
    """How the hearing is held, in words."""
    texts = {"IN_PERSON": message(language, "In person"),
             "VIDEO": message(language, "By video"),
             "TELEPHONIC": message(language, "By telephone")}
    return texts.get(medium, message(language, "Not stated by the court"))


def _hearing_kind(language: str, kind: str) -> str:
    texts = {"MASTER": message(language, "Master calendar hearing"),
             "INDIVIDUAL": message(language, "Individual hearing"),
             "BOND": message(language, "Bond hearing")}
    return texts.get(kind, message(language, "Hearing"))


def _hearing(event: TimelineEvent, hearing: HearingInfo, language: str,
             now: datetime) -> HearingRow:
    local, zone = localized.on_clock(hearing.scheduled_at, hearing.time_zone)
    return HearingRow(
        case_number=event.case_number, agency=event.agency.name,
        kind=_hearing_kind(language, hearing.type),
        medium=hearing_medium_text(language, hearing.medium),
        in_person=hearing.medium == "IN_PERSON", day=localized.day(language, local.date()),
        time=localized.clock(language, local), time_zone=zone, at=hearing.scheduled_at,
        court=hearing.court, court_address=hearing.court_address, judge=hearing.judge,
        past=hearing.scheduled_at < now)


def my_timeline(agencies: Mapping[str, AgencyInfo], read: TimelineRead, language: str,
                now: datetime, agency: str | None = None) -> MyTimeline:
    """The page's parts from ``read``; events of ``agency`` only when given, newest first."""
    view = timeline_view(agencies, read, language)
    cases = [CaseStatus.from_domain(c, agencies[c.agency_id], language)
             for c in read.timeline.cases]
    # The latest due date each case's events set while asking for action.
    due: dict[tuple[str, str], date | None] = {}
    hearings: dict[tuple[str, datetime], HearingRow] = {}
    for domain, shown in zip(read.timeline.events, view.events, strict=True):
        key = (domain.agency_id, domain.case_number)
        if shown.action_required:
            due[key] = shown.due_date or due.get(key)
        if shown.hearing is not None:
            # A hearing appears on each event after it was set: shown once.
            hearings[(domain.case_number, shown.hearing.scheduled_at)] = _hearing(
                shown, shown.hearing, language, now)
    actions = [ActionItem(case, due.get((c.agency_id, c.number)))
               for c, case in zip(read.timeline.cases, cases, strict=True)
               if c.status.action_required]
    # Dated first, soonest first; undated after, in case order.
    actions.sort(key=lambda a: (a.due is None, a.due or date.max))
    return MyTimeline(
        cases=[CaseRow(case, category_name(language, c.status.category),
                       step_of(c.status.milestone))
               for c, case in zip(read.timeline.cases, cases, strict=True)],
        actions=actions,
        hearings=sorted(hearings.values(), key=lambda h: h.at),
        events=[e for e in reversed(view.events) if agency is None or e.agency.id == agency],
        unavailable=view.unavailable)
