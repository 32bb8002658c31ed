"""Agency records to contract messages, mapping each status through the table."""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime
from functools import lru_cache

from google.protobuf import timestamp_pb2

from adapters.sdk.bounds import bounded_text
from adapters.sdk.due import action_over
from adapters.sdk.mapping import LocalizedText, MappedStatus, MappingTable
from adapters.sdk.numbers import InvalidNumberError, NumberFormat
from adapters.sdk.records import (
    AgencyWording,
    CaseRecord,
    EventRecord,
    HearingRecord,
    PremiumRecord,
    RelatedRecord,
)
from adapters.sdk.texts import in_languages, localized_strings
from adapters.sdk.vocabulary import category_to_proto, match_to_proto, milestone_to_proto
from caseline.v1 import agency_adapter_pb2, case_pb2, vocabulary_pb2

__all__ = ["MAX_RELATED_CASES", "case_to_proto", "event_id_of", "event_to_proto",
           "invalid_number_to_proto", "number_format_to_proto", "relation_to_proto",
           "status_to_proto"]

# More related cases than any person's file holds: an agency's excess is cut, not sent.
MAX_RELATED_CASES = 50


@lru_cache(maxsize=4096)
def _status_template(category: str, milestone: str, action_required: bool,
                     texts: tuple[LocalizedText, ...], match: str) -> vocabulary_pb2.Status:
    # The mapped part of a status depends only on the table entry; building its text messages
    # once per entry instead of once per event is most of the cost of serving a history.
    return vocabulary_pb2.Status(
        category=category_to_proto(category),
        milestone=milestone_to_proto(milestone),
        action_required=action_required,
        match=match_to_proto(match),
        texts=[vocabulary_pb2.LocalizedText(language=t.language, title=t.title,
                                            description=t.description, next_step=t.next_step)
               for t in texts],
    )


def status_to_proto(mapped: MappedStatus) -> vocabulary_pb2.Status:
    """A mapped status as the contract's Status message."""
    status = vocabulary_pb2.Status()
    _fill_status(status, mapped)
    return status


def _fill_status(status: vocabulary_pb2.Status, mapped: MappedStatus,
                 action_required: bool | None = None) -> None:
    if action_required is None:
        action_required = mapped.action_required
    status.CopyFrom(_status_template(mapped.category, mapped.milestone, action_required,
                                     mapped.texts, mapped.match))
    # The agency's own words are bounded before anything scans them (redaction, the reader).
    status.agency_code = bounded_text(mapped.agency_code)
    status.agency_text = bounded_text(mapped.agency_text)


def _fill_wordings(status: vocabulary_pb2.Status, event: EventRecord) -> None:
    """The agency's own words per language, when it supplies more than one: "en" first (its
    code and text, unless it gave English of its own), then the others in tag order."""
    if not event.wordings:
        return
    by_language: dict[str, AgencyWording] = {}
    for wording in event.wordings:
        if (wording.title or wording.text) and wording.language not in by_language:
            by_language[wording.language] = wording
    english = by_language.pop("en", AgencyWording("en", event.code, event.text))
    add = status.agency_texts.add
    for wording in (english, *(by_language[tag] for tag in sorted(by_language))):
        # Bounded before anything scans them, like agency_text.
        add(language=wording.language, title=bounded_text(wording.title),
            description=bounded_text(wording.text))


def _action_required(mapped: MappedStatus, event: EventRecord, now: datetime | None) -> bool:
    # The table says whether a status asks something of the person; the clock says whether it
    # still can: a past hearing or an ended deadline is no longer to do.
    return mapped.action_required and not (now is not None and action_over(event, now))


def _fill_timestamp(target: timestamp_pb2.Timestamp, value: datetime) -> None:
    # Several times faster than Timestamp.FromDatetime, with the same meaning: naive values
    # are UTC, and seconds are floored so instants before 1970 keep non-negative nanos.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    target.SetInParent()
    target.seconds = math.floor(value.timestamp())
    target.nanos = value.microsecond * 1000


def event_id_of(case_number: str, event: EventRecord) -> str:
    """The event's own id, or one derived from its content so it is stable across calls."""
    if event.event_id:
        return event.event_id
    basis = f"{case_number}|{event.occurred_at.isoformat()}|{event.code}".encode()
    return hashlib.sha256(basis).hexdigest()[:20]


def _fill_hearing(target: case_pb2.Hearing, hearing: HearingRecord) -> None:
    target.SetInParent()
    target.type = case_pb2.HearingType.Value(f"HEARING_TYPE_{hearing.type}")
    target.medium = case_pb2.HearingMedium.Value(f"HEARING_MEDIUM_{hearing.medium}")
    _fill_timestamp(target.scheduled_at, hearing.scheduled_at)
    target.time_zone = hearing.time_zone
    target.court = hearing.court
    target.court_address = hearing.court_address
    target.judge = hearing.judge


