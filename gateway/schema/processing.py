"""Public processing times (``Query.processingTimes``): one row per office and the
agency-wide row, from the agency's own aggregates; withheld figures are null, never zero."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TypeAlias

import strawberry

from aggregator.consent.vocabulary import Role
from aggregator.model import AgencyInfo, in_language
from aggregator.processing.errors import (
    AgencyUnavailableError,
    InvalidStatisticsRequestError,
    StatisticsError,
    UnknownAgencyError,
    UnknownCaseTypeError,
)
from aggregator.processing.model import (
    AgencyStatistics,
    CompletionFigures,
    MonthlyFigures,
    OfficeStatistics,
    PendingAtMilestone,
)
from aggregator.processing.model import TargetKind as _TargetKind
from aggregator.processing.model import TargetUnit as _TargetUnit
from aggregator.processing.statistics import add_months
from gateway.context import Context
from gateway.messages import message
from gateway.refusals import rate_limited_text
from gateway.schema.enums import Language, Milestone, milestone
from gateway.schema.errors import UserFacingError
from gateway.schema.types import Agency, agency_failure_text

__all__ = ["MonthlyProcessingTime", "PendingCount", "ProcessingTimeRow", "TargetKind",
           "TargetUnit", "processing_times", "statistics_error"]

Info = strawberry.Info[Context, None]

strawberry.enum(_TargetUnit, name="TargetUnit",
                description="What a target's days count: CALENDAR_DAYS (every day) or "
                            "BUSINESS_DAYS (Monday to Friday, federal holidays excluded).")
strawberry.enum(_TargetKind, name="TargetKind",
                description="What kind of rule a target is: STATUTORY, REGULATORY, "
                            "PUBLISHED_GOAL (binding on no one), or NONE (no target).")
TargetUnit: TypeAlias = _TargetUnit
TargetKind: TypeAlias = _TargetKind


def _last_day(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


@strawberry.type(description="One month's completions at one office (or agency-wide); "
                             "figures null when withheld.")
class MonthlyProcessingTime:
    month: date = strawberry.field(description="The month's first day.")
    suppressed: bool
    completed: int | None
    median_days: int | None
    p80_days: int | None
    within_target_share: float | None

    @classmethod
    def from_domain(cls, monthly: MonthlyFigures) -> MonthlyProcessingTime:
        """The month as a GraphQL value."""
        f = monthly.figures
        return cls(month=monthly.month, suppressed=f.suppressed, completed=f.completed,
                   median_days=f.median_days, p80_days=f.p80_days,
                   within_target_share=f.within_target_share)


@strawberry.type(description="Open cases at one milestone now; null when withheld.")
class PendingCount:
    milestone: Milestone | None
    suppressed: bool
    count: int | None
    median_age_days: int | None = strawberry.field(description="Their median age in days "
                                                               "since receipt.")

    @classmethod
    def from_domain(cls, pending: PendingAtMilestone) -> PendingCount:
        """The count as a GraphQL value."""
        return cls(milestone=milestone(pending.milestone), suppressed=pending.suppressed,
                   count=pending.count, median_age_days=pending.median_age_days)


@strawberry.type(description="How long one office (or the whole agency: `office` null) took "
                             "to decide one case type over whole months, from the agency's "
                             "aggregates. When too few cases were decided the row is "
                             "`suppressed` and its figures are null.")
class ProcessingTimeRow:
    agency: Agency
    case_type: str
    office: str | None = strawberry.field(description="The office, service center or court; "
                                                      "null for the agency-wide row.")
    period_start: date = strawberry.field(description="First day of the period.")
    period_end: date = strawberry.field(description="Last day of the period (the last day of "
                                                    "its last month).")
    suppressed: bool = strawberry.field(description="True when the figures are withheld "
                                                    "because too few cases were decided.")
    completed: int | None = strawberry.field(description="Cases decided in the period.")
    median_days: int | None = strawberry.field(description="Median days from receipt to "
                                                           "decision.")
    p80_days: int | None = strawberry.field(description="Days within which 80% of the cases "
                                                        "were decided.")
    target_days: int | None = strawberry.field(description="The case type's target in "
                                                           "`targetUnit`s; null when it has "
                                                           "none.")
    target_unit: TargetUnit
    target_kind: TargetKind
    target_source: str = strawberry.field(description="The target's legal or published "
                                                      "source as cited (not translated).")
    target_source_url: str | None = strawberry.field(description="A link to the source "
                                                                 "text.")
    within_target_share: float | None = strawberry.field(
        description="Share of the decided cases decided within the target, 0 to 1; null "
                    "when suppressed or when there is no target.")
    target_basis: str = strawberry.field(description="What the target is and where it comes "
                                                     "from, in the language asked for.")
    decile_days: list[int] = strawberry.field(description="Days at the 10th, 20th, ..., 90th "
                                                          "percentile (empty when "
                                                          "suppressed).")
    withheld_cells: int = strawberry.field(description="Months with decided cases left out "
                                                       "of these figures because they held "
                                                       "too few.")
    min_cell_size: int = strawberry.field(description="The fewest cases a published figure "
                                                      "covers.")
    months: list[MonthlyProcessingTime] = strawberry.field(description="Each month of the "
                                                                       "period, oldest "
                                                                       "first.")
    pending: list[PendingCount] = strawberry.field(description="Open cases now, by "
                                                               "milestone.")

    @classmethod
    def from_domain(cls, statistics: AgencyStatistics, row: OfficeStatistics,
                    agency: AgencyInfo, language: str) -> ProcessingTimeRow:
        """One row in ``language``."""
        target = statistics.target
        f: CompletionFigures = row.period
        return cls(agency=Agency.from_domain(agency, language), case_type=statistics.case_type,
                   office=row.office, period_start=statistics.first_month,
                   period_end=_last_day(statistics.last_month), suppressed=f.suppressed,
                   completed=f.completed, median_days=f.median_days, p80_days=f.p80_days,
                   target_days=target.days or None, target_unit=target.unit,
                   target_kind=target.kind, target_source=target.source,
                   target_source_url=target.source_url or None,
                   within_target_share=f.within_target_share,
                   target_basis=in_language(target.basis, language),
                   decile_days=list(f.decile_days), withheld_cells=f.withheld_cells,
                   min_cell_size=statistics.min_cell_size,
                   months=[MonthlyProcessingTime.from_domain(m) for m in row.months],
                   pending=[PendingCount.from_domain(p) for p in row.pending])


def statistics_error(error: StatisticsError, language: str,
                     agencies: dict[str, AgencyInfo]) -> UserFacingError:
    """The error told in ``language``, with its stable code."""
    if isinstance(error, UnknownAgencyError):
        return UserFacingError(message(language, "there is no agency {agency}; expected one "
                                                 "of {known}", agency=error.agency_id,
                                       known=", ".join(error.known)),
                               error.code, known=list(error.known))
    if isinstance(error, UnknownCaseTypeError):
        name = agencies[error.agency_id].display_name(language)
        return UserFacingError(message(language, "{agency} has no case type {case_type}; "
                                                 "use the agency's own code, as shown on a "
                                                 "case (for example I-485 or PERM)",
                                       agency=name, case_type=error.case_type), error.code)
    if isinstance(error, AgencyUnavailableError):
        agency = agencies[error.agency_id]
        text = (message(language, "{agency} does not publish processing times through "
                                  "Caseline yet ({code})",
                        agency=agency.display_name(language), code=error.cause)
                if error.cause == "UNIMPLEMENTED"
                else agency_failure_text(error.cause, agency, language))
        return UserFacingError(text, error.code, cause=error.cause)
    if isinstance(error, InvalidStatisticsRequestError):
        return UserFacingError(_invalid_text(error, language), "BAD_USER_INPUT",
                               argument=error.field)
    return UserFacingError(str(error), error.code)


def _invalid_text(error: InvalidStatisticsRequestError, language: str) -> str:
    p = error.params
    if error.rule == "TOO_LONG":
        return message(language, "{argument}: at most {limit} characters, got {length}",
                       argument=error.field, limit=p["limit"], length=p["length"])
    if error.rule == "EMPTY":
        return message(language, "{argument} must not be empty", argument=error.field)
    if error.rule == "AFTER_CURRENT":
        return message(language, "lastMonth {month} is after the current month {current}",
                       month=p["month"], current=p["current"])
    if error.rule == "BACKWARDS":
        return message(language, "firstMonth {first} is after lastMonth {last}",
                       first=p["first"], last=p["last"])
    if error.rule == "PERIOD_TOO_LONG":
        return message(language, "a period spans at most {limit} months; {first} to {last} "
                                 "is longer", limit=p["limit"], first=p["first"],
                       last=p["last"])
    return message(language, "{argument} must be printable text", argument=error.field)


async def _check_rate(info: Info, language: str) -> None:
    principal = info.context.principal
    representative = (principal.subject if principal and principal.role == Role.REPRESENTATIVE
                      else None)
    refusal = await info.context.rate_limiter.take(info.context.client, representative, 1)
    if refusal is not None:
        raise UserFacingError(rate_limited_text(language, refusal,
                                                signed_in=principal is not None),
                              "RATE_LIMITED", retryAfter=refusal.retry_after_s)


async def processing_times(info: Info, agency: str, case_type: str, office: str | None,
                           language: Language | None, first_month: date | None,
                           last_month: date | None) -> list[ProcessingTimeRow]:
    """The rows of ``Query.processingTimes``; errors as UserFacingErrors in the language."""
    lang = language.value if language is not None else info.context.language
    service = info.context.service
    try:
        # Inputs first (sizes, known agency): a bad request spends no quota.
        key = service.statistics.key(agency, case_type, office, first_month=first_month,
                                     last_month=last_month)
        await _check_rate(info, lang)
        statistics = await service.statistics.get(key)
    except StatisticsError as exc:
        raise statistics_error(exc, lang, service.agencies) from exc
    info_of_agency = service.agencies[statistics.agency_id]
    return [ProcessingTimeRow.from_domain(statistics, row, info_of_agency, lang)
            for row in statistics.offices]
