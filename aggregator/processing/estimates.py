"""A case's estimate: when such cases are typically decided, when most are, from when an
inquiry is reasonable and whether the case is past it, with the basis in words (English and
Spanish, from the gettext catalog every text a person reads comes from).

Plain functions over the records of :mod:`aggregator.processing.model`; the figures are the
case's office's when that office's are published, else the agency-wide ones. A case with
premium processing is estimated by its premium timeframe instead (8 CFR 106.4): the figures
of all cases of its type, most without it, say nothing about it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache

from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal

from aggregator.model import Case
from aggregator.notify.email.catalog import LANGUAGES, message
from aggregator.processing.model import (
    AgencyStatistics,
    CompletionFigures,
    Deadline,
    DeadlineKind,
    DeadlineState,
    Estimate,
    InquiryRule,
    OfficeStatistics,
    Premium,
    ProcessingTarget,
    TargetUnit,
)
from caseline.v1.lib.business_days import add_business_days

__all__ = ["DECIDED", "estimate", "figures_row", "inquiry_date", "target_due"]

# Status categories of a decided case: nothing is left to estimate.
DECIDED = frozenset({"APPROVED", "DENIED", "CLOSED"})


def figures_row(statistics: AgencyStatistics, office: str) -> OfficeStatistics | None:
    """The row an estimate uses: ``office``'s when its figures are published, else the
    agency-wide row when its are; None when neither is."""
    for row in (statistics.row(office) if office else None, statistics.row(None)):
        if row is not None and not row.period.suppressed and row.period.median_days is not None:
            return row
    return None


def target_due(receipt: date, target: ProcessingTarget) -> date | None:
    """The day the target runs out, counted in its unit; None when there is no target."""
    if target.days <= 0:
        return None
    if target.unit == TargetUnit.BUSINESS_DAYS:
        return add_business_days(receipt, target.days)
    return receipt + timedelta(days=target.days)


def inquiry_date(receipt: date, target: ProcessingTarget,
                 figures: CompletionFigures | None) -> date | None:
    """From when an inquiry is reasonable, by the case type's inquiry rule (None when the
    rule needs a figure or target there is not)."""
    if target.inquiry_rule == InquiryRule.RECEIPT_PLUS_P80:
        if figures is None or figures.p80_days is None:
            return None
        return receipt + timedelta(days=figures.p80_days)
    if target.inquiry_rule == InquiryRule.RECEIPT_PLUS_TARGET:
        return target_due(receipt, target)
    return None


def estimate(case: Case, statistics: AgencyStatistics | None, deadlines: Sequence[Deadline],
             today: date) -> Estimate | None:
    """``case``'s estimate as of ``today`` from its type's ``statistics`` (None: the agency
    gave none), carrying the ``deadlines`` that run on it. A decided case has no estimate
    (None) unless a deadline runs on it; then only the deadlines, without dates."""
    receipt = case.opened_at.date()
    age = max((today - receipt).days, 0)
    own = tuple(d for d in deadlines
                if d.agency_id == case.agency_id and d.case_number == case.number)
    if case.status.category in DECIDED:
        if not own:
            return None
        decided = {language: message(language, "This case has been decided, so no decision "
                                               "date is estimated.")
                   for language in LANGUAGES}
        return Estimate(None, None, None, False, decided, own, statistics, None, age)
    if case.premium is not None:
        return _premium_estimate(case, case.premium, statistics, own, today, age)
    row = figures_row(statistics, case.office) if statistics is not None else None
    figures = row.period if row is not None else None
    typical = most = None
    if figures is not None and figures.median_days is not None and figures.p80_days is not None:
        typical = receipt + timedelta(days=figures.median_days)
        most = receipt + timedelta(days=figures.p80_days)
    inquiry = inquiry_date(receipt, statistics.target, figures) if statistics else None
    basis = {language: _basis(language, case, statistics, row, inquiry)
             for language in LANGUAGES}
    return Estimate(typical_by=typical, most_by=most, inquiry_from=inquiry,
                    outside_normal=inquiry is not None and today > inquiry, basis=basis,
                    deadlines=own, statistics=statistics,
                    office_used=row.office if row is not None else None, age_days=age)


def _premium_estimate(case: Case, premium: Premium, statistics: AgencyStatistics | None,
                      own: tuple[Deadline, ...], today: date, age: int) -> Estimate:
    """A premium case's estimate: the agency acts by the end of the latest premium clock
    (the deadline rules' PREMIUM_PROCESSING, counted in the agency's calendar; without one,
    from the request's UTC date); an inquiry is reasonable from the day after. While the
    agency waits for a response to its request for evidence, no clock runs and no date is
    given."""
    clocks = [d for d in own if d.kind == DeadlineKind.PREMIUM_PROCESSING]
    latest = max(clocks, key=lambda d: d.due) if clocks else None
    if latest is not None and latest.state == DeadlineState.MET:
        basis = {language: message(
            language, "This case has premium processing ({source}). USCIS acted on it on "
                      "{date} and is waiting for an answer: a new premium time of {days} "
                      "business days starts when USCIS receives the response.",
            source=premium.source, date=_long_date(language, latest.met_on or latest.due),
            days=premium.business_days) for language in LANGUAGES}
        return Estimate(None, None, None, False, basis, own, statistics, None, age)
    due = latest.due if latest is not None else add_business_days(
        premium.requested_at.date(), premium.business_days)
    inquiry = due + timedelta(days=1)
    basis = {language: message(
        language, "This case has premium processing: USCIS must act on it within {days} "
                  "business days of receiving the request, so by {date}: approve it, deny it, "
                  "or ask for more evidence ({source}). The times of all {case_type} cases do "
                  "not apply. An inquiry is reasonable from {inquiry}, the day after.",
        days=premium.business_days, date=_long_date(language, due), source=premium.source,
        case_type=case.case_type, inquiry=_long_date(language, inquiry))
        for language in LANGUAGES}
    return Estimate(typical_by=due, most_by=due, inquiry_from=inquiry,
                    outside_normal=today > inquiry, basis=basis, deadlines=own,
                    statistics=statistics, office_used=None, age_days=age)


# Babel's formatting costs more than the rest of an estimate; the same few months, dates and
# counts recur on every reader's cases.
@lru_cache(maxsize=4096)
def _month(language: str, month: date) -> str:
    return format_skeleton("yMMMM", month, locale=language)


@lru_cache(maxsize=4096)
def _long_date(language: str, day: date) -> str:
    return format_date(day, "long", locale=language)


@lru_cache(maxsize=4096)
def _count(language: str, count: int) -> str:
    return format_decimal(count, locale=language)


def _basis(language: str, case: Case, statistics: AgencyStatistics | None,
           row: OfficeStatistics | None, inquiry: date | None) -> str:
    if statistics is None:
        return message(language, "Processing times for {case_type} cases could not be read "
                                 "from the agency just now, so no dates are estimated.",
                       case_type=case.case_type)
    start = _month(language, statistics.first_month)
    end = _month(language, statistics.last_month)
    sentences = [_figures_sentence(language, case, row, start, end)]
    if row is not None and row.office is None and case.office:
        sentences.append(message(language, "{office} decided too few such cases to publish "
                                           "its own figures, so the agency-wide figures are "
                                           "used.", office=case.office))
    sentences.append(_target_sentence(language, statistics.target))
    if inquiry is not None:
        when = _long_date(language, inquiry)
        if statistics.target.inquiry_rule == InquiryRule.RECEIPT_PLUS_TARGET:
            sentences.append(message(language, "An inquiry is reasonable from {date}: the "
                                               "receipt date plus the target.", date=when))
        else:
            sentences.append(message(language, "An inquiry is reasonable from {date}: the "
                                               "receipt date plus the time within which 80% "
                                               "of cases are decided.", date=when))
    return " ".join(sentences)


def _figures_sentence(language: str, case: Case, row: OfficeStatistics | None, start: str,
                      end: str) -> str:
    completed = row.period.completed if row is not None else None
    if row is None or completed is None:
        return message(language, "No processing times are published for {case_type} cases "
                                 "from {start} to {end}: too few were decided.",
                       case_type=case.case_type, start=start, end=end)
    figures = row.period
    params = {"count": _count(language, completed),
              "case_type": case.case_type, "start": start, "end": end,
              "median": figures.median_days, "p80": figures.p80_days}
    if row.office is not None:
        return message(language, "Of the {count} {case_type} cases decided at {office} from "
                                 "{start} to {end}, half took up to {median} days and 80% up "
                                 "to {p80} days.", office=row.office, **params)
    return message(language, "Of the {count} {case_type} cases this agency decided from "
                             "{start} to {end} (all offices), half took up to {median} days "
                             "and 80% up to {p80} days.", **params)


def _target_sentence(language: str, target: ProcessingTarget) -> str:
    if target.days <= 0:
        return message(language, "This case type has no published processing target.")
    if target.unit == TargetUnit.BUSINESS_DAYS:
        return message(language, "The target is {days} business days ({source}).",
                       days=target.days, source=target.source)
    return message(language, "The target is {days} calendar days ({source}).",
                   days=target.days, source=target.source)
