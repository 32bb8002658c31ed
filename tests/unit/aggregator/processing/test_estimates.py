"""Estimates: the office's figures or the agency's, inquiry dates by rule and unit, the
outside-normal boundary, decided cases, and the basis in both languages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from aggregator.model import Case, Status
from aggregator.processing.estimates import estimate, figures_row, inquiry_date, target_due
from aggregator.processing.model import (
    Deadline,
    DeadlineKind,
    DeadlineParty,
    DeadlineState,
    InquiryRule,
    Premium,
    TargetUnit,
)
from support.processing_stats import WITHHELD, figures, statistics, target

RECEIPT = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # a Monday
TODAY = date(2026, 11, 22)


def _case(category: str = "ACTIVE", office: str = "NBC", number: str = "IOE0990000001"
          ) -> Case:
    status = Status(category, "UNDER_REVIEW", False, "Case Is Being Actively Reviewed", "")
    return Case("immigration", number, "I-765", "Work permit", status, RECEIPT, RECEIPT,
                office=office)


def _deadline(number: str = "IOE0990000001") -> Deadline:
    return Deadline(DeadlineKind.EVIDENCE_RESPONSE, date(2026, 12, 1), DeadlineState.RUNNING,
                    DeadlineParty.APPLICANT, "8 CFR 103.2(b)(8)",
                    {"en": "Answer the request.", "es": "Responda."}, "immigration", number)


def test_the_offices_own_figures_give_the_dates_when_published() -> None:
    stats = statistics({"NBC": figures(40, 100, 150), None: figures(500, 60, 90)})
    found = estimate(_case(), stats, (), TODAY)
    assert found is not None
    receipt = RECEIPT.date()
    assert found.typical_by == receipt + timedelta(days=100)
    assert found.most_by == receipt + timedelta(days=150)
    assert found.inquiry_from == receipt + timedelta(days=150)  # RECEIPT_PLUS_P80
    assert found.office_used == "NBC"
    assert "NBC" in found.basis["en"] and "40" in found.basis["en"]
    assert found.age_days == (TODAY - receipt).days


def test_a_withheld_office_falls_back_to_the_agency_wide_row_and_says_so() -> None:
    stats = statistics({"NBC": WITHHELD, None: figures(500, 60, 90)})
    found = estimate(_case(), stats, (), TODAY)
    assert found is not None
    assert found.typical_by == RECEIPT.date() + timedelta(days=60)
    assert found.office_used is None
    assert "all offices" in found.basis["en"] and "toda la agencia" in found.basis["es"]
    assert "NBC decided too few" in found.basis["en"]


def test_an_office_the_agency_gave_no_row_for_also_falls_back() -> None:
    stats = statistics({"CSC": figures(40, 10, 20), None: figures(500, 60, 90)})
    assert figures_row(stats, "NBC") == stats.row(None)


def test_no_published_figures_leave_the_dates_empty_and_say_why() -> None:
    stats = statistics({"NBC": WITHHELD, None: WITHHELD})
    found = estimate(_case(), stats, (), TODAY)
    assert found is not None
    assert (found.typical_by, found.most_by, found.inquiry_from) == (None, None, None)
    assert not found.outside_normal
    assert "too few were decided" in found.basis["en"]


def test_without_statistics_the_estimate_says_they_could_not_be_read() -> None:
    found = estimate(_case(), None, (_deadline(),), TODAY)
    assert found is not None and found.typical_by is None
    assert found.deadlines == (_deadline(),)
    assert "could not be read" in found.basis["en"]
    assert "No se pudieron leer" in found.basis["es"]


def test_outside_normal_only_after_the_inquiry_date() -> None:
    stats = statistics({None: figures(500, 60, 90)})
    inquiry = RECEIPT.date() + timedelta(days=90)
    on_the_day = estimate(_case(office=""), stats, (), inquiry)
    day_after = estimate(_case(office=""), stats, (), inquiry + timedelta(days=1))
    assert on_the_day is not None and day_after is not None
    assert on_the_day.inquiry_from == inquiry and not on_the_day.outside_normal
    assert day_after.outside_normal


def test_receipt_plus_target_counts_business_days_when_the_unit_says_so() -> None:
    # 15 business days from Monday 2026-05-18: Memorial Day (05-25) is skipped, so the
    # target runs out on Tuesday 06-09 rather than Monday 06-08.
    receipt = date(2026, 5, 18)
    premium = target(15, TargetUnit.BUSINESS_DAYS, InquiryRule.RECEIPT_PLUS_TARGET)
    assert inquiry_date(receipt, premium, None) == date(2026, 6, 9)
    calendar = target(15, TargetUnit.CALENDAR_DAYS, InquiryRule.RECEIPT_PLUS_TARGET)
    assert inquiry_date(receipt, calendar, None) == date(2026, 6, 2)


def test_an_inquiry_rule_without_what_it_needs_gives_no_date() -> None:
    receipt = date(2026, 5, 18)
    assert inquiry_date(receipt, target(rule=InquiryRule.RECEIPT_PLUS_P80), None) is None
    assert inquiry_date(receipt, target(0, rule=InquiryRule.RECEIPT_PLUS_TARGET), None) is None
    assert inquiry_date(receipt, target(rule=InquiryRule.NONE), figures(5, 1, 2)) is None
    assert target_due(receipt, target(0)) is None


def test_the_basis_names_the_target_with_its_unit_and_source_in_both_languages() -> None:
    premium = target(15, TargetUnit.BUSINESS_DAYS, InquiryRule.RECEIPT_PLUS_TARGET)
    found = estimate(_case(), statistics({None: figures(50, 12, 14)}, goal=premium), (), TODAY)
    assert found is not None
    assert "15 business days (8 U.S.C. 1571(b))" in found.basis["en"]
    assert "15 días hábiles (8 U.S.C. 1571(b))" in found.basis["es"]
    assert "May 2026" in found.basis["en"] and "octubre de 2026" in found.basis["es"]
    assert "plus the target" in found.basis["en"]


def test_a_decided_case_has_no_estimate_unless_a_deadline_runs_on_it() -> None:
    stats = statistics({None: figures(500, 60, 90)})
    assert estimate(_case("APPROVED"), stats, (), TODAY) is None
    assert estimate(_case("APPROVED"), stats, (_deadline("OTHER"),), TODAY) is None
    with_deadline = estimate(_case("DENIED"), stats, (_deadline(),), TODAY)
    assert with_deadline is not None
    assert with_deadline.typical_by is None and with_deadline.deadlines == (_deadline(),)
    assert "decided" in with_deadline.basis["en"]


def test_only_the_cases_own_deadlines_are_carried() -> None:
    found = estimate(_case(), None, (_deadline(), _deadline("IOE0990000002")), TODAY)
    assert found is not None and [d.case_number for d in found.deadlines] == ["IOE0990000001"]


# --- premium processing (8 CFR 106.4) ------------------------------------------------------------

REQUESTED = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)  # Monday 2 March 2026, 1 pm Eastern


def _premium_case(days: int = 15) -> Case:
    status = Status("ACTIVE", "PREMIUM_PROCESSING", False, "Case Is Being Premium Processed", "")
    return Case("immigration", "IOE0990000011", "I-140", "Immigrant petition", status,
                RECEIPT, REQUESTED, office="NBC",
                premium=Premium(REQUESTED, days, "8 CFR 106.4"))


def _premium_deadline(due: date, state: DeadlineState = DeadlineState.RUNNING,
                      met_on: date | None = None) -> Deadline:
    return Deadline(DeadlineKind.PREMIUM_PROCESSING, due, state, DeadlineParty.AGENCY,
                    "8 CFR 106.4", {"en": "USCIS must act.", "es": "USCIS debe actuar."},
                    "immigration", "IOE0990000011", met_on=met_on)


def test_a_premium_case_is_decided_by_its_premium_timeframe_not_by_all_cases() -> None:
    """8 CFR 106.4: a premium I-140 is acted on within 15 business days of the request (2 March
    2026 + 15 business days = 23 March), whatever all I-140s take (here ~400 days)."""
    stats = statistics({"NBC": figures(40, 400, 450), None: figures(500, 380, 420)})
    due = date(2026, 3, 23)
    found = estimate(_premium_case(), stats, (_premium_deadline(due),), date(2026, 3, 10))
    assert found is not None
    assert (found.typical_by, found.most_by) == (due, due)
    assert found.inquiry_from == due + timedelta(days=1)
    assert not found.outside_normal
    assert "15 business days" in found.basis["en"] and "8 CFR 106.4" in found.basis["en"]
    assert "15 días hábiles" in found.basis["es"] and "8 CFR 106.4" in found.basis["es"]
    assert "March 24, 2026" in found.basis["en"]  # the inquiry date: the day after


def test_a_premium_case_is_outside_normal_only_after_its_inquiry_date() -> None:
    """8 CFR 106.4: from the day after the premium timeframe an inquiry is reasonable; past
    that day the case is outside normal processing time."""
    due = date(2026, 3, 23)
    deadlines = (_premium_deadline(due),)
    on_inquiry = estimate(_premium_case(), None, deadlines, due + timedelta(days=1))
    after = estimate(_premium_case(), None, deadlines, due + timedelta(days=2))
    assert on_inquiry is not None and not on_inquiry.outside_normal
    assert after is not None and after.outside_normal


def test_a_premium_case_without_a_deadline_counts_45_business_days_itself() -> None:
    """8 CFR 106.4: an EB-1C or NIW I-140 has 45 business days; the agency states the days, and
    without the rules' deadline the estimate counts them from the request."""
    found = estimate(_premium_case(45), None, (), date(2026, 3, 10))
    assert found is not None
    # 45 business days after Monday 2 March 2026: Monday 4 May.
    assert found.most_by == date(2026, 5, 4)
    assert "45 business days" in found.basis["en"]


def test_a_premium_case_waiting_for_its_evidence_has_no_premium_date() -> None:
    """8 CFR 106.4: a request for evidence is USCIS acting; a new timeframe starts only when
    the response arrives, so meanwhile no date is claimed and the case is not late."""
    met = _premium_deadline(date(2026, 3, 23), DeadlineState.MET, met_on=date(2026, 3, 16))
    found = estimate(_premium_case(), None, (met,), date(2026, 6, 1))
    assert found is not None
    assert (found.typical_by, found.most_by, found.inquiry_from) == (None, None, None)
    assert not found.outside_normal
    assert "March 16, 2026" in found.basis["en"] and "16 de marzo de 2026" in found.basis["es"]
