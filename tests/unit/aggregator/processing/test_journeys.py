"""Journeys: links win, steps in the rule's order, the current step, deadlines on the
journey's cases, and never a case of another person."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from aggregator.model import Case, Event, Status
from aggregator.processing.journeys import journeys_for, no_deadlines, timeline_journeys
from aggregator.processing.model import (
    Deadline,
    DeadlineKind,
    DeadlineParty,
    DeadlineState,
    RelatedCase,
)

T0 = datetime(2024, 1, 1, 14, tzinfo=UTC)
PW, PERM = "P-100-23263-318274", "G-100-24218-604417"
I140, I485, I765, I131 = "IOE0990000011", "IOE0990000012", "IOE0990000013", "IOE0990000014"
LCA = "I-200-26126-471205"


def _case(agency: str, number: str, case_type: str, category: str, day: int,
          *related: tuple[str, str, str]) -> Case:
    status = Status(category, "RECEIVED", False, "CODE", "text")
    at = T0 + timedelta(days=day)
    return Case(agency, number, case_type, case_type, status, at, at,
                related_cases=tuple(RelatedCase(*r) for r in related))


def _raj(*, linked: bool = True) -> list[Case]:
    """Raj's cases as his agencies link them (or, unlinked, as an older adapter sends them),
    given in no particular order."""
    def links(*related: tuple[str, str, str]) -> tuple[tuple[str, str, str], ...]:
        return related if linked else ()

    return [
        _case("immigration", I765, "I-765", "APPROVED", 600,
              *links(("immigration", I485, "FILED_WITH"))),
        _case("immigration", I485, "I-485", "ACTIVE", 600,
              *links(("immigration", I140, "BASED_ON"), ("immigration", I765, "FILED_WITH"),
                     ("immigration", I131, "FILED_WITH"))),
        _case("labor", LCA, "LCA", "APPROVED", 700),
        _case("immigration", I140, "I-140", "APPROVED", 560,
              *links(("labor", PERM, "BASED_ON"), ("immigration", I485, "BASIS_FOR"))),
        _case("labor", PERM, "PERM", "APPROVED", 220,
              *links(("labor", PW, "BASED_ON"), ("immigration", I140, "BASIS_FOR"))),
        _case("immigration", I131, "I-131", "APPROVED", 600,
              *links(("immigration", I485, "FILED_WITH"))),
        _case("labor", PW, "PW", "APPROVED", 0, *links(("labor", PERM, "BASIS_FOR"))),
    ]


def _deadline(agency: str, number: str, kind: DeadlineKind = DeadlineKind.PERM_VALIDITY,
              state: DeadlineState = DeadlineState.MET) -> Deadline:
    return Deadline(kind, date(2025, 6, 1), state, DeadlineParty.APPLICANT, "20 CFR 656.30(b)",
                    {"en": "File the I-140", "es": "Presente el I-140"}, agency, number)


def _steps(journey: object) -> list[tuple[str, str, bool]]:
    return [(s.case_type, s.category, s.current) for s in journey.steps]  # type: ignore[attr-defined]


def test_raj_linked_cases_form_one_journey_in_the_rules_order_with_the_current_step() -> None:
    """PW -> PERM -> I-140 -> I-485, the I-765 and I-131 filed with it after it; the LCA,
    tied to none, stays out; the current step is the first not decided (the I-485)."""
    (journey,) = journeys_for(_raj(), [])
    assert journey.rule == "employment-green-card"
    assert journey.title == {"en": "Employment-based green card",
                             "es": "Residencia permanente por empleo"}
    assert _steps(journey) == [
        ("PW", "APPROVED", False), ("PERM", "APPROVED", False), ("I-140", "APPROVED", False),
        ("I-485", "ACTIVE", True), ("I-765", "APPROVED", False), ("I-131", "APPROVED", False)]
    assert [(s.agency_id, s.case_number) for s in journey.steps][:3] == [
        ("labor", PW), ("labor", PERM), ("immigration", I140)]


def test_when_every_step_is_decided_the_last_is_current() -> None:
    cases = [_case("labor", PW, "PW", "APPROVED", 0, ("labor", PERM, "BASIS_FOR")),
             _case("labor", PERM, "PERM", "DENIED", 200)]
    (journey,) = journeys_for(cases, [])
    assert _steps(journey) == [("PW", "APPROVED", False), ("PERM", "DENIED", True)]


def test_the_journeys_deadlines_are_those_on_its_cases() -> None:
    """The PERM's validity (a deadline crossing to immigration) goes with the journey; a
    deadline on a case outside it does not."""
    on_perm = _deadline("labor", PERM)
    elsewhere = _deadline("courts", "A201555123", DeadlineKind.BIA_APPEAL,
                          DeadlineState.RUNNING)
    (journey,) = journeys_for(_raj(), [elsewhere, on_perm])
    assert journey.deadlines == (on_perm,)


def test_a_related_case_of_someone_else_is_never_joined() -> None:
    """An agency naming a case that is not among this person's cases links nothing: it may
    be another person's (or one the person never linked)."""
    mine = [_case("labor", PW, "PW", "APPROVED", 0, ("labor", "G-100-24218-999999", "BASIS_FOR")),
            _case("immigration", "IOE0990000099", "I-589", "PENDING", 10,
                  ("courts", "A999999999", "HEARD_IN"))]
    assert journeys_for(mine, []) == ()


