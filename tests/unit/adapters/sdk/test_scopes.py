"""Withholding at the source, over contract messages."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from google.protobuf import timestamp_pb2
from google.protobuf.message import Message

from adapters.sdk.scopes import FIELD_SCOPES, withhold, withhold_event
from caseline.v1 import case_pb2, vocabulary_pb2
from caseline.v1.lib.scopes import Scope

ALL = {"STATUS", "DETAILS", "IDENTITY"}


def _status() -> vocabulary_pb2.Status:
    return vocabulary_pb2.Status(
        category=vocabulary_pb2.STATUS_CATEGORY_ACTIVE,
        milestone=vocabulary_pb2.MILESTONE_EVIDENCE_REQUESTED, action_required=True,
        agency_code="RFE", agency_text="Officer wrote: ...",
        texts=[vocabulary_pb2.LocalizedText(language="en", title="Evidence",
                                            description="Send it", next_step="Answer")])


def _event() -> case_pb2.CaseEvent:
    return case_pb2.CaseEvent(
        event_id="e1", occurred_at=timestamp_pb2.Timestamp(seconds=1_700_000_000),
        status=_status(), due_date="2026-03-01", office="NBC",
        hearing=case_pb2.Hearing(court="Chicago", judge="Judge Doe",
                                 scheduled_at=timestamp_pb2.Timestamp(seconds=1_800_000_000)))


def _case() -> case_pb2.Case:
    return case_pb2.Case(
        case_number="IOE0990000001", case_type="I-765", case_type_name="Work permit",
        opened_at=timestamp_pb2.Timestamp(seconds=1_600_000_000),
        updated_at=timestamp_pb2.Timestamp(seconds=1_700_000_000),
        office="NBC", status=_status(), events=[_event(), _event()])


def _assert_status_kept(status: vocabulary_pb2.Status) -> None:
    assert status.category == vocabulary_pb2.STATUS_CATEGORY_ACTIVE
    assert status.milestone == vocabulary_pb2.MILESTONE_EVIDENCE_REQUESTED
    assert status.action_required and status.agency_code == "RFE"
    assert status.texts[0] == _status().texts[0]


def test_status_only_keeps_status_fields_and_drops_details() -> None:
    """STATUS alone: numbers, dates and mapped status stay; wording, offices, due dates and
    hearings go, on the case and on every event."""
    case = _case()
    withhold(case, {"STATUS"})
    assert (case.case_number, case.case_type, case.case_type_name) == (
        "IOE0990000001", "I-765", "Work permit")
    assert case.opened_at.seconds and case.updated_at.seconds
    _assert_status_kept(case.status)
    assert case.office == "" and case.status.agency_text == ""
    assert len(case.events) == 2
    for event in case.events:
        assert event.event_id == "e1" and event.occurred_at.seconds == 1_700_000_000
        _assert_status_kept(event.status)
        assert (event.due_date, event.office, event.status.agency_text) == ("", "", "")
        assert not event.HasField("hearing")


def test_details_release_the_agency_wording_offices_and_hearings() -> None:
    """STATUS + DETAILS: nothing of the current messages is withheld."""
    case = _case()
    withhold(case, {"STATUS", "DETAILS"})
    assert case == _case()


def test_all_scopes_change_nothing() -> None:
    case = _case()
    withhold(case, ALL)
    assert case == _case()


def test_without_status_nothing_is_released() -> None:
    """A caller without STATUS (the SDK refuses it first) would get an empty message."""
    case = _case()
    withhold(case, {"DETAILS"})
    assert not case.HasField("status") and not case.events and case.case_number == ""
    assert case.office == "NBC"


def test_an_event_alone_is_withheld_the_same_way() -> None:
    event = _event()
    withhold_event(event, frozenset({"STATUS"}))
    _assert_status_kept(event.status)
    assert (event.due_date, event.office, event.status.agency_text) == ("", "", "")
    assert not event.HasField("hearing")
    kept = _event()
    withhold_event(kept, ALL)
    assert kept == _event()


def test_an_absent_status_is_not_created() -> None:
    event = case_pb2.CaseEvent(event_id="e1", office="NBC")
    withhold_event(event, {"STATUS"})
    assert not event.HasField("status") and event.office == ""


def _with(message: str, field: str, scope: str) -> Mapping[str, Mapping[str, str]]:
    return {**FIELD_SCOPES, message: {**FIELD_SCOPES[message], field: scope}}


def test_an_identity_field_is_withheld_without_identity() -> None:
    """The IDENTITY mechanism is ready: a field mapped to it needs it."""
    split = _with("Case", "case_number", "IDENTITY")
    case = _case()
    withhold(case, {"STATUS", "DETAILS"}, split)
    assert case.case_number == "" and case.office == "NBC" and case.case_type == "I-765"
    kept = _case()
    withhold(kept, ALL, split)
    assert kept.case_number == "IOE0990000001"


def test_an_unclassified_field_is_withheld_unless_every_scope_is_granted() -> None:
    """Fail closed: a field the split does not name leaves only with all three scopes."""
    split = {**FIELD_SCOPES, "Case": {k: v for k, v in FIELD_SCOPES["Case"].items()
                                      if k != "case_type_name"}}
    case = _case()
    withhold(case, {"STATUS", "DETAILS"}, split)
    assert case.case_type_name == "" and case.case_type == "I-765"
    kept = _case()
    withhold(kept, ALL, split)
    assert kept.case_type_name == "Work permit"


@pytest.mark.parametrize("message", [case_pb2.Case, case_pb2.CaseEvent, vocabulary_pb2.Status])
def test_every_contract_field_is_classified_under_a_known_scope(
        message: type[Message]) -> None:
    """A field added to the contract must be placed in a scope here, deliberately."""
    fields = {f.name for f in message.DESCRIPTOR.fields}
    split = FIELD_SCOPES[message.DESCRIPTOR.name]
    assert set(split) == fields
    assert set(split.values()) <= set(Scope)


@pytest.mark.parametrize("scopes", [{"STATUS"}, {"DETAILS"}, {"STATUS", "DETAILS"},
                                    {"STATUS", "IDENTITY"}, set()])
def test_token_scopes_withhold_exactly_as_any_collection_does(scopes: set[str]) -> None:
    # Tokens carry frozensets, whose split is worked out once and reused; it must not differ.
    from_set, from_token = _case(), _case()
    withhold(from_set, scopes)
    for _ in range(2):  # the second time from the cache
        withhold(from_token, frozenset(scopes))
    assert from_token == from_set
