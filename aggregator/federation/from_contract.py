"""Contract messages to aggregator records."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime

from google.protobuf import timestamp_pb2

from aggregator.model import (
    AgencyWording,
    Case,
    Event,
    Hearing,
    InvalidNumber,
    LookupFailure,
    LookupOutcome,
    Status,
    Text,
)
from aggregator.processing.model import (
    AgencyStatistics,
    CompletionFigures,
    InquiryRule,
    MonthlyFigures,
    OfficeStatistics,
    PendingAtMilestone,
    Premium,
    ProcessingTarget,
    RelatedCase,
    TargetKind,
    TargetUnit,
)
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import case_pb2, statistics_pb2, vocabulary_pb2

__all__ = [
    "case_from_proto",
    "events_from_proto",
    "invalid_number_from_proto",
    "localized_from_proto",
    "lookup_from_proto",
    "month_from_contract",
    "premium_from_proto",
    "related_from_proto",
    "statistics_from_proto",
    "status_from_proto",
    "unopened_by_event",
]

_CATEGORY = {v: k.removeprefix("STATUS_CATEGORY_")
             for k, v in vocabulary_pb2.StatusCategory.items()}
_MILESTONE = {v: k.removeprefix("MILESTONE_") for k, v in vocabulary_pb2.Milestone.items()}
_MATCH = {v: k.removeprefix("STATUS_MATCH_") for k, v in vocabulary_pb2.StatusMatch.items()}
_HEARING_TYPE = {v: k.removeprefix("HEARING_TYPE_") for k, v in case_pb2.HearingType.items()}
_MEDIUM = {v: k.removeprefix("HEARING_MEDIUM_") for k, v in case_pb2.HearingMedium.items()}
_PROBLEM = {v: k.removeprefix("INVALID_NUMBER_PROBLEM_")
            for k, v in pb.InvalidNumberProblem.items()}
# What an agency may put in one localized list, read once: more languages or longer texts
# than any agency needs are cut, so a faulty adapter cannot grow every cached case.
_MAX_LANGUAGES = 16
_MAX_TAG = 35  # BCP 47's longest tags in practice
_MAX_TEXT = 400
_RELATION = {v: k.removeprefix("CASE_RELATION_") for k, v in case_pb2.CaseRelation.items()}
_MAX_RELATED = 50  # more than any person's file ties together
_MAX_NUMBER = 64
_LOOKUP_CODE = {pb.LOOKUP_ERROR_CODE_INVALID_NUMBER: "INVALID_NUMBER",
                pb.LOOKUP_ERROR_CODE_NOT_FOUND: "NOT_FOUND"}


def _dt(ts: timestamp_pb2.Timestamp) -> datetime:
    return datetime.fromtimestamp(ts.seconds + ts.nanos / 1e9, UTC)


# Statuses repeat: every case at one step of one program carries the same one. Status is
# immutable, so equal messages share one, found by their bytes (which decide every field).
_STATUS_CACHE_SIZE = 4096
_statuses: dict[bytes, Status] = {}


def status_from_proto(status: vocabulary_pb2.Status) -> Status:
    """Unknown enum values (a newer adapter) read as UNSPECIFIED."""
    key = status.SerializeToString()
    known = _statuses.get(key)
    if known is None:
        if len(_statuses) >= _STATUS_CACHE_SIZE:  # agency texts vary without bound, tables do not
            _statuses.clear()
        known = _statuses[key] = _status(status)
    return known


def _status(status: vocabulary_pb2.Status) -> Status:
    return Status(
        category=_CATEGORY.get(status.category, "UNSPECIFIED"),
        milestone=_MILESTONE.get(status.milestone, "UNSPECIFIED"),
        action_required=status.action_required,
        agency_code=status.agency_code, agency_text=status.agency_text,
        texts={t.language: Text(t.title, t.description, t.next_step) for t in status.texts},
        match=_MATCH.get(status.match, "UNSPECIFIED"),
        agency_texts=_wordings(status.agency_texts),
    )


def _wordings(texts: Iterable[vocabulary_pb2.LocalizedText]) -> dict[str, AgencyWording]:
    """Language -> the agency's own words; as for other localized texts, the first entry per
    language wins, empty ones are dropped and an adapter's excess is cut."""
    found: dict[str, AgencyWording] = {}
    for entry in texts:
        if len(found) >= _MAX_LANGUAGES:
            break
        tag = entry.language.strip().lower()
        if (tag and len(tag) <= _MAX_TAG and tag not in found
                and (entry.title.strip() or entry.description.strip())):
            found[tag] = AgencyWording(entry.title[:_MAX_TEXT], entry.description)
    return found


def localized_from_proto(texts: Iterable[vocabulary_pb2.LocalizedString]) -> dict[str, str]:
    """Language -> text; the first entry per language wins, empty ones are dropped, and an
    adapter's excess (too many languages, over-long texts) is cut."""
    found: dict[str, str] = {}
    for entry in texts:
        if len(found) >= _MAX_LANGUAGES:
            break
        tag = entry.language.strip().lower()
        if tag and len(tag) <= _MAX_TAG and entry.text.strip() and tag not in found:
            found[tag] = entry.text[:_MAX_TEXT]
    return found


