"""Record-to-message conversion details that must not drift."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from google.protobuf import timestamp_pb2

from adapters.immigration.profile import PROFILE as IMMIGRATION
from adapters.reference.catalog import REFERENCE_AGENCIES, profile
from adapters.reference.demo_store import DemoStore
from adapters.reference.seed import seed_store
from adapters.sdk.mapping import MappingTable
from adapters.sdk.numbers import InvalidNumberError, Problem
from adapters.sdk.records import (
    AgencyWording,
    CaseRecord,
    EventRecord,
    IdentityTerms,
    PremiumRecord,
    RelatedRecord,
)
from adapters.sdk.redaction import CaseRedactor, NumberFinder
from adapters.sdk.scopes import withhold
from adapters.sdk.to_contract import (
    MAX_RELATED_CASES,
    _fill_timestamp,
    case_to_proto,
    event_id_of,
    event_to_proto,
    invalid_number_to_proto,
    number_format_to_proto,
    relation_to_proto,
    status_to_proto,
)
from caseline.v1 import agency_adapter_pb2, case_pb2, vocabulary_pb2


@pytest.mark.parametrize("value", [
    datetime(2026, 3, 1, 14, 5, 6, 789012, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
    datetime(2026, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=-5))),
    datetime(2026, 3, 1, 14, 5, 6),  # naive: UTC, as protobuf's FromDatetime assumes
])
def test_timestamps_match_protobufs_own_conversion(value: datetime) -> None:
    """The fast conversion gives exactly what Timestamp.FromDatetime gives."""
    expected = timestamp_pb2.Timestamp()
    expected.FromDatetime(value)
    filled = timestamp_pb2.Timestamp()
    _fill_timestamp(filled, value)
    assert filled == expected


def _reference_case(record: CaseRecord, table: MappingTable, program: str | None,
                    case_type_name: str, *, with_history: bool) -> case_pb2.Case:
    """The conversion written plainly, part by part: what the filling-in-place one must give."""
    def timestamp(value: datetime) -> timestamp_pb2.Timestamp:
        stamp = timestamp_pb2.Timestamp()
        stamp.FromDatetime(value)
        return stamp

    def event(e: EventRecord) -> case_pb2.CaseEvent:
        message = case_pb2.CaseEvent(
            event_id=event_id_of(record.number, e), occurred_at=timestamp(e.occurred_at),
            status=status_to_proto(table.map(e.code, e.text, program)),
            due_date=e.due_date.isoformat() if e.due_date else "", office=e.office)
        if e.hearing is not None:
            h = e.hearing
            message.hearing.CopyFrom(case_pb2.Hearing(
                type=case_pb2.HearingType.Value(f"HEARING_TYPE_{h.type}"),
                medium=case_pb2.HearingMedium.Value(f"HEARING_MEDIUM_{h.medium}"),
                scheduled_at=timestamp(h.scheduled_at), time_zone=h.time_zone, court=h.court,
                court_address=h.court_address, judge=h.judge))
        return message

    latest = record.events[-1]
    message = case_pb2.Case(
        case_number=record.number, case_type=record.case_type, case_type_name=case_type_name,
        status=status_to_proto(table.map(latest.code, latest.text, program)),
        opened_at=timestamp(record.events[0].occurred_at),
        updated_at=timestamp(latest.occurred_at), office=record.office)
    if with_history:
        message.events.extend(event(e) for e in record.events)
        message.related_cases.extend(
            case_pb2.RelatedCase(agency_id=r.agency_id, case_number=r.number,
                                 relation=case_pb2.CaseRelation.Value(f"CASE_RELATION_{r.relation}"))
            for r in record.related)
    return message


@pytest.mark.parametrize("agency_id", REFERENCE_AGENCIES)
def test_cases_convert_exactly_as_built_part_by_part(agency_id: str, tmp_path: Path) -> None:
    store_path = tmp_path / f"{agency_id}.sqlite3"
    seed_store(store_path, agency_id, cases=150, seed=11, today=date(2026, 11, 1),
               progress=False)
    agency = profile(agency_id)
    table = MappingTable.load(agency.mapping_path)
    store = DemoStore(store_path)
    records = store.find_cases(_all_numbers(store_path), with_history=True)
    assert len(records) > 100
    hearings = 0
    for record in records.values():
        hearings += sum(e.hearing is not None for e in record.events)
        for with_history in (True, False):
            args = (record, table, agency.program_of(record.case_type), "Name")
            fast = case_to_proto(*args, with_history=with_history)
            assert fast == _reference_case(*args, with_history=with_history)
            assert fast.SerializeToString(deterministic=True) == _reference_case(
                *args, with_history=with_history).SerializeToString(deterministic=True)
    if agency_id == "courts":
        assert hearings, "the courts' histories should include hearings"


def _all_numbers(path: Path) -> list[str]:
    import sqlite3

    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT number FROM cases")]


def test_a_case_carries_its_type_name_in_each_language(tmp_path: Path) -> None:
    """The names given go on the case in order; none given, none sent (as before)."""
    from adapters.immigration.profile import PROFILE

    store_path = tmp_path / "immigration.sqlite3"
    seed_store(store_path, "immigration", cases=1, seed=1, today=date(2026, 11, 1),
               progress=False)
    record = DemoStore(store_path).find_cases(["IOE0990000001"], with_history=False)[
        "IOE0990000001"]
    table = MappingTable.load(PROFILE.mapping_path)
    names = PROFILE.case_type_in_languages(record.case_type)
    case = case_to_proto(record, table, None, names[0][1], with_history=False,
                         case_type_names=names)
    assert [(n.language, n.text) for n in case.case_type_names] == [
        ("en", "Application for Employment Authorization"),
        ("es", "Solicitud de Autorización de Empleo")]
    assert not case_to_proto(record, table, None, "x", with_history=False).case_type_names


def test_a_number_format_carries_its_name_and_description_per_language() -> None:
    from adapters.immigration.numbers import RECEIPT

    message = number_format_to_proto(RECEIPT)
    assert [(n.language, n.text) for n in message.names] == [
        ("en", "USCIS receipt number"), ("es", "número de recibo de USCIS")]
    assert [d.language for d in message.descriptions] == ["en", "es"]
    assert message.descriptions[0].text == message.description == RECEIPT.description


def test_an_invalid_number_carries_its_structure() -> None:
    from adapters.labor.numbers import normalize

    with pytest.raises(InvalidNumberError) as caught:
        normalize("G-100-24123-12345")
    detail = invalid_number_to_proto(caught.value)
    assert detail.problem == agency_adapter_pb2.INVALID_NUMBER_PROBLEM_WRONG_LENGTH
    assert (detail.expected_format, detail.example) == ("PERM", "G-100-24123-123456")
    assert [(p.language, p.text) for p in detail.part_names] == [
        ("en", "sequence number"), ("es", "número de secuencia")]
    assert (detail.expected_length, detail.actual_length) == (6, 5)
    assert [n.language for n in detail.expected_format_names] == ["en", "es"]


def test_every_problem_the_sdk_names_is_one_the_contract_has() -> None:
    """Problem and the contract's InvalidNumberProblem list the same values."""
    contract = {name.removeprefix("INVALID_NUMBER_PROBLEM_")
                for name in agency_adapter_pb2.InvalidNumberProblem.DESCRIPTOR.values_by_name}
    assert {p.value for p in Problem} == contract