def test_two_peoples_cases_are_kept_apart_when_given_apart() -> None:
    """Each person's journeys come from their own cases: raj's links do not pull in a case
    of another person with the same type (each call sees one person's cases)."""
    other = [_case("labor", "G-100-25059-281953", "PERM", "APPROVED", 300),
             _case("immigration", "IOE0990000077", "I-485", "PENDING", 400)]
    (raj,) = journeys_for(_raj(), [])
    assert {s.case_number for s in raj.steps}.isdisjoint({c.number for c in other})
    assert all(len(j.steps) >= 2 for j in journeys_for(other, []))


def test_without_links_a_rule_groups_cases_by_type_when_unambiguous() -> None:
    """An adapter that names no related cases: the employment rule still orders PW, PERM,
    I-140, I-485; cases filed alongside (I-765, I-131) never join by type alone."""
    (journey,) = journeys_for(_raj(linked=False), [])
    assert [s.case_type for s in journey.steps] == ["PW", "PERM", "I-140", "I-485"]
    assert [s.current for s in journey.steps] == [False, False, False, True]


def test_two_cases_of_one_type_are_ambiguous_and_not_grouped_by_type() -> None:
    cases = [_case("labor", PERM, "PERM", "APPROVED", 0),
             _case("immigration", I140, "I-140", "PENDING", 100),
             _case("immigration", "IOE0990000021", "I-140", "PENDING", 120)]
    # The two I-140s cannot be told apart: the PERM alone is left, not a journey.
    assert journeys_for(cases, []) == ()
    # With one of them linked to the PERM, that one joins it and the other stays out.
    linked = [_case("labor", PERM, "PERM", "APPROVED", 0, ("immigration", I140, "BASIS_FOR")),
              *cases[1:]]
    (journey,) = journeys_for(linked, [])
    assert [s.case_number for s in journey.steps] == [PERM, I140]


def test_links_win_over_types() -> None:
    """Two PERMs, each linked to its own I-140: two journeys, as the agencies tie them,
    although type alone would take the first PERM with the first I-140."""
    cases = [_case("labor", "G-100-24218-000001", "PERM", "APPROVED", 0,
                   ("immigration", "IOE0990000032", "BASIS_FOR")),
             _case("labor", "G-100-24218-000002", "PERM", "APPROVED", 10,
                   ("immigration", "IOE0990000031", "BASIS_FOR")),
             _case("immigration", "IOE0990000031", "I-140", "PENDING", 100),
             _case("immigration", "IOE0990000032", "I-140", "APPROVED", 110)]
    journeys = journeys_for(cases, [])
    assert [[s.case_number for s in j.steps] for j in journeys] == [
        ["G-100-24218-000001", "IOE0990000032"], ["G-100-24218-000002", "IOE0990000031"]]
    # Both employment journeys: an unlinked I-485 cannot tell which it belongs to.
    more = journeys_for([*cases, _case("immigration", I485, "I-485", "PENDING", 300)], [])
    assert all("I-485" not in [s.case_type for s in j.steps] for j in more)


