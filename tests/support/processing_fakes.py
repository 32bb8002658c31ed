"""Processing statistics and estimates made up for the pages' tests: figures that differ by
month and office, one withheld office, one withheld month, one withheld pending step; and a
stand-in for the service's ``processing_statistics`` and ``estimates_for``, installed on a
real (fake-adapter) service so the pages call it as they would the real one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from aggregator.model import Case, Event
from aggregator.processing.errors import UnknownCaseTypeError
from aggregator.processing.model import (
    AgencyStatistics,
    CompletionFigures,
    Deadline,
    DeadlineKind,
    DeadlineParty,
    DeadlineState,
    Estimate,
    InquiryRule,
    Journey,
    JourneyNextStep,
    JourneyStep,
    MonthlyFigures,
    OfficeStatistics,
    PendingAtMilestone,
    ProcessingTarget,
    TargetKind,
    TargetUnit,
)
from aggregator.service import CaselineService

__all__ = ["OFFICES", "SMALL_OFFICE", "TARGET", "WITHHELD_MONTH_INDEX", "FakeProcessing",
           "deadline", "estimate", "figures", "install", "journey", "next_step", "statistics"]

OFFICES = ("Nebraska Service Center", "Vermont Service Center")
SMALL_OFFICE = "Guam Field Office"  # too few cases: every figure withheld
WITHHELD_MONTH_INDEX = 3  # in any run of months, the fourth is withheld
TARGET = ProcessingTarget(
    "I-765", 90, TargetUnit.CALENDAR_DAYS, TargetKind.REGULATORY, "8 CFR 274a.13(d)",
    {"en": "Decide within 90 days of receipt (the rule as it stood before 2017).",
     "es": "Decidir dentro de 90 días desde la recepción (la regla anterior a 2017)."},
    "https://www.ecfr.gov/current/title-8/section-274a.13", InquiryRule.RECEIPT_PLUS_P80)


def figures(median: int, completed: int = 120) -> CompletionFigures:
    """Published figures around ``median`` days."""
    return CompletionFigures(False, completed, median, median + 40,
                             round(min(1.0, 90 / (median + 40)), 2),
                             tuple(median - 40 + 10 * i for i in range(9)))


WITHHELD = CompletionFigures(True, None, None, None, None)


def _month(first: date, i: int) -> date:
    index = first.year * 12 + first.month - 1 + i
    return date(index // 12, index % 12 + 1, 1)


def _withheld_row(office: str, first: date, count: int) -> OfficeStatistics:
    return OfficeStatistics(office, WITHHELD,
                            tuple(MonthlyFigures(_month(first, i), WITHHELD) for i in range(count)),
                            (PendingAtMilestone("UNDER_REVIEW", True, None, None),))


def _row(office: str | None, base: int, first: date, count: int) -> OfficeStatistics:
    months = tuple(MonthlyFigures(_month(first, i), WITHHELD if i == WITHHELD_MONTH_INDEX
                                  else figures(base + 3 * i))
                   for i in range(count))
    pending = (PendingAtMilestone("UNDER_REVIEW", False, 340, 61),
               PendingAtMilestone("EVIDENCE_REQUESTED", False, 45, 102),
               PendingAtMilestone("INTERVIEW_SCHEDULED", True, None, None))
    return OfficeStatistics(office, figures(base, 600), months, pending)


def statistics(case_type: str = "I-765", office: str | None = None,
               first_month: date = date(2026, 5, 1), months: int = 6) -> AgencyStatistics:
    """Figures for ``office`` only, or per office then agency-wide."""
    last = _month(first_month, months - 1)
    rows: tuple[OfficeStatistics, ...]
    if office == SMALL_OFFICE:
        rows = (_withheld_row(office, first_month, months),)
    elif office is not None and office not in OFFICES:
        rows = ()  # an office the agency does not know: no row, not an error (the contract)
    elif office is not None:
        rows = (_row(office, 70, first_month, months),)
    else:
        rows = (*(_row(o, 60 + 20 * i, first_month, months) for i, o in enumerate(OFFICES)),
                OfficeStatistics(SMALL_OFFICE, WITHHELD),
                _row(None, 70, first_month, months))
    return AgencyStatistics("immigration", case_type, TARGET, first_month, last, 10, rows,
                            datetime(2026, 12, 1, tzinfo=UTC))


@dataclass
class FakeProcessing:
    """The two service methods the pages call; records what it was asked."""

    estimates: Mapping[tuple[str, str], Estimate] = field(default_factory=dict)
    known_types: frozenset[str] = frozenset({"I-765"})
    asked: list[dict[str, Any]] = field(default_factory=list)
    failure: Exception | None = None

    async def processing_statistics(self, agency_id: str, case_type: str,
                                    office: str | None = None, *,
                                    first_month: date | None = None,
                                    last_month: date | None = None) -> AgencyStatistics:
        self.asked.append({"agency": agency_id, "case_type": case_type, "office": office,
                           "first_month": first_month, "last_month": last_month})
        if self.failure is not None:
            raise self.failure
        if case_type not in self.known_types:
            raise UnknownCaseTypeError(agency_id, case_type)
        if first_month is None:
            return statistics(case_type, office)
        assert last_month is not None
        count = (last_month.year - first_month.year) * 12 + last_month.month - first_month.month
        return statistics(case_type, office, first_month, count + 1)

    async def estimates_for(self, cases: Sequence[Case], events: Sequence[Event],
                            today: date) -> dict[tuple[str, str], Estimate]:
        self.asked.append({"estimates": [c.number for c in cases], "today": today})
        return {key: value for key, value in self.estimates.items()
                if any((c.agency_id, c.number) == key for c in cases)}


def install(service: CaselineService, fake: FakeProcessing) -> None:
    """Give ``service`` the fake's methods, as the real service will have them."""
    service.processing_statistics = fake.processing_statistics  # type: ignore[method-assign]
    service.estimates_for = fake.estimates_for  # type: ignore[method-assign]