def test_a_status_says_how_its_code_matched() -> None:
    """EXACT, VARIANT, AMBIGUOUS and NONE reach the contract; unknown codes keep their words."""
    table = MappingTable.load(IMMIGRATION.mapping_path)
    status = {text: status_to_proto(table.map(text, "words"))
              for text in ("Case Was Approved", "Interview Has Been Cancelled",
                           "Card Has Been Destroyed", "Case Was Teleported")}
    assert [vocabulary_pb2.StatusMatch.Name(s.match) for s in status.values()] == [
        "STATUS_MATCH_EXACT", "STATUS_MATCH_VARIANT", "STATUS_MATCH_AMBIGUOUS",
        "STATUS_MATCH_NONE"]
    unknown = status["Case Was Teleported"]
    assert (unknown.category, unknown.agency_code, unknown.agency_text) == (
        0, "Case Was Teleported", "words")


# The agency's own words in several languages (EventRecord.wordings) become
# Status.agency_texts: English first and equal to agency_text, withheld and masked like it.

WORDINGS_TABLE = MappingTable.load(IMMIGRATION.mapping_path)
AT = datetime(2026, 5, 2, 14, tzinfo=UTC)
TITLE, TEXT = "Case Was Received", "We received your Form I-765 for Ana Reyes, A201555123."
SPANISH = AgencyWording("es", "Caso Fue Recibido",
                        "Recibimos su Formulario I-765 para Ana Reyes, A201555123.")


