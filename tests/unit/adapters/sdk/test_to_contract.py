"""Record-to-message conversion details that must not drift."""

from __future__ import annotations

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
from adapters.sdk.records import CaseRecord, EventRecord
from adapters.sdk.to_contract import (
    _fill_timestamp,
    case_to_proto,
    event_id_of,
    invalid_number_to_proto,
    number_format_to_proto,
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