def related_from_proto(agency_id: str,
                       related: Iterable[case_pb2.RelatedCase]) -> tuple[RelatedCase, ...]:
    """The related cases an agency named, as far as they can be used: an empty agency id
    means the agency's own; entries without a number or relation, over-long ones, duplicates
    and an adapter's excess are dropped."""
    found: dict[tuple[str, str], RelatedCase] = {}
    for entry in related:
        if len(found) >= _MAX_RELATED:
            break
        relation = _RELATION.get(entry.relation, "UNSPECIFIED")
        number = entry.case_number.strip()
        agency = entry.agency_id.strip() or agency_id
        if (relation != "UNSPECIFIED" and number and len(number) <= _MAX_NUMBER
                and len(agency) <= _MAX_NUMBER and (agency, number) not in found):
            found[(agency, number)] = RelatedCase(agency, number, relation)
    return tuple(found.values())


# An agency's premium timeframe is weeks (15 to 45 business days); a figure past this is not one.
_MAX_PREMIUM_DAYS = 366
_MAX_SOURCE = 200


def premium_from_proto(case: case_pb2.Case) -> Premium | None:
    """The case's premium processing as its agency stated it; None when it stated none or
    nothing usable (no request time, no business days in range)."""
    if not case.HasField("premium"):
        return None
    premium = case.premium
    if (not premium.HasField("requested_at")
            or not 0 < premium.business_days <= _MAX_PREMIUM_DAYS):
        return None
    return Premium(_dt(premium.requested_at), premium.business_days,
                   premium.source.strip()[:_MAX_SOURCE])


def case_from_proto(agency_id: str, case: case_pb2.Case, *, related: bool = False) -> Case:
    """A case's summary; with ``related`` (a read that released DETAILS, after its sealed
    fields were opened) also the cases the agency ties to it and its premium processing."""
    return Case(agency_id=agency_id, number=case.case_number, case_type=case.case_type,
                case_type_name=case.case_type_name, status=status_from_proto(case.status),
                opened_at=_dt(case.opened_at), updated_at=_dt(case.updated_at), office=case.office,
                case_type_names=localized_from_proto(case.case_type_names),
                related_cases=(related_from_proto(agency_id, case.related_cases) if related
                               else ()),
                premium=premium_from_proto(case) if related else None)


def _hearing(event: case_pb2.CaseEvent) -> Hearing | None:
    if not event.HasField("hearing"):
        return None
    h = event.hearing
    return Hearing(type=_HEARING_TYPE.get(h.type, "UNSPECIFIED"),
                   medium=_MEDIUM.get(h.medium, "UNSPECIFIED"), scheduled_at=_dt(h.scheduled_at),
                   time_zone=h.time_zone, court=h.court, court_address=h.court_address,
                   judge=h.judge)


