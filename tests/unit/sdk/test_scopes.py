"""Withholding at the source, over contract messages."""

from __future__ import annotations

from adapters.sdk.scopes import withhold
from caseline.v1 import case_pb2, vocabulary_pb2


def _case() -> case_pb2.Case:
    status = vocabulary_pb2.Status(agency_code="RFE", agency_text="Officer wrote: ...",
                                   texts=[vocabulary_pb2.LocalizedText(language="en",
                                                                       title="Evidence")])
    event = case_pb2.CaseEvent(event_id="e1", status=status, due_date="2026-03-01",
                               office="NBC", hearing=case_pb2.Hearing(court="Chicago"))
    return case_pb2.Case(case_number="IOE0990000001", case_type="I-765", office="NBC",
                         status=status, events=[event])


def test_status_only_keeps_status_fields() -> None:
    case = _case()
    withhold(case, {"STATUS"})
    assert case.case_number == "IOE0990000001" and case.status.agency_code == "RFE"
    assert case.status.texts[0].title == "Evidence"
    assert case.office == "" and case.status.agency_text == ""
    (event,) = case.events
    assert (event.due_date, event.office, event.status.agency_text) == ("", "", "")
    assert not event.HasField("hearing") and event.event_id == "e1"


def test_all_scopes_change_nothing() -> None:
    case = _case()
    withhold(case, {"STATUS", "DETAILS", "IDENTITY"})
    assert case == _case()


def test_an_identity_field_is_withheld_without_identity() -> None:
    split = {"Case": {"case_number": "IDENTITY"}}
    case = _case()
    withhold(case, {"STATUS", "DETAILS"}, split)
    assert case.case_number == "" and case.office == "NBC"
    kept = _case()
    withhold(kept, {"STATUS", "DETAILS", "IDENTITY"}, split)
    assert kept.case_number == "IOE0990000001"
