"""/me's estimates, deadlines and journeys in words: dates in the reader's language, the
gauge from the figures the estimate used, open cases only, steps in the journey's order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from aggregator.model import AgencyInfo, Case
from aggregator.processing.model import DeadlineKind, DeadlineParty, DeadlineState
from gateway.web.me_outlook import (
    deadline_row,
    estimate_card,
    estimate_cards,
    journey_view,
    who_acts,
)
from support.applicant_pages import CONFIG, EVIDENCE, RECEIVED, _status
from support.processing_fakes import deadline, estimate, journey, next_step

AGENCIES = {a.id: AgencyInfo(a.id, a.name, a.name_es, a.number_scope) for a in CONFIG.agencies}
T0 = datetime(2026, 5, 1, tzinfo=UTC)
CASE = Case("immigration", "IOE0990000001", "I-765", "Work permit", RECEIVED, T0, T0)


def test_an_estimate_in_english_names_the_three_dates() -> None:
    card = estimate_card("en", CASE, estimate(), AGENCIES)
    # The typical date (the median) first, then the date by which most are decided (80%).
    assert card.summary == ("Cases like yours are typically decided by July 10, 2026, and most "
                            "by August 19, 2026. You can ask the agency about yours from August "
                            "20, 2026.")
    assert not card.outside_normal
    assert card.basis.startswith("From 600 I-765 cases")
    assert card.statistics_url == "/statistics/immigration/I-765"


def test_the_gauge_uses_the_row_the_estimate_used() -> None:
    card = estimate_card("en", CASE, estimate(age_days=150), AGENCIES)
    assert card.gauge is not None
    # Agency-wide row: median 70, 80% within 110; the scale runs to 200 (165 rounded up).
    assert (card.gauge.age, card.gauge.median, card.gauge.p80) == (0.75, 0.35, 0.55)
    assert card.gauge_text == ("Your case has waited 150 days. Half of such cases are decided "
                               "within 70 days, and 80% within 110 days.")


def test_without_published_figures_there_is_no_gauge_and_no_dates() -> None:
    bare = replace(estimate(), typical_by=None, most_by=None, inquiry_from=None, statistics=None)
    card = estimate_card("en", CASE, bare, AGENCIES)
    assert card.gauge is None and card.gauge_text == ""
    assert card.summary.startswith("Too few cases like yours")


def test_spanish_dates_and_outside_normal() -> None:
    card = estimate_card("es", CASE, estimate(outside=True), AGENCIES)
    assert card.outside_normal
    assert card.summary.index("10 de julio de 2026") < card.summary.index(
        "19 de agosto de 2026")
    assert "a partir del 20 de agosto de 2026" in card.summary
    assert card.basis.startswith("De 600 casos")


def test_a_deadline_says_what_by_when_its_state_and_who_acts() -> None:
    row = deadline_row("en", deadline(), AGENCIES)
    assert row.kind == "Labor certification valid for filing the I-140"
    assert (row.due, row.due_iso, row.state, row.state_code) == (
        "February 20, 2027", "2027-02-20", "Running", "RUNNING")
    # The employer files the I-140 within the certification's validity, not the applicant.
    assert row.party == "The employer must act by then" and "656.30(b)(1)" in row.basis
    assert row.case == "labor, case A-26001-00001"  # an agency not configured: its id
    met = deadline_row("es", deadline(DeadlineState.MET, met_on=date(2026, 11, 2)), AGENCIES)
    assert met.state == "Cumplido el 2 de noviembre de 2026"
    assert met.party == "El empleador tenía que actuar a más tardar ese día"
    assert deadline_row("en", deadline(DeadlineState.MISSED), AGENCIES).state == "Missed"


def test_each_deadline_names_who_acts() -> None:
    """The applicant for their own filings, the employer for a labor case's, the agency for
    its own timeframe (which says what it should do, not what it must)."""
    appeal = replace(deadline(agency_id="courts"), kind=DeadlineKind.BIA_APPEAL)
    audit = replace(deadline(), kind=DeadlineKind.EVIDENCE_RESPONSE)
    rfe = replace(deadline(agency_id="immigration"), kind=DeadlineKind.EVIDENCE_RESPONSE)
    n400 = replace(deadline(agency_id="immigration"), kind=DeadlineKind.N400_HEARING,
                   party=DeadlineParty.AGENCY)
    assert [who_acts(d) for d in (appeal, audit, rfe, n400)] == [
        "APPLICANT", "EMPLOYER", "APPLICANT", "AGENCY"]
    assert deadline_row("en", appeal, AGENCIES).party == "You must act by then"
    assert deadline_row("en", audit, AGENCIES).party == "The employer must act by then"
    assert deadline_row("en", n400, AGENCIES).party == "Immigration Agency should decide by then"
    missed = replace(n400, state=DeadlineState.MISSED)
    assert deadline_row("es", missed, AGENCIES).party == (
        "Agencia de Inmigración debía decidir a más tardar ese día")


def test_a_case_type_known_by_an_identifier_is_shown_by_its_name() -> None:
    court = Case("courts", "A201555123", "CREDIBLE_FEAR_REVIEW", "Credible Fear Review",
                 RECEIVED, T0, T0, case_type_names={"es": "Revisión de temor creíble"})
    assert estimate_card("es", court, estimate(), AGENCIES).case_type_label == (
        "Revisión de temor creíble")
    assert estimate_card("es", CASE, estimate(), AGENCIES).case_type_label == "I-765"


def test_a_decided_case_with_a_running_deadline_shows_the_deadline_only() -> None:
    decided = replace(CASE, number="IOE0990000009",
                      status=_status("APPROVED", "DECISION_MADE", False, "Approved", "Approved",
                                     "Aprobado"))
    other = replace(CASE, number="IOE0990000002", status=EVIDENCE)
    estimates = {("immigration", "IOE0990000001"): estimate(),
                 ("immigration", "IOE0990000009"): estimate(outside=True,
                                                           deadlines=(deadline(),))}
    cards = estimate_cards("en", [CASE, decided, other], estimates, AGENCIES)
    # In the cases' order; the case without an estimate has no card.
    assert [c.number for c in cards] == ["IOE0990000001", "IOE0990000009"]
    assert cards[0].summary and cards[0].gauge is not None
    done = cards[1]
    assert done.summary == "" and done.gauge is None and done.basis == ""
    assert not done.outside_normal  # nothing is late about a decided case
    assert [d.state for d in done.deadlines] == ["Running"]


def test_a_journeys_steps_in_order_with_the_current_one() -> None:
    view = journey_view("es", journey(current=1), AGENCIES)
    assert view.title == "Residencia permanente por empleo"
    assert [s.case_type for s in view.steps] == ["PERM", "I-140", "I-485"]
    assert [s.current for s in view.steps] == [False, True, False]
    assert view.steps[1].agency == "Agencia de Inmigración"
    assert view.steps[0].category == "Aprobado"
    assert view.deadlines[0].state == "Cumplido el 2 de noviembre de 2026"


def test_a_journeys_next_steps_follow_its_steps_in_the_readers_language() -> None:
    """What comes next, not filed yet: what is filed where, in words, and its date for the
    page's machine-readable time (none when no deadline dates it)."""
    view = journey_view("es", replace(journey(current=0), next_steps=(
        next_step(), next_step(due=None))), AGENCIES)
    dated, undated = view.next_steps
    assert (dated.filing, dated.agency, dated.due_iso) == ("I-140", "Agencia de Inmigración",
                                                           "2027-02-20")
    assert dated.text == "Siguiente: el empleador presenta la petición I-140 antes de que venza."
    assert undated.due_iso == ""
    assert journey_view("en", journey(), AGENCIES).next_steps == ()