def _due(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None  # a malformed due date from an agency is dropped, not fatal


_EVENT_PATH = re.compile(r"events\[(\d+)\]\.(.+)")


def unopened_by_event(paths: Iterable[str]) -> dict[int, tuple[str, ...]]:
    """Sealed-field paths that did not open, grouped by event index (see sealing.proto)."""
    grouped: dict[int, list[str]] = {}
    for path in paths:
        match = _EVENT_PATH.fullmatch(path)
        if match:
            grouped.setdefault(int(match.group(1)), []).append(match.group(2))
    return {i: tuple(names) for i, names in grouped.items()}


def events_from_proto(agency_id: str, case: case_pb2.Case,
                      unopened: Mapping[int, tuple[str, ...]] | None = None) -> list[Event]:
    """A case's events in the agency's order."""
    unopened = unopened or {}
    return [
        Event(agency_id=agency_id, case_number=case.case_number, event_id=e.event_id, seq=i,
              at=_dt(e.occurred_at), status=status_from_proto(e.status), due_date=_due(e.due_date),
              office=e.office, hearing=_hearing(e), unopened=unopened.get(i, ()))
        for i, e in enumerate(case.events)
    ]


def invalid_number_from_proto(detail: pb.InvalidNumberDetail) -> InvalidNumber:
    """An invalid number's structured problem (an unknown problem value reads UNSPECIFIED)."""
    return InvalidNumber(
        problem=_PROBLEM.get(detail.problem, "UNSPECIFIED"),
        expected_format=detail.expected_format[:_MAX_TEXT], example=detail.example[:_MAX_TEXT],
        format_names=localized_from_proto(detail.expected_format_names),
        part_names=localized_from_proto(detail.part_names), found=detail.found[:16],
        expected_length=max(detail.expected_length, 0),
        actual_length=max(detail.actual_length, 0),
        allowed=tuple(a[:16] for a in detail.allowed[:20]),
        notes=localized_from_proto(detail.notes))


def lookup_from_proto(agency_id: str, result: pb.LookupResult) -> LookupOutcome:
    """One LookupCases result."""
    if result.HasField("case_info"):
        return case_from_proto(agency_id, result.case_info)
    error = result.error
    code = _LOOKUP_CODE.get(error.code, "NOT_FOUND")
    invalid = (invalid_number_from_proto(error.invalid_number)
               if code == "INVALID_NUMBER" and error.HasField("invalid_number") else None)
    return LookupFailure(result.requested_number, code, error.message, agency_id=agency_id,
                         invalid=invalid)


_UNIT = {statistics_pb2.TARGET_UNIT_BUSINESS_DAYS: TargetUnit.BUSINESS_DAYS}
_KIND = {statistics_pb2.TARGET_KIND_STATUTORY: TargetKind.STATUTORY,
         statistics_pb2.TARGET_KIND_REGULATORY: TargetKind.REGULATORY,
         statistics_pb2.TARGET_KIND_PUBLISHED_GOAL: TargetKind.PUBLISHED_GOAL}
_INQUIRY = {statistics_pb2.INQUIRY_RULE_RECEIPT_PLUS_P80: InquiryRule.RECEIPT_PLUS_P80,
            statistics_pb2.INQUIRY_RULE_RECEIPT_PLUS_TARGET: InquiryRule.RECEIPT_PLUS_TARGET}
# More rows than any agency has offices or months than a period may span are cut: a faulty
# adapter cannot grow every cached answer.
_MAX_OFFICES = 1_000
_MAX_MONTHS = 37
_MAX_DECILES = 9
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def month_from_contract(raw: str) -> date | None:
    """"YYYY-MM" as the month's first day; None when malformed."""
    match = _MONTH.fullmatch(raw.strip())
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        return None


def _target(case_type: str, target: statistics_pb2.ProcessingTarget) -> ProcessingTarget:
    days = max(target.days, 0)
    return ProcessingTarget(
        case_type=target.case_type or case_type, days=days,
        # Unspecified counts as calendar days, the common case and the safer reading.
        unit=_UNIT.get(target.unit, TargetUnit.CALENDAR_DAYS),
        kind=_KIND.get(target.kind, TargetKind.NONE) if days else TargetKind.NONE,
        source=target.source[:_MAX_TEXT], basis=localized_from_proto(target.basis),
        source_url=target.source_url if target.source_url.startswith("https://") else "",
        inquiry_rule=_INQUIRY.get(target.inquiry_rule, InquiryRule.NONE))


def _figures(figures: statistics_pb2.CompletionFigures, has_target: bool) -> CompletionFigures:
    # A withheld figure is never shown as zero: the contract sends 0, the record says None.
    if figures.suppressed:
        return CompletionFigures(suppressed=True, completed=None, median_days=None,
                                 p80_days=None, within_target_share=None,
                                 withheld_cells=max(figures.withheld_cells, 0))
    share = min(max(figures.within_target_share, 0.0), 1.0) if has_target else None
    return CompletionFigures(
        suppressed=False, completed=max(figures.completed, 0),
        median_days=max(figures.median_days, 0), p80_days=max(figures.p80_days, 0),
        within_target_share=share,
        decile_days=tuple(max(d, 0) for d in figures.decile_days[:_MAX_DECILES]),
        withheld_cells=max(figures.withheld_cells, 0))


def _pending(pending: statistics_pb2.PendingAtMilestone) -> PendingAtMilestone:
    milestone = _MILESTONE.get(pending.milestone, "UNSPECIFIED")
    if pending.suppressed:
        return PendingAtMilestone(milestone, True, None, None)
    return PendingAtMilestone(milestone, False, max(pending.count, 0),
                              max(pending.median_age_days, 0))


def _office(office: statistics_pb2.OfficeStatistics, has_target: bool) -> OfficeStatistics:
    months = []
    for monthly in office.months[:_MAX_MONTHS]:
        month = month_from_contract(monthly.month)
        if month is not None:  # a malformed month from an agency is dropped, not fatal
            months.append(MonthlyFigures(month, _figures(monthly.figures, has_target)))
    return OfficeStatistics(office=office.office[:_MAX_TEXT] or None,
                            period=_figures(office.period, has_target), months=tuple(months),
                            pending=tuple(_pending(p) for p in office.pending[:64]))


def statistics_from_proto(agency_id: str, case_type: str,
                          response: pb.GetProcessingStatisticsResponse, *,
                          first_month: date, last_month: date) -> AgencyStatistics:
    """A GetProcessingStatistics answer; ``first_month``/``last_month`` (as asked) stand in
    for a period the agency did not state readably."""
    target = _target(case_type, response.target)
    has_target = target.days > 0
    return AgencyStatistics(
        agency_id=agency_id, case_type=case_type, target=target,
        first_month=month_from_contract(response.first_month) or first_month,
        last_month=month_from_contract(response.last_month) or last_month,
        min_cell_size=max(response.min_cell_size, 0),
        offices=tuple(_office(o, has_target) for o in response.offices[:_MAX_OFFICES]),
        computed_at=(_dt(response.computed_at) if response.HasField("computed_at")
                     else datetime.now(UTC)))
