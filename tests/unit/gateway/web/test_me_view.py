"""``/me``'s parts from a timeline read: actions by due date, each hearing once on the
court's clock, events newest first and filtered by agency."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from aggregator.model import AgencyFailure, AgencyInfo, Case, Event, Hearing, Timeline
from aggregator.service import TimelineRead
from caseline.v1.lib.scopes import Scope
from gateway.web.me_view import hearing_medium_text, my_timeline
from support.applicant_pages import EVIDENCE, HEARING, RECEIVED

AGENCIES = {"immigration": AgencyInfo("immigration", "Immigration", "Inmigración",
                                      Scope.STATUS),
            "courts": AgencyInfo("courts", "Court", "Tribunal", Scope.IDENTITY),
            "labor": AgencyInfo("labor", "Labor", "Trabajo", Scope.STATUS)}
T0 = datetime(2026, 5, 1, tzinfo=UTC)
NOW = datetime(2026, 8, 1, tzinfo=UTC)


def _case(agency: str, number: str, action: bool) -> Case:
    return Case(agency, number, "T", "Type", EVIDENCE if action else RECEIVED, T0, T0)


def _read(events: list[Event], cases: list[Case]) -> TimelineRead:
    released = {a: frozenset(Scope) for a in AGENCIES}
    return TimelineRead(Timeline(tuple(cases), tuple(events),
                                 (AgencyFailure("labor", "UNAVAILABLE", "down"),)), released)


def test_actions_are_ordered_by_due_date_undated_last() -> None:
    events = [Event("immigration", "IOE1", "a", 0, T0, EVIDENCE, due_date=date(2026, 9, 9)),
              Event("immigration", "IOE2", "b", 0, T0, EVIDENCE),
              Event("immigration", "IOE3", "c", 0, T0, EVIDENCE, due_date=date(2026, 8, 8)),
              Event("immigration", "IOE4", "d", 0, T0, RECEIVED)]
    cases = [_case("immigration", n, n != "IOE4") for n in ("IOE1", "IOE2", "IOE3", "IOE4")]
    view = my_timeline(AGENCIES, _read(events, cases), "en", NOW)
    assert [(a.case.number, a.due) for a in view.actions] == [
        ("IOE3", date(2026, 8, 8)), ("IOE1", date(2026, 9, 9)), ("IOE2", None)]
    assert [u.agency.name for u in view.unavailable] == ["Labor"]


def test_a_hearing_is_shown_once_on_the_courts_clock() -> None:
    at = datetime(2026, 9, 1, 16, 30, tzinfo=UTC)
    hearing = Hearing("INDIVIDUAL", "IN_PERSON", at, "America/Los_Angeles", "SF Court",
                      "100 Montgomery St", "")
    past = Hearing("BOND", "TELEPHONIC", T0, "Not/AZone", "X Court", "1 Main St", "")
    events = [Event("courts", "A1", "h1", 0, T0, HEARING, hearing=past),
              Event("courts", "A1", "h2", 1, T0 + timedelta(days=1), HEARING, hearing=hearing),
              Event("courts", "A1", "h3", 2, T0 + timedelta(days=2), HEARING, hearing=hearing)]
    view = my_timeline(AGENCIES, _read(events, [_case("courts", "A1", False)]), "es", NOW)
    first, second = view.hearings
    assert (first.kind, first.medium, first.past, first.time_zone, first.time) == (
        "Audiencia de fianza", "Por teléfono", True, "UTC", "0:00")
    assert (second.day, second.time, second.time_zone, second.in_person, second.past) == (
        "1 de septiembre de 2026", "9:30", "America/Los_Angeles", True, False)
    assert second.medium == "En persona"


def test_events_are_newest_first_and_filtered_by_agency() -> None:
    events = [Event("immigration", "IOE1", "a", 0, T0, RECEIVED),
              Event("courts", "A1", "b", 0, T0 + timedelta(hours=1), HEARING),
              Event("immigration", "IOE1", "c", 1, T0 + timedelta(hours=2), EVIDENCE)]
    read = _read(events, [_case("immigration", "IOE1", True), _case("courts", "A1", False)])
    assert [e.title for e in my_timeline(AGENCIES, read, "en", NOW).events] == [
        "Evidence requested", "Hearing scheduled", "Received"]
    assert [e.case_number for e in my_timeline(AGENCIES, read, "en", NOW, "courts").events] \
        == ["A1"]


def test_an_unknown_medium_is_said_plainly() -> None:
    assert hearing_medium_text("en", "UNSPECIFIED") == "Not stated by the court"
    assert hearing_medium_text("es", "VIDEO") == "Por video"