def _worded_event(*wordings: AgencyWording) -> EventRecord:
    return EventRecord(occurred_at=AT, code=TITLE, text=TEXT, wordings=wordings)


def _worded_record(event: EventRecord) -> CaseRecord:
    return CaseRecord(number="IOE0990000001", case_type="I-765", office="",
                      subject_ref="A201555123", access_code="", events=(event,),
                      identity=IdentityTerms(names=("Ana Reyes",)))


def _worded_case(event: EventRecord) -> case_pb2.Case:
    return case_to_proto(_worded_record(event), WORDINGS_TABLE, None,
                         "Application for Employment Authorization", with_history=True)


def test_english_comes_first_and_equals_agency_text() -> None:
    """With Spanish supplied, the list is English (the code and text) then Spanish."""
    status = event_to_proto("IOE0990000001", _worded_event(SPANISH), WORDINGS_TABLE,
                            None).status
    assert [(t.language, t.title, t.description) for t in status.agency_texts] == [
        ("en", TITLE, TEXT), ("es", SPANISH.title, SPANISH.text)]
    assert status.agency_texts[0].description == status.agency_text
    assert status.agency_texts[0].next_step == ""


def test_the_case_status_and_every_event_carry_the_languages() -> None:
    """Case.status (the latest event) and the history's events both carry them."""
    case = _worded_case(_worded_event(SPANISH))
    assert [t.language for t in case.status.agency_texts] == ["en", "es"]
    assert [t.language for t in case.events[0].status.agency_texts] == ["en", "es"]


def test_an_agency_with_one_language_sends_no_list() -> None:
    """No wordings: agency_text alone, as before the field existed."""
    status = event_to_proto("IOE0990000001", _worded_event(), WORDINGS_TABLE, None).status
    assert status.agency_text == TEXT and not status.agency_texts


def test_empty_and_repeated_languages_are_left_out_and_tags_sorted() -> None:
    """An empty wording is dropped, the first per language wins, others follow "en" in tag
    order; an "en" wording of the agency's own replaces the code and text."""
    status = event_to_proto("IOE0990000001", _worded_event(
        AgencyWording("fr", "", ""), AgencyWording("vi", "Đã nhận", ""), SPANISH,
        AgencyWording("es", "otra", "otra"), AgencyWording("en", "Received", "Got it")),
        WORDINGS_TABLE, None).status
    assert [(t.language, t.title) for t in status.agency_texts] == [
        ("en", "Received"), ("es", SPANISH.title), ("vi", "Đã nhận")]


def test_a_status_only_reader_gets_no_language_of_the_agencys_words() -> None:
    """Withholding DETAILS clears the list with agency_text; the mapped texts stay."""
    case = _worded_case(_worded_event(SPANISH))
    withhold(case, frozenset({"STATUS"}))
    assert not case.status.agency_texts and not case.events[0].status.agency_texts
    assert case.status.agency_text == "" and case.status.texts


def test_identity_values_are_masked_in_every_language() -> None:
    """The person's name and A-number are masked in the Spanish as in the English."""
    case = _worded_case(_worded_event(SPANISH))
    record = _worded_record(_worded_event(SPANISH))
    CaseRedactor(NumberFinder(IMMIGRATION.number_formats), record).case(case)
    for status in (case.status, case.events[0].status):
        for wording in status.agency_texts:
            assert "Ana Reyes" not in wording.description
            assert "A201555123" not in wording.description
        assert status.agency_texts[1].description.startswith("Recibimos su Formulario I-765")