def test_an_unlinked_case_joins_the_rules_one_linked_journey_by_type() -> None:
    """PW and PERM linked at labor, an I-140 from an adapter that names no links: the I-140
    joins the one employment journey the person has."""
    cases = [_case("labor", PW, "PW", "APPROVED", 0, ("labor", PERM, "BASIS_FOR")),
             _case("labor", PERM, "PERM", "APPROVED", 200, ("labor", PW, "BASED_ON")),
             _case("immigration", I140, "I-140", "PENDING", 300)]
    (journey,) = journeys_for(cases, [])
    assert [(s.case_type, s.current) for s in journey.steps] == [
        ("PW", False), ("PERM", False), ("I-140", True)]


def test_a_case_two_rules_would_take_by_type_is_taken_by_neither() -> None:
    """An unlinked I-485 beside an unlinked I-140 and an unlinked I-130: employment-based or
    family-based cannot be told, so no journey is made up."""
    cases = [_case("immigration", I140, "I-140", "APPROVED", 0),
             _case("immigration", "IOE0990000002", "I-130", "PENDING", 10),
             _case("immigration", I485, "I-485", "PENDING", 200)]
    assert journeys_for(cases, []) == ()


def test_asylum_is_heard_in_the_removal_case_across_agencies() -> None:
    cases = [_case("courts", "A201555123", "REMOVAL", "ACTIVE", 100,
                   ("immigration", "IOE0990000041", "HEARS")),
             _case("immigration", "IOE0990000041", "I-589", "CLOSED", 0,
                   ("courts", "A201555123", "HEARD_IN"))]
    (journey,) = journeys_for(cases, [])
    assert journey.rule == "asylum" and journey.title["es"] == "Asilo"
    assert _steps(journey) == [("I-589", "CLOSED", False), ("REMOVAL", "ACTIVE", True)]


def test_linked_cases_no_rule_knows_form_a_journey_under_the_fallback_title() -> None:
    cases = [_case("labor", "H-300-24218-000001", "H-2A", "APPROVED", 50,
                   ("labor", "H-300-24218-000002", "BASIS_FOR")),
             _case("labor", "H-300-24218-000002", "H-2A", "PENDING", 10)]
    (journey,) = journeys_for(cases, [])
    assert journey.rule == "related-cases"
    assert journey.title == {"en": "Related cases", "es": "Casos relacionados"}
    assert [s.case_number for s in journey.steps] == ["H-300-24218-000002",
                                                      "H-300-24218-000001"]


def test_timeline_journeys_hand_the_deadline_rules_each_cases_related_cases() -> None:
    """The deadline rules are given the cases, events, related cases by case and today; what
    they find reaches the journey. Without rules wired in, there is none."""
    seen: dict[str, object] = {}
    perm_validity = _deadline("labor", PERM)

    def rules(cases: object, events: object, related: object,
              today: date) -> tuple[Deadline, ...]:
        seen.update(related=related, today=today, events=events)
        return (perm_validity,)

    events: list[Event] = []
    (journey,) = timeline_journeys(_raj(), events, date(2026, 12, 2), rules)
    assert journey.deadlines == (perm_validity,)
    related = seen["related"]
    assert isinstance(related, dict)
    assert related[("labor", PERM)] == (RelatedCase("labor", PW, "BASED_ON"),
                                        RelatedCase("immigration", I140, "BASIS_FOR"))
    assert seen["today"] == date(2026, 12, 2) and seen["events"] is events
    (bare,) = timeline_journeys(_raj(), events, date(2026, 12, 2), no_deadlines)
    assert bare.deadlines == ()


REMOVAL_CASE, I589 = "A201555123", "IOE0990000003"


def _status(category: str, milestone: str, code: str = "CODE") -> Status:
    return Status(category, milestone, False, code, "text")


def _asylum(i589: Status, removal: Status) -> list[Case]:
    """An affirmative I-589 at USCIS and the removal case at the court where it is heard, each
    naming the other as its agency does."""
    return [Case("immigration", I589, "I-589", "I-589", i589, T0, T0,
                 related_cases=(RelatedCase("courts", REMOVAL_CASE, "HEARD_IN"),)),
            Case("courts", REMOVAL_CASE, "REMOVAL", "REMOVAL", removal,
                 T0 + timedelta(days=110), T0 + timedelta(days=110),
                 related_cases=(RelatedCase("immigration", I589, "HEARS"),))]