def _fill_event(target: case_pb2.CaseEvent, number: str, event: EventRecord,
                table: MappingTable, program: str | None, now: datetime | None) -> None:
    target.event_id = event_id_of(number, event)
    _fill_timestamp(target.occurred_at, event.occurred_at)
    mapped = table.map(event.code, event.text, program)
    _fill_status(target.status, mapped, _action_required(mapped, event, now))
    _fill_wordings(target.status, event)
    if event.due_date:
        target.due_date = event.due_date.isoformat()
    target.office = event.office
    if event.hearing is not None:
        _fill_hearing(target.hearing, event.hearing)


def event_to_proto(number: str, event: EventRecord, table: MappingTable,
                   program: str | None, *, now: datetime | None = None) -> case_pb2.CaseEvent:
    """One event of case ``number``, its status mapped under ``program``.

    With ``now``, an action whose hearing or deadline has passed is no longer required.
    """
    message = case_pb2.CaseEvent()
    _fill_event(message, number, event, table, program, now)
    return message


def relation_to_proto(relation: str) -> case_pb2.CaseRelation.ValueType:
    """A CaseRelation short name ("BASED_ON") as the contract's value; ValueError naming the
    accepted names otherwise."""
    try:
        return case_pb2.CaseRelation.Value(f"CASE_RELATION_{relation}")
    except ValueError:
        names = [n.removeprefix("CASE_RELATION_") for n, v in case_pb2.CaseRelation.items() if v]
        raise ValueError(f"unknown case relation {relation!r}; expected one of "
                         f"{', '.join(names)}") from None


def _fill_related(message: case_pb2.Case, related: tuple[RelatedRecord, ...]) -> None:
    add = message.related_cases.add
    for item in related[:MAX_RELATED_CASES]:
        add(agency_id=item.agency_id, case_number=item.number,
            relation=relation_to_proto(item.relation))


def case_to_proto(record: CaseRecord, table: MappingTable, program: str | None,
                  case_type_name: str, *, with_history: bool,
                  now: datetime | None = None,
                  case_type_names: tuple[tuple[str, str], ...] = (),
                  premium: PremiumRecord | None = None) -> case_pb2.Case:
    """A case; with history all events and the related cases are included, else only the
    current status (a public lookup never names the person's other cases).

    With ``now``, an action whose hearing or deadline has passed is no longer required, in
    the case's current status as in its events (the same rule, so the two agree).
    ``case_type_names`` are (language, name) pairs of the case type, English first.
    ``premium``: the case's premium processing as the profile reads it from the history, sent
    with the history when the record itself does not say.
    """
    # Messages are filled where they live: building parts apart and then setting them would
    # copy each one into its place, most of the cost of a long history.
    latest = record.events[-1]
    message = case_pb2.Case(case_number=record.number, case_type=record.case_type,
                            case_type_name=case_type_name, office=record.office,
                            case_type_names=localized_strings(case_type_names))
    mapped = table.map(latest.code, latest.text, program)
    _fill_status(message.status, mapped, _action_required(mapped, latest, now))
    _fill_wordings(message.status, latest)
    # A source answering without history holds only the latest event: the opening time is
    # the record's own, not that event's.
    _fill_timestamp(message.opened_at, record.opened)
    _fill_timestamp(message.updated_at, latest.occurred_at)
    if with_history:
        add = message.events.add
        for event in record.events:
            _fill_event(add(), record.number, event, table, program, now)
        if record.related:
            _fill_related(message, record.related)
        given = record.premium if record.premium is not None else premium
        if given is not None:
            _fill_timestamp(message.premium.requested_at, given.requested_at)
            message.premium.business_days = given.business_days
            message.premium.source = given.source
    return message


def number_format_to_proto(number_format: NumberFormat) -> case_pb2.NumberFormat:
    """A number format as Describe lists it, with its name and description per language."""
    f = number_format
    return case_pb2.NumberFormat(
        name=f.name, pattern=f.pattern, example=f.example, description=f.description,
        names=localized_strings(in_languages(f.name, f.names)),
        descriptions=localized_strings(in_languages(f.description, f.descriptions)))


def invalid_number_to_proto(error: InvalidNumberError) -> agency_adapter_pb2.InvalidNumberDetail:
    """The structured half of an invalid number's LookupError."""
    expected = error.expected
    return agency_adapter_pb2.InvalidNumberDetail(
        problem=agency_adapter_pb2.InvalidNumberProblem.Value(
            f"INVALID_NUMBER_PROBLEM_{error.problem.value}"),
        expected_format=expected.name, example=expected.example,
        expected_format_names=localized_strings(in_languages(expected.name, expected.names)),
        part_names=localized_strings(in_languages("", error.part)),
        found=error.found, expected_length=error.expected_length,
        actual_length=error.actual_length, allowed=list(error.allowed),
        notes=localized_strings(in_languages("", error.notes)))