def _related_record(*related: RelatedRecord) -> CaseRecord:
    event = EventRecord(datetime(2026, 3, 1, 14, tzinfo=UTC), "Case Was Received", "Received")
    return CaseRecord("IOE0990000011", "I-140", "Potomac", "A098765432", "", (event,),
                      related=related)


def test_related_cases_go_with_history_only() -> None:
    """A subject read names the cases the agency ties to this one; a public lookup (no
    history) never names the person's other cases."""
    table = MappingTable.load(IMMIGRATION.mapping_path)
    record = _related_record(RelatedRecord("labor", "G-100-24218-604417", "BASED_ON"),
                             RelatedRecord("immigration", "IOE0990000012", "BASIS_FOR"))
    full = case_to_proto(record, table, None, "I-140", with_history=True)
    assert [(r.agency_id, r.case_number, r.relation) for r in full.related_cases] == [
        ("labor", "G-100-24218-604417", case_pb2.CASE_RELATION_BASED_ON),
        ("immigration", "IOE0990000012", case_pb2.CASE_RELATION_BASIS_FOR)]
    assert not case_to_proto(record, table, None, "I-140", with_history=False).related_cases
    # And a consent without DETAILS withholds them at the source.
    withhold(full, frozenset({"STATUS", "IDENTITY"}))
    assert not full.related_cases


def test_related_cases_beyond_the_limit_are_cut_and_unknown_relations_refused() -> None:
    table = MappingTable.load(IMMIGRATION.mapping_path)
    many = tuple(RelatedRecord("immigration", f"IOE09900001{i:02d}", "FILED_WITH")
                 for i in range(MAX_RELATED_CASES + 5))
    case = case_to_proto(_related_record(*many), table, None, "I-140", with_history=True)
    assert len(case.related_cases) == MAX_RELATED_CASES
    assert relation_to_proto("HEARD_IN") == case_pb2.CASE_RELATION_HEARD_IN
    with pytest.raises(ValueError, match=r"'COUSIN_OF'.*BASED_ON, BASIS_FOR, FILED_WITH"):
        relation_to_proto("COUSIN_OF")


def test_related_case_numbers_are_masked_for_a_reader_without_identity() -> None:
    """Another case's number is the person's, like any number in a text: masked whole for a
    reader without IDENTITY, whichever agency's format it is in."""
    table = MappingTable.load(IMMIGRATION.mapping_path)
    record = _related_record(RelatedRecord("labor", "G-100-24218-604417", "BASED_ON"))
    case = case_to_proto(record, table, None, "I-140", with_history=True)
    CaseRedactor(NumberFinder(IMMIGRATION.number_formats), record).case(case)
    (related,) = case.related_cases
    assert related.agency_id == "labor" and "24218" not in related.case_number
    assert related.case_number.endswith("4417")


def test_premium_processing_goes_with_history_only_and_needs_details() -> None:
    """8 CFR 106.4: a case's premium processing (request time, business days, source) is
    sent with a subject's read, from the record or else from what the profile reads in the
    history; never in a public lookup, and withheld without DETAILS."""
    table = MappingTable.load(IMMIGRATION.mapping_path)
    requested = datetime(2026, 3, 2, 18, tzinfo=UTC)
    record = replace(_related_record(), premium=PremiumRecord(requested, 45, "8 CFR 106.4"))
    full = case_to_proto(record, table, None, "I-140", with_history=True)
    assert full.premium.requested_at.ToDatetime(tzinfo=UTC) == requested
    assert (full.premium.business_days, full.premium.source) == (45, "8 CFR 106.4")
    read = case_to_proto(_related_record(), table, None, "I-140", with_history=True,
                         premium=PremiumRecord(requested, 15, "8 CFR 106.4"))
    assert read.premium.business_days == 15
    assert not case_to_proto(record, table, None, "I-140", with_history=False).HasField(
        "premium")
    withhold(full, frozenset({"STATUS", "IDENTITY"}))
    assert not full.HasField("premium")