def test_an_asylum_application_referred_to_the_court_is_behind_the_person() -> None:
    """USCIS still shows the referred I-589 open (ACTIVE, sent to the immigration court), but
    the court acts next: the removal case where it is heard is the current step."""
    referred = _status("ACTIVE", "SENT_TO_OTHER_AGENCY",
                       "Case Was Sent To The Executive Office of Immigration Review")
    (journey,) = journeys_for(_asylum(referred, _status("ACTIVE", "HEARING_SCHEDULED")), [])
    assert journey.rule == "asylum"
    assert _steps(journey) == [("I-589", "ACTIVE", False), ("REMOVAL", "ACTIVE", True)]


def test_an_open_application_not_handed_on_stays_the_current_step() -> None:
    """Only a case sent to another agency is passed over: an I-589 moved between USCIS's own
    offices is still where the journey stands; a case handed on at the last step (nothing
    later in the journey) stays current too."""
    moved = _status("PENDING", "TRANSFERRED")
    (journey,) = journeys_for(_asylum(moved, _status("ACTIVE", "HEARING_SCHEDULED")), [])
    assert [s.current for s in journey.steps] == [True, False]
    decided = _status("DENIED", "DECISION_MADE")
    handed = _status("ACTIVE", "SENT_TO_OTHER_AGENCY")
    (journey,) = journeys_for(_asylum(decided, handed), [])
    assert [s.current for s in journey.steps] == [False, True]


def test_asylum_journey_carries_the_clock_then_the_appeal_and_departure_deadlines() -> None:
    """With the shipped deadline rules: the court's 180-day asylum clock (8 U.S.C.
    1158(d)(5)(A)(iii)) runs on the removal case; once the judge grants voluntary departure,
    the BIA appeal window (8 CFR 1003.38(b): 30 days) and the departure date (8 CFR 1240.26)
    run on it too, and the journey expects the appeal (EOIR-26) by the window's last day."""
    from aggregator.processing.deadlines import deadlines_for

    referred = _status("ACTIVE", "SENT_TO_OTHER_AGENCY",
                       "Case Was Sent To The Executive Office of Immigration Review")
    lodged = _status("ACTIVE", "RECEIVED", "ASYLUM APPLICATION FILED")
    cases = _asylum(referred, lodged)
    filed_at = T0 + timedelta(days=200)
    events = [Event("immigration", I589, "1", 0, T0, _status("PENDING", "RECEIVED")),
              Event("immigration", I589, "2", 1, T0 + timedelta(days=100), referred),
              Event("courts", REMOVAL_CASE, "1", 0, filed_at, lodged)]
    today = filed_at.date() + timedelta(days=30)
    (journey,) = timeline_journeys(cases, events, today, deadlines_for)
    assert [(d.kind, d.state, d.case_number) for d in journey.deadlines] == [
        (DeadlineKind.ASYLUM_ADJUDICATION, DeadlineState.RUNNING, REMOVAL_CASE)]
    assert journey.deadlines[0].due == filed_at.date() + timedelta(days=180)
    assert journey.next_steps == ()

    decided_on = date(2024, 10, 4)  # a Friday: 30 days later is a Sunday, rolled to Monday
    departure = decided_on + timedelta(days=60)
    granted = Status("CLOSED", "VOLUNTARY_DEPARTURE_GRANTED", True,
                     "VOLUNTARY DEPARTURE GRANTED", "text")
    events.append(Event("courts", REMOVAL_CASE, "2", 1,
                        datetime(2024, 10, 4, 15, tzinfo=UTC), granted, due_date=departure))
    cases[1] = Case("courts", REMOVAL_CASE, "REMOVAL", "REMOVAL", granted,
                    cases[1].opened_at, cases[1].opened_at,
                    related_cases=cases[1].related_cases)
    (journey,) = timeline_journeys(cases, events, decided_on + timedelta(days=1), deadlines_for)
    found = {d.kind: d for d in journey.deadlines}
    assert found[DeadlineKind.BIA_APPEAL].state is DeadlineState.RUNNING
    assert found[DeadlineKind.BIA_APPEAL].due == date(2024, 11, 4)
    assert found[DeadlineKind.VOLUNTARY_DEPARTURE].state is DeadlineState.RUNNING
    assert found[DeadlineKind.VOLUNTARY_DEPARTURE].due == departure
    assert found[DeadlineKind.ASYLUM_ADJUDICATION].state is DeadlineState.MET
    (step,) = journey.next_steps
    assert (step.filing, step.due) == ("EOIR-26", date(2024, 11, 4))
    assert _steps(journey) == [("I-589", "ACTIVE", False), ("REMOVAL", "CLOSED", True)]