def deadline(state: DeadlineState = DeadlineState.RUNNING, *, agency_id: str = "labor",
             number: str = "A-26001-00001", met_on: date | None = None) -> Deadline:
    """A PERM certification's 180 days for filing the I-140."""
    return Deadline(DeadlineKind.PERM_VALIDITY, date(2027, 2, 20), state,
                    DeadlineParty.APPLICANT, "20 CFR 656.30(b)(1)",
                    {"en": "A labor certification is valid for 180 days (20 CFR 656.30(b)(1)).",
                     "es": "Una certificación laboral vale 180 días (20 CFR 656.30(b)(1))."},
                    agency_id, number, met_on)


def estimate(*, outside: bool = False, age_days: int = 75,
             deadlines: tuple[Deadline, ...] = ()) -> Estimate:
    """An estimate from the agency-wide row of ``statistics()`` (median 70, 80% in 110)."""
    return Estimate(date(2026, 7, 10), date(2026, 8, 19), date(2026, 8, 20), outside,
                    {"en": "From 600 I-765 cases decided agency-wide, May to October 2026.",
                     "es": "De 600 casos I-765 decididos en toda la agencia, de mayo a octubre "
                           "de 2026."},
                    deadlines, statistics(), None, age_days)


def next_step(due: date | None = date(2027, 2, 20)) -> JourneyNextStep:
    """The I-140 after the PERM, not filed yet: due by the PERM's validity (running), or, with
    ``due`` None, undated."""
    dated = deadline(number="A-26001-00001") if due is not None else None
    if dated is not None and due is not None:
        dated = replace(dated, due=due)
    return JourneyNextStep(
        "immigration", "I-140", "labor", "A-26001-00001",
        {"en": "Next: the employer files the I-140 petition by the certification's end.",
         "es": "Siguiente: el empleador presenta la petición I-140 antes de que venza."},
        dated)


def journey(current: int = 1) -> Journey:
    """PERM, then I-140 (current by default), then I-485, with the PERM's deadline met."""
    steps = (("labor", "A-26001-00001", "PERM", "APPROVED"),
             ("immigration", "IOE0990000001", "I-140", "PENDING"),
             ("immigration", "IOE0990000002", "I-485", "PENDING"))
    return Journey(
        "employment-green-card",
        {"en": "Employment-based green card", "es": "Residencia permanente por empleo"},
        tuple(JourneyStep(a, n, t, c, i == current) for i, (a, n, t, c) in enumerate(steps)),
        (deadline(DeadlineState.MET, met_on=date(2026, 11, 2)),))
